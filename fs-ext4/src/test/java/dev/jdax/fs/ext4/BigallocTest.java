package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bigalloc served read-write as Linux 6.1 serves it with DAX (measured: the compare scenarios
 * bigalloc-dax and bigalloc-dax-pmd): a write takes a whole cluster, a block of a cluster the file
 * already owns takes its place in it, a punch or truncate gives a cluster back only when no block
 * of it stays mapped, i_blocks counts whole clusters; the descriptors' free counts are clusters,
 * the superblock's blocks. Every image is judged by e2fsck -fn.
 */
class BigallocTest {
    private static final int CLUSTER = 64 << 10;
    private static final long SECTORS_PER_CLUSTER = CLUSTER / 512;

    @TempDir
    Path tmp;

    private Path image(String... extra) throws Exception {
        return sizedImage("128M", extra);
    }

    private Path sizedImage(String size, String... extra) throws Exception {
        Path img = tmp.resolve("b.img");
        List<String> args = new ArrayList<>(List.of("-q", "-F", "-t", "ext4", "-b", "4096", "-C", String.valueOf(CLUSTER), "-O", "bigalloc"));
        args.addAll(List.of(extra));
        args.addAll(List.of(img.toString(), size));
        Tools.Result mk = Tools.run("mke2fs", args.toArray(String[]::new));
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    private static void assertClean(Path img, String what) throws Exception {
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), what + ": e2fsck -fn says:\n" + fsck.output());
    }

    private static void write(OpenFile f, long at, int len, int value) throws FsException {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        assertEquals(len, f.write(at, b, 0, len));
    }

    /** The rows of the oracle's bigalloc-dax scenario, as i_blocks and free space show them. */
    @Test
    void clustersAreTakenAndGivenBackAsLinuxDoes() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"));
             OpenFile f = fs.open("/file", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            assertTrue(!fs.readOnly());
            long free0 = fs.statfs().bfree();
            write(f, 0, 4096, 0xab);
            assertEquals(SECTORS_PER_CLUSTER, f.stat().blocks(), "a 4 KiB write takes a whole cluster");
            assertEquals(free0 - CLUSTER / 4096, fs.statfs().bfree(), "the free count drops by a cluster's blocks");
            long first = f.fiemap(0, 4096).get(0).physical();
            write(f, 8192, 4096, 0xcd);
            assertEquals(SECTORS_PER_CLUSTER, f.stat().blocks(), "a block of the same cluster takes no new one");
            assertEquals(first + 8192, f.fiemap(8192, 4096).get(0).physical(), "at its offset in the cluster the file owns");
            write(f, 128 << 10, 4096, 0xef);
            assertEquals(2 * SECTORS_PER_CLUSTER, f.stat().blocks());
            f.fallocate(Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE, 0, 4096);
            assertEquals(2 * SECTORS_PER_CLUSTER, f.stat().blocks(), "the punched block's cluster still holds block 2");
            f.fallocate(Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE, 8192, 4096);
            assertEquals(SECTORS_PER_CLUSTER, f.stat().blocks(), "no block of cluster 0 left: it goes back");
            f.truncate(64 << 10);
            assertEquals(0, f.stat().blocks());
            assertEquals(free0, fs.statfs().bfree(), "every cluster back");
            write(f, 256 << 10, 192 << 10, 0x11);
            assertEquals(3 * SECTORS_PER_CLUSTER, f.stat().blocks());
            f.truncate(300 << 10);
            assertEquals(SECTORS_PER_CLUSTER, f.stat().blocks(), "the cluster holding EOF stays");
            byte[] got = new byte[16];
            f.read(296 << 10, got, 0, 16);
            byte[] want = new byte[16];
            Arrays.fill(want, (byte) 0x11);
            assertArrayEquals(want, got);
            FsException e = assertThrows(FsException.class, () -> f.fallocate(Falloc.COLLAPSE_RANGE, 4096, 4096));
            assertEquals(Errno.EINVAL, e.errno(), "collapse must be cluster aligned (ext4_collapse_range)");
        }
        assertClean(img, "after the oracle's rows");
    }

    /**
     * Where the clusters go, as Linux 6.1's mballoc put them on the same mke2fs image (the oracle's
     * bigalloc-dax-pmd, fiemap in 512-byte sectors): the first 4 KiB write is a small file, served
     * by the locality group's preallocation of max(512 >> 4, 32) clusters; the writes after it
     * (4 KiB at a time, as xfs_io's) are a stream whose normalised request becomes the inode's
     * preallocation elsewhere, so 2 MiB are two extents; a later fallocate lands right after them.
     */
    @Test
    void clustersArePlacedAsLinuxsMballocPlacesThem() throws Exception {
        Path img = sizedImage("256M");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"));
             OpenFile f = fs.open("/file", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            for (int at = 0; at < 2 << 20; at += 4096) {
                write(f, at, 4096, 0x5a);
            }
            List<long[]> got = sectors(f.fiemap(0, Long.MAX_VALUE));
            assertEquals(List.of(List.of(0L, 35584L, 128L), List.of(128L, 39680L, 3968L)), asLists(got),
                    "Linux 6.1: [0..127] at 35584, [128..4095] at 39680");
            f.fallocate(0, 4 << 20, 100 << 10);
            assertEquals(List.of(8192L, 43648L, 200L), asLists(sectors(f.fiemap(4 << 20, 100 << 10))).get(0),
                    "Linux 6.1: the preallocated 100 KiB at 43648, two clusters");
        }
        assertClean(img, "after the placement rows");
    }

    /** FIEMAP extents as xfs_io prints them: {logical, physical, length} in 512-byte sectors. */
    private static List<long[]> sectors(List<dev.jdax.api.fs.FiemapExtent> extents) {
        List<long[]> out = new ArrayList<>();
        for (dev.jdax.api.fs.FiemapExtent e : extents) {
            out.add(new long[] {e.logical() / 512, e.physical() / 512, e.length() / 512});
        }
        return out;
    }

    private static List<List<Long>> asLists(List<long[]> rows) {
        return rows.stream().map(r -> Arrays.stream(r).boxed().toList()).toList();
    }

    /** Writes, truncates, punches, zeroing, preallocation, collapse and insert at random, the bytes held in a model. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void aRandomWorkloadReadsBackAndLeavesACleanImage(int seed) throws Exception {
        Path img = seed == 3 ? image("-O", "^metadata_csum,uninit_bg") : image();
        SplittableRandom r = new SplittableRandom(seed);
        byte[] model = new byte[6 << 20];
        long size = 0;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"));
             OpenFile f = fs.open("/ops", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            for (int op = 0; op < 500; op++) {
                long off = r.nextInt((model.length >> 1) - 4096) + (r.nextBoolean() ? 0 : r.nextInt(4096));
                int len = 1 + r.nextInt(r.nextInt(4) == 0 ? 300_000 : 20_000);
                int kind = r.nextInt(9);
                if (kind <= 2) {
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    f.write(off, data, 0, len);
                    System.arraycopy(data, 0, model, (int) off, len);
                    size = Math.max(size, off + len);
                } else if (kind == 3) {
                    long to = r.nextInt(model.length >> 1);
                    f.truncate(to);
                    Arrays.fill(model, (int) Math.min(to, size), (int) Math.max(to, size), (byte) 0);
                    size = to;
                } else if (kind == 4 || kind == 5) {
                    int mode = kind == 4 ? Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE : Falloc.KEEP_SIZE | Falloc.ZERO_RANGE;
                    f.fallocate(mode, off, len);
                    Arrays.fill(model, (int) Math.min(off, size), (int) Math.min(off + len, size), (byte) 0);
                } else if (kind == 6) {
                    f.fallocate(Falloc.KEEP_SIZE, off, len);
                } else {
                    long at = off / CLUSTER * CLUSTER;
                    int n = CLUSTER * (1 + r.nextInt(3));
                    if (kind == 7 && at + n < size) {
                        f.fallocate(Falloc.COLLAPSE_RANGE, at, n);
                        System.arraycopy(model, (int) (at + n), model, (int) at, (int) (size - at - n));
                        Arrays.fill(model, (int) (size - n), (int) size, (byte) 0);
                        size -= n;
                    } else if (kind == 8 && at < size && size + n <= model.length) {
                        f.fallocate(Falloc.INSERT_RANGE, at, n);
                        System.arraycopy(model, (int) at, model, (int) (at + n), (int) (size - at));
                        Arrays.fill(model, (int) at, (int) (at + n), (byte) 0);
                        size += n;
                    }
                }
            }
            assertEquals(size, f.size());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"));
             OpenFile f = fs.open("/ops", OpenFlags.O_RDONLY)) {
            byte[] back = new byte[(int) size];
            f.read(0, back, 0, back.length);
            assertArrayEquals(Arrays.copyOf(model, (int) size), back, "jdax reads back what it wrote");
        }
        assertClean(img, "seed " + seed);
        assertArrayEquals(Arrays.copyOf(model, (int) size), Tools.runBytes("debugfs", "-R", "cat /ops", img.toString()),
                "debugfs reads the same bytes");
    }

    /** Four threads, two to a file, writing and punching their own quarter-megabyte stripes at once. */
    @Test
    void twoFilesWrittenByFourThreadsAtOnce() throws Exception {
        Path img = image();
        int stripe = 256 << 10;
        int rounds = 40;
        byte[][] expect = new byte[4][stripe * rounds];
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            OpenFile[] files = {fs.open("/a", OpenFlags.O_RDWR | OpenFlags.O_CREAT), fs.open("/b", OpenFlags.O_RDWR | OpenFlags.O_CREAT)};
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Void>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int me = t;
                    done.add(pool.submit((Callable<Void>) () -> {
                        OpenFile f = files[me / 2];
                        SplittableRandom r = new SplittableRandom(me);
                        for (int round = 0; round < rounds; round++) {
                            // Thread 2k writes the even stripes of its file, 2k+1 the odd ones: clusters are never shared.
                            long base = ((long) round * 2 + (me & 1)) * stripe;
                            int at = r.nextInt(stripe - 8192);
                            int len = 1 + r.nextInt(stripe - at);
                            byte[] data = new byte[len];
                            r.nextBytes(data);
                            f.write(base + at, data, 0, len);
                            System.arraycopy(data, 0, expect[me], round * stripe + at, len);
                            if (r.nextBoolean()) {
                                int p = r.nextInt(stripe / 2);
                                int plen = r.nextInt(stripe / 2);
                                f.fallocate(Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE, base + p, plen);
                                Arrays.fill(expect[me], round * stripe + p, round * stripe + p + plen, (byte) 0);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<Void> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
                for (OpenFile f : files) {
                    f.close();
                }
            }
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            for (int t = 0; t < 4; t++) {
                try (OpenFile f = fs.open(t < 2 ? "/a" : "/b", OpenFlags.O_RDONLY)) {
                    byte[] got = new byte[stripe];
                    for (int round = 0; round < rounds; round++) {
                        long base = ((long) round * 2 + (t & 1)) * stripe;
                        Arrays.fill(got, (byte) 0);
                        f.read(base, got, 0, stripe);
                        assertArrayEquals(Arrays.copyOfRange(expect[t], round * stripe, (round + 1) * stripe), got,
                                "thread " + t + " round " + round);
                    }
                }
            }
        }
        assertClean(img, "four writers in two files");
    }
}
