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
 */
final class BlockTable<V> {
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

    /** {@return the value already there}, or null after putting {@code v}. */
    V putIfAbsent(long block, V v) {
        Stripe<V> s = stripe(block);
        long stamp = s.lock.writeLock();
        try {
            V old = s.get(block);
            if (old == null) {
                s.put(block, v);
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

    /** Removes the block only while its value is {@code v}. */
    void remove(long block, V v) {
        Stripe<V> s = stripe(block);
        long stamp = s.lock.writeLock();
        try {
            s.remove(block, v);
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

    /** One stripe: keys and values in parallel arrays, a null value marking a free slot, at most half full. */
    private static final class Stripe<V> {
        final StampedLock lock = new StampedLock();
        private long[] keys = new long[8];
        private Object[] values = new Object[8];
        private int size;

        private int home(long block) {
            return (int) mix(block) & (keys.length - 1);
        }

        /** The slot holding {@code block}, or the free slot where probing for it stopped, as -1 - slot. Under the lock. */
        private int find(long block) {
            return probe(keys, values, block);
        }

        /**
         * The slot of {@code block} in {@code k} and {@code v} (of one length), or the free slot where
         * probing stopped as -1 - slot, or -1 - length when it met neither: only a read racing a change
         * can, as a stripe is at most half full. At most one probe per slot, so it always ends.
         */
        private static int probe(long[] k, Object[] v, long block) {
            int mask = k.length - 1;
            int i = (int) mix(block) & mask;
            for (int probes = 0; probes < k.length; probes++, i = (i + 1) & mask) {
                if (v[i] == null) {
                    return -1 - i;
                }
                if (k[i] == block) {
                    return i;
                }
            }
            return -1 - k.length;
        }

        /**
         * The value of {@code block}, or null; under the stripe's lock, or while a change may be
         * under way (an optimistic read), when whatever it returns is thrown away unless the stamp
         * still holds. So it only has to end, and without an exception: both arrays read once and
         * checked to be of one length, then probed.
         */
        @SuppressWarnings("unchecked")
        V get(long block) {
            long[] k = keys;
            Object[] v = values;
            if (k.length != v.length) {
                return null;
            }
            int i = probe(k, v, block);
            return i >= 0 ? (V) v[i] : null;
        }

        void put(long block, V v) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int i = -1 - find(block);
            keys[i] = block;
            values[i] = v;
            size++;
        }

        /** Removes {@code block} (only if its value is {@code only}, unless that is null), shifting later entries of its run back. */
        @SuppressWarnings("unchecked")
        V remove(long block, V only) {
            int i = find(block);
            if (i < 0 || (only != null && values[i] != only)) {
                return null;
            }
            V old = (V) values[i];
            int mask = keys.length - 1;
            int hole = i;
            for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
                int h = home(keys[j]);
                // An entry may move into the hole only if its home is not between the hole and it (cyclically).
                if (((j - h) & mask) >= ((j - hole) & mask)) {
                    keys[hole] = keys[j];
                    values[hole] = values[j];
                    hole = j;
                }
            }
            values[hole] = null;
            size--;
            return old;
        }

        private void grow() {
            long[] oldKeys = keys;
            Object[] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new Object[oldValues.length * 2];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldValues[i] != null) {
                    int j = -1 - find(oldKeys[i]);
                    keys[j] = oldKeys[i];
                    values[j] = oldValues[i];
                }
            }
        }
    }
}
