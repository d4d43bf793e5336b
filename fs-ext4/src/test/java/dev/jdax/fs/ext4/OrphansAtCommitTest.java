package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The orphan list as commits record it: an inode whose last link goes is on the list of every
 * commit made while it is still in use, and on none made after its release — an unlink and a
 * release in one transaction leave the list as it was, as Linux's two handles in one transaction
 * do. The superblock is read from the image file (the device's memory) after each commit, and the
 * images a crash leaves are judged by the next mount and by e2fsck.
 */
class OrphansAtCommitTest {
    @TempDir
    Path tmp;

    private Path image(String name) throws Exception {
        Path img = tmp.resolve(name);
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        return img;
    }

    /** The list's head as the device holds it (the last commit's superblock, checkpointed home). */
    private static long lastOrphan(Path img) throws IOException {
        return OrphanFileTest.superblock(img).s_last_orphan();
    }

    private static OpenFile unlinkedWhileOpen(FileSystem fs, String name) throws Exception {
        OpenFile f = fs.open("/" + name, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
        f.write(0, new byte[16384], 0, 16384);
        fs.unlink(fs.rootIno(), name);
        return f;
    }

    /**
     * Linux 6.1's ext4_orphan_cleanup runs on a read-only mount too ("orphan cleanup on readonly
     * fs"): a crash's orphans are freed, and the read-only mount sees their blocks free.
     */
    @Test
    void aReadOnlyMountFreesTheOrphansACrashLeft() throws Exception {
        Tools.require("e2fsck");
        Path img = image("ro.img");
        long free;
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            free = fs.statfs().bfree();
            unlinkedWhileOpen(fs, "held");
            fs.sync();
            // The power fails here: the file is never closed, the file system never unmounted.
        }
        assertTrue(lastOrphan(img) != 0, "the crash left the file on the list");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            assertTrue(fs.readOnly());
            assertEquals(free, fs.statfs().bfree(), "the orphan's blocks are free again");
        }
        assertEquals(0, lastOrphan(img));
        OrphanFileTest.assertClean(img);
    }

    @Test
    void aCommitRecordsTheUnlinkedInodesStillInUseAndNoneReleasedBeforeIt() throws Exception {
        Tools.require("e2fsck");
        Path img = image("o.img");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            OpenFile held = unlinkedWhileOpen(fs, "held");
            long heldIno = held.ino();
            unlinkedWhileOpen(fs, "closed").close();                 // released before the commit
            fs.create(fs.rootIno(), "plain", 0644, 0, 0);
            fs.unlink(fs.rootIno(), "plain");                         // never open: released at once
            assertEquals(0, lastOrphan(img), "nothing committed yet");
            fs.sync();
            // Newest first: had either later inode been recorded, the head would name it.
            assertEquals(heldIno, lastOrphan(img), "the commit recorded the one inode still in use");
            held.close();
            fs.sync();
            assertEquals(0, lastOrphan(img), "its release took it off in the next commit");
        }
        OrphanFileTest.assertClean(img);
    }

    @Test
    void threadsUnlinkingAndReleasingBesideCommitsLeaveACrashNothingToLose() throws Exception {
        Tools.require("e2fsck");
        Path img = image("t.img");
        long free;
        int stillOpen;
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            free = fs.statfs().bfree();
            ConcurrentLinkedQueue<OpenFile> held = new ConcurrentLinkedQueue<>();
            AtomicBoolean done = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
            Thread committer = new Thread(() -> {
                try {
                    while (!done.get()) {
                        fs.sync();
                    }
                } catch (Throwable t) {
                    failed.add(t);
                }
            });
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int id = w;
                workers.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < 400; i++) {
                            OpenFile f = unlinkedWhileOpen(fs, "w" + id + "-" + i);
                            if (i % 3 == 0) {
                                held.add(f);          // kept past commits: a crash must leave it listed
                            } else {
                                f.close();            // released, in this transaction or a later one
                            }
                        }
                    } catch (Throwable t) {
                        failed.add(t);
                    }
                }));
            }
            committer.start();
            workers.forEach(Thread::start);
            for (Thread t : workers) {
                t.join();
            }
            done.set(true);
            committer.join();
            assertEquals(List.of(), List.copyOf(failed));
            stillOpen = held.size();
            fs.sync();
            // The power fails here: the held files are never closed, the file system never unmounted.
        }
        assertTrue(stillOpen > 200, "files left open: " + stillOpen);
        assertTrue(lastOrphan(img) != 0, "the crash left the held files on the list");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertEquals(free, fs.statfs().bfree(), "every orphan's blocks are free again after the mount");
        }
        assertEquals(0, lastOrphan(img));
        OrphanFileTest.assertClean(img);
    }
}
