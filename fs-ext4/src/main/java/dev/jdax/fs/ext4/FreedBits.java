package dev.jdax.fs.ext4;

/**
 * One group's blocks freed in transactions not yet committed, by transaction: mballoc's per-group
 * tree of {@code ext4_free_data}, which merges the extents one transaction frees and which
 * {@code ext4_process_freed_data} gives back to the buddy when that transaction commits. Here a
 * bitmap per transaction: a transaction's frees in a group are one mask however many operations made
 * them (a block freed, reallocated after the commit and freed again lands on the same bit), so what
 * waits for a commit does not grow per operation, and it is primitive memory the young collector
 * does not trace.
 *
 * <p>Two masks, by the parity of the tid, are enough: jbd2 opens transaction T+1 only once every
 * handle of T has stopped, and commits T+1 only after T's commit has run its callbacks, so frees
 * are made in at most two transactions still waiting — the one committing and the one running.
 * Guarded by the group's block lock.
 */
final class FreedBits {
    private final long[][] masks = new long[2][];
    private final long[] tids = {-1, -1};

    FreedBits(int bits) {
        int words = (bits + 63) >>> 6;
        masks[0] = new long[words];
        masks[1] = new long[words];
    }

    /**
     * Records bits [from, to) as freed in transaction {@code tid}; {@return whether they are the
     * first this transaction freed in the group} (its commit must then release them).
     */
    boolean add(long tid, int from, int to) {
        int s = (int) (tid & 1);
        boolean first = tids[s] != tid;
        if (first) {
            if (tids[s] >= 0) {
                throw new IllegalStateException("ext4: frees of transaction " + tids[s] + " never released before " + tid);
            }
            tids[s] = tid;
        }
        GroupBits.flip(masks[s], from, to, true);
        return first;
    }

    /**
     * Transaction {@code tid} is committed: its frees stop being busy in {@code bits} (the group's
     * block bitmap in memory) and are forgotten here.
     */
    void release(long tid, GroupBits bits) {
        int s = (int) (tid & 1);
        if (tids[s] == tid) {
            tids[s] = -1;
            bits.unbusy(masks[s]);
        }
    }
}
