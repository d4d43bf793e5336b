package dev.jdax.iomap;

/**
 * The sorted start offsets of a file's extents, searched in two steps: first the run of
 * {@link #RUN} starts in {@code tops} (every RUN-th start: 50 KB for 100,000 extents, which stays
 * in the cache), then the start within those two cache lines. A lookup misses the cache about twice,
 * where a binary search over the extents themselves (a TreeMap, or a list of records) follows one
 * object per step, 17 for 100,000 extents: half the time of a random 4 KiB read there. For the
 * personalities' block maps, which keep it beside their extents until these change.
 */
public final class StartsIndex {
    private static final int RUN = 16;
    /** Lists shorter than this are searched as they are: the index would not pay for itself. */
    public static final int WORTH_FROM = 64;

    private final long[] tops;
    private final long[] starts;

    private StartsIndex(long[] starts) {
        this.starts = starts;
        this.tops = new long[(starts.length + RUN - 1) / RUN];
        for (int i = 0; i < tops.length; i++) {
            tops[i] = starts[i * RUN];
        }
    }

    /**
     * An index of sorted starts.
     *
     * @param starts ascending, each start once; the array is the index's from now on
     * @return the index
     */
    public static StartsIndex of(long[] starts) {
        return new StartsIndex(starts);
    }

    /**
     * The last start at or below a key.
     *
     * @param key a file offset in the units of the starts
     * @return its index in the starts; -1 when every start is above {@code key}
     */
    public int floor(long key) {
        int run = lastAtOrBelow(tops, 0, tops.length, key);
        if (run < 0) {
            return -1;
        }
        int from = run * RUN;
        return lastAtOrBelow(starts, from, Math.min(from + RUN, starts.length), key);
    }

    /**
     * The index of the last of {@code a[from, to)} (ascending) at or below {@code key}; {@code from - 1}
     * when none. Halvings whose choice is a conditional move, not a branch: keys that come in no
     * order (random transfers across a file's runs) mispredict a binary search's branch about every
     * other step.
     */
    static int lastAtOrBelow(long[] a, int from, int to, long key) {
        int base = from;
        int n = to - from;
        if (n <= 0) {
            return from - 1;
        }
        while (n > 1) {
            int half = n >>> 1;
            base = a[base + half] <= key ? base + half : base;
            n -= half;
        }
        return a[base] <= key ? base : base - 1;
    }
}
