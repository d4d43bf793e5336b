package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An image with the reverse-mapping B+tree (mkfs.xfs -m rmapbt=1), which jdax reads but does not
 * keep: a writable mount is refused before anything is read from the log or written (EINVAL naming
 * rmapbt, as Linux refuses a writable mount of a read-only compatible feature it does not know), and
 * a read-only one serves the files a populated mkfs left. Writing to it once cost the image its
 * reverse mappings ("Missing reverse-mapping record" from xfs_repair).
 */
class RmapbtMountsReadOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void aWritableMountIsRefusedAndAReadOnlyOneReads() throws Exception {
        XfsImages.assumeXfsprogs();
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("hello"), "hello, rmapbt\n");
        Path proto = tmp.resolve("proto");
        Files.writeString(proto, "boot\n0 0\nd--755 0 0\nhello ---644 0 0 " + src.resolve("hello") + "\n$\n");
        Path img = XfsImages.mkfs(tmp, 320L << 20, "-m", "rmapbt=1", "-p", proto.toString());
        try (DaxDevice dev = XfsImages.load(img)) {
            String before = XfsImages.digest(dev);
            FsException e = assertThrows(FsException.class, () -> new XfsFileSystemType().mount(dev, MountOptions.none()));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("rmapbt") && e.getMessage().contains("-o ro"), e.getMessage());
            assertEquals(before, XfsImages.digest(dev), "nothing written");
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("ro"))) {
                assertEquals("hello, rmapbt\n", new String(XfsImages.readAll(fs, fs.resolve("/hello", true))));
            }
            assertEquals(before, XfsImages.digest(dev), "a read-only mount of a clean log writes nothing");
        }
        XfsImages.assertRepairClean(img);
    }
}
