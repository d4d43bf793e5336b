package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Block reservations are granted from shared counts and each AG's published spare while the file
 * system is far from full, and from exact sums near ENOSPC (XfsSpace#reserve). Four threads, each
 * creating and writing files in a directory of its own, fill the file system twice (the second
 * time after each deleted every other file of its own): every failure is ENOSPC, no byte a write
 * reported written is lost, and xfs_repair finds the image clean.
 */
class ConcurrentWritersReachEnospcCleanlyTest {
    private static final int THREADS = 4;
    private static final int CHUNK = 256 << 10;

    /** One thread's files: name, and the bytes its writes reported written. */
    private record Written(List<String> names, List<Long> sizes) {
    }

    @Test
    void fourWritersFillTheFileSystemTwiceAndNothingIsLost(@TempDir Path tmp) throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("xfs.img");
        XfsFileSystemType type = new XfsFileSystemType();
        List<Written> written = new ArrayList<>();
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            type.mkfs(dev, MkfsOptions.defaults());
            FileSystem fs = Vfs.mount(type, dev, MountOptions.parse("dax"));
            long[] dirs = new long[THREADS];
            for (int t = 0; t < THREADS; t++) {
                dirs[t] = fs.mkdir(fs.rootIno(), "w" + t, 0755, 0, 0);
                written.add(new Written(new ArrayList<>(), new ArrayList<>()));
            }
            for (int round = 0; round < 2; round++) {
                int r = round;
                runAll(t -> fill(fs, dirs[t], t, r, written.get(t)));
                if (round == 0) {
                    runAll(t -> deleteEveryOther(fs, dirs[t], written.get(t)));
                }
            }
            assertTrue(fs.statfs().bfree() < fs.statfs().blocks() / 20, "the file system was filled: "
                    + fs.statfs().bfree() + " of " + fs.statfs().blocks() + " blocks free");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.Result repair = XfsImages.run(List.of(XfsImages.tool("xfs_repair").toString(), "-n", img.toString()));
        assertEquals(0, repair.exit(), repair.output());
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(type, dev, MountOptions.parse("dax"));
            for (int t = 0; t < THREADS; t++) {
                long dir = fs.lookup(fs.rootIno(), "w" + t);
                Written w = written.get(t);
                for (int i = 0; i < w.names().size(); i++) {
                    long ino = fs.lookup(dir, w.names().get(i));
                    assertEquals(w.sizes().get(i), fs.stat(ino).size(), w.names().get(i));
                    checkContent(fs, ino, t, w.names().get(i), w.sizes().get(i));
                }
            }
            fs.close();
        }
    }

    private interface PerThread {
        void run(int thread) throws Exception;
    }

    private static void runAll(PerThread body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    body.run(thread);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Files of up to 4 MiB, written a chunk at a time, until a create or a write finds no space. */
    private static void fill(FileSystem fs, long dir, int thread, int round, Written w) throws FsException {
        MemorySegment buf = Arena.ofAuto().allocate(CHUNK, 4096);
        for (int n = 0; ; n++) {
            String name = "r" + round + "-" + n;
            long ino;
            try {
                ino = fs.create(dir, name, 0644, 0, 0);
            } catch (FsException e) {
                assertEquals(Errno.ENOSPC, e.errno(), "thread " + thread + " creating " + name + ": " + e.getMessage());
                return;
            }
            w.names().add(name);
            w.sizes().add(0L);
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                for (long off = 0; off < 16L * CHUNK; off += CHUNK) {
                    pattern(buf, thread, name, off);
                    long got;
                    try {
                        got = f.write(off, buf, 0);
                    } catch (FsException e) {
                        assertEquals(Errno.ENOSPC, e.errno(), "thread " + thread + " writing " + name + ": " + e.getMessage());
                        return;
                    }
                    w.sizes().set(w.sizes().size() - 1, off + got);
                    if (got < CHUNK) {
                        return;
                    }
                }
            }
        }
    }

    private static void deleteEveryOther(FileSystem fs, long dir, Written w) throws FsException {
        for (int i = w.names().size() - 1; i >= 0; i -= 2) {
            fs.unlink(dir, w.names().get(i));
            w.names().remove(i);
            w.sizes().remove(i);
        }
    }

    /** Longs that name the thread, the file and the offset: a block that lands in another file is seen. */
    private static void pattern(MemorySegment buf, int thread, String name, long off) {
        long seed = ((long) thread << 56) ^ ((long) name.hashCode() << 24);
        for (long i = 0; i < CHUNK; i += 8) {
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, i, seed ^ (off + i));
        }
    }

    private static void checkContent(FileSystem fs, long ino, int thread, String name, long size) throws FsException {
        MemorySegment got = Arena.ofAuto().allocate(CHUNK, 4096);
        MemorySegment want = Arena.ofAuto().allocate(CHUNK, 4096);
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            for (long off = 0; off < size; off += CHUNK) {
                int n = (int) Math.min(CHUNK, size - off);
                assertEquals(n, f.read(off, got.asSlice(0, n)), name + " at " + off);
                pattern(want, thread, name, off);
                assertEquals(-1, got.asSlice(0, n).mismatch(want.asSlice(0, n)), name + " at " + off);
            }
        }
    }
}
