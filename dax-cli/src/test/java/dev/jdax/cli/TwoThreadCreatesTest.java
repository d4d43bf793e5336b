package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatFs;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Threads creating, writing and unlinking in directories of their own (ThreadsBench's workload,
 * with files kept and directories made and removed), at the same time: the free counts the
 * threads changed from several groups or AGs at once — per-cpu style counters, summed only when
 * read — come back exactly to what they were once everything made is removed, and the judge
 * (e2fsck -fn, xfs_repair -n) finds the image clean.
 */
class TwoThreadCreatesTest {
    private static final int THREADS = 2;
    private static final int ROUNDS = 1500;

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void freeCountsAreExactAndTheImageCleanAfterThreadsCreateInTheirOwnDirectories(String type) throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        FileSystemType t = FileSystemTypes.byName(type);
        try (DaxDevice device = PmemDevices.memory(1L << 30)) {
            t.mkfs(device, MkfsOptions.defaults().withBlockSize(4096));
            try (FileSystem fs = Vfs.mount(t, device, MountOptions.parse("dax"))) {
                StatFs before = fs.statfs();
                run(fs, THREADS, id -> {
                    long dir = fs.mkdir(fs.rootIno(), "dir-" + id, 0755, 0, 0);
                    byte[] data = new byte[3 * 4096];
                    for (int i = 0; i < ROUNDS; i++) {
                        String name = "tmp-" + (i & 7);
                        long ino = fs.create(dir, name, 0644, 0, 0);
                        try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                            f.write(0, data, 0, 4096 * (1 + i % 3));
                        }
                        if (i % 10 == 0) {
                            fs.rename(dir, name, dir, "kept-" + i, 0);
                        } else {
                            fs.unlink(dir, name);
                        }
                        if (i % 100 == 0) {
                            fs.rmdir(dir, mkdirIn(fs, dir, "sub-" + i));
                        }
                    }
                });
                StatFs during = fs.statfs();
                assertTrue(during.bfree() < before.bfree() && during.ffree() < before.ffree(), type + ": kept files use space");
                run(fs, THREADS, id -> {
                    long dir = fs.lookup(fs.rootIno(), "dir-" + id);
                    for (int i = 0; i < ROUNDS; i += 10) {
                        fs.unlink(dir, "kept-" + i);
                    }
                    fs.rmdir(fs.rootIno(), "dir-" + id);
                });
                StatFs after = fs.statfs();
                assertEquals(before.ffree(), after.ffree(), type + ": free inodes after every inode made was freed");
                assertEquals(before.bfree(), after.bfree(), type + ": free blocks after every block allocated was freed");
            }
            Personalities.assertJudgedClean(type, device);
        }
    }

    private static String mkdirIn(FileSystem fs, long dir, String name) throws Exception {
        fs.mkdir(dir, name, 0755, 0, 0);
        return name;
    }

    interface Work {
        void run(int id) throws Exception;
    }

    private static void run(FileSystem fs, int threads, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int id = 0; id < threads; id++) {
                int k = id;
                done.add(pool.submit(() -> {
                    work.run(k);
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
}
