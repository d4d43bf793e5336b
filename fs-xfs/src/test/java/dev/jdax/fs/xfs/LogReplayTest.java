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
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jdax's log replayed: what a crash leaves after fsync and sync is in the log and comes back at
 * the next mount, xfs_logprint reads the log as Linux's, and xfs_repair -n finds the replayed
 * image clean.
 */
class LogReplayTest {
    @TempDir
    Path tmp;

    @Test
    void whatWasSyncedBeforeACrashIsReplayedAndTheImageIsClean() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        byte[] data = new byte[50_000];
        new java.util.Random(5).nextBytes(data);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            long d = fs.mkdir(fs.rootIno(), "dir", 0755, 0, 0);
            for (int i = 0; i < 200; i++) {
                fs.create(d, "file-" + i, 0644, 0, 0);
            }
            try (OpenFile f = fs.open("/dir/data", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, data, 0, data.length);
                f.fsync(false);
            }
            for (int i = 0; i < 200; i += 3) {
                fs.unlink(d, "file-" + i);
            }
            fs.sync();
            XfsImages.save(dev, img);           // the crash: no unmount
        }
        XfsImages.Result print = XfsImages.run(java.util.List.of(XfsImages.tool("xfs_logprint").toString(), "-t", img.toString()));
        System.out.println(print.output().lines().limit(40).reduce("", (a, b) -> a + b + "\n"));
        assertTrue(print.output().contains("state: <DIRTY>"), print.output());
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem fs = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
            assertTrue(fs.opened().dirty());
            assertTrue(fs.opened().transactions() > 0);
            FileSystem v = Vfs.over(fs);
            assertEquals(200 - 67 + 1 + 2, v.readdir(v.resolve("/dir", true)).size());
            assertArrayEquals(data, XfsImages.readAll(v, v.resolve("/dir/data", true)));
            v.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        XfsImages.Result clean = XfsImages.run(java.util.List.of(XfsImages.tool("xfs_logprint").toString(), "-t", img.toString()));
        assertTrue(clean.output().contains("state: <CLEAN>"), clean.output());
    }
}
