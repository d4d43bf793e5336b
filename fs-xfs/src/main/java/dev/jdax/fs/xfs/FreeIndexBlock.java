package dev.jdax.fs.xfs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static dev.jdax.fs.xfs.Buf.*;

/** A free index block (XDF3) of a node directory: the best free length of data blocks [firstdb, firstdb + nvalid). */
record FreeIndexBlock(long dablk, long fsb, byte[] b) {
    static final int NULL_DATAOFF = 0xffff;
    private static final int HDR = DirWriter.LEAF_HDR;
    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** One in each 16-bit lane of a long, and the top bit of each lane. */
    private static final long LANES = 0x0001_0001_0001_0001L;
    private static final long TOPS = 0x8000_8000_8000_8000L;

    int firstdb() {
        return (int) be32(b, 48);
    }

    int nvalid() {
        return (int) be32(b, 52);
    }

    /**
     * The last data block of this block's range whose best free length is at least {@code size},
     * or -1: the scan of {@code xfs_dir2_node_find_freeblk}, which goes from the last slot back
     * (Linux 5.5 on; before, from the first slot on), so that a directory filled in order finds the
     * room of its last data block at once. Four slots are compared at once, in one long: in each
     * 16-bit lane, adding {@code 0x8000 - size} to the best sets the lane's top bit exactly when the
     * best is at least {@code size}, and a lane whose own top bit is set (a null slot, 0xffff) is
     * dropped. Bests below 0x8000 only, so only in blocks of at most 32 KiB; larger ones go slot by slot.
     */
    int lastWithRoom(int size) {
        int i = nvalid();
        if (b.length <= 0x8000 && size > 0) {
            long add = (0x8000L - size) * LANES;
            for (; i >= 4; i -= 4) {
                long x = (long) BE_LONG.get(b, HDR + 2 * (i - 4));
                long hit = ((x & ~TOPS) + add) & ~x & TOPS;
                if (hit != 0) {
                    // Big-endian: slot i - 4 is the top lane, slot i - 1 the bottom one.
                    return firstdb() + i - 1 - Long.numberOfTrailingZeros(hit) / 16;
                }
            }
        }
        while (--i >= 0) {
            int best = be16(b, HDR + 2 * i);
            if (best != NULL_DATAOFF && best >= size) {
                return firstdb() + i;
            }
        }
        return -1;
    }

    /** A data block's best free length into its slot; a new data block is one more in use. */
    void setBest(int db, int best, boolean isNew) {
        int idx = db - firstdb();
        for (int k = nvalid(); k < idx; k++) {
            put16(b, HDR + 2 * k, NULL_DATAOFF);
        }
        if (idx >= nvalid()) {
            put32(b, 52, idx + 1);
        }
        put16(b, HDR + 2 * idx, best);
        if (isNew) {
            put32(b, 56, be32(b, 56) + 1);
        }
    }

    /** xfs_dir3_data_block_free: the slot goes null, a null tail shortens the valid slots. Returns the slots in use. */
    int dropBest(int db) {
        byte[] free = b;
        int nvalid = nvalid();
        int idx = db - firstdb();
        put16(free, HDR + 2 * idx, NULL_DATAOFF);
        if (idx == nvalid - 1) {
            int i = idx - 1;
            while (i >= 0 && be16(free, HDR + 2 * i) == NULL_DATAOFF) {
                i--;
            }
            for (int k = i + 1; k < nvalid; k++) {
                put16(free, HDR + 2 * k, 0);
            }
            put32(free, 52, i + 1);
        }
        long nused = be32(free, 56) - 1;
        put32(free, 56, nused);
        return (int) nused;
    }
}
