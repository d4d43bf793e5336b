package dev.jdax.fs.xfs;

import static dev.jdax.fs.xfs.Buf.*;

/** A free index block (XDF3) of a node directory: the best free length of data blocks [firstdb, firstdb + nvalid). */
record FreeIndexBlock(long dablk, long fsb, byte[] b) {
    static final int NULL_DATAOFF = 0xffff;
    private static final int HDR = DirWriter.LEAF_HDR;

    int firstdb() {
        return (int) be32(b, 48);
    }

    int nvalid() {
        return (int) be32(b, 52);
    }

    int best(int db) {
        return be16(b, HDR + 2 * (db - firstdb()));
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
