package dev.jdax.bench;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the VFS's lock order buys: creates (create + write 4 KiB + unlink) in k directories from
 * k threads, each thread in a directory of its own, and random 4 KiB reads of one file by k
 * readers — one thread beside two. With no lock of the whole file system, two threads in two
 * directories do not wait for each other; the ratio two/one is the figure (this machine has two
 * cores, so 2x is the ceiling). {@code raw} is the ceiling measured: two threads copying 4 KiB
 * into device memory beside one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ThreadsBench {
    static final long FILE = 64L << 20;
    /**
     * The device: 8 GiB, a small pmem namespace. Linux spreads top-level directories over groups
     * (Orlov) and AGs (the AG rotor) only when there are groups to spread over: ext4's flex groups
     * hold 16 groups of 128 MiB, and Orlov puts a new directory in a flex group with fewer
     * directories than the root's, so two directories land apart only from three flex groups on.
     * The 144 MiB the readers' file alone needs has two ext2/ext4 groups, one filled by that file,
     * so both directories shared the one group with free blocks (its lock, bitmaps and descriptor):
     * that measured the placement of a toy device, not what two directories cost.
     * {@code ThreadsBenchPlacementTest} checks where they land.
     */
    static final long DEVICE = 8L << 30;

    @Param({"ext2", "ext4", "xfs"})
    public String personality;

    private FsTarget t;
    private final AtomicInteger dirs = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws IOException {
        // Creates write a block never written before each time (freed ones are busy until their
        // commit): on a device populated first, as pmem is, they do not time the memfd's first touch.
        t = target(personality, params.getBenchmark().contains(".create"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        t.close();
    }

    /** A thread's own directory, buffer and random numbers. */
    @State(Scope.Thread)
    public static class Worker {
        long dir;
        MemorySegment buf;
        SplittableRandom random;
        int serial;

        @Setup(Level.Trial)
        public void setUp(ThreadsBench b) throws IOException {
            int n = b.dirs.getAndIncrement();
            dir = directory(b.t.fs(), n);
            buf = Arena.ofAuto().allocate(4096, 4096);
            buf.fill((byte) n);
            random = new SplittableRandom(n);
        }
    }

    /** The device (every page allocated first if {@code populate}) with the readers' file written, as the trial starts. */
    static FsTarget target(String personality, boolean populate) throws IOException {
        FsTarget t = FsTarget.open(personality, FILE, DEVICE, populate);
        Target.fill(t, FILE);
        return t;
    }

    /** Thread {@code n}'s directory: {@code /dir-n} holding 100 names, as the issue measures. */
    static long directory(FileSystem fs, int n) throws FsException {
        long dir = fs.mkdir(fs.rootIno(), "dir-" + n, 0755, 0, 0);
        for (int i = 0; i < 100; i++) {
            fs.create(dir, "name-" + i, 0644, 0, 0);
        }
        return dir;
    }

    private void createWriteUnlink(Worker w) throws FsException {
        createWriteUnlink(t.fs(), w.dir, w.serial++, w.buf);
    }

    /** A create: {@code tmp-N} (of eight names in turn) made in {@code dir}, 4 KiB written to it, unlinked. */
    static void createWriteUnlink(FileSystem fs, long dir, int serial, MemorySegment buf) throws FsException {
        String name = "tmp-" + (serial & 7);
        long ino = fs.create(dir, name, 0644, 0, 0);
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
            f.write(0, buf, 0);
        }
        fs.unlink(dir, name);
    }

    private void read(Worker w) throws IOException {
        read(t, w.random, w.buf);
    }

    /** A read of 4 KiB at a random block of the readers' file. */
    static void read(FsTarget t, SplittableRandom random, MemorySegment buf) throws IOException {
        t.read(random.nextLong(FILE / 4096) * 4096, buf);
    }

    @Benchmark
    @Threads(1)
    public void createOneThread(Worker w) throws FsException {
        createWriteUnlink(w);
    }

    @Benchmark
    @Threads(2)
    public void createTwoThreadsTwoDirs(Worker w) throws FsException {
        createWriteUnlink(w);
    }

    @Benchmark
    @Threads(1)
    public void readOneReader(Worker w) throws IOException {
        read(w);
    }

    @Benchmark
    @Threads(2)
    public void readTwoReaders(Worker w) throws IOException {
        read(w);
    }
}
