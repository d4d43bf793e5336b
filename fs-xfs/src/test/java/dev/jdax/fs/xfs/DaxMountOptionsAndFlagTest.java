package dev.jdax.fs.xfs;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.FileSystem;
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

    FileSystem mount(String opts) throws FsException {
        return Vfs.mount(type, dev, MountOptions.parse(opts));
    }

    static int daxFlag(FileSystem fs, long ino) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            return f.fsxattr().xflags() & FsxAttr.FS_XFLAG_DAX;
        }
    }

    @Test
    void daxMeansAlwaysForRegularFilesOnly() throws Exception {
        try (FileSystem fs = mount("dax")) {
            long f = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            assertTrue(fs.stat(f).isDax());
            assertFalse(fs.stat(fs.rootIno()).isDax());
            assertEquals(0, daxFlag(fs, f));
            assertEquals(0x70, fs.statxAttributesMask());
        }
        try (FileSystem fs = mount("dax=never")) {
            assertFalse(fs.stat(fs.lookup(fs.rootIno(), "f")).isDax());
        }
    }

    @Test
    void flagTakesEffectWhenTheInodeIsNextLoaded() throws Exception {
        try (FileSystem fs = mount("")) {
            long f = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            assertFalse(fs.stat(f).isDax(), "no option is dax=inode");
            try (OpenFile open = fs.open(f, OpenFlags.O_RDWR)) {
                open.setDaxFlag(true);
                assertEquals(FsxAttr.FS_XFLAG_DAX, daxFlag(fs, f));
                assertFalse(fs.stat(f).isDax(), "still open: the in-core inode keeps S_DAX");
            }
            assertTrue(fs.stat(f).isDax(), "evicted at the last close (I_DONTCACHE), reloaded with S_DAX");
        }
        XfsFileSystem format = XfsImages.formatRw(dev);
        format.setDaxFlag(format.iget(format.rootIno()), true);
        format.close();
        try (FileSystem fs = mount("")) {
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
        try (FileSystem fs = mount("dax")) {
            long ino = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.fallocate(Falloc.KEEP_SIZE, 4096, 1 << 20);
                FsxAttr x = f.fsxattr();
                assertEquals(FsxAttr.FS_XFLAG_PREALLOC, x.xflags());
                assertEquals(1, x.nextents());
            }
            assertEquals(0, fs.stat(ino).size());
            assertEquals(2048, fs.stat(ino).blocks());
        }
    }
}
