package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

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
        boolean all = false;
        boolean dirsOnly = false;
        GetOpt g = p.getopt(argv, "DR");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'D' -> dirsOnly = true;
                case 'R' -> all = true;
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        List<String> rest = g.operands();
        long size = -1;
        if (!rest.isEmpty()) {
            size = p.number(rest.get(0));
            if (size < 0) {
                p.out().out("non-numeric extsize argument -- " + rest.get(0));
                p.setExitCode(1);
                return;
            }
        }
        if (all && dirsOnly) {
            p.out().err("xfs_io: -R and -D options are mutually exclusive");
            p.setExitCode(1);
            return;
        }
        if (all || dirsOnly) {
            walk(p, p.file().name(), size, dirsOnly);
        } else if (size >= 0) {
            set(p, p.file().name(), p.file().handle(), size);
        } else {
            get(p, p.file().name(), p.file().handle());
        }
    }

    /**
     * nftw(name, ..., FTW_PHYS | FTW_MOUNT | FTW_DEPTH): every entry below a directory in readdir
     * order, each directory after what it holds, opened read-only by its path. As in xfs_io, a walk
     * that cannot go on (a name gone, a directory that cannot be read) ends without a word, and what
     * cannot be opened is said on stderr.
     */
    private static void walk(XfsIoProcess p, String name, long size, boolean dirsOnly) {
        FileSystem fs = p.fs();
        try {
            long ino = fs.resolve(p.pathInFileSystem(name), false);
            visit(p, fs, name, ino, size, dirsOnly);
        } catch (FsException e) {
            // nftw's -1, which extsize_f does not look at
        }
    }

    private static void visit(XfsIoProcess p, FileSystem fs, String path, long ino, long size, boolean dirsOnly)
            throws FsException {
        boolean dir = FileType.ofMode(fs.stat(ino).mode()) == FileType.DIRECTORY;
        if (dir) {
            for (DirEntry e : fs.readdir(ino)) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    visit(p, fs, path + "/" + e.name(), e.ino(), size, dirsOnly);
                }
            }
        }
        if (dirsOnly && !dir) {
            return;
        }
        OpenFile f;
        try {
            f = fs.open(p.pathInFileSystem(path), OpenFlags.O_RDONLY);
        } catch (FsException e) {
            p.out().err("xfs_io: cannot open " + path + ": " + e.errno().message());
            p.setExitCode(1);
            return;
        }
        try (f) {
            if (size >= 0) {
                set(p, path, f, size);
            } else {
                get(p, path, f);
            }
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
