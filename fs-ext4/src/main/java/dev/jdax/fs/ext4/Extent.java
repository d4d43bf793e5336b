package dev.jdax.fs.ext4;

/** One mapping of a file: {@code len} blocks from file block {@code lblk} at device block {@code pblk}. */
record Extent(long lblk, long len, long pblk, boolean unwritten) {
    /** ee_len holds 32768 for a written extent at most, 32767 for an unwritten one. */
    static final int MAX_WRITTEN = 32768;
    static final int MAX_UNWRITTEN = 32767;

    long end() {
        return lblk + len;
    }

    long pblkOf(long l) {
        return pblk + (l - lblk);
    }

    Extent slice(long from, long to) {
        return new Extent(from, to - from, pblkOf(from), unwritten);
    }
}
