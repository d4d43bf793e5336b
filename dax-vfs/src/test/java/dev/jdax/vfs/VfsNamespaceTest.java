package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules the VFS keeps for every personality, and what its caches save the personality. */
class VfsNamespaceTest {
    final MemFs mem = new MemFs();
    final FileSystem fs = Vfs.over(mem);

    static Errno errno(FsRunnable r) {
        return assertThrows(FsException.class, r::run).errno();
    }

    interface FsRunnable {
        void run() throws FsException;
    }

    @Test
    void namesAreCheckedOnceForEveryFormat() {
        long root = fs.rootIno();
        assertEquals(Errno.EINVAL, errno(() -> fs.create(root, "a/b", 0644, 0, 0)));
        assertEquals(Errno.EINVAL, errno(() -> fs.create(root, "", 0644, 0, 0)));
        assertEquals(Errno.ENAMETOOLONG, errno(() -> fs.create(root, "x".repeat(256), 0644, 0, 0)));
        assertEquals(Errno.ENAMETOOLONG, errno(() -> fs.create(root, "é".repeat(128), 0644, 0, 0)), "255 bytes of UTF-8");
        assertEquals(Errno.EEXIST, errno(() -> fs.mkdir(root, "..", 0755, 0, 0)));
    }

    @Test
    void existenceLinkCountsAndEmptinessAreTheVfssToCheck() throws Exception {
        long root = fs.rootIno();
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        long f = fs.create(d, "f", 0644, 0, 0);
        assertEquals(Errno.EEXIST, errno(() -> fs.create(d, "f", 0644, 0, 0)));
        assertEquals(Errno.ENOENT, errno(() -> fs.unlink(d, "g")));
        assertEquals(Errno.EISDIR, errno(() -> fs.unlink(root, "d")));
        assertEquals(Errno.ENOTDIR, errno(() -> fs.rmdir(d, "f")));
        assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rmdir(root, "d")));
        assertEquals(Errno.EPERM, errno(() -> fs.link(d, root, "hard-to-dir")));
        assertEquals(Errno.ENOTDIR, errno(() -> fs.create(f, "x", 0644, 0, 0)));
        assertEquals(Errno.EINVAL, errno(() -> fs.rmdir(d, ".")));
        assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rmdir(d, "..")));
        for (int i = 0; i < 98; i++) {
            fs.link(f, d, "l" + i);
        }
        assertEquals(99, fs.stat(f).nlink());
        fs.link(f, d, "l98");
        assertEquals(Errno.EMLINK, errno(() -> fs.link(f, d, "l99")), "the format's s_max_links");
    }

    @Test
    void aDirectoryCannotMoveIntoItselfNorReplaceAnAncestor() throws Exception {
        long root = fs.rootIno();
        long a = fs.mkdir(root, "a", 0755, 0, 0);
        long b = fs.mkdir(a, "b", 0755, 0, 0);
        long c = fs.mkdir(b, "c", 0755, 0, 0);
        assertEquals(Errno.EINVAL, errno(() -> fs.rename(root, "a", c, "a2", 0)), "into its own subtree");
        assertEquals(Errno.EINVAL, errno(() -> fs.rename(a, "b", b, "b2", 0)), "into itself");
        fs.mkdir(c, "z", 0755, 0, 0);
        assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rename(c, "z", root, "a", 0)), "over an ancestor of its old place");
        assertEquals(Errno.EINVAL, errno(() -> fs.rename(root, "a", root, "a", OpenFlags.RENAME_NOREPLACE | OpenFlags.RENAME_EXCHANGE)));
        fs.rename(b, "c", root, "c", 0);
        assertEquals(root, fs.lookup(c, ".."));
        assertEquals(c, fs.resolve("/c/z/..", true));
    }

    @Test
    void pathCallsWalkToTheirParentsAndReportTheWalksErrorsBeforeEROFS() throws Exception {
        long root = fs.rootIno();
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        long f = fs.create(d, "f", 0644, 0, 0);
        VfsMount m = (VfsMount) fs;
        fs.resolve("/d", false); // the walker keeps the root from its first walk
        int rootRefs = m.references(root);
        fs.rename("/d/f", "/g", 0);
        assertEquals(f, fs.resolve("/g", false));
        assertEquals(Errno.ENOENT, errno(() -> fs.resolve("/d/f", false)));
        assertEquals(Errno.ENOENT, errno(() -> fs.rename("/nowhere/x", "/y", 0)));
        assertEquals(Errno.ENOTDIR, errno(() -> fs.rename("/d/x", "/g/y", 0)), "the target's parent is a file");
        assertEquals(Errno.EEXIST, errno(() -> fs.rename("/g", "/d", OpenFlags.RENAME_NOREPLACE)));
        assertEquals(Errno.EISDIR, errno(() -> fs.unlink("/d")));
        assertEquals(Errno.ENOTDIR, errno(() -> fs.rmdir("/g")));
        fs.rename("/g", "/d/./f", 0);
        assertEquals(0, m.references(d), "the parents the walks referenced are released");
        assertEquals(rootRefs, m.references(root));
        assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rmdir("/d")));
        assertEquals(Errno.EEXIST, errno(() -> fs.rename("/d/f", "/d/f", OpenFlags.RENAME_NOREPLACE)));
        assertEquals(0, m.references(d), "and released when the call fails");
        fs.unlink("/d/f");
        assertEquals(Errno.ENOENT, errno(() -> fs.unlink("/d/f")));
        fs.rmdir("/d");
        assertEquals(Errno.ENOENT, errno(() -> fs.resolve("/d", false)));
        fs.create(root, "h", 0644, 0, 0);
        mem.readOnly = true;
        // do_renameat2 and do_unlinkat walk to the parents before mnt_want_write.
        assertEquals(Errno.ENOENT, errno(() -> fs.rename("/missing/a", "/b", 0)));
        assertEquals(Errno.ENOENT, errno(() -> fs.unlink("/missing/a")));
        assertEquals(Errno.EROFS, errno(() -> fs.rename("/h", "/i", 0)));
        assertEquals(Errno.EROFS, errno(() -> fs.unlink("/h")));
        assertEquals(Errno.EROFS, errno(() -> fs.rmdir("/h")));
        mem.readOnly = false;
        assertEquals(rootRefs, m.references(root), "released after EROFS too");
        fs.unlink("/h");
    }

    @Test
    void renameFollowsPosixForTwoNamesOfOneInodeAndReplacements() throws Exception {
        long root = fs.rootIno();
        long f = fs.create(root, "f", 0644, 0, 0);
        fs.link(f, root, "g");
        fs.rename(root, "f", root, "g", 0);
        assertEquals(f, fs.lookup(root, "f"), "two names of one inode: nothing happens");
        long h = fs.create(root, "h", 0644, 0, 0);
        assertEquals(Errno.EEXIST, errno(() -> fs.rename(root, "h", root, "g", OpenFlags.RENAME_NOREPLACE)));
        fs.rename(root, "h", root, "g", 0);
        assertEquals(h, fs.lookup(root, "g"));
        assertEquals(1, fs.stat(f).nlink());
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        assertEquals(Errno.EISDIR, errno(() -> fs.rename(root, "g", root, "d", 0)));
        assertEquals(Errno.ENOTDIR, errno(() -> fs.rename(root, "d", root, "g", 0)));
        fs.rename(root, "d", root, "g", OpenFlags.RENAME_EXCHANGE);
        assertEquals(d, fs.lookup(root, "g"));
        assertEquals(h, fs.lookup(root, "d"));
    }

    @Test
    void theDentryCacheAnswersRepeatedLookupsAndKeepsUpWithChanges() throws Exception {
        long root = fs.rootIno();
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        fs.create(d, "f", 0644, 0, 0);
        int before = mem.lookups.get();
        for (int i = 0; i < 100; i++) {
            fs.resolve("/d/f", true);
            assertThrows(FsException.class, () -> fs.resolve("/d/absent", true));
        }
        assertTrue(mem.lookups.get() - before <= 1, "a positive and a negative dentry: " + (mem.lookups.get() - before) + " lookups reached the format");
        long g = fs.create(d, "absent", 0644, 0, 0);
        assertEquals(g, fs.resolve("/d/absent", true), "the negative dentry was replaced");
        fs.unlink(d, "f");
        assertEquals(Errno.ENOENT, errno(() -> fs.resolve("/d/f", true)));
        fs.rename(d, "absent", root, "moved", 0);
        assertEquals(g, fs.resolve("/moved", true));
        assertEquals(Errno.ENOENT, errno(() -> fs.resolve("/d/absent", true)));
        List<DirEntry> listed = fs.readdir(d);
        assertEquals(List.of(".", ".."), listed.stream().map(DirEntry::name).toList());
    }

    @Test
    void anUnlinkedFileLivesUntilItsLastCloseAndThenIsFreed() throws Exception {
        long root = fs.rootIno();
        OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
        f.write(0, new byte[] {7}, 0, 1);
        long ino = f.ino();
        fs.unlink(root, "f");
        assertEquals(0, mem.freed.get(), "still open");
        byte[] one = new byte[1];
        f.read(0, one, 0, 1);
        assertEquals(7, one[0]);
        assertEquals(0, fs.stat(ino).nlink());
        f.close();
        assertEquals(1, mem.freed.get(), "the last close frees it");
        assertEquals(Errno.ESTALE, errno(() -> fs.stat(ino)));
    }

    @Test
    void openCreatesAtomicallyTruncatesAndRefusesWhatLinuxRefuses() throws Exception {
        try (OpenFile f = fs.open("/new", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL)) {
            f.write(0, new byte[100], 0, 100);
        }
        assertEquals(Errno.EEXIST, errno(() -> fs.open("/new", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL)));
        try (OpenFile f = fs.open("/new", OpenFlags.O_WRONLY | OpenFlags.O_TRUNC)) {
            assertEquals(0, f.size(), "O_TRUNC after the open");
        }
        assertEquals(Errno.EISDIR, errno(() -> fs.open("/", OpenFlags.O_RDWR)));
        assertEquals(Errno.EISDIR, errno(() -> fs.open("/dir/", OpenFlags.O_RDWR | OpenFlags.O_CREAT)));
        fs.symlink(fs.rootIno(), "link", "new", 0, 0);
        assertEquals(Errno.ELOOP, errno(() -> fs.open("/link", OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW)));
        try (OpenFile f = fs.open("/link", OpenFlags.O_RDONLY)) {
            assertEquals(fs.resolve("/new", true), f.ino());
        }
        try (OpenFile d = fs.open("/", OpenFlags.O_RDONLY)) {
            assertEquals(Errno.EISDIR, errno(() -> d.read(0, new byte[1], 0, 1)));
            d.fsync(false);
        }
    }

    @Test
    void symlinkLoopsEndInEloopAndTrailingSlashesWantDirectories() throws Exception {
        long root = fs.rootIno();
        fs.symlink(root, "a", "b", 0, 0);
        fs.symlink(root, "b", "a", 0, 0);
        assertEquals(Errno.ELOOP, errno(() -> fs.resolve("/a", true)));
        fs.create(root, "file", 0644, 0, 0);
        assertEquals(Errno.ENOTDIR, errno(() -> fs.resolve("/file/", true)));
        assertEquals(Errno.ENOTDIR, errno(() -> fs.resolve("/file/x", true)));
    }

    @Test
    void unmountClosesWhatIsOpenAndFreesWhatWasUnlinked() throws Exception {
        OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
        fs.unlink(fs.rootIno(), "f");
        fs.close();
        assertEquals(1, mem.freed.get());
        assertEquals(Errno.EBADF, errno(() -> fs.resolve("/", true)));
        f.close();
    }

    @Test
    void anInodeWhoseLastLinkGoesLeavesTheUnusedListAtOnce() throws Exception {
        long root = fs.rootIno();
        long d = fs.mkdir(root, "churn", 0755, 0, 0);
        long kept = fs.create(d, "kept", 0644, 0, 0);
        for (int i = 0; i < 1000; i++) {
            long ino = fs.create(d, "tmp", 0644, 0, 0);   // unused once made: listed
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.write(0, new byte[16], 0, 16);
            }
            fs.unlink(d, "tmp");                         // its last link: evicted, and off the list
        }
        long[] sizes = ((VfsMount) fs).cacheSizes();
        assertTrue(sizes[2] <= 3, "unused inodes listed after 1,000 creates and unlinks: " + sizes[2]
                + " (the directories and the kept file at most)");
        assertEquals(kept, fs.lookup(d, "kept"));
    }
}
