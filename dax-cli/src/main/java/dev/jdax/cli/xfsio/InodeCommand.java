package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.XfsInodeGroup;

import java.util.List;

/**
 * {@code inode [-nv] [num]} (io/open.c's inode_f, xfsprogs 6.1), XFS only. With no number: whether
 * the last inode in use (the highest allocated inode of the last chunk XFS_IOC_INUMBERS returns)
 * needs more than 32 bits, printed as 1 or 0, or with {@code -v} as {@code ino:32} or
 * {@code ino:64}. With a number: the first inode bulkstat reports at or after it ({@code -n}: after
 * it), 0 when there is none. Measured on Linux 6.1 (scenario {@code inode}): a number no inode
 * follows prints 0, because libfrog then falls back to XFS_IOC_FSBULKSTAT_SINGLE, which answers
 * EINVAL for an inode not in use; a number that is not allocated prints the next one that is.
 */
final class InodeCommand extends NamedCommand {
    /** NULLFSINO: inode_f's "no number given", which a number of 2^64 - 1 is taken for too. */
    private static final long NULLFSINO = -1L;
    /** XFS_MAXINUMBER_32. */
    private static final long MAX_INUMBER_32 = 0xffffffffL;
    /** IGROUP_NR: the records get_last_inode asks XFS_IOC_INUMBERS for at a time. */
    private static final int IGROUP_NR = 1024;

    InodeCommand() {
        super("inode", null, "[-nv] [num]", "Query inode number usage in the filesystem", Arguments.between(0, 3),
                ONE_SHOT | XFS_ONLY);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        boolean verbose = false;
        boolean next = false;
        GetOpt g = p.getopt(argv, "nv");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'v' -> verbose = true;
                case 'n' -> next = true;
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        int at = g.optind();
        long asked = NULLFSINO;
        if (at < argv.size()) {
            Long n = Strtoull.parse(argv.get(at), 10);
            if (n == null) {
                p.refuse(argv.get(at) + " is not a numeric inode value");
                return;
            }
            asked = n;
            at++;
        }
        if (at < argv.size() || (next && asked == NULLFSINO)) {
            p.usage(this);
            return;
        }
        long result;
        try {
            if (asked == NULLFSINO) {
                result = lastInode(p);
                if (result == 0) {
                    p.setExitCode(1);
                    return;
                }
            } else {
                result = Math.max(0, p.fs().xfsBulkstatNext(next ? asked + 1 : asked));
            }
        } catch (FsException e) {
            p.perror(asked == NULLFSINO ? "XFS_IOC_FSINUMBERS" : next ? "bulkstat" : "bulkstat_single", e);
            return;
        }
        boolean wide = Long.compareUnsigned(result, MAX_INUMBER_32) > 0;
        if (verbose && result != 0) {
            p.out().out(Long.toUnsignedString(result) + ":" + (wide ? 64 : 32));
        } else if (asked == NULLFSINO) {
            p.out().out(wide ? "1" : "0");
        } else {
            p.out().out(Long.toUnsignedString(result));
        }
    }

    /** get_last_inode: the highest allocated inode of the last chunk with one, or 0 when none is. */
    private static long lastInode(XfsIoProcess p) throws FsException {
        XfsInodeGroup last = null;
        for (long from = 0; ; ) {
            List<XfsInodeGroup> groups = p.fs().xfsInumbers(from, IGROUP_NR);
            if (groups.isEmpty()) {
                break;
            }
            last = groups.getLast();
            from = last.startino() + 64;
        }
        return last == null ? 0 : last.startino() + 63 - Long.numberOfLeadingZeros(last.allocmask());
    }
}
