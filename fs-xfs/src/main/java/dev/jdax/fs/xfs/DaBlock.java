package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.Arrays;

import static dev.jdax.fs.xfs.Buf.*;

/** A block of the leaf space (da node or LEAFN: xfs_da3_blkinfo, a count at 56, 8-byte entries) read for a change. */
record DaBlock(long dablk, long fsb, byte[] b) {
    private static final int HDR = DirWriter.LEAF_HDR;

    /** Whether this is a da node (XFS_DA3_NODE_MAGIC); else a leaf. */
    boolean isNode() {
        return be16(b, 8) == DirNodeWriter.DA3_NODE_MAGIC;
    }

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

    /**
     * A da node: the child {@code hash} goes to, the first whose greatest hash is not below it, else
     * the last — found by binary search, as xfs_da3_node_lookup_int does: a node has up to 500.
     */
    int childFor(int hash) {
        return Math.min(lowerBound(hash), count() - 1);
    }

    /** The first entry whose hash is not below {@code hash} (unsigned, as the entries are sorted), or {@link #count()}. */
    int lowerBound(int hash) {
        int lo = 0;
        int hi = count();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(hash(mid), hash) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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

    int stale() {
        return be16(b, 58);
    }

    /** The greatest hash of the block as its parent holds it: its last entry's, stale or not (xfs_dir2_leaf_lasthash). */
    int lastHash() {
        return hash(count() - 1);
    }

    void setHash(int i, int hash) {
        put32(b, HDR + 8 * i, hash & 0xffffffffL);
    }

    /** Where an entry of {@code hash} goes: after every entry whose hash is not above it. */
    int insertionPoint(int hash) {
        int lo = 0;
        int hi = count();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(hash(mid), hash) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Adds a leaf entry in place, as xfs_dir3_leaf_find_entry does: without stale entries those
     * after its place move up one (the caller has made sure the block has room); with them, the
     * entries between its place and the nearest stale entry move one towards it, and that slot is
     * used. Only the entries that move change, so only their part of the block is logged.
     */
    void leafAdd(int hash, long address) throws FsException {
        int n = count();
        int index = insertionPoint(hash);
        int stale = stale();
        long e = ((long) hash << 32) | address;
        if (stale == 0) {
            System.arraycopy(b, HDR + 8 * index, b, HDR + 8 * (index + 1), 8 * (n - index));
            put(index, e);
            put16(b, 56, n + 1);
            return;
        }
        int low = -1;
        int high = n;
        for (int d = 0; low < 0 && high == n; d++) {
            if (d > 0 && index - d >= 0 && value(index - d) == 0) {
                low = index - d;
            } else if (index + d < n && value(index + d) == 0) {
                high = index + d;
            } else if (index - d < 0 && index + d >= n) {
                break;
            }
        }
        Corrupt.check(low >= 0 || high < n, "leaf block %d counts %d stale entries and holds none", dablk, stale);
        if (low >= 0) {
            System.arraycopy(b, HDR + 8 * (low + 1), b, HDR + 8 * low, 8 * (index - low - 1));
            put(index - 1, e);
        } else {
            System.arraycopy(b, HDR + 8 * index, b, HDR + 8 * (index + 1), 8 * (high - index));
            put(index, e);
        }
        put16(b, 58, stale - 1);
    }

    private void put(int i, long e) {
        put32(b, HDR + 8 * i, e >>> 32);
        put32(b, HDR + 8 * i + 4, e & 0xffffffffL);
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
