package dev.jdax.fs.xfs;

import java.util.Arrays;

import static dev.jdax.fs.xfs.Buf.*;

/** A block of the leaf space (da node or LEAFN: xfs_da3_blkinfo, a count at 56, 8-byte entries) read for a change. */
record DaBlock(long dablk, long fsb, byte[] b) {
    private static final int HDR = DirWriter.LEAF_HDR;

    int count() {
        return be16(b, 56);
    }

    int hash(int i) {
        return (int) be32(b, HDR + 8 * i);
    }

    long value(int i) {
        return be32(b, HDR + 8 * i + 4);
    }

    long forw() {
        return be32(b, 0);
    }

    /** A da node: the child {@code hash} goes to, the first whose greatest hash is not below it, else the last. */
    int childFor(int hash) {
        int n = count();
        for (int i = 0; i < n; i++) {
            if (Integer.compareUnsigned(hash(i), hash) >= 0) {
                return i;
            }
        }
        return n - 1;
    }

    /** The entries as (hash << 32 | value); a leaf's stale ones left out when {@code compact}. */
    long[] entries(boolean compact) {
        int n = count();
        long[] out = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!compact || value(i) != 0) {
                out[k++] = ((long) hash(i) << 32) | value(i);
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** After the entries of the same hash, as xfs_dir3_leaf_find_entry places a new one. */
    static long[] insertSorted(long[] ents, int hash, long address) {
        int i = 0;
        while (i < ents.length && Integer.compareUnsigned((int) (ents[i] >>> 32), hash) <= 0) {
            i++;
        }
        return insertAt(ents, i, ((long) hash << 32) | address);
    }

    static long[] insertAt(long[] ents, int i, long e) {
        long[] out = new long[ents.length + 1];
        System.arraycopy(ents, 0, out, 0, i);
        out[i] = e;
        System.arraycopy(ents, i, out, i + 1, ents.length - i);
        return out;
    }

    /** A block's entries (its count and 8-byte entries; header fields past the count are the caller's). */
    static void writeEntries(byte[] b, long[] ents, int from, int to) {
        Arrays.fill(b, HDR, b.length, (byte) 0);
        put16(b, 56, to - from);
        for (int i = from; i < to; i++) {
            put32(b, HDR + 8 * (i - from), ents[i] >>> 32);
            put32(b, HDR + 8 * (i - from) + 4, ents[i] & 0xffffffffL);
        }
    }
}
