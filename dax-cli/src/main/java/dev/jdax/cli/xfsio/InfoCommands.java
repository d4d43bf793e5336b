package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;

import java.util.List;
import java.util.Locale;

/** {@code stat}, {@code statx} ({@code io/stat.c}), {@code fiemap} ({@code io/fiemap.c}) and {@code seek} ({@code io/seek.c}). */
final class InfoCommands {
    private InfoCommands() {
    }

    /** XFS's {@code f_type}: xfs_io prints the XFS-only lines (fsxattr, dioattr) only on XFS files. */
    static final long XFS_SUPER_MAGIC = 0x58465342L;

    static String fileType(int mode) {
        return switch (FileType.ofMode(mode)) {
            case SOCKET -> "socket";
            case DIRECTORY -> "directory";
            case CHAR_DEVICE -> "char device";
            case BLOCK_DEVICE -> "block device";
            case REGULAR -> "regular file";
            case SYMLINK -> "symbolic link";
            case FIFO -> "fifo";
            default -> "unknown";
        };
    }

    /** {@code print_file_info}. */
    static void fileInfo(XfsIoProcess p) {
        OpenedFile f = p.file();
        p.out().out("fd.path = \"" + f.name() + "\"");
        p.out().out("fd.flags = " + flagWords(f.flags()));
    }

