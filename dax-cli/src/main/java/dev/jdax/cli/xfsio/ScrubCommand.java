package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.List;

/**
 * {@code scrub type [agno|ino gen]} (io/scrub.c, xfsprogs 6.1), XFS only: the metadata type and
 * its arguments checked as xfs_io checks them (an AG header or per-AG type takes one AG number, an
 * inode type none or an inode number and a generation, a whole-file-system type none), then
 * XFS_IOC_SCRUB_METADATA. The kernel jdax is measured against (Debian's Linux 6.1, built without
 * CONFIG_XFS_ONLINE_SCRUB) has no such ioctl: every call is ENOTTY, printed as {@code scrub:
 * strerror} without an exit code, and jdax's XFS answers the same (scenario {@code scrub-funshare}).
 */
final class ScrubCommand extends NamedCommand {
    /** How a scrub type is addressed (libfrog's XFROG_SCRUB_TYPE_*). */
    private enum Target { NONE, AGHEADER, PERAG, INODE, FS }

    /** libfrog's xfrog_scrubbers, in order: their names and how each is addressed. */
    private static final List<String> NAMES = List.of("probe", "sb", "agf", "agfl", "agi", "bnobt", "cntbt", "inobt",
            "finobt", "rmapbt", "refcountbt", "inode", "bmapbtd", "bmapbta", "bmapbtc", "directory", "xattr", "symlink",
            "parent", "rtbitmap", "rtsummary", "usrquota", "grpquota", "prjquota", "fscounters");

    ScrubCommand() {
        super("scrub", "sc", "type [agno|ino gen]", "scrubs filesystem metadata", Arguments.atLeast(1), XFS_ONLY);
    }

    private static Target target(int type) {
        if (type == 0) {
            return Target.NONE;
        }
        if (type <= 4) {
            return Target.AGHEADER;
        }
        if (type <= 10) {
            return Target.PERAG;
        }
        return type <= 18 ? Target.INODE : Target.FS;
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        GetOpt g = p.getopt(argv, "");
        if (g.next() != -1 || g.optind() > argv.size() - 1) {
            p.usage(this);
            return;
        }
        List<String> args = argv.subList(g.optind(), argv.size());
        int type = NAMES.indexOf(args.get(0));
        if (type < 0) {
            p.out().out("Unknown type '" + args.get(0) + "'.");
            p.usage(this);
            return;
        }
        List<String> rest = args.subList(1, args.size());
        switch (target(type)) {
            case INODE -> {
                if (rest.size() == 2) {
                    if (Strtoull.parse(rest.get(0)) == null) {
                        p.out().err("Bad inode number '" + rest.get(0) + "'.");
                        return;
                    }
                    if (Strtoull.parse(rest.get(1)) == null) {
                        p.out().err("Bad generation number '" + rest.get(1) + "'.");
                        return;
                    }
                } else if (!rest.isEmpty()) {
                    p.out().err("Must specify inode number and generation.");
                    return;
                }
            }
            case AGHEADER, PERAG -> {
                if (rest.size() != 1) {
                    p.out().err("Must specify one AG number.");
                    return;
                }
                if (Strtoull.parse(rest.get(0)) == null) {
                    p.out().err("Bad AG number '" + rest.get(0) + "'.");
                    return;
                }
            }
            case NONE, FS -> {
                if (!rest.isEmpty()) {
                    p.out().err("No parameters allowed.");
                    return;
                }
            }
        }
        // XFS_IOC_SCRUB_METADATA: not in the measured kernel; perror without exitcode.
        p.out().err("scrub: " + FsException.of(Errno.ENOTTY, "XFS_IOC_SCRUB_METADATA").errno().message());
    }
}
