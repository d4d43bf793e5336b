package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.junit.jupiter.api.Test;

import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.assertJudgedClean;
import static dev.jdax.cli.Personalities.formatted;
import static dev.jdax.cli.Personalities.mount;
import static dev.jdax.cli.Personalities.size;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Project ids through the VFS ({@link OpenFile#setFsxattr}, as xfs_io's chproj sets them), as
 * Linux 6.1 keeps them (scenario {@code project-ids}, and linux-mount runs of mv and ln): XFS takes
 * any 32-bit id but 4294967295, on an immutable file too; a directory with proj-inherit passes its
 * id on and takes no name of another project, asking only the directory that gains the name, even
 * in an exchange (xfs_rename checks before it turns to xfs_cross_rename). fs/ext2 keeps no project
 * ids. ext4's, with and without its project feature, are in fs-ext4's ProjectIdTest.
 */
class ProjectIdsTest {
    @Test
    void xfsKeepsAnyIdOnAnyFileAndAProjectDirectoryRefusesOtherProjectsNames() throws Exception {
        FileSystemType t = type("xfs");
        try (DaxDevice device = formatted(t, size("xfs"))) {
            try (FileSystem fs = mount(t, device)) {
                fs.mkdir(fs.rootIno(), "proj", 0755, 0, 0);
                try (OpenFile d = fs.open("/proj", OpenFlags.O_RDONLY)) {
                    FsxAttr a = d.fsxattr();
                    d.setFsxattr(a.with(a.xflags() | FsxAttr.FS_XFLAG_PROJINHERIT, 0).withProjid(42));
                }
                long loose = fs.create(fs.rootIno(), "loose", 0644, 0, 0);
                try (OpenFile f = fs.open("/loose", OpenFlags.O_RDWR)) {
                    f.setFsxattr(f.fsxattr().withProjid(0xfffffffe));
                    assertEquals(0xfffffffe, f.fsxattr().projid());
                    assertErrno(Errno.EINVAL, () -> f.setFsxattr(f.fsxattr().withProjid(-1)));
                    FsxAttr a = f.fsxattr();
                    f.setFsxattr(a.with(a.xflags() | FsxAttr.FS_XFLAG_IMMUTABLE, 0));
                    f.setFsxattr(f.fsxattr().withProjid(9));   // XFS asks nothing of immutable here
                    f.setFsxattr(a.withProjid(0));
                }
                try (OpenFile f = fs.open("/proj/made", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                    assertEquals(42, f.fsxattr().projid());
                }
                long proj = fs.resolve("/proj", true);
                assertErrno(Errno.EXDEV, () -> fs.link(loose, proj, "l"));
                assertErrno(Errno.EXDEV, () -> fs.rename("/loose", "/proj/loose", 0));
                assertErrno(Errno.EXDEV, () -> fs.rename("/loose", "/proj/made", OpenFlags.RENAME_EXCHANGE));
                fs.rename("/proj/made", "/loose", OpenFlags.RENAME_EXCHANGE);
                assertEquals(loose, fs.resolve("/proj/made", true), "only the directory the moving name enters is asked");
                fs.rename("/proj/made", "/out", 0);
                assertEquals(loose, fs.resolve("/out", true));
            }
            assertJudgedClean("xfs", device);
        }
    }

    @Test
    void ext2KeepsNoProjectIds() throws Exception {
        FileSystemType t = type("ext2");
        try (DaxDevice device = formatted(t, size("ext2")); FileSystem fs = mount(t, device);
             OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
            assertErrno(Errno.EOPNOTSUPP, () -> f.setFsxattr(f.fsxattr().withProjid(3)));
            f.setFsxattr(f.fsxattr().withProjid(0));
            assertEquals(0, f.fsxattr().projid());
        }
    }
}
