package dev.jdax.fs.xfs;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * An inode B+tree record (struct xfs_inobt_rec, sparse format): 64 inodes from {@code startino}
 * (an AG inode number), {@code holemask} bits for 4-inode groups not allocated, {@code free}
 * one bit per free inode.
 */
record InobtRec(long startino, int holemask, int count, int freecount, long free) {
    static final int SIZE = 16;
    static final int INODES = 64;

    static InobtRec decode(byte[] r) {
        return new InobtRec(be32(r, 0), be16(r, 4), Buf.u8(r, 6), Buf.u8(r, 7), be64(r, 8));
    }

    byte[] encode() {
        byte[] r = new byte[SIZE];
        put32(r, 0, startino);
        put16(r, 4, holemask);
        put8(r, 6, count);
        put8(r, 7, freecount);
        put64(r, 8, free);
        return r;
    }

    /** Whether inode {@code i} of the chunk exists (its 4-inode group is not a hole). */
    boolean present(int i) {
        return (holemask & (1 << (i / 4))) == 0;
    }

    /** {@return one bit per inode that exists and is not free (struct xfs_inumbers' xi_allocmask)} */
    long allocated() {
        long present = 0;
        for (int g = 0; g < 16; g++) {
            if ((holemask & (1 << g)) == 0) {
                present |= 0xfL << (4 * g);
            }
        }
        return present & ~free;
    }

    boolean isFree(int i) {
        return (free & (1L << i)) != 0;
    }

    InobtRec withFree(int i, boolean isFree) {
        long f = isFree ? free | (1L << i) : free & ~(1L << i);
        return new InobtRec(startino, holemask, count, freecount + (isFree ? 1 : -1), f);
    }
}
