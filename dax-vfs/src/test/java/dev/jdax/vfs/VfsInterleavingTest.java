package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic interleavings of the VFS's locks: one operation is stopped inside the personality
 * (holding what the VFS took for it); the test shows which other operations still finish and which
 * wait for it — the lock order of docs/LOCKING.md seen from outside.
 */
class VfsInterleavingTest {
    final MemFs mem = new MemFs();
    final FileSystem fs = Vfs.over(mem);
    final ExecutorService pool = Executors.newCachedThreadPool();

    interface Call {
        void run() throws Exception;
    }

    CompletableFuture<Void> async(Call c) {
        return CompletableFuture.runAsync(() -> {
            try {
                c.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, pool);
    }

    static void finishes(CompletableFuture<Void> f, String what) throws Exception {
        f.get(10, TimeUnit.SECONDS);
    }

    static void waits(CompletableFuture<Void> f, String what) {
        assertThrows(TimeoutException.class, () -> f.get(300, TimeUnit.MILLISECONDS), what + " should wait");
        assertFalse(f.isDone(), what);
    }

    @Test
    void aChangeOfOneDirectoryStopsOnlyThatDirectorysChangesAndLookupMisses() throws Exception {
        long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
        long b = fs.mkdir(fs.rootIno(), "b", 0755, 0, 0);
        fs.create(a, "known", 0644, 0, 0);
        MemFs.Gate gate = mem.gate("create");
        CompletableFuture<Void> stopped = async(() -> fs.create(a, "new", 0644, 0, 0));
        gate.await();                                    // holds a's i_rwsem exclusively, inside the format
        finishes(async(() -> fs.mkdir(b, "other", 0755, 0, 0)), "a create in another directory");
        finishes(async(() -> fs.resolve("/a/known", true)), "a dentry hit in the same directory");
        CompletableFuture<Void> miss = async(() -> fs.lookup(a, "not-cached-yet"));
        CompletableFuture<Void> second = async(() -> fs.create(a, "second", 0644, 0, 0));
        waits(miss, "a lookup miss in the directory being changed (i_rwsem shared)");
        waits(second, "a second change of the same directory (i_rwsem exclusive)");
        gate.release.countDown();
        finishes(stopped, "the create");
        assertThrows(Exception.class, () -> miss.get(10, TimeUnit.SECONDS), "then the lookup answers ENOENT");
        finishes(second, "then the second create");
        assertEquals(5, fs.readdir(a).size());
    }

    @Test
    void aLookupByNumberOfAnInodeBeingMadeWaitsForItsMakersInode() throws Exception {
        long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
        long next = a + 1; // MemFs hands out numbers in turn
        MemFs.Gate gate = mem.gate("made");
        CompletableFuture<Void> create = async(() -> assertEquals(next, fs.create(a, "new", 0644, 0, 0)));
        gate.await();                                    // the number taken, its inode readable in the format
        int igets = mem.igets.get();
        CompletableFuture<Void> byNumber = async(() -> {
            try (OpenFile f = fs.open(next, OpenFlags.O_RDWR)) {
                f.write(0, "by number".getBytes(), 0, 9);
            }
        });
        waits(byNumber, "an open by number of the inode being made (I_NEW)");
        gate.release.countDown();
        finishes(create, "the create");
        finishes(byNumber, "then the open by number");
        assertEquals(igets, mem.igets.get(), "the open by number read no second copy of the inode");
        assertEquals(9, fs.stat(fs.resolve("/a/new", true)).size(), "what it wrote is the named file's");
    }

    @Test
    void aReadByNumberThatAMakeOvertakesGivesWayToTheMakersInode() throws Exception {
        long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
        long next = a + 1;
        MemFs.Gate gate = mem.gate("iget");
        OpenFile[] opened = new OpenFile[1];
        CompletableFuture<Void> byNumber = async(() -> opened[0] = fs.open(next, OpenFlags.O_RDWR));
        gate.await();                                    // reading a number not yet in use
        assertEquals(next, fs.create(a, "new", 0644, 0, 0), "the create claims the number the read is after");
        gate.release.countDown();                        // the read now finds the new inode in the format
        finishes(byNumber, "the open by number");
        assertEquals(1, ((VfsMount) fs).references(next), "the open file holds the maker's inode, not a copy");
        opened[0].close();
        assertEquals(0, ((VfsMount) fs).references(next));
    }

    @Test
    void aMakeThatTakesAnotherNumberHoldsTheLastOneItTook() throws Exception {
        long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
        long first = a + 1;
        long second = a + 2;
        mem.retryingName = "again";
        MemFs.Gate retry = mem.gate("retry");
        CompletableFuture<Void> create = async(() -> assertEquals(second, fs.create(a, "again", 0644, 0, 0)));
        retry.await();                                   // the first number claimed, then given back
        MemFs.Gate made = mem.gate("made");
        retry.release.countDown();
        made.await();                                    // the second number claimed, its inode readable
        FsException gone = assertThrows(FsException.class, () -> fs.stat(first), "the first number no longer waits");
        assertEquals(Errno.ESTALE, gone.errno());
        CompletableFuture<Void> byNumber = async(() -> assertEquals(second, fs.stat(second).ino()));
        waits(byNumber, "a stat by number of the second number, being made");
        made.release.countDown();
        finishes(create, "the create");
        finishes(byNumber, "then the stat of the maker's inode");
        assertEquals(0, ((VfsMount) fs).references(second), "cached, unreferenced");
    }

    @Test
    void aLookupByNumberOfAnInodeWhoseMakeFailedFindsItFree() throws Exception {
        long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
        long next = a + 1;
        mem.failingName = "full";
        MemFs.Gate gate = mem.gate("made");
        CompletableFuture<Void> create = async(() -> fs.create(a, "full", 0644, 0, 0));
        gate.await();
        CompletableFuture<Void> byNumber = async(() -> fs.stat(next));
        waits(byNumber, "a stat by number of the inode being made");
        gate.release.countDown();
        assertTrue(assertThrows(Exception.class, () -> create.get(10, TimeUnit.SECONDS)).getMessage().contains("ENOSPC"));
        String why = assertThrows(Exception.class, () -> byNumber.get(10, TimeUnit.SECONDS)).getMessage();
        assertTrue(why.contains("ESTALE"), why);
        assertEquals(next + 1, fs.create(a, "after", 0644, 0, 0), "the next create takes the next number");
    }

    @Test
    void anUnlinkHoldsTheDirectoryAndTheVictimButNotTheVictimsReaders() throws Exception {
        long d = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
        long f = fs.create(d, "f", 0644, 0, 0);
        long g = fs.create(d, "g", 0644, 0, 0);
        MemFs.Gate gate = mem.gate("unlink");
        CompletableFuture<Void> stopped = async(() -> fs.unlink(d, "f"));
        gate.await();                                    // holds d and f exclusively
        finishes(async(() -> fs.stat(f)), "stat of the victim (no lock)");
        finishes(async(() -> {
            try (OpenFile o = fs.open(g, OpenFlags.O_RDWR)) {
                o.write(0, new byte[8], 0, 8);
            }
        }), "I/O on another file of the directory");
        CompletableFuture<Void> setattr = async(() -> fs.setattr(f, SetAttr.mode(0600)));
        waits(setattr, "a change of the victim (its i_rwsem)");
        CompletableFuture<Void> link = async(() -> fs.link(g, d, "g2"));
        waits(link, "a link into the directory (its i_rwsem)");
        gate.release.countDown();
        finishes(stopped, "the unlink");
        finishes(setattr, "then the setattr of the unlinked inode");
        finishes(link, "then the link");
    }

    @Test
    void aRenameBetweenDirectoriesHoldsTheRenameLockButSameDirectoryRenamesRun() throws Exception {
        long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
        long b = fs.mkdir(fs.rootIno(), "b", 0755, 0, 0);
        long c = fs.mkdir(fs.rootIno(), "c", 0755, 0, 0);
        long d = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
        fs.create(a, "x", 0644, 0, 0);
        fs.create(c, "y", 0644, 0, 0);
        fs.create(c, "z", 0644, 0, 0);
        MemFs.Gate gate = mem.gate("rename");
        CompletableFuture<Void> stopped = async(() -> fs.rename(a, "x", b, "x", 0));
        gate.await();                                    // holds s_vfs_rename_mutex, a and b
        finishes(async(() -> fs.rename(c, "z", c, "z2", 0)), "a rename inside another directory");
        finishes(async(() -> fs.create(d, "new", 0644, 0, 0)), "a create elsewhere");
        CompletableFuture<Void> cross = async(() -> fs.rename(c, "y", d, "y", 0));
        waits(cross, "another rename between directories (the rename lock)");
        gate.release.countDown();
        finishes(stopped, "the rename");
        finishes(cross, "then the other rename");
        assertEquals(d, fs.resolve("/d", true));
        assertTrue(fs.resolve("/d/y", true) > 0 && fs.resolve("/b/x", true) > 0);
    }

    @Test
    void aFilesIoDoesNotWaitForItsDirectorysChanges() throws Exception {
        long d = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
        long f = fs.create(d, "f", 0644, 0, 0);
        MemFs.Gate gate = mem.gate("create");
        CompletableFuture<Void> stopped = async(() -> fs.create(d, "other", 0644, 0, 0));
        gate.await();
        finishes(async(() -> {
            try (OpenFile o = fs.open(f, OpenFlags.O_RDWR)) {
                o.write(0, new byte[4096], 0, 4096);
                o.read(0, new byte[4096], 0, 4096);
            }
        }), "I/O on a file of the directory being changed");
        gate.release.countDown();
        finishes(stopped, "the create");
    }
}
