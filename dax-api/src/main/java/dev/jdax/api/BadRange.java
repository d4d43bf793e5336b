package dev.jdax.api;

/** A run of bad 512-byte sectors: one line of {@code /sys/block/pmemN/badblocks}. */
public record BadRange(long sector, long count) {
    /** Checks the first sector is not negative and the run not empty. */
    public BadRange {
        if (sector < 0 || count <= 0) {
            throw new IllegalArgumentException("bad range " + sector + "+" + count);
        }
    }

    /** The sector just past the range. */
    public long end() {
        return sector + count;
    }

    @Override
    public String toString() {
        return sector + " " + count;
    }
}
