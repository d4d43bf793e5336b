package dev.jdax.fs.ext2;

/**
 * Name hashes to places in a directory ({@link DirIndex}): an open-addressing table with linear
 * probing whose key and value sit side by side in one array, so that finding a name in a directory
 * of 100,000 names is one cache miss where a map of two parallel arrays took two. A key is never 0
 * (the empty slot); a value is never negative. Changed only under the directory's i_rwsem held
 * exclusively; {@link #get} writes nothing, so look-ups under it held shared may run together.
 */
final class HashPlaces {
    /** Key, value, key, value, ...: a power of two of pairs. */
    private long[] slots = new long[2 * 16];
    private int size;

    /** {@return the place of {@code key}}, or -1 when it has none */
    long get(long key) {
        long[] s = slots;
        int mask = s.length / 2 - 1;
        for (int i = home(key, mask); ; i = (i + 1) & mask) {
            long k = s[2 * i];
            if (k == key) {
                return s[2 * i + 1];
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    /** Sets the place of {@code key} (not 0) to {@code value} (not negative). */
    void put(long key, long value) {
        assert key != 0 && value >= 0;
        int capacity = slots.length / 2;
        if (size + 1 > capacity - capacity / 4) {
            grow();
        }
        long[] s = slots;
        int mask = s.length / 2 - 1;
        int i = home(key, mask);
        while (s[2 * i] != 0 && s[2 * i] != key) {
            i = (i + 1) & mask;
        }
        if (s[2 * i] == 0) {
            size++;
            s[2 * i] = key;
        }
        s[2 * i + 1] = value;
    }

    /** Forgets {@code key}; the keys after it in its run move back, so no probe meets a gap too early. */
    void remove(long key) {
        long[] s = slots;
        int mask = s.length / 2 - 1;
        int i = home(key, mask);
        while (s[2 * i] != key) {
            if (s[2 * i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        size--;
        int gap = i;
        for (int j = (gap + 1) & mask; s[2 * j] != 0; j = (j + 1) & mask) {
            int h = home(s[2 * j], mask);
            // j's key may fill the gap when its home is not in (gap, j], cyclically.
            if (((j - h) & mask) >= ((j - gap) & mask)) {
                s[2 * gap] = s[2 * j];
                s[2 * gap + 1] = s[2 * j + 1];
                gap = j;
            }
        }
        s[2 * gap] = 0;
        s[2 * gap + 1] = 0;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = 0;
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != 0) {
                put(old[i], old[i + 1]);
            }
        }
    }

    /** The key's first slot: its high bits, as the keys are hashes already mixed. */
    private static int home(long key, int mask) {
        return (int) (key >>> 32 ^ key) & mask;
    }
}
