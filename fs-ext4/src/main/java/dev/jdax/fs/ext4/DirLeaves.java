package dev.jdax.fs.ext4;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A directory's {@link LeafRecords}, by block, for the leaves read since its inode came into the
 * cache. Lookups under the shared side of the directory's i_rwsem may build and keep one at the same
 * time (each builds from the same unchanged block, so either may stay); changes, under the
 * exclusive side, change or drop them. A slot is read with acquire and set with release, so a
 * lookup sees a kept object whole.
 */
final class DirLeaves {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(LeafRecords[].class);
    /** No more than this many leaves are kept per directory: 4 GiB of 4 KiB blocks would be a million. */
    private static final long MAX_BLOCKS = 1 << 20;

    private volatile LeafRecords[] byBlock = new LeafRecords[8];

    /** {@return the records kept for leaf {@code lblk}}, or null */
    LeafRecords get(long lblk) {
        LeafRecords[] t = byBlock;
        return lblk < t.length ? (LeafRecords) SLOT.getAcquire(t, (int) lblk) : null;
    }

    /** Keeps {@code r} for leaf {@code lblk}. */
    synchronized void put(long lblk, LeafRecords r) {
        if (lblk >= MAX_BLOCKS) {
            return;
        }
        LeafRecords[] t = byBlock;
        if (lblk >= t.length) {
            t = Arrays.copyOf(t, (int) Math.max(lblk + 1, 2L * t.length));
            byBlock = t;
        }
        SLOT.setRelease(t, (int) lblk, r);
    }

    /** Forgets leaf {@code lblk}: its block was written other than by a kept change. */
    synchronized void drop(long lblk) {
        LeafRecords[] t = byBlock;
        if (lblk < t.length) {
            SLOT.setRelease(t, (int) lblk, null);
        }
    }
}
