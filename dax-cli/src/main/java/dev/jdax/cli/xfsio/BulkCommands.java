package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.api.fs.XfsInodeGroup;

import java.time.Instant;
import java.util.List;

/**
 * xfs_io's {@code bulkstat}, {@code bulkstat_single} and {@code inumbers} (io/bulkstat.c, xfsprogs
 * 6.1), XFS only: every inode in use (or one) with the fields of {@code struct xfs_bulkstat}, and
 * the inode chunks with their allocation masks, through {@link BulkRequests}. Options are read as
 * xfs_io reads them: a number that is not one is {@code "TEXT: Numerical result out of range"}
 * and ends xfs_io, as does a version other than 1 or 5; a bad option or an operand prints
 * bulkstat's help (inumbers prints bulkstat's too). The health fields are 0: jdax refuses what it
 * finds corrupt instead of marking it sick.
 */
final class BulkCommands {
    private static final String BULKSTAT_HELP = """
            Bulk-queries the filesystem for inode stat information and prints it.

               -a <agno>  Only iterate this AG.
               -d         Print debugging output.
               -q         Be quiet, no output.
               -e <ino>   Stop after this inode.
               -n <nr>    Ask for this many results at once.
               -s <ino>   Inode to start with.
               -v <ver>   Use this version of the ioctl (1 or 5).""";
    private static final String SINGLE_HELP = """
            Queries the filesystem for a single inode's stat information and prints it.
            If a given inode is not allocated, information about the next allocated\s
            inode will be printed instead.

               -v (ver)  Use this version of the ioctl (1 or 5).
               -d        Print debugging information.

            Pass in inode numbers or a special inode name:
                root     Root directory.""";
    /** XFS_BULKSTAT_VERSION_V1 / V5, XFS_INUMBERS_VERSION_V1 / V5. */
    private static final int V1 = 1;
    private static final int V5 = 5;

    private BulkCommands() {
    }

