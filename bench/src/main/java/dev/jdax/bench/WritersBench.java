package dev.jdax.bench;

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

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Disjoint writers on one file: one thread, then two, under the inode rwsem (writers serialise)
 * and under the range lock (they need not). The ratio two/one is the figure. {@code raw} is the
 * same copies into device memory with no file system: how far two threads scale on this machine
 * at all (two vCPUs that are hyperthreads of one core share its caches), the ceiling of the
 * range lock's ratio.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WritersBench {
    @Param({"inode_rwsem", "range", "raw"})
    public String locking;

    private Target t;
    private final AtomicInteger slots = new AtomicInteger();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        t = locking.equals("raw") ? new RawTarget(8L << 20) : FsTarget.open("ext4:locking=" + locking, 8L << 20);
        Target.fill(t, 8L << 20);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        t.close();
    }

    /** A writer's own 1 MiB region of the file and its buffer. */
    @State(Scope.Thread)
    public static class Slot {
        long base;
        long next;
        MemorySegment buf;

        @Setup(Level.Trial)
        public void setUp(WritersBench b) {
            base = (b.slots.getAndIncrement() % 4) * (1L << 20);
            buf = Arena.ofAuto().allocate(64 * 1024, 4096);
        }
    }

    private void write(Slot s) throws IOException {
        t.write(s.base + s.next, s.buf);
        s.next = (s.next + 64 * 1024) % (1 << 20);
    }

    @Benchmark
    @Threads(1)
    public void oneWriter(Slot s) throws IOException {
        write(s);
    }

    @Benchmark
    @Threads(2)
    public void twoWriters(Slot s) throws IOException {
        write(s);
    }
}
