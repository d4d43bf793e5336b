package dev.jdax.fs.ext4;

import java.util.concurrent.locks.StampedLock;

/**
 * Block numbers to values (the journal's buffers of {@link Disk}): a hash table on primitive keys
 * in lock stripes, so a lookup boxes nothing — a create + unlink looks up some twenty blocks, and
 * a {@code ConcurrentHashMap<Long, ...>} made a {@code Long} for each. Each stripe is an
 * open-addressing table with linear probing under its own lock, a leaf (nothing is taken inside
 * it). A lookup writes nothing: it reads the stripe under an optimistic stamp and takes the read
 * lock only when a change met it. Blocks are put once per transaction and removed at the commit,
 * while each create looks up twenty, so a stripe's lines stay in both processors' caches. A lookup
 * that entered the stripe's monitor wrote its lock word, taking the line from whichever thread
 * last looked up any block of that stripe: on a host that places the two vCPUs where a line takes
 * 190 ns to move (it does so for seconds at a time, docs/PERFORMANCE.md), two creating threads ran
 * 392,000 creates a second with monitors and 481,000 with stamps.
 *
 * <p>A value carries its own block ({@link Keyed}), and a slot holds only the value: a lookup
 * reads one slot and the value it returns anyway, where an array of keys beside the values was a
 * third line to miss. In a directory of 100,000 names, whose renames each look up some seven
 * blocks of a transaction thousands of blocks large, the keys' and values' lines cost ext4's
 * rename 0.3 us. A stripe is kept at most a quarter full, so a probe seldom reads a value that is
 * not the one it looks for.
 */
final class BlockTable<V extends BlockTable.Keyed> {
    /** A value of the table: it names its block, which never changes. */
    abstract static class Keyed {
        final long block;

        Keyed(long block) {
            this.block = block;
        }
    }

    private static final int STRIPE_BITS = 6;
    @SuppressWarnings("unchecked")
    private final Stripe<V>[] stripes = new Stripe[1 << STRIPE_BITS];

    BlockTable() {
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe<>();
        }
    }

    private static long mix(long block) {
        return block * 0x9E3779B97F4A7C15L;
    }

    private Stripe<V> stripe(long block) {
        return stripes[(int) (mix(block) >>> (64 - STRIPE_BITS))];
    }

    V get(long block) {
        Stripe<V> s = stripe(block);
        long stamp = s.lock.tryOptimisticRead();
        if (stamp != 0) {
            V v = s.get(block);
            if (s.lock.validate(stamp)) {
                return v;
            }
        }
        stamp = s.lock.readLock();
        try {
            return s.get(block);
        } finally {
            s.lock.unlockRead(stamp);
        }
    }

    /** {@return the value already there} for {@code v}'s block, or null after putting {@code v}. */
    V putIfAbsent(V v) {
        Stripe<V> s = stripe(v.block);
        long stamp = s.lock.writeLock();
        try {
            V old = s.get(v.block);
            if (old == null) {
                s.put(v);
            }
            return old;
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    /** Removes the block's value; {@return it}, or null. */
    V remove(long block) {
        Stripe<V> s = stripe(block);
        long stamp = s.lock.writeLock();
        try {
            return s.remove(block, null);
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    /** Removes {@code v} if it is still its block's value. */
    void remove(V v) {
        Stripe<V> s = stripe(v.block);
        long stamp = s.lock.writeLock();
        try {
            s.remove(v.block, v);
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    int size() {
        int n = 0;
        for (Stripe<V> s : stripes) {
            long stamp = s.lock.readLock();
            try {
                n += s.size;
            } finally {
                s.lock.unlockRead(stamp);
            }
        }
        return n;
    }

    /** One stripe: the values, a null marking a free slot, at most a quarter full. */
    private static final class Stripe<V extends Keyed> {
        final StampedLock lock = new StampedLock();
        private Keyed[] values = new Keyed[16];
        private int size;

        private static int home(long block, int mask) {
            return (int) mix(block) & mask;
        }

        /**
         * The slot of {@code block} in {@code v}, or the free slot where probing stopped as -1 - slot,
         * or -1 - length when it met neither: only a read racing a change can, as a stripe is at most
         * a quarter full. At most one probe per slot, so it always ends. The array is read once by
         * the caller: under the lock, or while a change may be under way (an optimistic read), when
         * whatever it returns is thrown away unless the stamp still holds.
         */
        private static int probe(Keyed[] v, long block) {
            int mask = v.length - 1;
            int i = home(block, mask);
            for (int probes = 0; probes < v.length; probes++, i = (i + 1) & mask) {
                Keyed e = v[i];
                if (e == null) {
                    return -1 - i;
                }
                if (e.block == block) {
                    return i;
                }
            }
            return -1 - v.length;
        }

        /** The value of {@code block}, or null. */
        @SuppressWarnings("unchecked")
        V get(long block) {
            Keyed[] v = values;
            int i = probe(v, block);
            return i >= 0 ? (V) v[i] : null;
        }

        void put(V v) {
            if (4 * (size + 1) > values.length) {
                grow();
            }
            values[-1 - probe(values, v.block)] = v;
            size++;
        }

        /** Removes {@code block} (only if its value is {@code only}, unless that is null), shifting later entries of its run back. */
        @SuppressWarnings("unchecked")
        V remove(long block, V only) {
            Keyed[] v = values;
            int i = probe(v, block);
            if (i < 0 || (only != null && v[i] != only)) {
                return null;
            }
            V old = (V) v[i];
            int mask = v.length - 1;
            int hole = i;
            for (int j = (i + 1) & mask; v[j] != null; j = (j + 1) & mask) {
                int h = home(v[j].block, mask);
                // An entry may move into the hole only if its home is not between the hole and it (cyclically).
                if (((j - h) & mask) >= ((j - hole) & mask)) {
                    v[hole] = v[j];
                    hole = j;
                }
            }
            v[hole] = null;
            size--;
            return old;
        }

        private void grow() {
            Keyed[] old = values;
            Keyed[] bigger = new Keyed[old.length * 2];
            for (Keyed e : old) {
                if (e != null) {
                    bigger[-1 - probe(bigger, e.block)] = e;
                }
            }
            values = bigger;
        }
    }
}
