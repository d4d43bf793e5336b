package dev.jdax.api;

/** A run of bad 512-byte sectors: one line of {@code /sys/block/pmemN/badblocks}. */
public record BadRange(long sector, long count) {
    public BadRange {
        if (sector < 0 || count <= 0) {
            throw new IllegalArgumentException("bad range " + sector + "+" + count);
        }
    }

    public long end() {
        return sector + count;
    }

    @Override
    public String toString() {
        return sector + " " + count;
    }
}
