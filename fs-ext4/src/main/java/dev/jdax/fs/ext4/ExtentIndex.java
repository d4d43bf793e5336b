package dev.jdax.fs.ext4;

import dev.jdax.iomap.StartsIndex;

import java.util.Collection;

/**
 * A file's extents by start block in flat arrays, for lookups ({@link StartsIndex}). Immutable (final
 * fields: safe to share between the readers that hold i_data_sem shared); {@link ExtentList} drops
 * it on any change.
 */
record ExtentIndex(StartsIndex starts, Extent[] extents) {
    static ExtentIndex of(Collection<Extent> sorted) {
        Extent[] extents = sorted.toArray(new Extent[0]);
        long[] starts = new long[extents.length];
        for (int i = 0; i < extents.length; i++) {
            starts[i] = extents[i].lblk();
        }
        return new ExtentIndex(StartsIndex.of(starts), extents);
    }

    /** The extent starting at or before {@code lblk}, or null. */
    Extent floor(long lblk) {
        int i = starts.floor(lblk);
        return i < 0 ? null : extents[i];
    }
}
