package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;

import java.util.List;

/**
 * xfs_io's {@code extsize} (io/open.c extsize_f): with no size, the open file's extent size hint
 * in bytes ({@code [N] path}); with one, FS_IOC_FSSETXATTR of it. Its failures are printed on
 * stdout, as xfs_io prints them. {@code -R} walks a directory's tree and {@code -D} its directories
 * only; on a regular file {@code -R} sets the file itself and {@code -D} nothing, as nftw visits
 * only the file. On a directory the hint is the one what is created in it inherits.
 */
final class ExtsizeCommand extends NamedCommand {
    ExtsizeCommand() {
        super("extsize", null, "[-D | -R] [extsize]", "get/set preferred extent size (in bytes) for the open file",
                Arguments.ANY, XFS_ONLY);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        TreeWalk.Options walk = TreeWalk.Options.of(p, this, argv);
        if (walk == null) {
            return;
        }
        List<String> rest = walk.operands();
        long size = -1;
        if (!rest.isEmpty()) {
            size = p.number(rest.get(0));
            if (size < 0) {
                p.out().out("non-numeric extsize argument -- " + rest.get(0));
                p.setExitCode(1);
                return;
            }
        }
        if (walk.refusedTogether(p)) {
            return;
        }
        if (walk.recursive()) {
            long want = size;
            TreeWalk.walk(p, p.file().name(), walk.dirsOnly(), (path, f) -> {
                if (want >= 0) {
                    set(p, path, f, want);
                } else {
                    get(p, path, f);
                }
            });
        } else if (size >= 0) {
            set(p, p.file().name(), p.file().handle(), size);
        } else {
            get(p, p.file().name(), p.file().handle());
        }
    }

    /** get_extsize: {@code [bytes] path}, or the ioctl's failure on stdout. */
    private static void get(XfsIoProcess p, String path, OpenFile f) {
        try {
            p.out().out("[" + Integer.toUnsignedString(f.fsxattr().extsize()) + "] " + path);
        } catch (FsException e) {
            p.out().out("xfs_io: FS_IOC_FSGETXATTR " + path + ": " + e.errno().message());
            p.setExitCode(1);
        }
    }

    /**
     * set_extsize: FS_XFLAG_EXTSIZE on a regular file, FS_XFLAG_EXTSZINHERIT on a directory (the
     * personality picks the flag by the inode's type), nothing on other types.
     */
    private static void set(XfsIoProcess p, String path, OpenFile f, long size) {
        FileType type;
        try {
            type = FileType.ofMode(f.stat().mode());
        } catch (FsException e) {
            p.perror("fstat", e);
            return;
        }
        FsxAttr cur;
        try {
            cur = f.fsxattr();
        } catch (FsException e) {
            p.out().out("xfs_io: FS_IOC_FSGETXATTR " + path + ": " + e.errno().message());
            p.setExitCode(1);
            return;
        }
        if (type != FileType.REGULAR && type != FileType.DIRECTORY) {
            p.out().out("invalid target file type - file " + path);
            p.setExitCode(1);
            return;
        }
        int flag = type == FileType.REGULAR ? FsxAttr.FS_XFLAG_EXTSIZE : FsxAttr.FS_XFLAG_EXTSZINHERIT;
        try {
            // fsx_extsize is a u32 and xfs_io stores the size in it as it is: 4g asks for 0, which
            // clears the hint without an error (Linux 6.1, extsize-wide).
            f.setFsxattr(cur.with(cur.xflags() | flag, (int) size));
        } catch (FsException e) {
            p.out().out("xfs_io: FS_IOC_FSSETXATTR " + path + ": " + e.errno().message());
            p.setExitCode(1);
        }
    }
}
