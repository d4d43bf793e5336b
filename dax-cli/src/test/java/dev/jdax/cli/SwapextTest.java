package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.XfsBulkstat;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.assertJudgedClean;
import static dev.jdax.cli.Personalities.formatted;
import static dev.jdax.cli.Personalities.mount;
import static dev.jdax.cli.Personalities.size;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * XFS_IOC_SWAPEXT (scenario {@code swapext} compares xfs_io's output, physical blocks included,
 * with Linux 6.1's): what each file reads after the exchange, through read and through a mapping
 * made before it; sizes and times kept; the refusals; forks in B+tree form; readers of both files
 * while two threads exchange them back and forth; and xfs_repair's verdict on the image.
 */
class SwapextTest {
    private static final int BLOCK = 4096;

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] read(OpenFile f, long pos, int length) throws Exception {
        byte[] b = new byte[length];
        f.read(pos, MemorySegment.ofArray(b));
        return b;
    }

    @Test
    void extentsChangePlacesAndMappingsFollow() throws Exception {
        FileSystemType t = type("xfs");
        try (DaxDevice device = formatted(t, size("xfs"))) {
            try (FileSystem fs = mount(t, device)) {
                long root = fs.rootIno();
                long a = fs.create(root, "a", 0644, 0, 0);
                long b = fs.create(root, "b", 0644, 0, 0);
                try (OpenFile fa = fs.open(a, OpenFlags.O_RDWR); OpenFile fb = fs.open(b, OpenFlags.O_RDWR)) {
                    fa.write(0, MemorySegment.ofArray(filled(4 * BLOCK, 'a')), 0);
                    fa.write(16 * BLOCK, MemorySegment.ofArray(filled(4 * BLOCK, 'A')), 0); // a hole between
                    fb.write(0, MemorySegment.ofArray(filled(20 * BLOCK, 'b')), 0);
                    FileMapping ma = fa.mmap(0, 20L * BLOCK, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
                    byte[] seen = new byte[16];
                    ma.read(0, MemorySegment.ofArray(seen), 0, 16);
                    assertEquals('a', seen[0]);
                    StatInfo before = fa.stat();
                    XfsBulkstat bs = fs.xfsBulkstat(a);

                    fa.swapExtents(fb, 0, 20L * BLOCK, bs.ctime(), bs.mtime());

                    assertArrayEquals(filled(16, 'b'), read(fa, 8 * BLOCK, 16), "a reads b's blocks, its hole gone");
                    assertArrayEquals(new byte[16], read(fb, 8 * BLOCK, 16), "b has a's hole");
                    assertArrayEquals(filled(16, 'A'), read(fb, 16 * BLOCK, 16));
                    ma.read(0, MemorySegment.ofArray(seen), 0, 16);
                    assertEquals('b', seen[0], "the mapping made before refaults to the exchanged blocks");
                    ma.close();
                    StatInfo after = fa.stat();
                    assertEquals(before.size(), after.size());
                    assertEquals(before.mtime(), after.mtime(), "xfs_swap_extents sets no time");
                    assertEquals(before.ctime(), after.ctime());
                    assertEquals(20L * 8, after.blocks());
                    assertEquals(8L * 8, fb.stat().blocks());

                    // xfs_io's checks, in Linux's order.
                    assertErrno(Errno.EINVAL, () -> fa.swapExtents(fa, 0, 20L * BLOCK, bs.ctime(), bs.mtime()));
                    assertErrno(Errno.EFAULT, () -> fa.swapExtents(fb, 0, BLOCK, bs.ctime(), bs.mtime()));
                    // a's one extent against b's two: the target needs at least the donor's extents
                    assertErrno(Errno.EINVAL, () -> fa.swapExtents(fb, 0, 20L * BLOCK, bs.ctime(), bs.mtime()));
                    StatInfo bStat = fb.stat();
                    // b's times are not those the caller read
                    assertErrno(Errno.EBUSY, () -> fb.swapExtents(fa, 0, 20L * BLOCK, bStat.ctime().minusSeconds(1), bStat.mtime()));
                    try (OpenFile ro = fs.open(b, OpenFlags.O_RDONLY)) {
                        assertErrno(Errno.EBADF, () -> fa.swapExtents(ro, 0, 20L * BLOCK, bs.ctime(), bs.mtime()));
                    }
                }
            }
            assertJudgedClean("xfs", device);
        }
    }

    /**
     * A fragmented file in B+tree form and one written whole: their forks change places, the bmbt
     * blocks moving with the fork to their new inode (xfs_swap_change_owner) — judged by xfs_repair
     * and by a remount that reads them (a block naming the wrong owner is refused) — and back.
     */
    @Test
    void bTreeForksChangePlaces() throws Exception {
        FileSystemType t = type("xfs");
        try (DaxDevice device = formatted(t, size("xfs"))) {
            long frag;
            long flat;
            long gExtents;
            try (FileSystem fs = mount(t, device)) {
                long root = fs.rootIno();
                frag = fs.create(root, "frag", 0644, 0, 0);
                flat = fs.create(root, "flat", 0644, 0, 0);
                try (OpenFile f = fs.open(frag, OpenFlags.O_RDWR); OpenFile g = fs.open(flat, OpenFlags.O_RDWR)) {
                    for (int i = 0; i < 40; i++) {
                        f.write(2L * i * BLOCK, MemorySegment.ofArray(filled(BLOCK, 'f')), 0);
                    }
                    g.write(0, MemorySegment.ofArray(filled(80 * BLOCK - BLOCK, 'g')), 0);
                    assertEquals(40, f.fsxattr().nextents());
                    gExtents = g.fsxattr().nextents();
                    XfsBulkstat bs = fs.xfsBulkstat(frag);
                    f.swapExtents(g, 0, 79L * BLOCK, bs.ctime(), bs.mtime());
                }
            }
            assertJudgedClean("xfs", device);
            try (FileSystem fs = mount(t, device);
                 OpenFile f = fs.open(frag, OpenFlags.O_RDWR); OpenFile g = fs.open(flat, OpenFlags.O_RDWR)) {
                assertEquals(gExtents, f.fsxattr().nextents());
                assertEquals(40, g.fsxattr().nextents());
                assertArrayEquals(filled(16, 'g'), read(f, BLOCK, 16));
                assertArrayEquals(new byte[16], read(g, BLOCK, 16));
                assertArrayEquals(filled(16, 'f'), read(g, 78L * BLOCK, 16), "the last run, through the moved bmbt");
                XfsBulkstat back = fs.xfsBulkstat(flat);
                g.swapExtents(f, 0, 79L * BLOCK, back.ctime(), back.mtime());
                assertEquals(40, f.fsxattr().nextents());
                assertArrayEquals(new byte[16], read(f, BLOCK, 16));
            }
            assertJudgedClean("xfs", device);
        }
    }

    /**
     * Two threads exchange two files' extents back and forth, one each way, while two threads read
     * both: every 4 KiB read sees one file's data whole, never a mix, and the image is clean.
     */
    @Test
    void readersBesideExchangesSeeOneFileOrTheOther() throws Exception {
        FileSystemType t = type("xfs");
        try (DaxDevice device = formatted(t, size("xfs"))) {
            try (FileSystem fs = mount(t, device)) {
                long root = fs.rootIno();
                long[] inos = {fs.create(root, "x", 0644, 0, 0), fs.create(root, "y", 0644, 0, 0)};
                List<OpenFile> files = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    OpenFile f = fs.open(inos[i], OpenFlags.O_RDWR);
                    files.add(f);
                    f.write(0, MemorySegment.ofArray(filled(8 * BLOCK, 'x' + i)), 0);
                }
                ExecutorService pool = Executors.newFixedThreadPool(4);
                AtomicBoolean stop = new AtomicBoolean();
                try {
                    List<Future<Integer>> swappers = new ArrayList<>();
                    for (int s = 0; s < 2; s++) {
                        int me = s;
                        swappers.add(pool.submit(() -> {
                            int done = 0;
                            for (int i = 0; i < 300; i++) {
                                OpenFile target = files.get(me);
                                XfsBulkstat bs = fs.xfsBulkstat(inos[me]);
                                try {
                                    target.swapExtents(files.get(1 - me), 0, 8L * BLOCK, bs.ctime(), bs.mtime());
                                    done++;
                                } catch (dev.jdax.api.FsException e) {
                                    // EBUSY is not possible (no time changes); anything else is a failure
                                    throw e;
                                }
                            }
                            return done;
                        }));
                    }
                    List<Future<?>> readers = new ArrayList<>();
                    for (int r = 0; r < 2; r++) {
                        OpenFile f = files.get(r);
                        readers.add(pool.submit(() -> {
                            while (!stop.get()) {
                                byte[] b = read(f, 3 * BLOCK, BLOCK);
                                assertTrue(Arrays.equals(b, filled(BLOCK, 'x')) || Arrays.equals(b, filled(BLOCK, 'y')),
                                        "a read saw " + (char) b[0] + " and " + (char) b[BLOCK - 1]);
                            }
                            return null;
                        }));
                    }
                    for (Future<Integer> f : swappers) {
                        assertEquals(300, f.get());
                    }
                    stop.set(true);
                    for (Future<?> f : readers) {
                        f.get();
                    }
                } finally {
                    pool.shutdownNow();
                }
                // 600 exchanges: each file is back where it started.
                assertArrayEquals(filled(16, 'x'), read(files.get(0), 0, 16));
                assertArrayEquals(filled(16, 'y'), read(files.get(1), 0, 16));
                for (OpenFile f : files) {
                    f.close();
                }
            }
            assertJudgedClean("xfs", device);
        }
    }
}
