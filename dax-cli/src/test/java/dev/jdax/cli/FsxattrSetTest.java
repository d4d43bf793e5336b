package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.assertJudgedClean;
import static dev.jdax.cli.Personalities.formatted;
import static dev.jdax.cli.Personalities.mount;
import static dev.jdax.cli.Personalities.size;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code FS_IOC_FSSETXATTR} of a whole {@link FsxAttr} through the VFS ({@link OpenFile#setFsxattr}),
 * as a program calls it: fileattr_set_prepare's rules on every personality, the flags and the DAX
 * flag changed together on either side of the immutable flag, and the extent size hint
 * kept by XFS, ignored by ext4 and refused by fs/ext2, as their Linux drivers do. The outside judge
 * checks each image.
 */
class FsxattrSetTest {
    private static final int IMMUTABLE = FsxAttr.FS_XFLAG_IMMUTABLE;
    private static final int NODUMP = FsxAttr.FS_XFLAG_NODUMP;
    private static final int DAX = FsxAttr.FS_XFLAG_DAX;
    private static final int EXTSIZE = FsxAttr.FS_XFLAG_EXTSIZE;
    private static final int EXTSZINHERIT = FsxAttr.FS_XFLAG_EXTSZINHERIT;

    /** What a test does with a new file system's {@code /f} (a new file, open for writing) and {@code /d} (a directory). */
    @FunctionalInterface
    private interface Body {
        void run(FileSystem fs, OpenFile f, OpenFile d) throws Exception;
    }

    /** Runs {@code body} on a fresh file system of {@code type}, then has the outside judge check the image. */
    private static void onFileAndDirectory(String type, Body body) throws Exception {
        FileSystemType t = type(type);
        try (DaxDevice device = formatted(t, size(type))) {
            try (FileSystem fs = mount(t, device)) {
                fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                try (OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                     OpenFile d = fs.open("/d", OpenFlags.O_RDONLY)) {
                    body.run(fs, f, d);
                }
            }
            assertJudgedClean(type, device);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void hintFlagsOnTheWrongTypeAreRefusedAndAHintFlagWithoutASizeIsDropped(String type) throws Exception {
        onFileAndDirectory(type, (fs, f, d) -> {
            FsxAttr file = f.fsxattr();
            FsxAttr dir = d.fsxattr();
            assertErrno(Errno.EINVAL, () -> f.setFsxattr(file.with(file.xflags() | EXTSZINHERIT, 65536)));
            assertErrno(Errno.EINVAL, () -> d.setFsxattr(dir.with(dir.xflags() | EXTSIZE, 65536)));
            // A CoW extent size hint without its flag: fs/ext2 refuses any fsx field but the common
            // flags (fileattr_has_fsx), ext4_fileattr_set ignores the field, XFS refuses the size
            // without the flag (xfs_inode_validate_cowextsize).
            FsxAttr cow = file.withCowextsize(file.xflags(), file.cowextsize() + 65536);
            switch (type) {
                case "ext2" -> assertErrno(Errno.EOPNOTSUPP, () -> f.setFsxattr(cow));
                case "ext4" -> f.setFsxattr(cow);
                default -> assertErrno(Errno.EINVAL, () -> f.setFsxattr(cow));
            }
            assertEquals(file, f.fsxattr());
            assertEquals(dir, d.fsxattr());

            f.setFsxattr(file.with(file.xflags() | EXTSIZE | NODUMP, 0));
            assertEquals(file.xflags() | NODUMP, f.fsxattr().xflags());
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void flagsAndTheDaxFlagChangeInOneCallOnEitherSideOfImmutable(String type) throws Exception {
        FileSystemType t = type(type);
        try (DaxDevice device = formatted(t, size(type))) {
            try (FileSystem fs = mount(t, device)) {
                try (OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                    f.write(0, new byte[8192], 0, 8192);
                    FsxAttr cur = f.fsxattr();
                    // fs/ext2 takes the DAX flag (one of the VFS's common flags) and drops it: it
                    // has no on-disk DAX flag (Linux 6.1, linux-6.1.md m_statx_dax).
                    int dax = type.equals("ext2") ? 0 : DAX;
                    f.setFsxattr(cur.with(cur.xflags() | IMMUTABLE | DAX | NODUMP, 0));
                    assertEquals(cur.xflags() | IMMUTABLE | dax | NODUMP, f.fsxattr().xflags());
                    assertErrno(Errno.EPERM, () -> fs.open("/f", OpenFlags.O_RDWR));
                    if (type.equals("ext4")) {
                        // Why the order matters: ext4 keeps an immutable inode's DAX flag as it is.
                        assertErrno(Errno.EPERM, () -> f.setDaxFlag(false));
                    }

                    FsxAttr set = f.fsxattr();
                    f.setFsxattr(set.with(set.xflags() & ~(IMMUTABLE | DAX), 0));
                    assertEquals(cur.xflags() | NODUMP, f.fsxattr().xflags());
                }
                fs.open("/f", OpenFlags.O_RDWR).close();
            }
            try (FileSystem fs = mount(t, device); OpenFile f = fs.open("/f", OpenFlags.O_RDONLY)) {
                assertEquals(NODUMP, f.fsxattr().xflags() & (NODUMP | IMMUTABLE | DAX));
            }
            assertJudgedClean(type, device);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void anExtentSizeHintIsKeptByXfsIgnoredByExt4AndRefusedByExt2(String type) throws Exception {
        onFileAndDirectory(type, (fs, f, d) -> {
            FsxAttr cur = f.fsxattr();
            FsxAttr hinted = cur.with(cur.xflags() | EXTSIZE, 65536);
            switch (type) {
                case "ext2" -> {
                    assertErrno(Errno.EOPNOTSUPP, () -> f.setFsxattr(hinted));
                    assertEquals(cur, f.fsxattr());
                    return;
                }
                case "ext4" -> {
                    f.setFsxattr(hinted);
                    assertEquals(cur, f.fsxattr());
                    return;
                }
                default -> {
                }
            }
            f.setFsxattr(hinted);
            assertEquals(hinted.xflags(), f.fsxattr().xflags());
            assertEquals(65536, f.fsxattr().extsize());
            // xfs_inode_validate_extsize: a hint is never left, or given, without its flag.
            assertErrno(Errno.EINVAL, () -> f.setFsxattr(cur.with(cur.xflags(), 65536)));
            assertErrno(Errno.EINVAL, () -> f.setFsxattr(cur.with(cur.xflags(), 131072)));
            assertEquals(65536, f.fsxattr().extsize());
            f.setFsxattr(cur.with(hinted.xflags(), 0));
            assertEquals(cur, f.fsxattr());

            FsxAttr dir = d.fsxattr();
            d.setFsxattr(dir.with(dir.xflags() | EXTSZINHERIT, 131072));
            assertEquals(131072, d.fsxattr().extsize());
            try (OpenFile g = fs.open("/d/g", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                assertEquals(EXTSIZE, g.fsxattr().xflags() & (EXTSIZE | EXTSZINHERIT));
                assertEquals(131072, g.fsxattr().extsize());
            }
        });
    }

    /** What one FS_IOC_FSSETXATTR of a test changes. */
    @FunctionalInterface
    private interface Change {
        void apply(OpenFile f) throws Exception;
    }

    @Test
    void xfsStatShowsTheNewCtimeOfEveryAttributeChange() throws Exception {
        onFileAndDirectory("xfs", (fs, f, d) -> {
            Change[] changes = {
                g -> g.setFsxattr(g.fsxattr().with(g.fsxattr().xflags() | DAX, 0)),
                g -> g.setFsxattr(g.fsxattr().with(g.fsxattr().xflags() | EXTSIZE, 65536)),
                g -> g.setFsxattr(g.fsxattr().with(g.fsxattr().xflags() | NODUMP, 65536)),
                g -> g.setFsxattr(g.fsxattr().withProjid(7)),
            };
            for (Change c : changes) {
                var before = f.stat().ctime();
                Thread.sleep(20);   // five ticks of the coarse clock that stamps ctimes
                c.apply(f);
                var after = f.stat().ctime();
                assertTrue(after.isAfter(before), "ctime " + before + " then " + after);
                assertEquals(after, fs.stat("/f", true).ctime());
            }
        });
    }
}
