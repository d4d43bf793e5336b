package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * fs/ext2 keeps no per-file DAX flag: FS_IOC_FSGETXATTR of a file that is DAX (ext2 -o dax) reports
 * none, and FS_IOC_FSSETXATTR of the flag answers 0 and leaves it clear (Linux 6.1, linux-6.1.md
 * m_statx_dax, ext2 column).
 */
class DaxFlagTest {
    @Test
    void aDaxFileReportsNoDaxFlagAndSettingOneIsAcceptedAndDropped() throws Exception {
        try (DaxDevice d = PmemDevices.memory(32 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("dax"));
                 OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[8192], 0, 8192);
                assertEquals(new FsxAttr(0, 0, 0, 0, 0, 0), f.fsxattr());
                f.setDaxFlag(true);
                assertEquals(0, f.fsxattr().xflags() & FsxAttr.FS_XFLAG_DAX);
            }
        }
    }
}
