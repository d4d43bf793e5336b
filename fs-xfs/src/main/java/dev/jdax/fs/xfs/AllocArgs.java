package dev.jdax.fs.xfs;

/**
 * What one search of an AG's free space is asked for (the fields of struct xfs_alloc_arg that
 * shape the answer): between {@code minlen} and {@code maxlen} blocks, starting at a multiple of
 * {@code alignment} (a stripe unit or width, 1 for any block), with {@code minalignslop} more
 * blocks kept in view so that a later aligned try of the same request does not find less than this
 * one did; the length, when it is not all of maxlen, trimmed so that it is {@code mod} more than a
 * multiple of {@code prod} (an extent size hint: the allocation then ends on the hint's boundary).
 *
 * @param userdata file data, which starts at a free extent's start even before the goal
 */
record AllocArgs(long minlen, long maxlen, long alignment, long minalignslop, long prod, long mod, boolean userdata) {
    AllocArgs {
        if (minlen < 1 || maxlen < minlen || alignment < 1 || minalignslop < 0 || prod < 1 || mod < 0 || mod >= prod) {
            throw new IllegalArgumentException(String.format(
                    "allocation of %d..%d blocks aligned to %d (slop %d), length %d mod %d", minlen, maxlen, alignment,
                    minalignslop, mod, prod));
        }
    }

    /** Any {@code minlen..maxlen} blocks, unaligned. */
    static AllocArgs of(long minlen, long maxlen, boolean userdata) {
        return new AllocArgs(minlen, maxlen, 1, 0, 1, 0, userdata);
    }

    AllocArgs withMinlen(long m) {
        return new AllocArgs(m, Math.max(m, maxlen), alignment, minalignslop, prod, mod, userdata);
    }

    AllocArgs withMaxlen(long m) {
        return new AllocArgs(Math.min(minlen, m), m, alignment, minalignslop, prod, mod, userdata);
    }

    AllocArgs withAlignment(long a, long slop) {
        return new AllocArgs(minlen, maxlen, a, slop, prod, mod, userdata);
    }

    /** xfs_alloc_space_available's need: minlen once aligned, and the slop. */
    long need() {
        return minlen + alignment - 1 + minalignslop;
    }

    /**
     * xfs_alloc_fix_len: {@code len} (at least minlen, at most maxlen) cut back so that it is mod
     * more than a multiple of prod, unless it is all of maxlen, too short to cut, or the cut would
     * take it below minlen.
     */
    long fixLen(long len) {
        if (prod <= 1 || len < mod || len == maxlen || (mod == 0 && len < prod)) {
            return len;
        }
        long k = len % prod;
        if (k == mod) {
            return len;
        }
        long r = k > mod ? len - (k - mod) : len - prod + (mod - k);
        return r < minlen ? len : r;
    }
}
