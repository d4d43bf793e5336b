package dev.jdax.fs.ext4;

import java.util.Arrays;
import java.util.Collection;

/**
 * A file's extents by start block in flat arrays, for lookups. A TreeMap of 100,000 extents follows
 * 17 entries and their boxed keys per lookup, half the time of a random 4 KiB read there. Here a
 * search first finds the run of {@link #RUN} starts in {@code tops} (every RUN-th start: 50 KB for
 * 100,000 extents, which stays in the cache), then the start within those two cache lines, so a
 * lookup misses the cache about twice where a binary search over all starts misses about eight times.
 * Immutable (final fields: safe to share between the readers that hold i_data_sem shared);
 * {@link ExtentList} drops it on any change.
 */
record StartIndex(long[] tops, long[] starts, Extent[] extents) {
    private static final int RUN = 16;

    static StartIndex of(Collection<Extent> sorted) {
        Extent[] extents = sorted.toArray(new Extent[0]);
        long[] starts = new long[extents.length];
        long[] tops = new long[(extents.length + RUN - 1) / RUN];
        for (int i = 0; i < extents.length; i++) {
            starts[i] = extents[i].lblk();
            if (i % RUN == 0) {
                tops[i / RUN] = starts[i];
            }
        }
        return new StartIndex(tops, starts, extents);
    }

    /** The extent starting at or before {@code lblk}, or null. */
    Extent floor(long lblk) {
        int run = lastAtOrBelow(tops, 0, tops.length, lblk);
        if (run < 0) {
            return null;
        }
        int from = run * RUN;
        return extents[lastAtOrBelow(starts, from, Math.min(from + RUN, starts.length), lblk)];
    }

    /** The index of the last of a[from, to) (sorted) at or below {@code key}; from - 1 when none. */
    private static int lastAtOrBelow(long[] a, int from, int to, long key) {
        int i = Arrays.binarySearch(a, from, to, key);
        return i >= 0 ? i : -i - 2;
    }
}
