package dev.jdax.fs.xfs;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Namespace changes jdax writes leave a file system xfs_repair -n finds clean and xfs_db reads. */
class WritesPassXfsRepairTest {
    @TempDir
    Path tmp;

    @Test
    void namespaceWorkloadIsCleanUnderXfsRepair() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        Set<String> kept = new HashSet<>();
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                long root = fs.rootIno();
                long a = fs.mkdir(root, "a", 0755, 1000, 1000);
                long small = fs.mkdir(root, "small", 0700, 0, 0);
                fs.create(small, "one", 0644, 0, 0);
                long big = fs.mkdir(a, "big", 0755, 0, 0);
                for (int i = 0; i < 400; i++) {            // shortform → block → leaf
                    fs.create(big, "entry-number-" + i, 0644, 0, 0);
                }
                for (int i = 0; i < 400; i += 3) {
                    fs.unlink(big, "entry-number-" + i);
                }
                for (int i = 1; i < 400; i++) {
                    if (i % 3 != 0) {
                        kept.add("entry-number-" + i);
                    }
                }
                long mid = fs.mkdir(root, "mid", 0755, 0, 0);  // block form
                for (int i = 0; i < 40; i++) {
                    fs.create(mid, "m" + i, 0600, 0, 0);
                }
                fs.symlink(root, "short", "a/big/entry-number-1", 0, 0);
                fs.symlink(root, "long", "y".repeat(900), 0, 0);
                fs.link(fs.lookup(big, "entry-number-1"), root, "hard");
                fs.rename(root, "hard", a, "renamed", 0);
                fs.rename(root, "mid", a, "mid-moved", 0);
                fs.rmdir(small, "nonexistent-is-enoent".substring(0, 5)) ;
            } catch (FsException e) {
                assertEquals(Errno.ENOENT, e.errno(), e.getMessage());
            }
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                long small = fs.lookup(fs.rootIno(), "small");
                fs.unlink(small, "one");
                fs.rmdir(fs.rootIno(), "small");
                fs.setattr(fs.resolve("/a/renamed", false), SetAttr.mode(0600));
                fs.create(fs.rootIno(), "x", 0644, 0, 0);
                fs.rename(fs.rootIno(), "x", fs.lookup(fs.rootIno(), "a"), "renamed", 0); // replaces
                FsException e = assertThrows(FsException.class, () -> fs.rename(fs.rootIno(), "short",
                        fs.rootIno(), "long", OpenFlags.RENAME_NOREPLACE));
                assertEquals(Errno.EEXIST, e.errno());
                assertEquals(Errno.ENOTEMPTY, assertThrows(FsException.class,
                        () -> fs.rmdir(fs.rootIno(), "a")).errno());
            }
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("ro"))) {
                Set<String> names = new HashSet<>();
                for (DirEntry e : fs.readdir(fs.resolve("/a/big", true))) {
                    if (!e.name().equals(".") && !e.name().equals("..")) {
                        names.add(e.name());
                    }
                }
                assertEquals(kept, names);
                assertEquals("y".repeat(900), fs.readlink(fs.resolve("/long", false)));
                assertEquals(42, fs.readdir(fs.resolve("/a/mid-moved", true)).size(), "40 names, . and ..");
                assertEquals(fs.resolve("/a", true), fs.lookup(fs.resolve("/a/mid-moved", true), ".."));
                assertEquals(1, fs.stat(fs.resolve("/a/big/entry-number-1", true)).nlink());
                assertEquals(4, fs.stat(fs.resolve("/a", true)).nlink());
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        String ls = XfsImages.db(img, "ls /a/big").output();
        assertTrue(ls.contains("entry-number-398") && !ls.contains("entry-number-399 "), ls);
        assertTrue(XfsImages.db(img, "ls /a").output().contains("mid-moved"));
    }
}
