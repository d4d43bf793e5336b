package dev.jdax.fs.xfs;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * One data-fork mapping (struct xfs_bmbt_irec): file blocks {@code [startoff, startoff + blockcount)}
 * at file-system block {@code startblock}; {@code unwritten} extents read as zeros. On disk it is
 * a packed 128-bit record (struct xfs_bmbt_rec): flag:1, startoff:54, startblock:52, blockcount:21.
 */
record BmapExtent(long startoff, long startblock, long blockcount, boolean unwritten) {
    static final int SIZE = 16;
    static final long MAX_BLOCKCOUNT = (1L << 21) - 1;
    static final long MAX_STARTOFF = (1L << 54) - 1;

    static BmapExtent decode(byte[] b, int off) {
        long l0 = be64(b, off);
        long l1 = be64(b, off + 8);
        return new BmapExtent((l0 & 0x7fffffffffffffffL) >>> 9, ((l0 & 0x1ff) << 43) | (l1 >>> 21), l1 & MAX_BLOCKCOUNT,
                l0 < 0);
    }

    void encode(byte[] b, int off) {
        long l0 = (unwritten ? 1L << 63 : 0) | (startoff << 9) | (startblock >>> 43);
        long l1 = (startblock << 21) | blockcount;
        put64(b, off, l0);
        put64(b, off + 8, l1);
    }

    /** The part of this extent from file block {@code off}, {@code n} blocks long (inside it). */
    BmapExtent slice(long off, long n) {
        return new BmapExtent(off, startblock + (off - startoff), n, unwritten);
    }

    long endoff() {
        return startoff + blockcount;
    }
}
