package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;

import java.util.List;

/**
 * xfs_io's two allocation hints, {@code extsize} (io/open.c extsize_f) and {@code cowextsize}
 * (io/cowextsize.c), one program twice: with no size, the open file's hint in bytes
 * ({@code [N] path}); with one, FS_IOC_FSSETXATTR of it with the hint's flag. Their failures are
 * printed on stdout, as xfs_io prints them. {@code -R} walks a directory's tree and {@code -D} its
 * directories only; on a regular file {@code -R} sets the file itself and {@code -D} nothing, as
 * nftw visits only the file.
 */
abstract sealed class HintCommand extends NamedCommand {
    /** The words of the hint's own messages: {@code extsize} or {@code cowextsize}. */
    private final String word;
    /**
     * How xfs_io names the ioctls in its failures: {@code FS_IOC_FSGETXATTR} and {@code _FSSETXATTR}
     * in extsize's, {@code XFS_IOC_...} in cowextsize's.
     */
    private final String ioctlPrefix;

    HintCommand(String name, String args, String oneline, String ioctlPrefix) {
        super(name, null, args, oneline, Arguments.ANY, XFS_ONLY);
        this.word = name;
        this.ioctlPrefix = ioctlPrefix;
    }

    /** The hint in bytes, as the ioctl reports it. */
    abstract int hint(FsxAttr a);

    /** {@code cur} with the hint set to {@code size} and its flag for a file of {@code type} (a regular file or a directory). */
    abstract FsxAttr withHint(FsxAttr cur, FileType type, long size);

    /** Whether an "invalid target file type" fails the command (extsize's does, cowextsize's returns 0 without a word). */
    abstract boolean invalidTypeFails();

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
                p.out().out("non-numeric " + word + " argument -- " + rest.get(0));
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

    /** {@code [bytes] path}, or the ioctl's failure on stdout. */
    private void get(XfsIoProcess p, String path, OpenFile f) {
        try {
            p.out().out("[" + Integer.toUnsignedString(hint(f.fsxattr())) + "] " + path);
        } catch (FsException e) {
            p.out().out("xfs_io: " + ioctlPrefix + "_FSGETXATTR " + path + ": " + e.errno().message());
            p.setExitCode(1);
        }
    }

    private void set(XfsIoProcess p, String path, OpenFile f, long size) {
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
            p.out().out("xfs_io: " + ioctlPrefix + "_FSGETXATTR " + path + ": " + e.errno().message());
            p.setExitCode(1);
            return;
        }
        if (type != FileType.REGULAR && type != FileType.DIRECTORY) {
            p.out().out("invalid target file type - file " + path);
            if (invalidTypeFails()) {
                p.setExitCode(1);
            }
            return;
        }
        try {
            f.setFsxattr(withHint(cur, type, size));
        } catch (FsException e) {
            p.out().out("xfs_io: " + ioctlPrefix + "_FSSETXATTR " + path + ": " + e.errno().message());
            p.setExitCode(1);
        }
    }

    /**
     * {@code extsize}: FS_XFLAG_EXTSIZE on a regular file, FS_XFLAG_EXTSZINHERIT on a directory (the
     * hint what is created in it inherits).
     */
    static final class Extsize extends HintCommand {
        Extsize() {
            super("extsize", "[-D | -R] [extsize]", "get/set preferred extent size (in bytes) for the open file",
                    "FS_IOC");
        }

        @Override
        int hint(FsxAttr a) {
            return a.extsize();
        }

        @Override
        FsxAttr withHint(FsxAttr cur, FileType type, long size) {
            int flag = type == FileType.REGULAR ? FsxAttr.FS_XFLAG_EXTSIZE : FsxAttr.FS_XFLAG_EXTSZINHERIT;
            // fsx_extsize is a u32 and xfs_io stores the size in it as it is: 4g asks for 0, which
            // clears the hint without an error (Linux 6.1, extsize-wide).
            return cur.with(cur.xflags() | flag, (int) size);
        }

        @Override
        boolean invalidTypeFails() {
            return true;
        }
    }

    /** {@code cowextsize}: FS_XFLAG_COWEXTSIZE on a regular file or a directory (inherited by what is created in it). */
    static final class Cowextsize extends HintCommand {
        Cowextsize() {
            super("cowextsize", "[-D | -R] [cowextsize]", "get/set preferred CoW extent size (in bytes) for the open file",
                    "XFS_IOC");
        }

        @Override
        int hint(FsxAttr a) {
            return a.cowextsize();
        }

        @Override
        FsxAttr withHint(FsxAttr cur, FileType type, long size) {
            return cur.withCowextsize(cur.xflags() | FsxAttr.FS_XFLAG_COWEXTSIZE, (int) size);
        }

        @Override
        boolean invalidTypeFails() {
            return false;
        }
    }
}
