package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks where Linux 6.1's mballoc puts them, on a 320 MiB file system as jdax's mkfs (mke2fs's
 * layout) makes it: the numbers are the ones Linux printed for the same writes (issue #23), and the
 * preallocations mballoc keeps in memory leave nothing behind once the files are closed (e2fsck -fn).
 */
class MballocPlacementTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    private Path image() throws Exception {
        Path img = tmp.resolve("m.img");
        try (DaxDevice d = PmemDevices.create(img, 320 * MIB)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
        }
        return img;
    }

    /** The file's extents as {logical block, physical block, blocks}. */
    private static List<long[]> extents(OpenFile f) throws FsException {
        List<long[]> out = new ArrayList<>();
        for (FiemapExtent e : f.fiemap(0, Long.MAX_VALUE)) {
            out.add(new long[] {e.logical() / 4096, e.physical() / 4096, e.length() / 4096});
        }
        return out;
    }

    private static String show(List<long[]> ext) {
        StringBuilder sb = new StringBuilder();
        for (long[] e : ext) {
            sb.append(e[0]).append(':').append(e[1]).append('+').append(e[2]).append(' ');
        }
        return sb.toString().strip();
    }

    @Test
    void aMebibyteOfAppendsIsTwoExtentsAsOnLinux() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            try (OpenFile f = fs.open("/file", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                byte[] page = new byte[4096];
                for (int i = 0; i < 256; i++) {
                    f.write(i * 4096L, page, 0, page.length);
                }
                // The first 16 blocks from the locality group's preallocation (small file), the rest
                // from the inode's own, after the 512 blocks the group took (5174 + 512 = 5686).
                assertEquals("0:5174+16 16:5686+240", show(extents(f)));
            }
        }
        assertEquals(0, Tools.run("e2fsck", "-fn", img.toString()).status());
    }

    @Test
    void sparseWritesFollowTheInodePreallocationAsOnLinux() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            try (OpenFile f = fs.open("/file", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                for (int i = 0; i < 8; i++) {
                    f.write(i * 65536L, new byte[4096], 0, 4096);
                }
                // Linux 6.1's sparse-fiemap: sectors 41392, 45608, 45736, ... 46376 (blocks x 8).
                assertEquals("0:5174+1 16:5701+1 32:5717+1 48:5733+1 64:5749+1 80:5765+1 96:5781+1 112:5797+1",
                        show(extents(f)));
            }
        }
        assertEquals(0, Tools.run("e2fsck", "-fn", img.toString()).status());
    }

    @Test
    void closedFilesLeaveNoPreallocationBehind() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            long before = fs.statfs().bfree();
            try (OpenFile f = fs.open("/big", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[(int) (3 * MIB)], 0, (int) (3 * MIB)); // normalised to 2 MiB classes
            }
            try (OpenFile f = fs.open("/small", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[4096], 0, 4096);
            }
            // Preallocated blocks are free on disk: only what the files hold is counted used.
            assertEquals(before - 768 - 1, fs.statfs().bfree());
            // A file allocated after the big one closed reuses the space its preallocation held.
            try (OpenFile f = fs.open("/next", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[(int) MIB], 0, (int) MIB);
                assertTrue(extents(f).get(0)[1] < 5174 + 512 + 1024, show(extents(f)));
            }
        }
        assertEquals(0, Tools.run("e2fsck", "-fn", img.toString()).status());
    }

    @Test
    void aFullFileSystemGivesPreallocationsBackBeforeEnospc() throws Exception {
        Path img = tmp.resolve("s.img");
        try (DaxDevice d = PmemDevices.create(img, 16 * MIB)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            List<OpenFile> open = new ArrayList<>();
            long written = 0;
            try {
                // Many open files each holding a preallocation, until the space runs out.
                for (int i = 0; i < 200; i++) {
                    OpenFile f = fs.open("/f" + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
                    open.add(f);
                    f.write(0, new byte[20 * 4096], 0, 20 * 4096);
                    written += 20;
                }
            } catch (FsException e) {
                assertEquals(dev.jdax.api.Errno.ENOSPC, e.errno());
            }
            // Every block a preallocation held was given to a file before ENOSPC was reported.
            long free = fs.statfs().bfree();
            // (ENOSPC leaves only ext4's reserved clusters, 2% of the 4096 blocks, and less than a file's 20.)
            assertTrue(free <= 4096 / 50 + 20, "free " + free + " after " + written);
            for (OpenFile f : open) {
                f.close();
            }
        }
        assertEquals(0, Tools.run("e2fsck", "-fn", img.toString()).status());
    }

    @Test
    void manyThreadsAllocatingLeaveACleanImage() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"));
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 30; i++) {
                        try (OpenFile f = fs.open("/t" + id + "-" + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                            for (int b = 0; b < 1 + (i * 7 + id) % 40; b++) {
                                f.write(b * 4096L, new byte[4096], 0, 4096);
                            }
                            if (i % 3 == 0) {
                                f.truncate(4096);
                            }
                        }
                        if (i % 5 == 4) {
                            fs.unlink(fs.rootIno(), "t" + id + "-" + (i - 1));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertEquals(0, Tools.run("e2fsck", "-fn", img.toString()).status());
    }
}
