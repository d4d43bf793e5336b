package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;

import java.util.List;

/**
 * Commands that change a file's allocation or size or make it durable: {@code falloc},
 * {@code fpunch}, {@code fzero}, {@code fcollapse}, {@code finsert}, the older space ioctls
 * {@code resvsp}, {@code unresvsp}, {@code zero}, {@code allocsp}, {@code freesp}
 * ({@code io/prealloc.c}), {@code truncate}, {@code fsync}, {@code fdatasync}, {@code sync},
 * {@code syncfs}.
 */
final class SpaceCommands {
    private SpaceCommands() {
    }

    /** Parses {@code off len} and calls fallocate with {@code mode}, reporting as {@code perror("fallocate")}. */
    private static void fallocate(XfsIoProcess p, XfsIoCommand cmd, List<String> ops, int mode) {
        if (ops.size() != 2) {
            p.usage(cmd);
            return;
        }
        long[] range = p.offsetLength(ops);
        if (range == null) {
            return;
        }
        try {
            p.file().handle().fallocate(mode, range[0], range[1]);
        } catch (FsException e) {
            p.perror("fallocate", e);
        }
    }

    static final class FallocCmd extends NamedCommand {
        FallocCmd() {
            super("falloc", null, "[-c] [-k] [-p] [-u] off len",
                    "allocates space associated with part of a file via fallocate",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int mode = 0;
            GetOpt g = p.getopt(argv, "cikpu");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'c' -> mode = Falloc.COLLAPSE_RANGE;
                    case 'i' -> mode = Falloc.INSERT_RANGE;
                    case 'k' -> mode = Falloc.KEEP_SIZE;
                    case 'p' -> mode = Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE;
                    case 'u' -> mode = Falloc.UNSHARE_RANGE;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            fallocate(p, this, g.operands(), mode);
        }
    }

    /** A fallocate command with a fixed mode and no options. */
    private abstract static class FixedMode extends NamedCommand {
        private final int mode;

        FixedMode(String name, String oneline, int mode) {
            this(name, oneline, mode, Arguments.ANY);
        }

        FixedMode(String name, String oneline, int mode, Arguments arguments) {
            super(name, null, "off len", oneline, arguments, 0);
            this.mode = mode;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            GetOpt g = p.getopt(argv, "");
            if (g.next() != -1) {
                p.usage(this);
                return;
            }
            fallocate(p, this, g.operands(), mode);
        }
    }

    static final class Fpunch extends FixedMode {
        Fpunch() {
            super("fpunch", "de-allocates space associated with part of a file via fallocate",
                    Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE);
        }
    }

    static final class Fcollapse extends FixedMode {
        Fcollapse() {
            super("fcollapse", "de-allocates space and eliminates the hole by shifting extents",
                    Falloc.COLLAPSE_RANGE);
        }
    }

    static final class Finsert extends FixedMode {
        Finsert() {
            super("finsert", "creates new space for writing within file by shifting extents",
                    Falloc.INSERT_RANGE);
        }
    }

    /** FALLOC_FL_UNSHARE_RANGE (io/prealloc.c's funshare_f), whose two arguments libxcmd counts first. */
    static final class Funshare extends FixedMode {
        Funshare() {
            super("funshare", "unshares shared blocks within the range", Falloc.UNSHARE_RANGE, Arguments.exactly(2));
        }
    }

    static final class Fzero extends NamedCommand {
        Fzero() {
            super("fzero", null, "[-k] off len", "zeroes space and eliminates holes by preallocating",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int mode = Falloc.ZERO_RANGE;
            GetOpt g = p.getopt(argv, "k");
            for (int c; (c = g.next()) != -1; ) {
                if (c == 'k') {
                    mode |= Falloc.KEEP_SIZE;
                } else {
                    p.usage(this);
                    return;
                }
            }
            fallocate(p, this, g.operands(), mode);
        }
    }

    static final class Truncate extends NamedCommand {
        Truncate() {
            super("truncate", "t", "off", "truncates the current file at the given offset",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (argv.size() != 2) {
                p.usage(this);
                return;
            }
            long size = p.number(argv.get(1));
            if (size < 0) {
                p.nonNumeric("truncate argument", argv.get(1));
                return;
            }
            try {
                p.file().handle().truncate(size);
            } catch (FsException e) {
                p.perror("ftruncate", e);
            }
        }
    }

