package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsxAttr;

import java.util.List;

/**
 * {@code lsattr} and {@code chattr} ({@code io/attr.c}): the FS_XFLAG_* flags of the current file.
 * jdax sets only the per-file DAX flag ({@code x}); other flags are refused as the ioctl would be.
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

    static final class Lsattr implements XfsIoCommand {
        @Override
        public String name() {
            return "lsattr";
        }

        @Override
        public String args() {
            return "[-R|-D|-a|-v]";
        }

        @Override
        public String oneline() {
            return "list extended inode flags set on the currently open file";
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

    static final class Chattr implements XfsIoCommand {
        @Override
        public String name() {
            return "chattr";
        }

        @Override
        public String args() {
            return "[-R|-D] [+/-" + "riasAdtPneEfSxC" + "]";
        }

        @Override
        public String oneline() {
            return "change extended inode flags on the currently open file";
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
                int now = p.file().handle().fsxattr().xflags();
                int want = (now | or) & ~and;
                if (((now ^ want) & ~FsxAttr.FS_XFLAG_DAX) != 0) {
                    throw FsException.of(dev.jdax.api.Errno.EOPNOTSUPP, "%s: only the DAX flag can be changed", name);
                }
                if ((now ^ want) != 0) {
                    p.file().handle().setDaxFlag((want & FsxAttr.FS_XFLAG_DAX) != 0);
                }
            } catch (FsException e) {
                p.out().err("xfs_io: cannot set flags on " + name + ": " + e.errno().message());
                p.setExitCode(1);
            }
        }
    }
}
