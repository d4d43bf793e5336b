package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.DirEntry;
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
import java.util.Set;
import java.util.TreeSet;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Directory leaves' and inodes' checksums are summed by the commit that logs them, not at each
 * change: the leaves a transaction changed many times, turned into a hashed directory's root (whose
 * dx_tail is summed by its writer) or freed with their directory and taken by a file's extent
 * blocks, and the inodes it changed many times, all within one transaction, reach the log and their
 * home with the checksums e2fsck -fn expects; an inode read back before the commit is not taken for
 * a damaged one.
 */
class ChecksumsAtCommitTest {
    @TempDir
    Path tmp;

    @Test
    void leavesChangedWithinOneTransactionAreSummedRightAtItsCommit() throws Exception {
        Path img = made("l.img");
        Set<String> kept = new TreeSet<>();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            // One leaf changed by every create and unlink, then split and indexed: block 0, a leaf
            // with its checksum pending, becomes the dx_root.
            for (int i = 0; i < 600; i++) {
                String n = "name-" + i + "-" + "x".repeat(i % 40);
                try (OpenFile f = fs.open("/d/" + n, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                    f.write(0, new byte[] {(byte) i}, 0, 1);
                }
                if (i % 3 == 1) {
                    fs.unlink(dir, n);
                } else {
                    kept.add(n);
                }
            }
            // A directory of several leaves removed, its blocks freed in this transaction and then
            // taken by a file of hundreds of extents (blocks of its extent tree).
            long gone = fs.mkdir(fs.rootIno(), "gone", 0755, 0, 0);
            for (int i = 0; i < 400; i++) {
                fs.open("/gone/" + "y".repeat(30) + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT).close();
            }
            for (int i = 0; i < 400; i++) {
                fs.unlink(gone, "y".repeat(30) + i);
            }
            fs.rmdir(fs.rootIno(), "gone");
            try (OpenFile f = fs.open("/frag", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                for (int b = 0; b < 1200; b += 2) {
                    f.write(b * 4096L, new byte[] {(byte) b}, 0, 1);
                }
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax,ro"))) {
            Set<String> listed = new TreeSet<>();
            for (DirEntry e : fs.readdir(fs.lookup(fs.rootIno(), "d"))) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    listed.add(e.name());
                }
            }
            assertEquals(kept, listed);
        }
        Tools.Result htree = Tools.run("debugfs", "-R", "htree /d", img.toString());
        assertTrue(htree.output().contains("Root node dump"), "the directory was indexed: " + htree.output());
    }

    @Test
    void inodesChangedWithinOneTransactionAreReadBackAndSummedRightAtItsCommit() throws Exception {
        Path img = made("i.img");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            // Neighbours in one inode table block, each changed several times: created, written,
            // grown, and every third unlinked and freed.
            for (int i = 0; i < 48; i++) {
                long ino = fs.create(dir, "f" + i, 0644, 0, 0);
                try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                    for (int k = 0; k < 4; k++) {
                        f.write(k * 5000L, new byte[] {(byte) i}, 0, 1);
                    }
                }
                if (i % 3 == 0) {
                    fs.unlink(dir, "f" + i);
                    // Read back from the inode table before the commit: the inode this transaction
                    // freed, its checksum still to come, is deleted (ESTALE), not damaged (EBADMSG).
                    FsException e = assertThrows(FsException.class, () -> fs.open(ino, OpenFlags.O_RDONLY).close());
                    assertEquals(Errno.ESTALE, e.errno(), e.getMessage());
                }
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    /** A fresh ext4 of 64 MiB made by jdax's mkfs, which e2fsck is to judge. */
    private Path made(String name) throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve(name);
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        return img;
    }
}
