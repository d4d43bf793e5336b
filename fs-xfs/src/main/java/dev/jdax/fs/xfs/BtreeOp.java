package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.Arrays;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * One change to one short-pointer B+tree, the state an xfs_btree_cur holds: the blocks it has
 * read (each held once, changed in memory, written with its CRC when the change is done), the
 * tree's height, and the paths from the root it walks (xfs_btree_increment, _decrement,
 * _lookup, _update_keys, _lshift, _rshift). Entries are 1-based as in xfs_btree.c: a leaf's
 * records, a node's key/pointer pairs.
 */
final class BtreeOp {
    static final int MAXLEVELS = 9;

    /** A cursor's path: the block and the entry index at each level, leaf at 0. */
    static final class Path {
        final long[] blk = new long[MAXLEVELS + 1];
        final int[] ptr = new int[MAXLEVELS + 1];

        Path copy() {
            Path p = new Path();
            System.arraycopy(blk, 0, p.blk, 0, blk.length);
            System.arraycopy(ptr, 0, p.ptr, 0, ptr.length);
            return p;
        }
    }

    final ShortBtree tree;
    final AgBtreeKind kind;
    private final XfsDisk disk;
    private final long agno;
    private final int blockSize;
    /**
     * The blocks it has read, by AG block number: a change holds a handful (a path and its
     * siblings), so a short array searched end to end costs less than a map.
     */
    private long[] held = new long[8];
    private byte[][] heldBytes = new byte[8][];
    private int nheld;
    /** The changed blocks, in the order they first changed. */
    private long[] dirty = new long[8];
    private int ndirty;
    int nlevels;
    /** The path {@link #lookup} fills: one lookup per change, so one path per cursor. */
    private final Path found = new Path();

    BtreeOp(ShortBtree tree, XfsDisk disk, long agno) {
        this.tree = tree;
        this.kind = tree.kind;
        this.disk = disk;
        this.agno = agno;
        this.blockSize = disk.blockSize();
        this.nlevels = tree.levels();
    }

    /**
     * Made ready for the tree's next change, as a fresh cursor would be: nothing held, nothing
     * dirty, the tree's height as it is now. The blocks it held are let go, so a cursor kept
     * between changes does not keep buffers the cache has since dropped.
     */
    void reset() {
        Arrays.fill(heldBytes, 0, nheld, null);
        nheld = 0;
        ndirty = 0;
        nlevels = tree.levels();
    }

    String what() {
        return tree.what();
    }

    int maxRecs(int level) {
        return level == 0 ? kind.leafMax(blockSize) : kind.nodeMax(blockSize);
    }

    /** xfs_btree_ops.get_minrecs: half of the maximum for every short-pointer tree. */
    int minRecs(int level) {
        return maxRecs(level) / 2;
    }

    // ---- blocks ----

    /** The block at {@code agbno}, read and verified on first use (xfs_btree_read_buf_block). */
    byte[] block(long agbno, int level) throws FsException {
        int i = indexOf(held, nheld, agbno);
        byte[] b;
        if (i >= 0) {
            b = heldBytes[i];
        } else {
            b = tree.readBlock(agbno, level);
            hold(agbno, b);
        }
        Corrupt.check(BtreeBlock.level(b) == level, "%s block %d: level %d (want %d)", what(), agbno,
                BtreeBlock.level(b), level);
        return b;
    }

    /** A fresh block at {@code agbno} (xfs_btree_get_buf_block + init_block_cur). */
    byte[] newBlock(long agbno, int level) {
        byte[] b = new byte[blockSize];
        BtreeBlock.init(b, kind.magic, false, level, 0, disk.fsbToDaddr(disk.fsb(agno, agbno)), agno,
                disk.sb().metaUuid());
        int i = indexOf(held, nheld, agbno);
        if (i >= 0) {
            heldBytes[i] = b;
        } else {
            hold(agbno, b);
        }
        dirty(agbno);
        return b;
    }

    void dirty(long agbno) {
        if (indexOf(dirty, ndirty, agbno) < 0) {
            if (ndirty == dirty.length) {
                dirty = Arrays.copyOf(dirty, 2 * ndirty);
            }
            dirty[ndirty++] = agbno;
        }
    }

    /** Gives a block back (xfs_btree_free_block): its pending contents are dropped, never written. */
    void free(long agbno) throws FsException {
        int i = indexOf(held, nheld, agbno);
        if (i >= 0) {
            nheld--;
            held[i] = held[nheld];
            heldBytes[i] = heldBytes[nheld];
            heldBytes[nheld] = null;
        }
        int d = indexOf(dirty, ndirty, agbno);
        if (d >= 0) {
            System.arraycopy(dirty, d + 1, dirty, d, ndirty - d - 1);
            ndirty--;
        }
        tree.freeBlock(agbno);
    }

