package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.SetAttr;

import java.time.Instant;
import java.util.List;

/**
 * {@code lsattr} and {@code chattr} ({@code io/attr.c}): the FS_XFLAG_* flags of the current file.
 * jdax sets the per-file DAX flag ({@code x}) and immutable, append-only, sync, noatime and nodump
 * ({@code i a s A d}) on every format, and hands proj-inherit, nosymlinks, no-defrag and filestream
 * ({@code P n f S}) to the format, which keeps, drops or refuses each as its Linux driver does;
 * other flags are refused (EOPNOTSUPP).
 * {@code utimes} ({@code io/utimes.c}) and {@code chmod} ({@code io/open.c}): the inode's times and
 * permission bits, as futimens and fchmod set them.
 */
final class AttrCommands {
    private AttrCommands() {
    }

    static final String LETTERS = "rpiasAdtPneEfSxCX";
    /** FS_XFLAG_REALTIME ... FS_XFLAG_HASATTR, in xfs_io's order (io/attr.c xflags[]). */
    static final int[] BITS = {0x1, 0x2, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800,
            0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x80000000};

    /** {@code printxattr} without braces: a letter per set flag, {@code -} per clear one. */
    static String letters(int xflags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < BITS.length; i++) {
            sb.append((xflags & BITS[i]) != 0 ? LETTERS.charAt(i) : '-');
        }
        return sb.toString();
    }

    static final class Lsattr extends NamedCommand {
        Lsattr() {
            super("lsattr", null, "[-R|-D|-a|-v]", "list extended inode flags set on the currently open file",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            FsxAttr x;
            try {
                x = p.file().handle().fsxattr();
            } catch (FsException e) {
                p.out().err("xfs_io: cannot get flags on " + p.file().name() + ": " + e.errno().message());
                p.setExitCode(1);
                return;
            }
            // printxattr(flags, 0, 1, name, 0, 1): the letters, " name ", newline (with its trailing blank).
            p.out().out(letters(x.xflags()) + " " + p.file().name() + " ");
        }
    }

    static final class Chattr extends NamedCommand {
        Chattr() {
            super("chattr", null, "[-R|-D] [+/-" + "riasAdtPneEfSxC" + "]",
                    "change extended inode flags on the currently open file",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int or = 0;
            int and = 0;
            for (String a : argv.subList(1, argv.size())) {
                if (a.startsWith("+") || a.startsWith("-")) {
                    for (char c : a.substring(1).toCharArray()) {
                        int i = LETTERS.indexOf(c);
                        if (i < 0) {
                            p.out().err("xfs_io: unknown flag");
                            p.setExitCode(1);
                            return;
                        }
                        if (a.charAt(0) == '+') {
                            or |= BITS[i];
                        } else {
                            and |= BITS[i];
                        }
                    }
                } else {
                    p.out().err("xfs_io: bad chattr command, not +/-X");
                    p.setExitCode(1);
                    return;
                }
            }
            String name = p.file().name();
            try {
                FsxAttr cur = p.file().handle().fsxattr();
                int want = (cur.xflags() | or) & ~and;
                p.file().handle().setFsxattr(cur.with(want, cur.extsize()));
            } catch (FsException e) {
                p.out().err("xfs_io: cannot set flags on " + name + ": " + e.errno().message());
                p.setExitCode(1);
            }
        }
    }

    /** futimens' two special nanosecond values: the current time, and leave this time as it is. */
    static final long UTIME_NOW = (1L << 30) - 1;
    static final long UTIME_OMIT = (1L << 30) - 2;

    static final class Utimes extends NamedCommand {
        Utimes() {
            super("utimes", null, "atime_sec atime_nsec mtime_sec mtime_nsec", "Update file times of the current file",
                    Arguments.exactly(4), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            Long[] t = {Strtoull.parse(argv.get(1)), Strtoull.parse(argv.get(2)),
                    Strtoull.parse(argv.get(3)), Strtoull.parse(argv.get(4))};
            if (t[0] == null || t[1] == null) {
                p.out().err("Bad value for atime");
                p.setExitCode(1);
                return;
            }
            if (t[2] == null || t[3] == null) {
                p.out().err("Bad value for mtime");
                p.setExitCode(1);
                return;
            }
            try {
                // vfs_utimes turns UTIME_NOW twice into "no times given", which an append-only inode allows.
                SetAttr attr = t[1] == UTIME_NOW && t[3] == UTIME_NOW ? SetAttr.touch(Instant.now())
                        : SetAttr.times(time(t[0], t[1]), time(t[2], t[3]));
                p.fs().setattr(p.file().handle().ino(), attr);
            } catch (FsException e) {
                // utimes_f reports the failure, goes on with the next command, and xfs_io exits 1.
                p.out().err("futimens: " + e.errno().message());
                p.setExitCode(1);
            }
        }

        /** One timespec as the kernel reads it: null for UTIME_OMIT, now for UTIME_NOW, EINVAL past a second. */
        private static Instant time(long sec, long nsec) throws FsException {
            if (nsec == UTIME_OMIT) {
                return null;
            }
            if (nsec == UTIME_NOW) {
                return Instant.now();
            }
            if (nsec < 0 || nsec > 999_999_999) {
                throw FsException.of(Errno.EINVAL, "futimens: tv_nsec %d is not below a second", nsec);
            }
            // Instant stops short of time_t's range; the file system clamps to its own far narrower one.
            long clamped = Math.max(Instant.MIN.getEpochSecond(), Math.min(Instant.MAX.getEpochSecond(), sec));
            return Instant.ofEpochSecond(clamped, nsec);
        }
    }

    /** {@code chmod -r | -w}: r--r--r-- or rw-rw-r-- (the whole mode, as chmod_f passes it), on the current file once. */
    static final class Chmod extends NamedCommand {
        Chmod() {
            super("chmod", null, "-r | -w",
                    "change the read/write permissions on the currently open file", Arguments.exactly(1), ONE_SHOT);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int mode = 0444;
            GetOpt g = p.getopt(argv, "rw");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'r' -> { }
                    case 'w' -> mode |= 0220;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            if (!g.operands().isEmpty()) {
                p.usage(this);
                return;
            }
            try {
                p.fs().setattr(p.file().handle().ino(), SetAttr.mode(mode));
            } catch (FsException e) {
                p.perror("fchmod", e);
            }
        }
    }
}
