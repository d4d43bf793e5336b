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

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * RENAME_EXCHANGE as ext4_cross_rename does it, and the orphan list: an inode unlinked while open
 * is on it, a crash then leaves it there, and the next mount frees it — e2fsck judging each image;
 * and the number of an inode whose last name went answers ESTALE, as ext4_iget does.
 */
class ExchangeAndOrphansTest {
    @TempDir
    Path tmp;

    @Test
    void exchangedNamesSwapInodesAndDirectoriesTheirParents() throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("x.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
            long b = fs.mkdir(fs.rootIno(), "b", 0755, 0, 0);
            long sub = fs.mkdir(a, "sub", 0755, 0, 0);
            long file = fs.create(b, "file", 0644, 0, 0);
            long f1 = fs.create(a, "f1", 0644, 0, 0);
            long f2 = fs.create(a, "f2", 0644, 0, 0);
            fs.rename(a, "sub", b, "file", OpenFlags.RENAME_EXCHANGE);   // a directory and a file, across
            assertEquals(file, fs.lookup(a, "sub"));
            assertEquals(sub, fs.lookup(b, "file"));
            assertEquals(b, fs.lookup(sub, ".."));
            assertEquals(2, fs.stat(a).nlink());
            assertEquals(3, fs.stat(b).nlink());
            fs.rename(a, "f1", a, "f2", OpenFlags.RENAME_EXCHANGE);       // two files, one directory
            assertEquals(f2, fs.lookup(a, "f1"));
            assertEquals(f1, fs.lookup(a, "f2"));
        }
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, r.status(), r.output());
    }

    @Test
    void aFileUnlinkedWhileOpenThatACrashLeftIsFreedAtTheNextMount() throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("o.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        long free;
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            free = fs.statfs().bfree();
            OpenFile f = fs.open("/doomed", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
            f.write(0, new byte[1 << 20], 0, 1 << 20);
            fs.unlink(fs.rootIno(), "doomed");
            fs.sync();                         // the unlink and the orphan entry are committed
            // The power fails here: no close, no unmount. The device's bytes are what a crash leaves.
        }
        Tools.Result before = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(true, before.output().contains("orphan") || before.status() != 0 || before.output().contains("recovery"),
                "e2fsck sees the orphan (or the journal to replay): " + before.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertEquals(free, fs.statfs().bfree(), "the orphan's blocks are free again after the mount");
        }
        Tools.Result after = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, after.status(), after.output());
    }

    @Test
    void theNumberOfAFreedInodeIsStaleAndNothingIsFreedTwice() throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("s.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long ino = fs.create(fs.rootIno(), "gone", 0644, 0, 0);
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.write(0, new byte[8192], 0, 8192);
            }
            fs.unlink(fs.rootIno(), "gone");          // the last name and the last reference: freed
            long freeInodes = fs.statfs().ffree();
            long freeBlocks = fs.statfs().bfree();
            // ext4_evict_inode kept i_mode; the inode is deleted all the same (no link left).
            assertEquals(dev.jdax.api.Errno.ESTALE,
                    assertThrows(dev.jdax.api.FsException.class, () -> fs.link(ino, fs.rootIno(), "back")).errno());
            assertEquals(dev.jdax.api.Errno.ESTALE,
                    assertThrows(dev.jdax.api.FsException.class, () -> fs.open(ino, OpenFlags.O_RDONLY)).errno());
            assertEquals(freeInodes, fs.statfs().ffree());
            assertEquals(freeBlocks, fs.statfs().bfree());
        }
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, r.status(), r.output());
    }
}
