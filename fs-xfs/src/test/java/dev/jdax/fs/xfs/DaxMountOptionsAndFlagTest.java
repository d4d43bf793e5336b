package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dax mount option and FS_XFLAG_DAX behave as measured on Linux 6.1: {@code dax} is
 * {@code dax=always} for regular files (never directories), no option is {@code dax=inode}, and a
 * flag change shows in statx only once the inode has been evicted (after its last close).
 */
class DaxMountOptionsAndFlagTest {
    DaxDevice dev;
    final XfsFileSystemType type = new XfsFileSystemType();

    @BeforeEach
    void mkfs() throws Exception {
        dev = PmemDevices.memory(XfsImages.SIZE);
        type.mkfs(dev, MkfsOptions.defaults());
    }

    @AfterEach
    void close() throws Exception {
        dev.close();
    }

    XfsFileSystem mount(String opts) throws FsException {
        return (XfsFileSystem) type.mount(dev, MountOptions.parse(opts));
    }

    @Test
    void daxMeansAlwaysForRegularFilesOnly() throws Exception {
        try (XfsFileSystem fs = mount("dax")) {
            long f = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            assertTrue(fs.stat(f).isDax());
            assertFalse(fs.stat(fs.rootIno()).isDax());
            assertEquals(0, fs.fsxattr(fs.inode(f)).xflags() & FsxAttr.FS_XFLAG_DAX);
            assertEquals(0x70, fs.statxAttributesMask());
        }
        try (XfsFileSystem fs = mount("dax=never")) {
            assertFalse(fs.stat(fs.lookup(fs.rootIno(), "f")).isDax());
        }
    }

    @Test
    void flagTakesEffectWhenTheInodeIsNextLoaded() throws Exception {
        try (XfsFileSystem fs = mount("")) {
            long f = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            assertFalse(fs.stat(f).isDax(), "no option is dax=inode");
            XfsInode in = fs.inode(f);
            fs.opened(f);
            fs.setDaxFlag(in, true);
            assertEquals(FsxAttr.FS_XFLAG_DAX, fs.fsxattr(fs.inode(f)).xflags() & FsxAttr.FS_XFLAG_DAX);
            assertFalse(fs.stat(f).isDax(), "still open: the in-core inode keeps S_DAX");
            fs.released(in);
            assertTrue(fs.stat(f).isDax(), "evicted at the last close, reloaded with S_DAX");
            fs.setDaxFlag(fs.inode(fs.rootIno()), true);
            long g = fs.create(fs.rootIno(), "g", 0644, 0, 0);
            assertTrue(fs.stat(g).isDax(), "new files inherit the directory's flag");
        }
    }

    @Test
    void unknownDaxValueIsEinval() {
        FsException e = assertThrows(FsException.class, () -> mount("dax=sometimes"));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("dax=sometimes"), e.getMessage());
    }

    @Test
    void fallocateMarksThePreallocFlag() throws Exception {
        try (XfsFileSystem fs = mount("dax")) {
            XfsInode in = fs.inode(fs.create(fs.rootIno(), "f", 0644, 0, 0));
            fs.fileOps().fallocate(in, Falloc.KEEP_SIZE, 4096, 1 << 20);
            FsxAttr x = fs.fsxattr(in);
            assertEquals(FsxAttr.FS_XFLAG_PREALLOC, x.xflags());
            assertEquals(1, x.nextents());
            assertEquals(0, fs.stat(in.ino()).size());
            assertEquals(2048, fs.stat(in.ino()).blocks());
        }
    }
}