    /** Writes every changed block (its CRC summed once per checkpoint, XfsDisk#writeBytes). */
    void flush() throws FsException {
        for (int d = 0; d < ndirty; d++) {
            long agbno = dirty[d];
            byte[] b = heldBytes[indexOf(held, nheld, agbno)];
            disk.writeBytes(disk.agbToByte(agno, agbno), b, b.length, BtreeBlock.SHORT_CRC_OFF);
        }
        ndirty = 0;
    }

    private void hold(long agbno, byte[] b) {
        if (nheld == held.length) {
            held = Arrays.copyOf(held, 2 * nheld);
            heldBytes = Arrays.copyOf(heldBytes, 2 * nheld);
        }
        held[nheld] = agbno;
        heldBytes[nheld++] = b;
    }

    private static int indexOf(long[] a, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    // ---- entries ----

    private int recOff(int i) {
        return BtreeBlock.SHORT_LEN + (i - 1) * kind.recSize;
    }

    private int keyOff(int i) {
        return BtreeBlock.SHORT_LEN + (i - 1) * kind.keySize;
    }

    private int ptrOff(int i) {
        return BtreeBlock.SHORT_LEN + kind.nodeMax(blockSize) * kind.keySize + (i - 1) * 4;
    }

    /** The offset of entry {@code i}'s key (a leaf record starts with its key). */
    int keyAt(int level, int i) {
        return level == 0 ? recOff(i) : keyOff(i);
    }

    long ptr(byte[] node, int i) throws FsException {
        long p = be32(node, ptrOff(i));
        Corrupt.check(p > 0 && p < disk.agLength(agno), "%s: pointer %d out of range", what(), p);
        return p;
    }

    /** xfs_btree_get_keys: the first key of a block, as its parent holds it. */
    byte[] firstKey(byte[] b, int level) {
        int off = keyAt(level, 1);
        return Arrays.copyOfRange(b, off, off + kind.keySize);
    }

    /** Copies {@code n} entries from {@code src} at {@code from} to {@code dst} at {@code to} (blocks of one level). */
    void move(byte[] src, int from, byte[] dst, int to, int n, int level) {
        if (n <= 0) {
            return;
        }
        if (level == 0) {
            System.arraycopy(src, recOff(from), dst, recOff(to), n * kind.recSize);
        } else {
            System.arraycopy(src, keyOff(from), dst, keyOff(to), n * kind.keySize);
            System.arraycopy(src, ptrOff(from), dst, ptrOff(to), n * 4);
        }
    }

    /** Writes entry {@code i}: a record at a leaf, a key and a pointer at a node. */
    void put(byte[] b, int i, int level, byte[] entry, long childPtr) {
        if (level == 0) {
            System.arraycopy(entry, 0, b, recOff(i), kind.recSize);
        } else {
            System.arraycopy(entry, 0, b, keyOff(i), kind.keySize);
            put32(b, ptrOff(i), childPtr);
        }
    }

    void putKey(byte[] b, int i, int level, byte[] key) {
        System.arraycopy(key, 0, b, keyAt(level, i), kind.keySize);
    }

    // ---- paths ----

    /**
     * xfs_btree_lookup(XFS_LOOKUP_EQ): at each node the last entry whose key is at most
     * {@code key} (the first when none is), at the leaf the first record not below it. The path
     * is this cursor's own, filled again by the next lookup.
     */
    Path lookup(byte[] key) throws FsException {
        Path p = found;
        Arrays.fill(p.blk, 0);
        Arrays.fill(p.ptr, 0);
        long want = kind.order(key, 0);
        long bno = tree.root();
        for (int level = nlevels - 1; level >= 0; level--) {
            byte[] b = block(bno, level);
            int n = BtreeBlock.numrecs(b);
            p.blk[level] = bno;
            if (n == 0) {
                Corrupt.check(level == 0 && nlevels == 1, "%s block %d: empty node", what(), bno);
                p.ptr[0] = 1;
                return p;
            }
            int lo = 1;
            int hi = n;
            while (lo <= hi) {   // the first entry whose key is >= want
                int mid = (lo + hi) >>> 1;
                if (kind.order(b, keyAt(level, mid)) < want) {
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            if (level == 0) {
                p.ptr[0] = lo;
            } else {
                int i = lo <= n && kind.order(b, keyAt(level, lo)) == want ? lo : Math.max(1, lo - 1);
                p.ptr[level] = i;
                bno = ptr(b, i);
            }
        }
        return p;
    }

    /** xfs_btree_increment at {@code level}: the next entry, moving to the right block through the parents. */
    boolean increment(Path p, int level) throws FsException {
        byte[] b = block(p.blk[level], level);
        if (++p.ptr[level] <= BtreeBlock.numrecs(b)) {
            return true;
        }
        long right = BtreeBlock.rightShort(b);
        if (right == BtreeBlock.NULL_SHORT) {
            return false;
        }
        int l = level + 1;
        while (l < nlevels && ++p.ptr[l] > BtreeBlock.numrecs(block(p.blk[l], l))) {
            l++;
        }
        Corrupt.check(l < nlevels, "%s block %d: a right sibling no parent leads to", what(), p.blk[level]);
        for (; l > level; l--) {
            p.blk[l - 1] = ptr(block(p.blk[l], l), p.ptr[l]);
            p.ptr[l - 1] = 1;
        }
        Corrupt.check(p.blk[level] == right, "%s: right sibling %d, parents lead to %d", what(), right, p.blk[level]);
        return true;
    }

    /** xfs_btree_decrement at {@code level}: the previous entry, moving to the left block through the parents. */
    boolean decrement(Path p, int level) throws FsException {
        if (--p.ptr[level] > 0) {
            return true;
        }
        byte[] b = block(p.blk[level], level);
        long left = BtreeBlock.leftShort(b);
        if (left == BtreeBlock.NULL_SHORT) {
            return false;
        }
        int l = level + 1;
        while (l < nlevels && --p.ptr[l] < 1) {
            l++;
        }
        Corrupt.check(l < nlevels, "%s block %d: a left sibling no parent leads to", what(), p.blk[level]);
        for (; l > level; l--) {
            p.blk[l - 1] = ptr(block(p.blk[l], l), p.ptr[l]);
            p.ptr[l - 1] = BtreeBlock.numrecs(block(p.blk[l - 1], l - 1));
        }
        Corrupt.check(p.blk[level] == left, "%s: left sibling %d, parents lead to %d", what(), left, p.blk[level]);
        return true;
    }

    /**
     * xfs_btree_update_keys: the block's first key goes into its parent's entry, and on up while
     * the entry changed is the first of its block.
     */
    void updateKeys(Path p, int level) throws FsException {
        byte[] key = firstKey(block(p.blk[level], level), level);
        for (int l = level + 1; l < nlevels; l++) {
            byte[] b = block(p.blk[l], l);
            putKey(b, p.ptr[l], l, key);
            dirty(p.blk[l]);
            if (p.ptr[l] != 1) {
                break;
            }
        }
    }

    /**
     * xfs_btree_rshift: moves the last entry of the path's block to the front of its right
     * sibling, unless there is none, it is full, or the entry is the one the path points at.
     */
    boolean rshift(Path p, int level) throws FsException {
        byte[] left = block(p.blk[level], level);
        long rb = BtreeBlock.rightShort(left);
        int lrecs = BtreeBlock.numrecs(left);
        if (rb == BtreeBlock.NULL_SHORT || p.ptr[level] >= lrecs) {
            return false;
        }
        byte[] right = block(rb, level);
        int rrecs = BtreeBlock.numrecs(right);
        if (rrecs == maxRecs(level)) {
            return false;
        }
        move(right, 1, right, 2, rrecs, level);
        move(left, lrecs, right, 1, 1, level);
        BtreeBlock.numrecs(left, lrecs - 1);
        BtreeBlock.numrecs(right, rrecs + 1);
        dirty(p.blk[level]);
        dirty(rb);
        Path t = p.copy();
        t.ptr[level] = lrecs - 1;
        Corrupt.check(increment(t, level), "%s: right sibling %d lost", what(), rb);
        updateKeys(t, level);
        return true;
    }

    /**
     * xfs_btree_lshift: moves the first entry of the path's block to the end of its left
     * sibling, unless there is none, it is full, or the path points at that first entry.
     */
    boolean lshift(Path p, int level) throws FsException {
        byte[] right = block(p.blk[level], level);
        long lb = BtreeBlock.leftShort(right);
        if (lb == BtreeBlock.NULL_SHORT || p.ptr[level] <= 1) {
            return false;
        }
        byte[] left = block(lb, level);
        int lrecs = BtreeBlock.numrecs(left);
        if (lrecs == maxRecs(level)) {
            return false;
        }
        int rrecs = BtreeBlock.numrecs(right);
        move(right, 1, left, lrecs + 1, 1, level);
        move(right, 2, right, 1, rrecs - 1, level);
        BtreeBlock.numrecs(left, lrecs + 1);
        BtreeBlock.numrecs(right, rrecs - 1);
        dirty(lb);
        dirty(p.blk[level]);
        updateKeys(p, level);
        p.ptr[level]--;
        return true;
    }
}