    static final class Fsync extends NamedCommand {
        Fsync() {
            super("fsync", "s", "", "calls fsync(2) to flush all in-core file state to disk",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            try {
                p.file().handle().fsync(false);
            } catch (FsException e) {
                p.perror("fsync", e);
            }
        }
    }

    static final class Fdatasync extends NamedCommand {
        Fdatasync() {
            super("fdatasync", "ds", "", "calls fdatasync(2) to flush the files in-core data to disk",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            try {
                p.file().handle().fsync(true);
            } catch (FsException e) {
                p.perror("fdatasync", e);
            }
        }
    }
    /**
     * An XFS space ioctl on {@code off len} ({@code struct xfs_flock64} from SEEK_SET). Linux 6.1's
     * VFS serves RESVSP64, UNRESVSP64 and ZERO_RANGE for a regular file of any file system as
     * fallocate with KEEP_SIZE ({@code ioctl_preallocate}); it removed ALLOCSP64 and FREESP64 in 5.17,
     * so XFS answers ENOTTY. Only resvsp is allowed on other file systems by xfs_io itself.
     */
    private abstract static class SpaceIoctl extends NamedCommand {
        /** The mode of an ioctl Linux 5.17 removed: XFS's ioctl handler no longer knows it. */
        static final int REMOVED = -1;

        private final String ioctl;
        private final int mode;

        /** {@code mode} is the fallocate mode the VFS turns the ioctl into, or {@link #REMOVED}. */
        SpaceIoctl(String name, String oneline, String ioctl, int mode, boolean xfsOnly) {
            super(name, null, "off len", oneline, Arguments.exactly(2), xfsOnly ? XFS_ONLY : 0);
            this.ioctl = ioctl;
            this.mode = mode;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            long[] range = p.offsetLength(argv.subList(1, 3));
            if (range == null) {
                return;
            }
            if (mode == REMOVED) {
                p.perror(ioctl, FsException.of(Errno.ENOTTY, "%s: removed from Linux in 5.17", ioctl));
                return;
            }
            try {
                p.file().handle().fallocate(mode, range[0], range[1]);
            } catch (FsException e) {
                p.perror(ioctl, e);
            }
        }
    }

    static final class Resvsp extends SpaceIoctl {
        Resvsp() {
            super("resvsp", "reserves space associated with part of a file", "XFS_IOC_RESVSP64",
                    Falloc.KEEP_SIZE, false);
        }
    }

    static final class Unresvsp extends SpaceIoctl {
        Unresvsp() {
            super("unresvsp", "frees reserved space associated with part of a file", "XFS_IOC_UNRESVSP64",
                    Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, true);
        }
    }

    static final class Zero extends SpaceIoctl {
        Zero() {
            super("zero", "Converts the given range of a file to allocated zeros", "XFS_IOC_ZERO_RANGE",
                    Falloc.ZERO_RANGE | Falloc.KEEP_SIZE, true);
        }
    }

    static final class Allocsp extends SpaceIoctl {
        Allocsp() {
            super("allocsp", "allocates zeroed space for part of a file", "XFS_IOC_ALLOCSP64", SpaceIoctl.REMOVED, true);
        }
    }

    static final class Freesp extends SpaceIoctl {
        Freesp() {
            super("freesp", "frees space associated with part of a file", "XFS_IOC_FREESP64", SpaceIoctl.REMOVED, true);
        }
    }

    /** sync(2): every file system's state to the media; it cannot fail, and needs no open file. */
    static final class Sync extends NamedCommand {
        Sync() {
            super("sync", null, "",
                    "calls sync(2) to flush all in-core filesystem state to disk", Arguments.exactly(0), ONE_SHOT | NO_FILE);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            try {
                p.fs().sync();
            } catch (FsException e) {
                // sync(2) returns void: an error stays in the file system's error state, not here.
            }
        }
    }

    /** syncfs(2) on the current file's file system, once per open file as xfs_io runs it. */
    static final class Syncfs extends NamedCommand {
        Syncfs() {
            super("syncfs", null, "",
                    "calls syncfs(2) to flush all in-core filesystem state to disk", Arguments.exactly(0), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            try {
                p.fs().sync();
            } catch (FsException e) {
                p.perror("syncfs", e);
            }
        }
    }
}
