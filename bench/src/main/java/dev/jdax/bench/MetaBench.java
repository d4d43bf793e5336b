package dev.jdax.bench;

import dev.jdax.api.FsException;
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

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Metadata in a directory of 10,000 names: create + write 4 KiB + unlink, and lookups. Ten
 * thousand, not the 100,000: jdax's ext2/ext4 directories are linear (as ext2's are in
 * Linux; jdax rewrites ext4's hashed ones linear before a change) and an XFS directory's blocks are
 * all rewritten on a change (its lookups do use the hash index), so filling one is quadratic.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MetaBench {
    static final int NAMES = 10_000;

    @Param({"ext2", "ext4", "xfs"})
    public String personality;

    private FsTarget t;
    private Arena arena;
    private MemorySegment buf;
    private long dir;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        t = FsTarget.open(personality, 1 << 20);
        arena = Arena.ofConfined();
        buf = arena.allocate(4096, 4096);
        buf.fill((byte) 7);
        dir = t.fs().mkdir(t.fs().rootIno(), "d", 0755, 0, 0);
        for (int i = 0; i < NAMES; i++) {
            t.fs().create(dir, "name-" + i, 0644, 0, 0);
        }
        random = new SplittableRandom(9);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        t.close();
        arena.close();
    }

    /** create + write 4 KiB + unlink in the directory of 10,000 names. */
    @Benchmark
    public void createWriteUnlink() throws FsException {
        long ino = t.fs().create(dir, "tmp", 0644, 0, 0);
        try (OpenFile f = t.fs().open(ino, OpenFlags.O_RDWR)) {
            f.write(0, buf, 0);
        }
        t.fs().unlink(dir, "tmp");
    }

    /** A lookup of a random name in that directory (ext2/ext4 scan it; XFS follows its hash index). */
    @Benchmark
    public long lookup() throws FsException {
        return t.fs().lookup(dir, "name-" + random.nextInt(NAMES));
    }
}
