package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files whose extended attributes mke2fs -d copied from the host (user.* attributes): in the inode,
 * in an xattr block, and with ea_inode in inodes of their own. Unlinking them in jdax lets go of the
 * block and the value inodes as ext4_xattr_delete_inode does; e2fsck -fn finds nothing leaked and
 * no reference count wrong.
 */
class XattrReleaseTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}-byte blocks, -O {1}")
    @CsvSource({"4096, ^ea_inode", "1024, ea_inode", "4096, ea_inode"})
    void unlinkingFilesWithAttributesLeaksNothing(int blockSize, String features) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree"));
        int[] sizes = {5, 300, 2000, 3500};
        for (int i = 0; i < sizes.length; i++) {
            Path f = Files.writeString(root.resolve("f" + i), "file " + i);
            UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
            assumeTrue(v != null && Files.getFileStore(f).supportsFileAttributeView(UserDefinedFileAttributeView.class),
                    "the temporary directory keeps no user attributes");
            v.write("a" + i, ByteBuffer.wrap("v".repeat(sizes[i]).getBytes()));
        }
        Path img = tmp.resolve("x.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "" + blockSize, "-O", features, "-d", root.toString(),
                img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        String listing = Tools.run("debugfs", "-R", "stat /f2", img.toString()).output();
        assertTrue(listing.contains("a2 (2000)"), listing);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            for (int i = 0; i < sizes.length; i++) {
                fs.unlink(fs.rootIno(), "f" + i);
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }
}
