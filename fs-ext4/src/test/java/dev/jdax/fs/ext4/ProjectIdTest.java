package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Project ids on images of the real mke2fs, set through FS_IOC_FSSETXATTR as xfs_io's chproj sets
 * them, with what Linux 6.1 does (measured with linux-mount on an image of -O project): the
 * project quota's charge moves with the id, a proj-inherit directory passes its id on and takes
 * no name of another project (EXDEV for link, rename and either side of an exchange), an immutable
 * file keeps its id, and without the feature no id but 0 is taken. e2fsck -fn judges each image
 * and counts every project's usage itself.
 */
class ProjectIdTest {
    private static final int PROJINHERIT = FsxAttr.FS_XFLAG_PROJINHERIT;

    @TempDir
    Path tmp;

    private Path image(String features) throws Exception {
        Path img = tmp.resolve("p.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-O", features, img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    private static FileSystem mount(DaxDevice d) throws FsException {
        return Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
    }

    /** A directory /proj with proj-inherit in project 42, as chattr +P and chproj 42 leave it. */
    private static void projectDirectory(FileSystem fs) throws FsException {
        fs.mkdir(fs.rootIno(), "proj", 0755, 0, 0);
        try (OpenFile d = fs.open("/proj", OpenFlags.O_RDONLY)) {
            FsxAttr a = d.fsxattr();
            d.setFsxattr(a.with(a.xflags() | PROJINHERIT, a.extsize()).withProjid(42));
            assertEquals(42, d.fsxattr().projid());
        }
    }

    @Test
    void aNewProjectIdTakesTheFilesChargeWithIt() throws Exception {
        Path img = image("quota,project");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = mount(d)) {
            projectDirectory(fs);
            try (OpenFile f = fs.open("/proj/data", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                f.write(0, new byte[40960], 0, 40960);
                assertEquals(42, f.fsxattr().projid(), "made in a proj-inherit directory");
            }
            try (OpenFile f = fs.open("/loose", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                f.write(0, new byte[8192], 0, 8192);
                f.setFsxattr(f.fsxattr().withProjid(7));
                assertEquals(7, f.fsxattr().projid());
                FsxAttr a = f.fsxattr();
                f.setFsxattr(a.with(a.xflags() | FsxAttr.FS_XFLAG_IMMUTABLE, 0));
                assertErrno(Errno.EPERM, () -> f.setFsxattr(f.fsxattr().withProjid(8)));
                // Clearing immutable and changing the id in one call: the flag goes first.
                f.setFsxattr(a.withProjid(9));
                assertEquals(a.withProjid(9), f.fsxattr());
            }
            assertErrno(Errno.EINVAL, () -> {
                try (OpenFile f = fs.open("/loose", OpenFlags.O_RDONLY)) {
                    f.setFsxattr(f.fsxattr().withProjid(-1));
                }
            });
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        String projects = Tools.run("debugfs", "-R", "lq project", img.toString()).output();
        assertEquals("8192 1", usage(projects, 9), projects);
        assertEquals("0 0", usage(projects, 7), "the charge left project 7 with the file: " + projects);
        assertEquals((4096 + 40960) + " 2", usage(projects, 42), projects);
    }

    @Test
    void aProjectDirectoryTakesNoNameOfAnotherProject() throws Exception {
        Path img = image("project");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = mount(d)) {
            projectDirectory(fs);
            long loose = fs.create(fs.rootIno(), "loose", 0644, 0, 0);
            long proj = fs.resolve("/proj", true);
            assertErrno(Errno.EXDEV, () -> fs.link(loose, proj, "l"));
            assertErrno(Errno.EXDEV, () -> fs.rename("/loose", "/proj/loose", 0));
            fs.create(proj, "in", 0644, 0, 0);
            fs.rename("/proj/in", "/in", 0);   // leaving a project is free
            fs.rename("/in", "/proj/in", 0);   // and coming back to it
            // ext4_cross_rename asks both directories: /proj would gain /loose.
            assertErrno(Errno.EXDEV, () -> fs.rename("/proj/in", "/loose", OpenFlags.RENAME_EXCHANGE));
            assertErrno(Errno.EXDEV, () -> fs.rename("/loose", "/proj/in", OpenFlags.RENAME_EXCHANGE));
            try (OpenFile f = fs.open("/loose", OpenFlags.O_RDONLY)) {
                f.setFsxattr(f.fsxattr().withProjid(42));
            }
            fs.link(loose, proj, "l");
            fs.rename("/proj/in", "/loose", OpenFlags.RENAME_EXCHANGE);
            assertEquals(loose, fs.resolve("/proj/in", true));
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    @Test
    void withoutTheProjectFeatureOnlyProjectZeroIsTaken() throws Exception {
        Path img = image("^project");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = mount(d)) {
            try (OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                assertErrno(Errno.EOPNOTSUPP, () -> f.setFsxattr(f.fsxattr().withProjid(5)));
                f.setFsxattr(f.fsxattr().withProjid(0));
                assertEquals(0, f.fsxattr().projid());
            }
        }
    }

    private static void assertErrno(Errno expected, Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
    }

    private static String usage(String listing, int id) {
        Matcher m = Pattern.compile("(?m)^\\s*" + id + "\\s+(\\d+)\\s+\\d+\\s+\\d+\\s+(\\d+)").matcher(listing);
        return m.find() ? m.group(1) + " " + m.group(2) : "0 0";
    }
}
