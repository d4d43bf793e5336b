package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Files on an image mkfs.xfs made with a stripe unit get the blocks Linux 6.1 gave the same writes.
 * Measured with the oracle's linux-mount on the same mkfs.xfs 6.1 images ({@code -d su=64k,sw=2}
 * on 1 GiB: sunit 16 and swidth 32 blocks; {@code -d su=2m,sw=1}: 512 blocks), O_DIRECT writes of
 * one buffer each, xfs_io bmap -v: an allocation at EOF of at least a stripe unit starts on one
 * (or on the stripe width with swalloc, nowhere in particular with noalign), a smaller one goes
 * anywhere, a write past EOF ends on a stripe unit once the file holds one, and a file's next
 * extent first tries to follow its last. xfs_repair -n judges the image.
 */
class StripeAlignmentFollowsLinuxTest {
    @TempDir
    Path tmp;

    @Test
    void allocationsAtEofStartOnTheStripeUnit() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 1L << 30, "-d", "su=64k,sw=2");
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("dax"))) {
                long root = fs.rootIno();
                long a = write(fs, "a", 0, 64 << 10);
                assertEquals(32, blockAt(fs, a, 0), "64 KiB at offset 0: on a stripe unit");
                long b = write(fs, "b", 0, 4 << 10);
                assertEquals(10, blockAt(fs, b, 0), "4 KiB: less than a stripe unit, anywhere");
                write(fs, "a", 64 << 10, 64 << 10);
                assertRun(fs, a, 0, 32, 32);    // the exact try follows the file's last extent
                assertRun(fs, write(fs, "c", 0, 1 << 20), 0, 64, 256);
                long d = fs.create(root, "d", 0644, 0, 0);
                XfsImages.fallocate(fs, d, 0, 0, 64 << 10);
                assertRun(fs, d, 0, 320, 16);
                assertRun(fs, write(fs, "f", 0, 24 << 10), 0, 24, 6);
                assertRun(fs, write(fs, "g", 0, 80 << 10), 0, 336, 20);
                long h = write(fs, "h", 1 << 20, 64 << 10);
                assertRun(fs, h, 256, 368, 16);   // past EOF and not at offset 0: exact, then aligned
                write(fs, "h", 0, 64 << 10);
                assertRun(fs, h, 0, 384, 16);
                write(fs, "h", 1088 << 10, 4 << 10);
                write(fs, "h", 1092 << 10, 64 << 10);
                // The 4 KiB write past EOF ended on the next stripe unit; the next write filled it.
                assertRun(fs, h, 272, 400, 17);
                // Linux's x: a 64 KiB hint and 4 KiB written at 4 KiB, one aligned 16 blocks.
                long x = fs.create(root, "x", 0644, 0, 0);
                try (OpenFile f = fs.open(x, OpenFlags.O_RDWR)) {
                    f.setExtsize(64 << 10);
                    f.fallocate(0, 4096, 4096);
                }
                assertRun(fs, x, 0, 432, 16);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("dax,swalloc"))) {
                assertRun(fs, write(fs, "s", 0, 64 << 10), 0, 448, 16);   // on the stripe width
            }
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("dax,noalign"))) {
                assertRun(fs, write(fs, "n", 0, 64 << 10), 0, 464, 16);   // beside s, unaligned to the width
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    @Test
    void twoMegabyteStripeUnitsMakeTwoMegabyteAlignedExtents() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 1L << 30, "-d", "su=2m,sw=1");
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("dax"))) {
                assertRun(fs, write(fs, "p", 0, 2 << 20), 0, 1024, 512);
                assertRun(fs, write(fs, "r", 0, 4 << 10), 0, 520, 1);
                // A 2 MiB hint makes 4 KiB at offset 0 a whole stripe unit, aligned.
                long q = fs.create(fs.rootIno(), "q", 0644, 0, 0);
                try (OpenFile f = fs.open(q, OpenFlags.O_RDWR)) {
                    f.setExtsize(2 << 20);
                    f.write(0, new byte[4096], 0, 4096);
                }
                assertRun(fs, q, 0, 1536, 512);
                long t = fs.create(fs.rootIno(), "t", 0644, 0, 0);
                XfsImages.fallocate(fs, t, 0, 0, 2 << 20);
                assertRun(fs, t, 0, 2048, 512);
                long u = fs.create(fs.rootIno(), "u", 0644, 0, 0);
                try (OpenFile f = fs.open(u, OpenFlags.O_RDWR)) {
                    f.setExtsize(2 << 20);
                    f.fallocate(0, 4096, 4096);
                }
                assertRun(fs, u, 0, 2560, 512);
                long v = fs.create(fs.rootIno(), "v", 0644, 0, 0);
                for (int i = 0; i < 3; i++) {
                    write(fs, "v", (long) i << 20, 1 << 20);
                }
                // 1 MiB writes are less than a stripe unit: placed by the plain near search.
                assertRun(fs, v, 0, 521, 256);
                assertRun(fs, v, 256, 10, 256);
                assertRun(fs, v, 512, 3072, 256);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /** Writes {@code len} bytes at {@code pos} of root file {@code name}, made first when absent; its inode. */
    private static long write(FileSystem fs, String name, long pos, int len) throws Exception {
        long ino;
        try {
            ino = fs.lookup(fs.rootIno(), name);
        } catch (dev.jdax.api.FsException e) {
            ino = fs.create(fs.rootIno(), name, 0644, 0, 0);
        }
        XfsImages.write(fs, ino, pos, new byte[len]);
        return ino;
    }

    /** The disk block under file block {@code fileBlock} (4 KiB blocks), -1 in a hole. */
    private static long blockAt(FileSystem fs, long ino, long fileBlock) throws Exception {
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            for (FiemapExtent e : f.fiemap(0, Long.MAX_VALUE)) {
                long at = fileBlock << 12;
                if (at >= e.logical() && at < e.logical() + e.length()) {
                    return (e.physical() + at - e.logical()) >> 12;
                }
            }
        }
        return -1;
    }

    /** File blocks {@code [fileBlock, +count)} are on disk blocks {@code [disk, +count)}. */
    private static void assertRun(FileSystem fs, long ino, long fileBlock, long disk, long count) throws Exception {
        assertEquals(disk, blockAt(fs, ino, fileBlock), "file block " + fileBlock);
        assertEquals(disk + count - 1, blockAt(fs, ino, fileBlock + count - 1), "file block " + (fileBlock + count - 1));
    }

    /** Four threads write and preallocate files, half with a hint, on a striped image: the data, sizes and image stay whole. */
    @Test
    void hintedAndStripedWritersInParallelKeepTheImageClean() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 1L << 30, "-d", "su=64k,sw=2");
        int threads = 4;
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("dax"))) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                List<Future<long[]>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    done.add(pool.submit(() -> {
                        long[] inos = new long[8];
                        for (int i = 0; i < inos.length; i++) {
                            inos[i] = fs.create(fs.rootIno(), "t" + id + "-" + i, 0644, 0, 0);
                            try (OpenFile f = fs.open(inos[i], OpenFlags.O_RDWR)) {
                                if (i % 2 == 0) {
                                    f.setExtsize(64 << 10);
                                }
                                byte[] data = new byte[5000 + id];
                                Arrays.fill(data, (byte) (id + 1));
                                for (int k = 0; k < 6; k++) {
                                    f.write(k * 20_000L, data, 0, data.length);
                                }
                                f.fallocate(0, 300_000, 10_000);
                            }
                        }
                        return inos;
                    }));
                }
                pool.shutdown();
                for (int t = 0; t < threads; t++) {
                    for (long ino : done.get(t).get()) {
                        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
                            // Whatever the hint rounded out, the extents never overlap and cover every write.
                            long end = -1;
                            for (FiemapExtent e : f.fiemap(0, Long.MAX_VALUE)) {
                                assertTrue(e.logical() >= end, "extents in order, apart");
                                end = e.logical() + e.length();
                            }
                            assertEquals(310_000, f.stat().size());
                            byte[] b = new byte[1];
                            for (int k = 0; k < 6; k++) {
                                f.read(k * 20_000L + 4999, b, 0, 1);
                                assertEquals(t + 1, b[0], "thread " + t + "'s byte at write " + k);
                            }
                        }
                    }
                }
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }
}
