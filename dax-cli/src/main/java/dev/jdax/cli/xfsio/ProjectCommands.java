package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;

import java.math.BigInteger;
import java.util.List;

/**
 * xfs_io's {@code lsproj} and {@code chproj} (io/open.c): the open file's project id, read and set
 * through FS_IOC_FSGETXATTR and FS_IOC_FSSETXATTR (libfrog's getprojid and setprojid), on any
 * file system. {@code -R} walks a directory's tree and {@code -D} its directories only
 * ({@link TreeWalk}). A project is given by number; xfs_io would also look a name up in
 * {@code /etc/projects}, which jdax's images do not have, so a name is an invalid project id.
 */
final class ProjectCommands {
    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    private ProjectCommands() {
    }

    /** {@code lsproj [-D | -R]}: {@code projid = N}, or {@code [N] path} for each entry a walk visits. */
    static final class Lsproj extends NamedCommand {
        Lsproj() {
            super("lsproj", null, "[-D | -R]", "list project identifier set on the currently open file",
                    Arguments.between(0, 1), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            TreeWalk.Options walk = TreeWalk.Options.of(p, this, argv);
            if (walk == null) {
                return;
            }
            if (!walk.operands().isEmpty()) {
                p.usage(this);
                return;
            }
            if (walk.recursive()) {
                TreeWalk.walk(p, p.file().name(), walk.dirsOnly(), (path, f) -> {
                    FsxAttr x = fsxattr(p, f);
                    if (x != null) {
                        p.out().out("[" + Integer.toUnsignedString(x.projid()) + "] " + path);
                    }
                });
                return;
            }
            try {
                p.out().out("projid = " + Integer.toUnsignedString(p.file().handle().fsxattr().projid()));
            } catch (FsException e) {
                p.perror("FS_IOC_FSGETXATTR", e);  // getprojid's, then lsproj_f's own
                p.perror("getprojid", e);
            }
        }

        /** getprojid: the structure, or null after {@code perror("FS_IOC_FSGETXATTR")}. */
        private static FsxAttr fsxattr(XfsIoProcess p, OpenFile f) {
            try {
                return f.fsxattr();
            } catch (FsException e) {
                p.perror("FS_IOC_FSGETXATTR", e);
                return null;
            }
        }
    }

    /** {@code chproj [-D | -R] projid}: FS_IOC_FSSETXATTR of the open file's attributes with the new id. */
    static final class Chproj extends NamedCommand {
        Chproj() {
            super("chproj", null, "[-D | -R] projid", "change project identifier on the currently open file",
                    Arguments.atLeast(1), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            TreeWalk.Options walk = TreeWalk.Options.of(p, this, argv);
            if (walk == null) {
                return;
            }
            if (walk.operands().size() != 1) {
                p.usage(this);
                return;
            }
            String arg = walk.operands().get(0);
            int projid = projectId(arg);
            if (projid == -1) {
                p.out().out("invalid project ID -- " + arg);
                p.setExitCode(1);
                return;
            }
            if (walk.refusedTogether(p)) {
                return;
            }
            if (walk.recursive()) {
                TreeWalk.walk(p, p.file().name(), walk.dirsOnly(), (path, f) -> set(p, f, projid));
            } else {
                set(p, p.file().handle(), projid);
            }
        }

        /** setprojid: the attributes FS_IOC_FSGETXATTR gives with the new id, set back whole. */
        private static void set(XfsIoProcess p, OpenFile f, int projid) {
            try {
                f.setFsxattr(f.fsxattr().withProjid(projid));
            } catch (FsException e) {
                p.perror("setprojid", e);
            }
        }
    }

    /**
     * libfrog's prid_from_string for a number: strtoul in base 10 over the whole text (leading
     * blanks and a sign allowed, a minus negating the unsigned value), refused past 32 bits; -1
     * (also what 4294967295 reads as) for no project.
     */
    static int projectId(String s) {
        int i = 0;
        while (i < s.length() && (s.charAt(i) == ' ' || (s.charAt(i) >= '\t' && s.charAt(i) <= '\r'))) {
            i++;
        }
        boolean negative = i < s.length() && s.charAt(i) == '-';
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        if (i == start || i != s.length()) {
            return -1;
        }
        BigInteger v = new BigInteger(s.substring(start, i));
        if (v.compareTo(TWO_TO_64) >= 0) {
            return -1;                        // ERANGE
        }
        if (negative) {
            v = TWO_TO_64.subtract(v).mod(TWO_TO_64);
        }
        return v.bitLength() > 32 ? -1 : (int) v.longValue();
    }
}
