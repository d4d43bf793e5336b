package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A free that fails inside a transaction (here a block freed twice, which the free-space index
 * refuses as corruption) shuts the file system down, as a failed xfs_defer_finish cancels a dirty
 * transaction and Linux's xfs_force_shutdown follows: every later operation fails, nothing more is
 * written, and no unmount record is left. The next mount replays the log to the last checkpoint
 * that reached it; xfs_repair -n finds the result clean.
 */
class FailedFreeShutsDownTest {
    @TempDir
    Path tmp;

    @Test
    void aFreeThatFailsShutsTheFileSystemDown() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = new byte[64 << 10];
        new Random(9).nextBytes(data);
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem format = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
            FileSystem fs = Vfs.over(format);
            long free;
            long block;
            try (OpenFile f = fs.open("/a", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                f.write(0, data, 0, data.length);
                f.fsync(false);
                block = format.extents(format.iget(f.ino())).getFirst().startblock();
            }
            fs.sync();
            free = fs.statfs().bfree();

            FsException e = assertThrows(FsException.class, () -> format.log().op(h -> {
                h.freeLater(List.<long[]>of(new long[]{block, 1}));
                h.freeLater(List.<long[]>of(new long[]{block, 1}));
                return null;
            }));
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("already free"), e.getMessage());
            assertThrows(FsException.class, () -> fs.mkdir(fs.rootIno(), "after", 0755, 0, 0), "shut down");
            assertThrows(FsException.class, fs::close, "no clean unmount");

            try (FileSystem again = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                assertArrayEquals(data, XfsImages.readAll(again, again.resolve("/a", true)), "the file as it was");
                assertEquals(free, again.statfs().bfree(), "no block freed by the failed transaction");
                assertThrows(FsException.class, () -> again.resolve("/after", true));
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }
}
