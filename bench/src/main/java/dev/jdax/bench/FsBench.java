package dev.jdax.bench;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * What a DAX file system does besides bulk copies, per personality: page faults (PTE and PMD),
 * loads and stores through a faulted mapping beside the same copy on raw device memory, fsync after
 * a 4 KiB overwrite (fsync and fdatasync) and after a 4 KiB append, with the cache lines flushed and
 * fences issued per operation. The metadata path
 * is {@link MetaBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FsBench {
    private static final int PMD = 2 << 20;

    @Param({"ext2", "ext4", "xfs"})
    public String personality;

    private FsTarget t;
    private Arena arena;
    private MemorySegment buf;
    private FileMapping faulted;
    private MemorySegment pmdPage;
    private MemorySegment raw;
    private SplittableRandom random;
    private OpenFile appended;
    private long appendAt;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        t = FsTarget.open(personality, 16L << 20);
        Target.fill(t, 16L << 20);
        arena = Arena.ofConfined();
        buf = arena.allocate(4096, 4096);
        buf.fill((byte) 7);
        faulted = t.file().mmap(0, 4L << 20, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
        // The first 2 MiB as a process sees it after its faults: the device's own pages, mapped.
        pmdPage = faulted.view(0, PMD, arena);
        raw = arena.allocate(PMD, 4096);
        random = new SplittableRandom(9);
        appended = t.fs().open("/appended", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        appended.close();
        t.close();
        arena.close();
    }

    /** The device's flush and fence counts per operation, beside the time. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Flushes {
        public long linesFlushed;
        public long fences;
    }

    /** 64 PTE faults: a fresh 256 KiB mapping of written blocks, one load per page. */
    @Benchmark
    public long pteFaults64() throws FsException {
        FileMapping m = t.file().mmap(4L << 20, 256 * 1024, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        long sum = 0;
        for (int p = 0; p < 64; p++) {
            sum += m.getByte(p * 4096L);
        }
        m.close();
        return sum;
    }

    /** One 2 MiB fault where the personality gives an aligned extent (else 512 PTE faults). */
    @Benchmark
    public long pmdFault() throws FsException {
        FileMapping m = t.file().mmap(8L << 20, PMD, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        long sum = 0;
        for (int p = 0; p < 512; p++) {
            sum += m.getByte(p * 4096L);
        }
        m.close();
        return sum;
    }

    /** A 4 KiB store and load through the already-faulted mapping: the device's own memory. */
    @Benchmark
    public MemorySegment mappedCopy4k() {
        long off = random.nextInt(PMD / 4096) * 4096L;
        MemorySegment.copy(buf, 0, pmdPage, off % pmdPage.byteSize(), 4096);
        MemorySegment.copy(pmdPage, off % pmdPage.byteSize(), buf, 0, 4096);
        return buf;
    }

    /** The same copies on raw memory: what mapped access must equal. */
    @Benchmark
    public MemorySegment rawCopy4k() {
        long off = random.nextInt(PMD / 4096) * 4096L;
        MemorySegment.copy(buf, 0, raw, off, 4096);
        MemorySegment.copy(raw, off, buf, 0, 4096);
        return buf;
    }

    /** 4 KiB overwrite + fsync, with the lines flushed and fences issued per operation. */
    @Benchmark
    public void overwriteFsync(Flushes f) throws IOException {
        var before = t.device().counters();
        t.write(random.nextInt(4096) * 4096L, buf);
        t.file().fsync(false);
        count(f, before);
    }

    /** 4 KiB overwrite + fdatasync: no size change, so nothing but the data need be durable. */
    @Benchmark
    public void overwriteFdatasync(Flushes f) throws IOException {
        var before = t.device().counters();
        t.write(random.nextInt(4096) * 4096L, buf);
        t.file().fsync(true);
        count(f, before);
    }

    /**
     * 4 KiB append + fsync: each one allocates and grows the file, so a metadata commit comes with
     * the data. The file restarts empty at 32 MiB (one truncate per 8,192 appends).
     */
    @Benchmark
    public void appendFsync(Flushes f) throws IOException {
        if (appendAt >= 32L << 20) {
            appended.truncate(0);
            appendAt = 0;
        }
        var before = t.device().counters();
        appended.write(appendAt, buf, 0);
        appended.fsync(false);
        appendAt += 4096;
        count(f, before);
    }

    private void count(Flushes f, dev.jdax.api.DeviceCounters before) {
        var after = t.device().counters();
        f.linesFlushed += after.linesFlushed() - before.linesFlushed();
        f.fences += after.fences() - before.fences();
    }
}
