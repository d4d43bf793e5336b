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

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reads and overwrites of one file, sequential or at random aligned offsets, per target: the
 * personalities and their peers in the same run, so the report can give ratios.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IoBench {
    @Param({"raw", "ext2", "ext4", "ext4:dioread_nolock", "xfs", "shm", "jimfs"})
    public String target;

    @Param({"4096", "65536", "1048576"})
    public int ioSize;

    @Param({"seq", "rand"})
    public String pattern;

    /** The file's size in MiB (1024 in the full run; the quick run uses less). */
    @Param("1024")
    public int fileMiB;

    private Target t;
    private Arena arena;
    private MemorySegment buffer;
    private long[] offsets;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        long size = (long) fileMiB << 20;
        t = Target.open(target, size);
        arena = Arena.ofConfined();
        buffer = arena.allocate(ioSize, 4096);
        buffer.fill((byte) 0xa5);
        long slots = size / ioSize;
        offsets = new long[(int) Math.min(slots, 1 << 16)];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = (pattern.equals("seq") ? i % slots : r.nextLong(slots)) * ioSize;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        t.close();
        arena.close();
    }

    private long nextOffset() {
        long off = offsets[next];
        next = next + 1 == offsets.length ? 0 : next + 1;
        return off;
    }

    @Benchmark
    public MemorySegment read() throws IOException {
        t.read(nextOffset(), buffer);
        return buffer;
    }

    @Benchmark
    public void write() throws IOException {
        t.write(nextOffset(), buffer);
    }
}
