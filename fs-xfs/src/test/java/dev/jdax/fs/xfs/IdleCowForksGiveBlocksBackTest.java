package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The blocks a copy on write takes beyond what it writes (the CoW extent size hint's worth) count
 * in the file's st_blocks while its CoW fork holds them; once the file is idle the background scan
 * gives them back (xfs_blockgc_worker, after fs.xfs.speculative_prealloc_lifetime; here
 * {@code -Djdax.xfs.blockgc.seconds=1}), and the file copies on write again afterwards.
 */
class IdleCowForksGiveBlocksBackTest {
    @TempDir
    Path tmp;

    private static final int LEN = 64 << 10;

    @Test
    void anIdleFilesCowForkGivesItsBlocksBack() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = new byte[LEN];
        new Random(8).nextBytes(data);
        byte[] x = new byte[4096];
        Arrays.fill(x, (byte) 'x');
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs;
            String was = System.setProperty("jdax.xfs.blockgc.seconds", "1");
            try {
                fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            } finally {
                if (was == null) {
                    System.clearProperty("jdax.xfs.blockgc.seconds");
                } else {
                    System.setProperty("jdax.xfs.blockgc.seconds", was);
                }
            }
            try (fs;
                 OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                long free = fs.statfs().bfree();
                src.write(0, data, 0, LEN);
                src.remapRange(0, dst, 0, 0, 0);
                dst.write(0, x, 0, x.length);
                long sectors = dst.stat().blocks();
                assertTrue(sectors > LEN / 512, "the CoW fork's blocks count in st_blocks: " + sectors);
                assertEquals(LEN / 512, waitForBlocks(dst, LEN / 512), "the idle fork's blocks went back");
                assertEquals(free - LEN / 4096 - 1, fs.statfs().bfree(), "the source's blocks and one copied block in use");

                // It copies on write again, and the scan gives that fork back too.
                dst.write(8192, x, 0, x.length);
                assertTrue(dst.stat().blocks() > LEN / 512);
                assertEquals(LEN / 512, waitForBlocks(dst, LEN / 512));
                assertEquals(free - LEN / 4096 - 2, fs.statfs().bfree());
                byte[] want = data.clone();
                System.arraycopy(x, 0, want, 0, 4096);
                System.arraycopy(x, 0, want, 8192, 4096);
                byte[] got = new byte[LEN];
                assertEquals(LEN, dst.read(0, got, 0, LEN));
                assertArrayEquals(want, got);
                assertEquals(LEN, src.read(0, got, 0, LEN));
                assertArrayEquals(data, got);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /**
     * An operation that finds no space for its reservation has the idle forks given back and tries
     * again (xfs_trans_alloc after xfs_blockgc_flush_all), long before the scan's own time: a file
     * system filled to ENOSPC holds no CoW fork's blocks.
     */
    @Test
    void aFileSystemOutOfSpaceTakesIdleForksBackFirst() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] x = new byte[4096];
        Arrays.fill(x, (byte) 'x');
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile fill = fs.open("/fill", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                src.write(0, new byte[LEN], 0, LEN);
                src.remapRange(0, dst, 0, 0, 0);
                dst.write(0, x, 0, x.length);
                assertTrue(dst.stat().blocks() > LEN / 512, "the fork holds blocks");
                byte[] mib = new byte[1 << 20];
                long at = 0;
                for (byte[] chunk : new byte[][]{mib, x}) {
                    try {
                        while (true) {
                            fill.write(at, chunk, 0, chunk.length);
                            at += chunk.length;
                        }
                    } catch (FsException e) {
                        assertEquals(Errno.ENOSPC, e.errno(), e.getMessage());
                    }
                }
                assertEquals(LEN / 512, dst.stat().blocks(), "the idle fork went back before ENOSPC");
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /** st_blocks once it is {@code want}, or what it is after 30 s. */
    private static long waitForBlocks(OpenFile f, long want) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long now = f.stat().blocks();
        while (now != want && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = f.stat().blocks();
        }
        return now;
    }
}
