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
 * 4 KiB random reads on files of the same 100,000 data blocks (400 MiB) in 1, 10, 1,000 or
 * 100,000 extents (runs of blocks parted by one-block holes): how the cost of the block lookup
 * grows with fragmentation, with the data volume — and so the cache misses of the copy — held equal.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GrowthBench {
    static final int DATA_BLOCKS = 100_000;
    private static final int CHUNK_BLOCKS = 256;

    @Param({"ext2", "ext4", "xfs"})
    public String personality;

    @Param({"1", "10", "1000", "100000"})
    public int extents;

    private FsTarget t;
    private Arena arena;
    private MemorySegment buf;
    private SplittableRandom random;
    private int run;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        t = FsTarget.open(personality, (long) DATA_BLOCKS * 4096);
        arena = Arena.ofConfined();
        MemorySegment chunk = arena.allocate(CHUNK_BLOCKS * 4096L, 4096);
        chunk.fill((byte) 3);
        run = DATA_BLOCKS / extents;
        for (int first = 0; first < DATA_BLOCKS; first += run) {
            for (int b = first; b < first + run; b += CHUNK_BLOCKS) {
                int n = Math.min(CHUNK_BLOCKS, first + run - b);
                t.write(offsetOf(b), chunk.asSlice(0, n * 4096L));
            }
        }
        buf = arena.allocate(4096, 4096);
        random = new SplittableRandom(5);
    }

    /** Data block {@code i}'s file offset: one hole after each run. */
    private long offsetOf(int i) {
        return (long) (i + i / run) * 4096;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        t.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment randomRead4k() throws IOException {
        t.read(offsetOf(random.nextInt(DATA_BLOCKS)), buf);
        return buf;
    }
}
