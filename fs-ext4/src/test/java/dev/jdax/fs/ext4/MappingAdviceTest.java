package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * madvise(MADV_DONTNEED), mincore and mremap on ext4 under concurrent write faults that allocate:
 * nothing stored is lost, and e2fsck -fn finds the image clean.
 */
class MappingAdviceTest {
    private static final int PAGE = 4096;
    private static final int THREADS = 4;
    private static final int PAGES_EACH = 16;
    private static final int ROUNDS = 400;

    @TempDir
    Path tmp;

    /**
     * Four threads store into their own pages of a sparse file through one mapping (the first store
     * to a page allocates its block), drop every page-table entry of the mapping, and load their
     * page again; a fifth thread asks mincore and msyncs, a sixth grows and shrinks a second
     * mapping of the file. Every load sees its thread's last store, and a fresh mount reads it.
     */
    @Test
    void concurrentFaultsDontneedMincoreAndMremapLoseNothing() throws Exception {
        Path img = tmp.resolve("m.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        long size = (long) THREADS * PAGES_EACH * PAGE;
        long ino;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             ExecutorService pool = Executors.newFixedThreadPool(THREADS + 2)) {
            ino = fs.create(fs.rootIno(), "mapped", 0644, 0, 0);
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.truncate(size);
                FileMapping m = f.mmap(0, size, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
                FileMapping other = f.mmap(0, PAGE, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
                CyclicBarrier start = new CyclicBarrier(THREADS + 2);
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int first = t * PAGES_EACH;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int round = 1; round <= ROUNDS; round++) {
                            long at = (long) (first + round % PAGES_EACH) * PAGE + 7;
                            m.putByte(at, (byte) round);
                            m.madvise(0, size, FileMapping.MADV_DONTNEED);
                            assertEquals((byte) round, m.getByte(at));
                        }
                        return null;
                    }));
                }
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        assertTrue(m.mincore(0, size).cardinality() <= THREADS * PAGES_EACH);
                        m.msync(0, size);
                    }
                    return null;
                }));
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        other.mremap(i % 2 == 0 ? size : PAGE, FileMapping.MREMAP_MAYMOVE, 0);
                        other.getByte(0);
                    }
                    return null;
                }));
                for (Future<?> r : done) {
                    r.get();
                }
                m.msync(0, size);
                m.close();
                other.close();
            }
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            byte[] b = new byte[1];
            for (int t = 0; t < THREADS; t++) {
                for (int p = 0; p < PAGES_EACH; p++) {
                    // The last round that stored to page p of thread t's pages.
                    int last = ROUNDS - Math.floorMod(ROUNDS - p, PAGES_EACH);
                    f.read((long) (t * PAGES_EACH + p) * PAGE + 7, b, 0, 1);
                    assertEquals((byte) last, b[0], "thread " + t + " page " + p);
                }
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }
}
