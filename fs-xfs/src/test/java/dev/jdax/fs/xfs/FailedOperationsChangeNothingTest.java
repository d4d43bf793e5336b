package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.security.MessageDigest;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An operation either completes or fails before it changes a byte of the device: on a file
 * system with no room left, creating fails whole while unlinking, renaming in place and punching
 * still complete; a directory jdax cannot write refuses the entry before the inode is taken. Every
 * state after is one xfs_repair -n finds clean.
 */
class FailedOperationsChangeNothingTest {
    @TempDir
    Path tmp;

    @Test
    void onAFullFileSystemCreateFailsUntouchedAndUnlinkStillCompletes() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            // A file of many extents, interleaved with a filler that then takes every block left.
            long frag = fs.create(dir, "fragmented", 0644, 0, 0);
            long fill = fs.create(dir, "fill", 0644, 0, 0);
            for (long b = 0; b < 2000; b++) {
                XfsImages.write(fs, b % 2 == 0 ? frag : fill, b / 2 * 4096, new byte[4096]);
            }
            long pos = fs.stat(fill).size();
            for (long step = 64L << 20; step >= 4096; step /= 16) {     // down to the last block users may have
                while (true) {
                    try {
                        XfsImages.fallocate(fs, fill, 0, pos, step);
                        pos += step;
                    } catch (FsException e) {
                        assertEquals(Errno.ENOSPC, e.errno());
                        break;
                    }
                }
            }
            fs.sync();
            byte[] before = digest(dev);
            FsException e = assertThrows(FsException.class, () -> fs.create(dir, "one-more", 0644, 0, 0));
            assertEquals(Errno.ENOSPC, e.errno());
            assertThrows(FsException.class, () -> fs.mkdir(dir, "one-more", 0755, 0, 0));
            assertThrows(FsException.class, () -> fs.symlink(dir, "one-more", "x".repeat(2000), 0, 0));
            fs.sync();
            assertArrayEquals(before, digest(dev), "a failed create left the device as it was");
            assertThrows(FsException.class, () -> fs.lookup(dir, "one-more"));

            // Renaming within the directory needs no new block; punching a hole gives some back.
            fs.rename(dir, "fill", dir, "filled", 0);
            XfsImages.fallocate(fs, fill, Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, 100 * 4096, 4096);
            fs.unlink(dir, "fragmented");
            fs.create(dir, "now-it-fits", 0644, 0, 0);
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /** With 1 KiB blocks directory blocks span four fs blocks, which jdax does not write. */
    @Test
    void anEntryTheDirectoryCannotTakeIsRefusedBeforeTheInodeIsTaken() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 300L << 20, "-b", "size=1024");
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            long outside = fs.create(fs.rootIno(), "outside", 0644, 0, 0);
            int made = 0;
            FsException e = null;
            while (e == null) {
                try {
                    fs.create(dir, "file-" + made, 0644, 0, 0);
                    made++;
                } catch (FsException x) {
                    e = x;
                }
            }
            assertEquals(Errno.EOPNOTSUPP, e.errno(), e.getMessage());
            assertTrue(made > 10, "entries the inode held: " + made);
            fs.sync();
            byte[] before = digest(dev);
            assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class, () -> fs.link(outside, dir, "linked")).errno());
            assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class,
                    () -> fs.rename(fs.rootIno(), "outside", dir, "moved", 0)).errno());
            fs.sync();
            assertArrayEquals(before, digest(dev));
            assertEquals(1, fs.stat(outside).nlink());
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    private static byte[] digest(DaxDevice dev) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 20];
        for (long off = 0; off < dev.size(); off += chunk.length) {
            dev.load(off, MemorySegment.ofArray(chunk), 0, chunk.length);
            md.update(chunk);
        }
        return md.digest();
    }
}
