package dev.jdax.fs.xfs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Cached entries by device offset, in one array probed linearly: a lookup is a multiply, an array
 * load and the entry's own key, where a {@code ConcurrentHashMap<Long, MetaEntry>} walked table,
 * node, boxed key and value, four dependent loads that the data blocks a create streams through
 * push out of the caches (BufIndex's lookups were 15% of create + write 4 KiB + delete on XFS).
 *
 * <p>Lookups take no lock and see either the table before a change or after it. Changes are
 * made under this object's monitor: an entry goes into an empty or tombstone slot with one
 * release store, a removed one leaves a tombstone, and a table grown or cleaned of tombstones is
 * a new array published whole, never changed once a newer one is.
 */
final class EntryTable {
    /** The tombstone of a removed entry: its key is no offset, so no lookup matches it. */
    private static final MetaEntry GONE = new MetaEntry(-1, 0, false, new byte[0]);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(MetaEntry[].class);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private volatile MetaEntry[] slots = new MetaEntry[16];
    /** Slots that are not empty (entries and tombstones); guarded by this. */
    private int used;

    /** The entry whose key is {@code off}, or null. */
    MetaEntry get(long off) {
        MetaEntry[] t = slots;
        int mask = t.length - 1;
        for (int i = index(off, t.length); ; i = (i + 1) & mask) {
            MetaEntry e = (MetaEntry) SLOT.getAcquire(t, i);
            if (e == null || e.key == off) {
                return e;
            }
        }
    }

    /**
     * Puts {@code fresh} in, in place of an entry of its key if there is one: the index decides
     * which entry an offset has (its ordered map, before this table), and an entry being removed
     * may still be here when its successor comes.
     */
    synchronized void put(MetaEntry fresh) {
        MetaEntry[] t = slots;
        int mask = t.length - 1;
        int free = -1;
        int i = index(fresh.key, t.length);
        for (MetaEntry e; (e = t[i]) != null; i = (i + 1) & mask) {
            if (e.key == fresh.key) {
                SLOT.setRelease(t, i, fresh);
                return;
            }
            if (e == GONE && free < 0) {
                free = i;
            }
        }
        if (free < 0) {
            if (2 * (used + 1) > t.length) {
                rebuild(fresh);
                return;
            }
            free = i;
            used++;
        }
        SLOT.setRelease(t, free, fresh);
    }

    /** Removes {@code e} itself (not another entry of its key); whether it was here. */
    synchronized boolean remove(MetaEntry e) {
        MetaEntry[] t = slots;
        int mask = t.length - 1;
        for (int i = index(e.key, t.length); t[i] != null; i = (i + 1) & mask) {
            if (t[i] == e) {
                SLOT.setRelease(t, i, GONE);
                return true;
            }
        }
        return false;
    }

    /** A new array of the live entries and {@code fresh}, at most a quarter full, published whole. */
    private void rebuild(MetaEntry fresh) {
        MetaEntry[] old = slots;
        int live = 1;
        for (MetaEntry e : old) {
            if (e != null && e != GONE) {
                live++;
            }
        }
        MetaEntry[] t = new MetaEntry[Math.max(16, Integer.highestOneBit(live) << 2)];
        int mask = t.length - 1;
        for (MetaEntry e : old) {
            if (e != null && e != GONE) {
                place(t, mask, e);
            }
        }
        place(t, mask, fresh);
        used = live;
        slots = t;
    }

    private static void place(MetaEntry[] t, int mask, MetaEntry e) {
        int i = index(e.key, t.length);
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        t[i] = e;
    }

    /** Fibonacci hashing: the product's top bits depend on every bit of the offset. */
    private static int index(long off, int length) {
        return (int) ((off * GOLDEN) >>> (64 - Integer.numberOfTrailingZeros(length)));
    }
}
