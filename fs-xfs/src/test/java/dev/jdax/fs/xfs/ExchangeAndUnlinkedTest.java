package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RENAME_EXCHANGE as xfs_cross_rename does it, and the AGI unlinked lists: an inode unlinked while
 * open is on its bucket, a crash leaves it there, the next mount frees it — xfs_repair judging.
 */
class ExchangeAndUnlinkedTest {
    @TempDir
    Path tmp;

    @Test
    void exchangedNamesSwapInodesAndDirectoriesTheirParents() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
                long b = fs.mkdir(fs.rootIno(), "b", 0755, 0, 0);
                long sub = fs.mkdir(a, "sub", 0755, 0, 0);
                long file = fs.create(b, "file", 0644, 0, 0);
                fs.rename(a, "sub", b, "file", OpenFlags.RENAME_EXCHANGE);
                assertEquals(file, fs.lookup(a, "sub"));
                assertEquals(sub, fs.lookup(b, "file"));
                assertEquals(b, fs.lookup(sub, ".."));
                assertEquals(2, fs.stat(a).nlink());
                assertEquals(3, fs.stat(b).nlink());
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    @Test
    void anInodeUnlinkedWhileOpenStaysOnItsBucketUntilItsLastCloseOrTheNextMount() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        long ino;
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            OpenFile f = fs.open("/doomed", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
            f.write(0, new byte[1 << 20], 0, 1 << 20);
            ino = f.ino();
            fs.unlink(fs.rootIno(), "doomed");
            XfsDisk disk = m.format().disk();
            long agno = disk.inoAgno(ino);
            int bucket = (int) (disk.inoAgino(ino) % XfsUnlinked.BUCKETS);
            byte[] agi = new byte[disk.sb().sb_sectsize()];
            disk.readBytes(disk.agbToByte(agno, 0) + 2L * agi.length, agi, agi.length);
            assertEquals(disk.inoAgino(ino), Buf.be32(agi, 40 + 4 * bucket), "on its AGI bucket while open");
            fs.sync();
            XfsImages.save(dev, img);           // what a crash now leaves: no close, no unmount
        }
        // A read-only mount of that log frees it too, and leaves the log clean, as Linux 6.1's does
        // (xfs_log_mount_finish, then xfs_log_clean).
        Path copy = tmp.resolve("read-only.img");
        java.nio.file.Files.copy(img, copy);
        try (DaxDevice dev = XfsImages.load(copy)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("ro"))) {
                assertTrue(fs.readOnly());
                assertEquals(List.of(), fs.readdir(fs.rootIno()).stream().map(e -> e.name())
                        .filter(n -> !n.equals(".") && !n.equals("..")).toList());
            }
            XfsImages.save(dev, copy);
        }
        XfsImages.assertRepairClean(copy);
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                assertTrue(fs.statfs().bfree() > 0);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);       // the mount freed it: no unlinked inode, no lost blocks
    }
}
