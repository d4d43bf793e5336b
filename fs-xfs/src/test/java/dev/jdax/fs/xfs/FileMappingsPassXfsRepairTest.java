package dev.jdax.fs.xfs;

import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Block allocation for writes, fallocate's modes and truncation change the data fork the way
 * XFS does — holes reported whole, a bmbt once the extents outgrow the inode — and leave a file
 * system xfs_repair -n finds clean. Data moves here as the engine moves it: through the iomap.
 */
class FileMappingsPassXfsRepairTest {
    @TempDir
    Path tmp;

    /** Writes {@code data} at {@code pos} the way the engine does: iomap WRITE, then a store at the address. */
    static void write(XfsFileSystem fs, XfsInode in, long pos, byte[] data) throws FsException {
        long done = 0;
        XfsIomap iomap = new XfsIomap(fs);
        while (done < data.length) {
            Iomap m = iomap.begin(in, pos + done, data.length - done, IomapOps.WRITE);
            long end = Math.min(m.end(), pos + data.length);
            if (m.has(Iomap.F_NEW)) {
                fs.device().zero(m.addr(), m.length());
            }
            fs.device().store(m.addrOf(pos + done), MemorySegment.ofArray(data), done, end - pos - done);
            done = end - pos;
        }
        if (pos + data.length > in.di_size()) {
            java.time.Instant now = java.time.Instant.now();
            fs.fileOps().setSize(in, pos + data.length, now, now);
        }
    }

    /** fallocate at the format level, with the size the engine would keep. */
    static void fallocate(XfsFileSystem fs, XfsInode in, int mode, long offset, long length) throws FsException {
        long size = fs.fileOps().fallocate(in, mode, offset, length, in.di_size());
        if (size != in.di_size()) {
            java.time.Instant now = java.time.Instant.now();
            fs.fileOps().setSize(in, size, now, now);
        }
    }

