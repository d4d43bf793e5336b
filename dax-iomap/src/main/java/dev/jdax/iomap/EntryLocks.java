package dev.jdax.iomap;

import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.LockOrder;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The entry locks of one address space ({@code grab_mapping_entry} / {@code dax_unlock_entry}): a
 * fault holds the lock of its page index from the iomap lookup until its page is installed, and a
 * write that allocates takes it to remove the zero page mapped there, so a fault racing the
 * allocation can never leave the zero page over the new block. A PMD fault locks its 512 indices
 * at once, as Linux's multi-order entry does. Indices are grouped by PMD; a group lives while held.
 */
final class EntryLocks {
    private static final int PMD_PAGES = (int) (DaxMount.PMD / DaxMount.PAGE);

    /** The locks of one PMD's 512 indices. */
    private static final class Group {
        final long[] held = new long[PMD_PAGES / 64];
        boolean whole;
        int users;
        boolean detached;

        boolean free(int i) {
            return !whole && (held[i >>> 6] & (1L << i)) == 0;
        }

        boolean empty() {
            if (whole) {
                return false;
            }
            for (long w : held) {
                if (w != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private final ConcurrentHashMap<Long, Group> groups = new ConcurrentHashMap<>();

    /** Locks page index {@code index}, waiting while another fault or allocation holds it. */
    void lock(long index) {
        LockOrder.enter(this, LockClass.ENTRY, 0, index, true, "mapping entry");
        int i = (int) (index % PMD_PAGES);
        Group g = join(index / PMD_PAGES);
        synchronized (g) {
            waitWhile(g, () -> !g.free(i));
            g.held[i >>> 6] |= 1L << i;
        }
    }

    void unlock(long index) {
        int i = (int) (index % PMD_PAGES);
        Group g = groups.get(index / PMD_PAGES);
        synchronized (g) {
            g.held[i >>> 6] &= ~(1L << i);
            leave(index / PMD_PAGES, g);
        }
        LockOrder.exit(this);
    }

    /** Locks the 512 indices of PMD number {@code pmd} (page index / 512). */
    void lockPmd(long pmd) {
        LockOrder.enter(this, LockClass.ENTRY, 0, pmd * PMD_PAGES, true, "mapping entries of a PMD");
        Group g = join(pmd);
        synchronized (g) {
            waitWhile(g, () -> !g.empty());
            g.whole = true;
        }
    }

    void unlockPmd(long pmd) {
        Group g = groups.get(pmd);
        synchronized (g) {
            g.whole = false;
            leave(pmd, g);
        }
        LockOrder.exit(this);
    }

    /** The group of {@code pmd}, counted as used until {@link #leave}; never a detached one. */
    private Group join(long pmd) {
        while (true) {
            Group g = groups.computeIfAbsent(pmd, k -> new Group());
            synchronized (g) {
                if (!g.detached) {
                    g.users++;
                    return g;
                }
            }
        }
    }

    /** Ends one use; the last use of an unheld group removes it. Called holding g's monitor. */
    private void leave(long pmd, Group g) {
        g.notifyAll();
        if (--g.users == 0 && g.empty()) {
            g.detached = true;
            groups.remove(pmd, g);
        }
    }

    private static void waitWhile(Group g, java.util.function.BooleanSupplier busy) {
        boolean interrupted = false;
        while (busy.getAsBoolean()) {
            try {
                g.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
