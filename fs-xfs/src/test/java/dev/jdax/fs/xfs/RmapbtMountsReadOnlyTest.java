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
 * keep: a mount asked read-write is read-only and says why with every EROFS (as ext4's mounts of
 * features jdax cannot keep do), writes nothing, and serves the files a populated mkfs left. Writing
 * to it once cost the image its reverse mappings ("Missing reverse-mapping record" from
 * xfs_repair). A read-only compatible feature Linux does not know refuses a writable mount, EINVAL,
 * as Linux refuses it.
 */
class RmapbtMountsReadOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void aMountAskedReadWriteIsReadOnlyAndSaysWhy() throws Exception {
        XfsImages.assumeXfsprogs();
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("hello"), "hello, rmapbt\n");
        Path proto = tmp.resolve("proto");
        Files.writeString(proto, "boot\n0 0\nd--755 0 0\nhello ---644 0 0 " + src.resolve("hello") + "\n$\n");
        Path img = XfsImages.mkfs(tmp, 320L << 20, "-m", "rmapbt=1", "-p", proto.toString());
        try (DaxDevice dev = XfsImages.load(img)) {
            String before = XfsImages.digest(dev);
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                assertTrue(fs.readOnly());
                assertEquals("hello, rmapbt\n", new String(XfsImages.readAll(fs, fs.resolve("/hello", true))));
                FsException e = assertThrows(FsException.class, () -> fs.mkdir(fs.rootIno(), "d", 0755, 0, 0));
                assertEquals(Errno.EROFS, e.errno());
                assertTrue(e.getMessage().contains("mounted read-only: rmapbt: jdax reads it but does not keep it"),
                        e.getMessage());
            }
            assertEquals(before, XfsImages.digest(dev), "nothing written");

            // A read-only compatible feature Linux does not know (bit 8): a writable mount is refused.
            byte[] sb = new byte[512];
            dev.load(0, java.lang.foreign.MemorySegment.ofArray(sb), 0, sb.length);
            Buf.put32(sb, 212, Buf.be32(sb, 212) | 1 << 8);
            XfsCrc.update(sb, 0, sb.length, XfsSuperblock.SB_CRC_OFF);
            dev.store(0, java.lang.foreign.MemorySegment.ofArray(sb), 0, sb.length);
            FsException e = assertThrows(FsException.class, () -> new XfsFileSystemType().mount(dev, MountOptions.none()));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("unknown read-only compatible features (0x100: unknown_bit_8)"), e.getMessage());
            new XfsFileSystemType().mount(dev, MountOptions.parse("ro")).close();
        }
        XfsImages.assertRepairClean(img);
    }
}
