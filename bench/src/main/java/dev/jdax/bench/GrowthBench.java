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

/** 4 KiB random reads on a file of 1, 100 or 1,000 extents (every other block written): how cost grows with fragmentation. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GrowthBench {
    @Param({"ext2", "ext4", "xfs"})
    public String personality;

    @Param({"1", "100", "1000"})
    public int extents;

    private FsTarget t;
    private Arena arena;
    private MemorySegment buf;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        t = FsTarget.open(personality, 16L << 20);
        arena = Arena.ofConfined();
        buf = arena.allocate(4096, 4096);
        buf.fill((byte) 3);
        if (extents == 1) {
            for (int b = 0; b < 1000; b++) {
                t.write(b * 4096L, buf);
            }
        } else {
            for (int b = 0; b < 2 * extents; b += 2) {
                t.write(b * 4096L, buf);
            }
        }
        random = new SplittableRandom(5);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        t.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment randomRead4k() throws IOException {
        int block = extents == 1 ? random.nextInt(1000) : 2 * random.nextInt(extents);
        t.read(block * 4096L, buf);
        return buf;
    }
}
