package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.jdax.cli.ImageCommandsTest.judge;
import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xfs_io's {@code inode} (XFS_IOC_INUMBERS, XFS_IOC_BULKSTAT; scenario {@code inode} measured what
 * Linux 6.1 prints): its answers beside the inodes a program made and removed in four AGs, the
 * same from a read-only mount (which reads the inode B+trees, not the in-core records), ENOTTY
 * from the other formats, and a walk of the inodes in use while two threads create and remove
 * files.
 */
class InodeCommandTest {
    /** mkfs.xfs's root directory; 129 and 130 (the realtime bitmap and summary) bulkstat passes over. */
    private static final long ROOT = 128;

    @TempDir
    Path tmp;

    @Test
    void inodeAnswersFromTheInodesInUse() throws Exception {
        FileSystemType t = type("xfs");
        Path image = tmp.resolve("xfs.img");
        Console.run("mkfs", "-t", "xfs", image.toString(), "320m").ok();
        TreeSet<Long> live = new TreeSet<>(List.of(ROOT));
        try (DaxDevice device = PmemDevices.open(image); FileSystem fs = Vfs.mount(t, device, MountOptions.parse("dax"))) {
            long root = fs.resolve("/", true);
            for (int d = 0; d < 4; d++) {
                // Each new directory goes to another AG (xfs_dialloc's rotor), its files with it.
                long dir = fs.mkdir(root, "d" + d, 0755, 0, 0);
                live.add(dir);
                for (int i = 0; i < 150; i++) {
                    long ino = fs.create(dir, "f" + i, 0644, 0, 0);
                    if (i % 3 == 0 || i >= 130) {
                        // Every third, and the last chunk's tail: holes in a chunk, a chunk freed whole.
                        fs.unlink(dir, "f" + i);
                    } else {
                        live.add(ino);
                    }
                }
            }
        }
        // An inode's AG is its number's bits above agblklog + inopblog (15 + 3 on 320 MiB).
        assertEquals(4, live.stream().map(i -> i >>> 18).distinct().count(), live::toString);
        List<String> commands = new ArrayList<>(List.of("inode", "inode -v"));
        StringBuilder expected = new StringBuilder("0\n" + live.last() + ":32\n");
        for (long ino : live) {
            for (long asked : new long[] {ino, ino + 1}) {
                Long at = live.ceiling(asked);
                Long after = live.higher(asked);
                commands.add("inode " + asked);
                commands.add("inode -n " + asked);
                expected.append(at == null ? 0 : at).append('\n').append(after == null ? 0 : after).append('\n');
            }
        }
        List<String> argv = new ArrayList<>(List.of("io", "-r"));
        for (String c : commands) {
            argv.add("-c");
            argv.add(c);
        }
        argv.add(image + ":/");
        assertEquals(expected.toString(), Console.run(argv.toArray(String[]::new)).ok().out());
        argv.addAll(1, List.of("-o", "ro"));
        assertEquals(expected.toString(), Console.run(argv.toArray(String[]::new)).ok().out());
        judge("xfs", image);
    }

    @Test
    void otherFormatsHaveNoInumbers() throws Exception {
        for (String name : List.of("ext2", "ext4")) {
            FileSystemType t = type(name);
            try (DaxDevice device = Personalities.formatted(t, Personalities.size(name));
                 FileSystem fs = Personalities.mount(t, device)) {
                assertErrno(Errno.ENOTTY, () -> fs.xfsInumbers(0, 1));
                assertErrno(Errno.ENOTTY, () -> fs.xfsBulkstatNext(0));
            }
        }
    }

    /**
     * Two threads create and remove files in their own directories while a third walks the inodes
     * in use from the first: every walk rises, and once the threads stop it finds exactly the
     * inodes left.
     */
    @Test
    void aWalkBesideCreatesAndUnlinks() throws Exception {
        FileSystemType t = type("xfs");
        TreeSet<Long> left = new TreeSet<>(List.of(ROOT));
        try (DaxDevice device = Personalities.formatted(t, Personalities.size("xfs"));
             FileSystem fs = Personalities.mount(t, device)) {
            long root = fs.resolve("/", true);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            AtomicBoolean done = new AtomicBoolean();
            try {
                List<Future<List<Long>>> workers = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String name = "w" + w;
                    workers.add(pool.submit(() -> {
                        long dir = fs.mkdir(root, name, 0755, 0, 0);
                        List<Long> kept = new ArrayList<>(List.of(dir));
                        for (int i = 0; i < 2000; i++) {
                            long ino = fs.create(dir, "f" + i, 0644, 0, 0);
                            if (i % 2 == 0) {
                                fs.unlink(dir, "f" + i);
                            } else {
                                kept.add(ino);
                            }
                        }
                        return kept;
                    }));
                }
                Future<Integer> walks = pool.submit(() -> {
                    int n = 0;
                    while (!done.get()) {
                        assertRises(fs);
                        n++;
                    }
                    return n;
                });
                for (Future<List<Long>> f : workers) {
                    left.addAll(f.get());
                }
                done.set(true);
                assertTrue(walks.get() > 0);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(new ArrayList<>(left), assertRises(fs));
        }
    }

    /** The inodes bulkstat reports, walked one at a time from the first; each is above the last. */
    private static List<Long> assertRises(FileSystem fs) throws Exception {
        List<Long> seen = new ArrayList<>();
        for (long at = 0, ino; (ino = fs.xfsBulkstatNext(at)) >= 0; at = ino + 1) {
            assertTrue(ino >= at, ino + " reported from " + at);
            seen.add(ino);
        }
        return seen;
    }
}