    /** The open flags as print_file_info and filelist_f name them: {@code non-sync,non-direct,read-write}. */
    static String flagWords(int fl) {
        return ((fl & OpenFlags.O_DSYNC) != 0 ? "sync" : "non-sync") + ","
                + ((fl & OpenFlags.O_DIRECT) != 0 ? "direct" : "non-direct") + ","
                + (OpenFlags.writable(fl) ? "read-write" : "read-only")
                + ((fl & OpenFlags.O_APPEND) != 0 ? ",append-only" : "")
                + ((fl & OpenFlags.O_NONBLOCK) != 0 ? ",non-block" : "")
                + ((fl & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE ? ",tmpfile" : "");
    }

    /** {@code print_xfs_info}: the fsxattr and dioattr lines of an XFS file. */
    static void xfsInfo(XfsIoProcess p) throws FsException {
        FsxAttr x = p.file().handle().fsxattr();
        p.out().out(String.format(Locale.ROOT, "fsxattr.xflags = 0x%x [%s]", x.xflags(), AttrCommands.letters(x.xflags())));
        p.out().out("fsxattr.projid = " + x.projid());
        p.out().out("fsxattr.extsize = " + x.extsize());
        p.out().out("fsxattr.cowextsize = " + x.cowextsize());
        p.out().out("fsxattr.nextents = " + x.nextents());
        p.out().out("fsxattr.naextents = " + x.naextents());
        // XFS_IOC_DIOINFO: alignment is the 512-byte logical sector; the largest I/O is INT_MAX rounded down to it.
        p.out().out("dioattr.mem = 0x200");
        p.out().out("dioattr.miniosz = 512");
        p.out().out("dioattr.maxiosz = " + (Integer.MAX_VALUE & ~511));
    }

    /** What the VFS adds to every attributes mask: STATX_ATTR_AUTOMOUNT, MOUNT_ROOT and DAX. */
    private static final long VFS_ATTRIBUTES_MASK = 0x1000 | 0x2000 | StatInfo.STATX_ATTR_DAX;

    /**
     * {@code dump_raw_stat} / {@code dump_raw_statx}. The mask is the basic stats, btime when the
     * format keeps one, and the mount id Linux 6.1 always reports. jdax has no device numbers of
     * its own; it prints those of an unnamed block device.
     */
    private static void rawStat(XfsIoProcess p, StatInfo st, boolean statx) throws FsException {
        XfsIoOutput o = p.out();
        if (statx) {
            o.out(String.format(Locale.ROOT, "stat.mask = 0x%x", 0x7ff | (st.btime() != null ? 0x800 : 0) | 0x1000));
        }
        o.out("stat.blksize = " + st.blksize());
        if (statx) {
            o.out(String.format(Locale.ROOT, "stat.attributes = 0x%x", st.attributes()));
        }
        o.out("stat.nlink = " + st.nlink());
        o.out("stat.uid = " + st.uid());
        o.out("stat.gid = " + st.gid());
        o.out(String.format(Locale.ROOT, "stat.mode: 0%o", st.mode()));
        o.out("stat.ino = " + st.ino());
        o.out("stat.size = " + st.size());
        o.out("stat.blocks = " + st.blocks());
        if (statx) {
            o.out(String.format(Locale.ROOT, "stat.attributes_mask = 0x%x",
                    p.fs().statxAttributesMask() | VFS_ATTRIBUTES_MASK));
            time(o, "atime", st.atime());
            if (st.btime() != null) {
                time(o, "btime", st.btime());
            } else {
                o.out("stat.btime.tv_sec = 0");
                o.out("stat.btime.tv_nsec = 0");
            }
            time(o, "ctime", st.ctime());
            time(o, "mtime", st.mtime());
        } else {
            time(o, "atime", st.atime());
            time(o, "ctime", st.ctime());
            time(o, "mtime", st.mtime());
        }
        o.out("stat.rdev_major = " + DeviceNumbers.major(st.rdev()));
        o.out("stat.rdev_minor = " + DeviceNumbers.minor(st.rdev()));
        o.out("stat.dev_major = 0");
        o.out("stat.dev_minor = 0");
    }

    private static void time(XfsIoOutput o, String which, java.time.Instant t) {
        o.out("stat." + which + ".tv_sec = " + t.getEpochSecond());
        o.out("stat." + which + ".tv_nsec = " + t.getNano());
    }

    /** stat and statx print the same unless raw; {@code statx} also resets the exit code (xfs_io does). */
    private abstract static class StatBase extends NamedCommand {
        private final boolean statx;

        StatBase(String name, String args, String oneline, boolean statx) {
            super(name, null, args, oneline, Arguments.ANY, 0);
            this.statx = statx;
        }

        final boolean statx() {
            return statx;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            boolean raw = false;
            GetOpt g = p.getopt(argv, statx() ? "m:rvFD" : "rv");
            for (int c; (c = g.next()) != -1; ) {
                if (c == 'r') {
                    raw = true;
                } else if (c == '?') {
                    p.usage(this);
                    return;
                }
            }
            StatInfo st;
            try {
                st = p.file().handle().stat();
            } catch (FsException e) {
                p.perror(statx() ? "statx" : "fstat", e);
                return;
            }
            if (statx()) {
                p.setExitCode(0);
            }
            if (raw) {
                rawStat(p, st, statx());
                return;
            }
            fileInfo(p);
            p.out().out("stat.ino = " + st.ino());
            p.out().out("stat.type = " + fileType(st.mode()));
            p.out().out("stat.size = " + st.size());
            p.out().out("stat.blocks = " + st.blocks());
            if (!p.foreign()) {
                xfsInfo(p);
            }
        }
    }

    static final class Stat extends StatBase {
        Stat() {
            super("stat", "[-v|-r]", "statistics on the currently open file", false);
        }
    }

    static final class Statx extends StatBase {
        Statx() {
            super("statx", "[-v|-r][-m basic | -m all | -m <mask>][-FD]", "extended statistics on the currently open file", true);
        }
    }

    static final class Fiemap extends NamedCommand {
        Fiemap() {
            super("fiemap", null, "[-alv] [-n nx] [offset [len]]", "print block mapping for a file",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            boolean verbose = false;
            boolean lflag = false;
            int maxExtents = -1;
            GetOpt g = p.getopt(argv, "aln:v");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'v' -> verbose = true;
                    case 'l' -> lflag = true;
                    case 'n' -> maxExtents = Integer.parseInt(g.optarg());
                    case 'a' -> { }
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            List<String> ops = g.operands();
            long start = 0;
            long rangeEnd = Long.MAX_VALUE;
            if (!ops.isEmpty()) {
                start = p.number(ops.get(0));
                if (start < 0) {
                    p.nonNumeric("offset argument", ops.get(0));
                    return;
                }
            }
            if (ops.size() > 1) {
                long len = p.number(ops.get(1));
                if (len < 0) {
                    p.nonNumeric("len argument", ops.get(1));
                    return;
                }
                rangeEnd = start + len;
            }
            List<FiemapExtent> extents;
            try {
                extents = p.file().handle().fiemap(start, rangeEnd - start);
            } catch (FsException e) {
                // fiemap_f prints the file's name before its first ioctl, so it stands above the error.
                p.out().out(p.file().name() + ":");
                p.out().err("xfs_io: ioctl(FS_IOC_FIEMAP) [\"" + p.file().name() + "\"]: " + e.errno().message());
                p.setExitCode(1);
                return;
            }
            new FiemapTable(p.out(), verbose, lflag, maxExtents).print(p.file().name(), extents, start, rangeEnd,
                    p.file().handle().size());
        }
    }

    static final class Seek extends NamedCommand {
        Seek() {
            super("seek", null, "-a | -d | -h [-r] off", "locate the next data and/or hole",
                    Arguments.ANY, 0);
        }

        private static final int DATA = 0;
        private static final int HOLE = 1;
        private static final String[] NAMES = {"DATA", "HOLE"};

        /**
         * lseek(SEEK_DATA/SEEK_HOLE): the offset, which becomes the file position (the last lseek
         * seek_f makes, looking past what it prints, leaves it there), or -1 with the errno in
         * {@code err[0]} and the position unmoved.
         */
        private static long lseek(XfsIoProcess p, long from, int whence, Errno[] err) {
            try {
                long offset = whence == DATA ? p.file().handle().seekData(from) : p.file().handle().seekHole(from);
                p.file().setPosition(offset);
                return offset;
            } catch (FsException e) {
                err[0] = e.errno();
                return -1;
            }
        }

        private static void output(XfsIoProcess p, boolean startFlag, String type, long start, long offset, Errno err) {
            if (offset == -1) {
                if (err == Errno.ENXIO) {
                    p.out().out(startFlag ? type + "\t" + start + "\tEOF" : type + "\tEOF");
                } else {
                    p.out().out("ERR\t" + start + "\t" + err.message());
                }
            } else {
                p.out().out(startFlag ? type + "\t" + start + "\t" + offset : type + "\t" + offset);
            }
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int dflag = 1;
            int hflag = 2;
            int rflag = 4;
            int flag = 0;
            boolean startFlag = false;
            GetOpt g = p.getopt(argv, "adhrs");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'a' -> flag |= dflag | hflag;
                    case 'd' -> flag |= dflag;
                    case 'h' -> flag |= hflag;
                    case 'r' -> flag |= rflag;
                    case 's' -> startFlag = true;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            List<String> ops = g.operands();
            if ((flag & (dflag | hflag)) == 0 || ops.size() != 1) {
                p.usage(this);
                return;
            }
            long start = p.number(ops.get(0));
            if (start < 0) {
                p.usage(this);
                return;
            }
            Errno[] err = {null};
            long offset = -1;
            int current = DATA;
            boolean found = false;
            if ((flag & hflag) != 0) {
                current = HOLE;
                offset = lseek(p, start, HOLE, err);
                if (offset != -1 && offset < start) {
                    badResult(p, start, current, offset);
                    return;
                }
                found = start == offset || (flag & dflag) == 0;
            }
            if (!found) {
                current = DATA;
                err[0] = null;
                offset = lseek(p, start, DATA, err);
                if (offset != -1 && offset < start) {
                    badResult(p, start, current, offset);
                    return;
                }
            }
            p.out().out(startFlag ? "Whence\tStart\tResult" : "Whence\tResult");
            int[] masks = {dflag, hflag};
            for (int c = 0; (flag & (dflag | hflag)) != 0; c++) {
                if (offset == -1) {
                    if (err[0] != Errno.ENXIO || c == 0) {
                        output(p, startFlag, NAMES[current], start, offset, err[0]);
                    }
                    return;
                }
                if ((flag & masks[current]) != 0) {
                    output(p, startFlag, NAMES[current], start, offset, null);
                }
                if ((flag & rflag) == 0) {
                    flag &= ~masks[current];
                }
                current ^= 1;
                start = offset;
                err[0] = null;
                offset = lseek(p, start, current, err);
                if (offset != -1 && offset <= start) {
                    badResult(p, start, current, offset);
                    return;
                }
            }
        }

        private static void badResult(XfsIoProcess p, long start, int current, long offset) {
            p.out().err("Invalid seek result: lseek(<fd>, " + start + ", SEEK_" + NAMES[current] + ") = " + offset);
        }
    }
}
