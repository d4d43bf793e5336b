package dev.jdax.fs.ext4;

import dev.jdax.api.lock.PerCpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The inodes unlinked in the running transaction and not yet freed, which its commit records as
 * orphans if they are still in use ({@link Orphans}): one list per CPU slot ({@link PerCpu}),
 * linked through the inodes ({@link Ext4Inode#pendingPrev}, {@link Ext4Inode#pendingNext}), each
 * slot's head and lock word 128 bytes from anything else. A create + unlink enters it at the unlink
 * and leaves it at the eviction, in the same operation; a concurrent set per slot did that with a
 * node, a table write and a count each way, on objects the collector placed where it found them,
 * next to the other slot's. Two threads creating and unlinking, the vCPUs far apart: 853,460 a
 * second with the sets, 938,404 with these lists (docs/PERFORMANCE.md, "The far placement's cost is
 * the mount's shared state").
 *
 * <p>An inode is in at most one list (the caller adds it once, under the inode's monitor), and leaves
 * it from whichever thread frees or records it. The lists' links change only under their slot's
 * lock, a word in a padded cell: the other slots' threads take it only to take out an inode they
 * did not put in, the commit to read the lists, and threads beyond the CPU count share a slot's, so
 * it is almost always free.
 */
final class PendingOrphans {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    /** Failed tries at a slot's lock before a waiter yields its CPU. */
    private static final int SPINS = 100;

    private final int slots = PerCpu.CPUS;
    /** Slot {@code s}'s lock word at {@link PerCpu#cell}{@code (s)}: 1 while held. */
    private final long[] locks = new long[PerCpu.CELL_ARRAY_LENGTH];
    /**
     * Slot {@code s}'s newest inode at twice its lock word's index: the cells' layout over references,
     * of which 128 bytes hold twice as many as of longs (compressed; 256 bytes apart without).
     */
    private final Ext4Inode[] heads = new Ext4Inode[2 * PerCpu.CELL_ARRAY_LENGTH];

    /** Adds {@code in}, which is in no list, to the current thread's slot's list. */
    void add(Ext4Inode in) {
        int s = PerCpu.slot(slots);
        lock(s);
        try {
            Ext4Inode head = heads[head(s)];
            in.pendingSlot = s;
            in.pendingPrev = null;
            in.pendingNext = head;
            if (head != null) {
                head.pendingPrev = in;
            }
            heads[head(s)] = in;
        } finally {
            unlock(s);
        }
    }

    /** Takes {@code in} out of the list that holds it; {@return whether one did} */
    boolean remove(Ext4Inode in) {
        while (true) {
            // Read without the lock, checked again under it. An inode's adder hands it on to whoever
            // frees it only through atomic steps (the reference count, the commit's drain), so
            // the add is seen here; a stale slot only sends this round back to read it again.
            int s = in.pendingSlot;
            if (s < 0) {
                return false;
            }
            lock(s);
            try {
                if (in.pendingSlot != s) {
                    continue; // taken out meanwhile
                }
                Ext4Inode prev = in.pendingPrev;
                Ext4Inode next = in.pendingNext;
                if (prev == null) {
                    heads[head(s)] = next;
                } else {
                    prev.pendingNext = next;
                }
                if (next != null) {
                    next.pendingPrev = prev;
                }
                in.pendingPrev = null;
                in.pendingNext = null;
                in.pendingSlot = -1;
                return true;
            } finally {
                unlock(s);
            }
        }
    }

    /** {@return the inodes in the lists as of the call} (each slot's as of the moment its lock was held) */
    List<Ext4Inode> snapshot() {
        List<Ext4Inode> all = new ArrayList<>();
        for (int s = 0; s < slots; s++) {
            lock(s);
            try {
                for (Ext4Inode i = heads[head(s)]; i != null; i = i.pendingNext) {
                    all.add(i);
                }
            } finally {
                unlock(s);
            }
        }
        return all;
    }

    private static int head(int slot) {
        return 2 * PerCpu.cell(slot);
    }

    /**
     * Spins a little, then yields: more threads than CPUs share a slot, and one of them preempted
     * while it holds the word (a few stores) must not have the others spin through their time slices.
     */
    private void lock(int s) {
        int at = PerCpu.cell(s);
        for (int tries = 0; !WORD.compareAndSet(locks, at, 0L, 1L); tries++) {
            if (tries < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private void unlock(int s) {
        WORD.setRelease(locks, PerCpu.cell(s), 0L);
    }
}