    @Test
    void holesAreReportedWholeAndWritesAllocate() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem fs = XfsImages.formatRw(dev);
            XfsInode in = XfsImages.create(fs, "f");
            Iomap hole = new XfsIomap(fs).begin(in, 0, 8L << 20, IomapOps.REPORT);
            assertEquals(IomapType.HOLE, hole.type());
            assertEquals(8L << 20, hole.length(), "one answer for the whole hole, up to the length asked");
            byte[] data = new byte[5000];
            new Random(2).nextBytes(data);
            write(fs, in, 4L << 20, data);
            Iomap before = new XfsIomap(fs).begin(in, 4096, 64L << 20, IomapOps.REPORT);
            assertEquals(IomapType.HOLE, before.type());
            assertEquals((4L << 20) - 4096, before.length(), "the hole ends where the data starts");
            Iomap mapped = new XfsIomap(fs).begin(in, 4L << 20, 1 << 20, IomapOps.REPORT);
            assertEquals(IomapType.MAPPED, mapped.type());
            assertEquals(8192, mapped.length());
            byte[] back = XfsImages.readAll(fs, in.ino());
            assertArrayEquals(data, java.util.Arrays.copyOfRange(back, 4 << 20, (4 << 20) + 5000));
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    @Test
    void elevenThousandExtentsMakeATwoLevelBmbtThatXfsRepairAccepts() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        int extents = 11_000;
        long ino;
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem fs = XfsImages.formatRw(dev);
            XfsInode in = XfsImages.create(fs, "sparse");
            ino = in.ino();
            byte[] block = new byte[4096];
            for (int i = 0; i < extents; i++) {
                java.util.Arrays.fill(block, (byte) i);
                write(fs, in, 2L * i * 4096, block);
            }
            assertEquals(XfsInode.FMT_BTREE, in.di_format());
            assertEquals(extents, in.di_nextents());
            assertEquals(2, Buf.be16(in.dataFork(), 0), "the root in the inode is a level-2 node");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem fs = XfsImages.formatRw(dev);
            byte[] got = XfsImages.readAll(fs, ino);
            for (int i = 0; i < extents; i++) {
                assertEquals((byte) i, got[2 * i * 4096], "data block " + i);
                if (i + 1 < extents) {
                    assertEquals(0, got[(2 * i + 1) * 4096], "the hole after data block " + i);
                }
            }
            // Back under the one-level limit: the tree shrinks, its freed blocks return to the free space.
            XfsInode in = fs.iget(ino);
            fs.fileOps().truncate(in, 2L * 4000 * 4096, java.time.Instant.now());
            assertEquals(4000, in.di_nextents());
            assertEquals(1, Buf.be16(in.dataFork(), 0));
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /**
     * A bmbt of several leaves changed anywhere — writes landing mid-tree, punches, collapses,
     * inserts — rewrites only the blocks from the change on; after a remount every block reads as
     * written and xfs_repair -n finds the tree sound.
     */
    @Test
    void aBmbtOfManyLeavesChangedAnywhereReadsBackAfterRemount() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        Random r = new Random(7);
        int blocks = 5000;
        int[] model = new int[blocks];
        int stamp = 1;
        long ino;
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            try (var f = fs.open(fs.create(fs.rootIno(), "tree", 0644, 0, 0), OpenFlags.O_RDWR)) {
                for (int op = 0; op < 3000; op++) {
                    int b = r.nextInt(blocks / 2) * 2;
                    switch (r.nextInt(10)) {
                        case 0 -> {
                            int n = 1 + r.nextInt(6);
                            f.fallocate(Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE, b * 4096L, n * 4096L);
                            java.util.Arrays.fill(model, b, Math.min(blocks, b + n), 0);
                        }
                        case 1 -> {
                            if (b * 4096L + 4096 < f.size()) {
                                f.fallocate(Falloc.COLLAPSE_RANGE, b * 4096L, 4096);
                                System.arraycopy(model, b + 1, model, b, blocks - b - 1);
                                model[blocks - 1] = 0;
                            }
                        }
                        case 2 -> {
                            if (b * 4096L < f.size() && model[blocks - 1] == 0 && f.size() + 4096 <= blocks * 4096L) {
                                f.fallocate(Falloc.INSERT_RANGE, b * 4096L, 4096);
                                System.arraycopy(model, b, model, b + 1, blocks - b - 1);
                                model[b] = 0;
                            }
                        }
                        default -> {
                            f.write(b * 4096L, java.nio.ByteBuffer.allocate(4).putInt(stamp).array(), 0, 4);
                            model[b] = stamp++;
                        }
                    }
                }
                ino = f.ino();
            }
            fs.close();
            long nextents = XfsImages.format(dev).iget(ino).di_nextents();
            assertTrue(nextents > 600, nextents + " extents: the bmbt needs several leaves");
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            byte[] got = XfsImages.readAll(fs, ino);
            for (int b = 0; b < blocks; b++) {
                int have = (long) b * 4096 + 4 <= got.length ? java.nio.ByteBuffer.wrap(got, b * 4096, 4).getInt() : 0;
                assertEquals(model[b], have, "block " + b);
            }
            fs.close();
        }
    }

    @Test
    void fallocateModesAndManyExtentsStayConsistent() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        byte[] data = new byte[600 * 4096];
        new Random(3).nextBytes(data);
        long ino;
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem fs = XfsImages.formatRw(dev);
            XfsInode in = XfsImages.create(fs, "frag");
            ino = in.ino();
            fallocate(fs, in, 0, 0, data.length);
            assertEquals(data.length, in.di_size());
            assertEquals(IomapType.UNWRITTEN, new XfsIomap(fs).begin(in, 0, 4096, IomapOps.REPORT).type());
            write(fs, in, 0, data);
            for (long b = 1; b < 600; b += 2) {   // 300 extents: a bmbt
                fallocate(fs, in, Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, b * 4096, 4096);
                java.util.Arrays.fill(data, (int) b * 4096, (int) (b + 1) * 4096, (byte) 0);
            }
            assertEquals(XfsInode.FMT_BTREE, in.di_format());
            assertEquals(300, in.di_nextents());
            fallocate(fs, in, Falloc.KEEP_SIZE, data.length, 1 << 20); // beyond EOF
            assertEquals(data.length, in.di_size());
            FsException e = assertThrows(FsException.class,
                    () -> fallocate(fs, in, Falloc.COLLAPSE_RANGE, 100, 4096));
            assertEquals(Errno.EINVAL, e.errno());
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            assertArrayEquals(data, XfsImages.readAll(fs, ino));
            try (var f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.fallocate(Falloc.COLLAPSE_RANGE, 0, 2 * 4096);
                f.fallocate(Falloc.INSERT_RANGE, 4096, 4096);
                f.fallocate(Falloc.ZERO_RANGE, 8192, 3 * 4096);
                // Now block 0 is old block 2, block 1 the inserted hole, blocks 2-4 zeroed, block 5 old block 6.
                f.truncate(100 * 4096 + 10);
                assertEquals(100 * 4096 + 10, f.size());
            }
            byte[] got = XfsImages.readAll(fs, ino);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 8192, 8192 + 4096), java.util.Arrays.copyOfRange(got, 0, 4096));
            assertArrayEquals(new byte[4 * 4096], java.util.Arrays.copyOfRange(got, 4096, 5 * 4096));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 6 * 4096, 6 * 4096 + 1000),
                    java.util.Arrays.copyOfRange(got, 5 * 4096, 5 * 4096 + 1000));
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }
}
