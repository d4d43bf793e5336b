package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.jdax.cli.Personalities.assertJudgedClean;
import static dev.jdax.cli.Personalities.formatted;
import static dev.jdax.cli.Personalities.mount;
import static dev.jdax.cli.Personalities.size;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stat and open by inode number, as a program holding a handle does: which numbers name a file,
 * and lookups by number beside a thread that creates and removes a file over and over, so that the
 * numbers are freed and taken again (a lookup could read the new inode between its allocation and
 * the moment its maker cached it; the create then found that copy in its way and failed with
 * EUCLEAN, "allocated while it is still in use": XFS within a few hundred cycles, ext4 within a
 * few thousand, before the VFS held a number being made as Linux's I_NEW does).
 */
class LookupsByNumberTest {
    /**
     * A number a program gives names a file only when one is in use there, as a handle does
     * (ext2_nfs_get_inode, ext4_nfs_get_inode, xfs_nfs_get_inode): the format's own inodes (the
     * journal, the resize inode, the realtime bitmap), numbers past the inode table, slots never
     * used and inodes freed are ESTALE, never a corruption error, and never a file to open: an
     * open by number of the journal let a program write into it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void numbersThatNameNoFileInUseAreStale(String name) throws Exception {
        FileSystemType t = type(name);
        try (DaxDevice device = formatted(t, size(name))) {
            try (FileSystem fs = mount(t, device)) {
                long root = fs.rootIno();
                long kept = fs.create(root, "kept", 0644, 0, 0);
                long freed = fs.create(root, "freed", 0644, 0, 0);
                fs.unlink(root, "freed");
                java.util.List<Long> stale = new java.util.ArrayList<>(java.util.List.of(0L, 1L, 3L, 7L, 8L, 9L, 10L,
                        1L << 40, -1L, freed, kept + 50));
                if (name.equals("xfs")) {
                    stale.addAll(java.util.List.of(root + 1, root + 2)); // the realtime bitmap and summary
                }
                for (long ino : stale) {
                    FsException e = assertThrows(FsException.class, () -> fs.stat(ino), "stat of inode " + ino);
                    assertEquals(Errno.ESTALE, e.errno(), e.getMessage());
                    e = assertThrows(FsException.class, () -> fs.open(ino, OpenFlags.O_RDWR), "open of inode " + ino);
                    assertEquals(Errno.ESTALE, e.errno(), e.getMessage());
                }
                assertEquals(kept, fs.stat(kept).ino());
                assertEquals(root, fs.stat(root).ino());
            }
            assertJudgedClean(name, device);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void createsNeverMeetACopyALookupByNumberRead(String name) throws Exception {
        FileSystemType t = type(name);
        try (DaxDevice device = formatted(t, size(name))) {
            try (FileSystem fs = mount(t, device)) {
                long root = fs.rootIno();
                long dir = fs.mkdir(root, "w", 0755, 0, 0);
                long first = fs.create(dir, "f", 0644, 0, 0);
                fs.unlink(dir, "f");
                ExecutorService pool = Executors.newFixedThreadPool(2);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong found = new AtomicLong();
                try {
                    Future<?> maker = pool.submit(() -> {
                        for (int i = 0; i < 20_000; i++) {
                            fs.create(dir, "f", 0644, 0, 0);
                            if (i % 5 == 0) {
                                fs.mkdir(dir, "d", 0755, 0, 0);
                                fs.rmdir(dir, "d");
                            }
                            fs.unlink(dir, "f");
                        }
                        return null;
                    });
                    Future<?> reader = pool.submit(() -> {
                        while (!stop.get()) {
                            for (long ino = first - 2; ino < first + 8; ino++) {
                                try {
                                    fs.stat(ino);
                                    try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
                                        f.stat();
                                    }
                                    found.incrementAndGet();
                                } catch (FsException e) {
                                    // not in use (ESTALE), a directory (EISDIR), gone meanwhile: all answers
                                }
                            }
                        }
                        return null;
                    });
                    maker.get();
                    stop.set(true);
                    reader.get();
                } finally {
                    pool.shutdownNow();
                }
                assertTrue(found.get() > 0, "no lookup by number found a file in use");
                assertEquals(java.util.List.of(), fs.readdir(dir).stream().map(e -> e.name()).filter(n -> !n.startsWith(".")).toList());
            }
            assertJudgedClean(name, device);
        }
    }
}