    /** The options bulkstat and inumbers share, as their getopt loops read them; null when the command ended there. */
    private record Options(long agno, boolean hasAgno, boolean debug, boolean quiet, long endino, long batch, long startino,
                           BulkRequests.Version version) {
        static Options of(XfsIoProcess p, List<String> argv, String spec) {
            long agno = 0;
            boolean hasAgno = false;
            boolean debug = false;
            boolean quiet = false;
            long endino = -1;
            long batch = 4096;
            long startino = 0;
            BulkRequests.Version version = BulkRequests.Version.ANY;
            GetOpt g = p.getopt(argv, spec);
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'd' -> debug = true;
                    case 'q' -> quiet = true;
                    case 'a', 'n', 'e', 's', 'v' -> {
                        // cvt_u32 for an AG, a count and a version; cvt_u64 for an inode
                        Long n = cvt(p, g.optarg(), c == 'e' || c == 's' ? -1 : 0xffffffffL);
                        if (n == null) {
                            return null;
                        }
                        switch (c) {
                            case 'a' -> {
                                agno = n;
                                hasAgno = true;
                            }
                            case 'n' -> batch = n;
                            case 'e' -> endino = n;
                            case 's' -> startino = n;
                            default -> version = versionOf(p, n);
                        }
                        if (version == null) {
                            return null;
                        }
                    }
                    default -> {
                        help(p, BULKSTAT_HELP);
                        return null;
                    }
                }
            }
            if (g.optind() != argv.size()) {
                help(p, BULKSTAT_HELP);
                return null;
            }
            return new Options(agno, hasAgno, debug, quiet, endino, batch, startino, version);
        }

        BulkRequests.Header header() {
            BulkRequests.Header h = new BulkRequests.Header(startino, batch);
            if (hasAgno) {
                h.agno = agno;
                h.flags |= BulkRequests.IREQ_AGNO;
            }
            return h;
        }
    }

    /**
     * libfrog's cvt_u64/cvt_u32 in base 10: the whole text a number within {@code max} (-1: any
     * 64 bits), else its {@code perror} (ERANGE for text after the digits too) and the command's
     * return of 1, which ends xfs_io.
     */
    private static Long cvt(XfsIoProcess p, String text, long max) {
        Long n = Strtoull.parse(text, 10);
        if (n == null || text.isEmpty() || saturated(text) || max != -1 && Long.compareUnsigned(n, max) > 0) {
            p.out().err(text + ": " + Errno.ERANGE.message());
            p.stop();
            return null;
        }
        return n;
    }

    /** Whether strtoull saturated (ERANGE): more than 64 bits of digits. */
    private static boolean saturated(String text) {
        String digits = text.strip().replaceFirst("^[+-]", "");
        return digits.length() > 19 && new java.math.BigInteger(digits).bitLength() > 64;
    }

    /** {@code -v}: 1 or 5 force that version; anything else ends xfs_io after "version must be 1 or 5.". */
    private static BulkRequests.Version versionOf(XfsIoProcess p, long v) {
        if (v == V1 || v == V5) {
            return v == V1 ? BulkRequests.Version.V1 : BulkRequests.Version.V5;
        }
        p.out().err("version must be 1 or 5.");
        p.stop();
        return null;
    }

    /** A help text, line by line. */
    private static void help(XfsIoProcess p, String text) {
        text.lines().forEach(p.out()::out);
    }

    /** dump_bulkstat, of a record libfrog made v5 (bs_extents moved to bs_extents64 without NREXT64) or converted from v1. */
    private static void dump(XfsIoOutput out, XfsBulkstat b, boolean v1) {
        out.out("bs_ino = " + Long.toUnsignedString(b.ino()));
        out.out("\tbs_size = " + Long.toUnsignedString(b.size()));
        out.out("\tbs_blocks = " + Long.toUnsignedString(b.blocks()));
        out.out("\tbs_xflags = 0x" + Long.toHexString(b.xflags()));
        time(out, "bs_atime", b.atime());
        time(out, "bs_ctime", b.ctime());
        time(out, "bs_mtime", b.mtime());
        time(out, "bs_btime", v1 ? Instant.EPOCH : b.btime()); // struct xfs_bstat has no birth time
        out.out("\tbs_gen = 0x" + Long.toHexString(b.gen()));
        out.out("\tbs_uid = " + Integer.toUnsignedString(b.uid()));
        out.out("\tbs_gid = " + Integer.toUnsignedString(b.gid()));
        out.out("\tbs_projectid = " + b.projectid());
        out.out("\tbs_blksize = " + b.blksize());
        out.out("\tbs_rdev = " + b.rdev());
        out.out("\tbs_cowextsize_blks = " + b.cowextsizeBlks());
        out.out("\tbs_extsize_blks = " + b.extsizeBlks());
        out.out("\tbs_nlink = " + b.nlink());
        out.out("\tbs_extents = 0");
        out.out("\tbs_aextents = " + b.aextents());
        out.out("\tbs_version = " + (v1 ? V1 : V5));
        out.out("\tbs_forkoff = " + b.forkoff());
        out.out("\tbs_sick = 0x0");
        out.out("\tbs_checked = 0x0");
        out.out("\tbs_mode = 0" + Integer.toOctalString(b.mode()));
        out.out("\tbs_extents64 = " + b.extents());
    }

    /** dump_bulkstat_time: seconds as C's PRIu64 prints them, nanoseconds unpadded. */
    private static void time(XfsIoOutput out, String tag, Instant t) {
        out.out("\t" + tag + " = " + Long.toUnsignedString(t.getEpochSecond()) + "." + t.getNano());
    }

    /** One call of libfrog's: the next batch of a walk. */
    private interface Call<T> {
        List<T> next(BulkRequests.Header h) throws FsException;
    }

    /**
     * bulkstat_f's and inumbers_f's loop: calls until one returns nothing or fails ({@code
     * "ERROR: strerror"}, exit code 1), under -d each call's header first (bulkstat prints the
     * cursor as a signed number, inumbers as an unsigned one); in each batch the records up to the
     * first past -e. That stop leaves the batch, not the loop: later batches are asked for and
     * print nothing, as in xfs_io.
     */
    private static <T> void walk(XfsIoProcess p, Options o, String error, boolean signedCursor, Call<T> call,
                                 java.util.function.ToLongFunction<T> inoOf, java.util.function.Consumer<T> print) {
        BulkRequests.Header h = o.header();
        while (true) {
            List<T> got;
            try {
                got = call.next(h);
            } catch (FsException e) {
                p.perror(error, e);
                return;
            }
            if (o.debug()) {
                p.out().out("bulkstat: startino=" + (signedCursor ? Long.toString(h.ino) : Long.toUnsignedString(h.ino))
                        + " flags=0x" + Integer.toHexString(h.flags) + " agno=" + h.agno + " ret=0 icount=" + h.icount
                        + " ocount=" + h.ocount);
            }
            if (got.isEmpty()) {
                return;
            }
            for (T r : got) {
                if (Long.compareUnsigned(inoOf.applyAsLong(r), o.endino()) > 0) {
                    break;
                }
                print.accept(r);
            }
        }
    }

    /** {@code bulkstat [-a agno] [-d] [-e endino] [-n batchsize] [-s startino] [-v version]}. */
    static final class Bulkstat extends NamedCommand {
        Bulkstat() {
            super("bulkstat", null, "[-a agno] [-d] [-e endino] [-n batchsize] [-s startino] [-v version]",
                    "Bulk stat of inodes in a filesystem", Arguments.ANY, ONE_SHOT | XFS_ONLY);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            Options o = Options.of(p, argv, "a:de:n:qs:v:");
            if (o == null) {
                return;
            }
            BulkRequests requests = new BulkRequests(p.fs(), o.version());
            walk(p, o, "xfrog_bulkstat", true, requests::bulkstat, XfsBulkstat::ino, b -> {
                if (!o.quiet()) {
                    dump(p.out(), b, requests.usedV1());
                }
            });
        }
    }

    /** {@code bulkstat_single [-d] [-v version] inum...}: each inode, or the next in use, or the root. */
    static final class Single extends NamedCommand {
        Single() {
            super("bulkstat_single", null, "[-d] [-v version] inum...", "Stat one inode in a filesystem",
                    Arguments.atLeast(1), ONE_SHOT | XFS_ONLY);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            boolean debug = false;
            BulkRequests.Version version = BulkRequests.Version.ANY;
            GetOpt g = p.getopt(argv, "dv:");
            for (int c; (c = g.next()) != -1; ) {
                if (c == 'd') {
                    debug = true;
                } else if (c == 'v') {
                    // strtoull with only errno checked: text after the digits is ignored
                    version = versionOf(p, number(leadingDigits(g.optarg())));
                    if (version == null) {
                        return;
                    }
                } else {
                    help(p, SINGLE_HELP);
                    return;
                }
            }
            BulkRequests requests = new BulkRequests(p.fs(), version);
            for (String arg : argv.subList(g.optind(), argv.size())) {
                long ino;
                int flags = 0;
                if (arg.equals("root")) {
                    ino = BulkRequests.SPECIAL_ROOT;
                    flags = BulkRequests.IREQ_SPECIAL;
                } else {
                    String digits = leadingDigits(arg);
                    if (saturated(digits)) {
                        p.out().err(arg + ": " + Errno.ERANGE.message());
                        p.setExitCode(1);
                        return;
                    }
                    ino = number(digits);
                }
                XfsBulkstat b;
                try {
                    b = requests.single(ino, flags);
                } catch (FsException e) {
                    p.out().err("xfrog_bulkstat_single: " + e.errno().message());
                    continue;
                }
                if (debug) {
                    p.out().out("bulkstat_single: startino=" + Long.toUnsignedString(ino) + " flags=0x" + Integer.toHexString(flags)
                            + " ret=0");
                }
                dump(p.out(), b, requests.usedV1());
            }
        }

        /** What strtoull(s, NULL, 10) reads of {@code s}: blanks, a sign and digits, text after them ignored. */
        private static String leadingDigits(String s) {
            return s.replaceFirst("^(\\s*[+-]?\\d*).*$", "$1").strip();
        }

        /** {@link #leadingDigits}' value as a caller that checks only errno gets it: 0 for no digits. */
        private static long number(String digits) {
            Long n = digits.isEmpty() || digits.equals("+") || digits.equals("-") ? Long.valueOf(0) : Strtoull.parse(digits, 10);
            return n == null ? 0 : n;
        }
    }

    /** {@code inumbers [-a agno] [-d] [-e endino] [-n batchsize] [-s startino] [-v version]}. */
    static final class Inumbers extends NamedCommand {
        Inumbers() {
            super("inumbers", null, "[-a agno] [-d] [-e endino] [-n batchsize] [-s startino] [-v version]",
                    "Query inode groups in a filesystem", Arguments.ANY, ONE_SHOT | XFS_ONLY);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            Options o = Options.of(p, argv, "a:de:n:s:v:");
            if (o == null) {
                return;
            }
            BulkRequests requests = new BulkRequests(p.fs(), o.version());
            walk(p, o, "xfrog_inumbers", false, requests::inumbers, XfsInodeGroup::startino, g -> {
                p.out().out("xi_startino = " + Long.toUnsignedString(g.startino()));
                p.out().out("\txi_allocmask = 0x" + Long.toHexString(g.allocmask()));
                p.out().out("\txi_alloccount = " + Long.bitCount(g.allocmask()));
                p.out().out("\txi_version = " + (requests.usedV1() ? V1 : V5));
            });
        }
    }
}
