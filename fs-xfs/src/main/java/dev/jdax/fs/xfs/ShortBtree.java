package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.Arrays;
import java.util.List;

/**
 * One per-AG B+tree with short (32-bit) pointers (bnobt, cntbt, inobt, finobt, refcountbt),
 * changed one record at a time as Linux's xfs_btree.c changes it. An insert into a full block
 * first shifts an entry to the right sibling, then to the left one, and only then splits the
 * block in half, a split of the root adding a level (xfs_btree_insrec, _make_block_unfull,
 * _split, _new_root). A delete that leaves a block below half full borrows an entry from a
 * sibling that can spare one, else joins the block with a sibling and removes it from its parent,
 * and a root node left with one child gives way to it (xfs_btree_delrec, _kill_root). Where the
 * root and height live (AGF, AGI) and where blocks come from and go (the AGFL, the free space)
 * is the owner's, through {@link Root} and {@link Blocks}.
 */
final class ShortBtree {
    /** The tree's root block and height, as the AG header holds them. */
    interface Root {
        long root();

        int levels();

        void set(long root, int levels) throws FsException;
    }

    /** Where the tree's blocks come from (xfs_btree_ops.alloc_block) and go (free_block). */
    interface Blocks {
        /** A block for the tree, near {@code near}; -1 when there is none. */
        long alloc(long near) throws FsException;

        void free(long agbno) throws FsException;
    }

    final AgBtreeKind kind;
    private final XfsDisk disk;
    private final long agno;
    private final Root root;
    private final Blocks blocks;
    /** The tree's name in messages, made once: every check passes it, failing or not. */
    private final String what;
    private long scanned;
    /**
     * The cursor of the last change, kept for the next: a tree changes under its AG's lock, one
     * record at a time, so one cursor and its arrays serve every change. A change that begins
     * while another is open (a block's allocation changing this tree again) makes its own.
     */
    private BtreeOp spare;

    ShortBtree(XfsDisk disk, long agno, AgBtreeKind kind, Root root, Blocks blocks) {
        this.disk = disk;
        this.agno = agno;
        this.kind = kind;
        this.root = root;
        this.blocks = blocks;
        this.what = kind.treeName + " of AG " + agno;
    }

    String what() {
        return what;
    }

    long root() {
        return root.root();
    }

    int levels() {
        return root.levels();
    }

    /**
     * Reads and verifies a block of the tree (xfs_btree_sblock_verify and the level the walk
     * expects). Inside a transaction it is the cached buffer itself, which the caller (holding
     * the AG's lock) changes in place and writes back (BtreeOp#flush) before the transaction ends.
     */
    byte[] readBlock(long agbno, int level) throws FsException {
        Corrupt.check(agbno > 0 && agbno < disk.agLength(agno), "%s block %d: out of range", what, agbno);
        long fsb = disk.fsb(agno, agbno);
        byte[] b = disk.cachedForChange(fsb);
        boolean read = b == null;
        if (read) {
            b = disk.readBlock(fsb, what);
        }
        try {
            BtreeBlock.verify(b, kind.magic, false, disk.fsbToDaddr(fsb), agno, disk.sb().metaUuid(), what, read);
        } catch (FsException e) {
            // The block's number in the message only when it is needed.
            throw FsException.of(e.errno(), "%s (block %d)", e.getMessage(), agbno);
        }
        Corrupt.check(BtreeBlock.level(b) == level, "%s block %d: level %d (want %d)", what, agbno, BtreeBlock.level(b),
                level);
        int max = level == 0 ? kind.leafMax(disk.blockSize()) : kind.nodeMax(disk.blockSize());
        Corrupt.check(BtreeBlock.numrecs(b) <= max, "%s block %d: numrecs %d (max %d)", what, agbno, BtreeBlock.numrecs(b),
                max);
        return read ? disk.adoptForChange(fsb, b) : b;
    }

    void freeBlock(long agbno) throws FsException {
        blocks.free(agbno);
    }

    // ---- the whole tree ----

    /**
     * Every record in key order, as raw {@code recSize}-byte arrays, after checking the tree
     * whole ({@link BtreeWalk}).
     */
    List<byte[]> records() throws FsException {
        BtreeWalk.Result r = BtreeWalk.walk(this, disk, agno);
        scanned = r.blocks();
        return r.records();
    }

    /**
     * The key ({@link AgBtreeKind#order}) of the first record in the tree's rightmost leaf, found
     * down the last pointer of each node: a record at or after it lies in the last leaf
     * (xfs_btree_islastblock at level 0). {@code Long.MIN_VALUE} when the root is that leaf.
     */
    long lastLeafFirstKey() throws FsException {
        int levels = levels();
        if (levels <= 1) {
            return Long.MIN_VALUE;
        }
        int ptrs = BtreeBlock.SHORT_LEN + kind.nodeMax(disk.blockSize()) * kind.keySize;
        long agbno = root();
        for (int level = levels - 1; level > 0; level--) {
            byte[] b = readBlock(agbno, level);
            agbno = Buf.be32(b, ptrs + (BtreeBlock.numrecs(b) - 1) * 4);
        }
        byte[] leaf = readBlock(agbno, 0);
        return BtreeBlock.numrecs(leaf) == 0 ? Long.MAX_VALUE : kind.order(leaf, BtreeBlock.SHORT_LEN);
    }

    /** The blocks the last {@link #records} walked. */
    long scannedBlocks() {
        return scanned;
    }

    // ---- changes ----

    /** xfs_btree_insert of a record whose key the tree does not hold. */
    void insert(byte[] rec) throws FsException {
        BtreeOp op = cursor();
        byte[] key = Arrays.copyOf(rec, kind.keySize);
        BtreeOp.Path p = op.lookup(key);
        byte[] leaf = op.block(p.blk[0], 0);
        Corrupt.check(p.ptr[0] > BtreeBlock.numrecs(leaf) || kind.order(leaf, op.keyAt(0, p.ptr[0])) != kind.order(key, 0),
                "%s: inserting record with key %d twice", what(), kind.order(key, 0));
        byte[] entry = rec;
        long child = 0;
        for (int level = 0; ; level++) {
            if (level >= op.nlevels) {
                newRoot(op, p);
                break;
            }
            Split s = insrec(op, p, level, entry, child);
            if (s == null) {
                break;
            }
            entry = s.key;
            child = s.block;
            if (s.next != null) {
                p = s.next;
            }
        }
        op.flush();
        done(op);
    }

    /** xfs_btree_delete of the record whose key {@code rec} starts with. */
    void delete(byte[] rec) throws FsException {
        BtreeOp op = cursor();
        BtreeOp.Path p = find(op, rec);
        for (int level = 0; delrec(op, p, level); level++) {
            // a join removed a block: its entry goes from the level above
        }
        op.flush();
        done(op);
    }

    /** xfs_btree_update: {@code rec} replaces the record with the same key position ({@code old}'s key). */
    void update(byte[] old, byte[] rec) throws FsException {
        BtreeOp op = cursor();
        BtreeOp.Path p = find(op, old);
        byte[] leaf = op.block(p.blk[0], 0);
        op.put(leaf, p.ptr[0], 0, rec, 0);
        op.dirty(p.blk[0]);
        if (p.ptr[0] == 1) {
            op.updateKeys(p, 0);
        }
        op.flush();
        done(op);
    }

    private BtreeOp cursor() {
        BtreeOp op = spare;
        if (op == null) {
            return new BtreeOp(this, disk, agno);
        }
        spare = null;
        op.reset();
        return op;
    }

    /** Keeps the cursor of a change that completed; one that failed is dropped, nothing half done is reused. */
    private void done(BtreeOp op) {
        op.reset();
        spare = op;
    }

    private BtreeOp.Path find(BtreeOp op, byte[] rec) throws FsException {
        BtreeOp.Path p = op.lookup(Arrays.copyOf(rec, kind.keySize));
        byte[] leaf = op.block(p.blk[0], 0);
        Corrupt.check(p.ptr[0] <= BtreeBlock.numrecs(leaf) && kind.order(leaf, op.keyAt(0, p.ptr[0])) == kind.order(rec, 0),
                "%s: no record with key %d", what(), kind.order(rec, 0));
        return p;
    }

    private long allocBlock(long near) throws FsException {
        long b = blocks.alloc(near);
        if (b < 0) {
            throw FsException.of(Errno.ENOSPC, "xfs: %s: no block for a split", what());
        }
        return b;
    }

    /** A split's result: the new block and its first key, for the level above, and the path there. */
    private record Split(long block, byte[] key, BtreeOp.Path next) {
    }

    /** xfs_btree_insrec: puts {@code entry} at the path's position of {@code level}, making room first. */
    private Split insrec(BtreeOp op, BtreeOp.Path p, int level, byte[] entry, long child) throws FsException {
        int optr = p.ptr[level];
        long oldBlock = p.blk[level];
        Split split = null;
        if (BtreeBlock.numrecs(op.block(oldBlock, level)) == op.maxRecs(level)) {
            // xfs_btree_make_block_unfull: one entry to a sibling with room, else a split.
            if (!op.rshift(p, level)) {
                if (op.lshift(p, level)) {
                    optr = p.ptr[level];
                } else {
                    split = split(op, p, level);
                }
            }
        }
        long at = p.blk[level];
        byte[] b = op.block(at, level);
        int n = BtreeBlock.numrecs(b);
        int ptr = p.ptr[level];
        op.move(b, ptr, b, ptr + 1, n - ptr + 1, level);
        op.put(b, ptr, level, entry, child);
        BtreeBlock.numrecs(b, n + 1);
        op.dirty(at);
        if (split == null) {
            if (optr == 1) {
                op.updateKeys(p, level);
            }
            return null;
        }
        // The entry went to the new block: the key its parent gets is that block's first now.
        byte[] key = at != oldBlock ? op.firstKey(b, level) : split.key;
        if (at == oldBlock && optr == 1) {
            op.updateKeys(p, level);
        }
        return new Split(split.block, key, split.next);
    }

    /** xfs_btree_split: the upper half of the path's block moves to a new right sibling. */
    private Split split(BtreeOp op, BtreeOp.Path p, int level) throws FsException {
        long lb = p.blk[level];
        byte[] left = op.block(lb, level);
        long rb = allocBlock(lb);
        byte[] right = op.newBlock(rb, level);
        int lrecs = BtreeBlock.numrecs(left);
        int rrecs = lrecs / 2;
        if ((lrecs & 1) == 1 && p.ptr[level] <= rrecs + 1) {
            rrecs++;   // an odd count: the half the new entry joins is the smaller one
        }
        op.move(left, lrecs - rrecs + 1, right, 1, rrecs, level);
        lrecs -= rrecs;
        BtreeBlock.numrecs(left, lrecs);
        BtreeBlock.numrecs(right, rrecs);
        long rr = BtreeBlock.rightShort(left);
        BtreeBlock.rightShort(right, rr);
        BtreeBlock.leftShort(right, lb);
        BtreeBlock.rightShort(left, rb);
        op.dirty(lb);
        if (rr != BtreeBlock.NULL_SHORT) {
            BtreeBlock.leftShort(op.block(rr, level), rb);
            op.dirty(rr);
        }
        byte[] key = op.firstKey(right, level);
        if (p.ptr[level] > lrecs + 1) {
            p.blk[level] = rb;
            p.ptr[level] -= lrecs;
        }
        BtreeOp.Path next = null;
        if (level + 1 < op.nlevels) {
            next = p.copy();
            next.ptr[level + 1]++;
        }
        return new Split(rb, key, next);
    }

    /** xfs_btree_new_root: a root split in two gets a new root above the two halves. */
    private void newRoot(BtreeOp op, BtreeOp.Path p) throws FsException {
        int top = op.nlevels - 1;
        long nb = allocBlock(root.root());
        long cur = p.blk[top];
        byte[] b = op.block(cur, top);
        long lb;
        long rb;
        int nptr;
        if (BtreeBlock.rightShort(b) != BtreeBlock.NULL_SHORT) {
            lb = cur;
            rb = BtreeBlock.rightShort(b);
            nptr = 1;
        } else {
            rb = cur;
            lb = BtreeBlock.leftShort(b);
            nptr = 2;
        }
        byte[] node = op.newBlock(nb, top + 1);
        op.put(node, 1, top + 1, op.firstKey(op.block(lb, top), top), lb);
        op.put(node, 2, top + 1, op.firstKey(op.block(rb, top), top), rb);
        BtreeBlock.numrecs(node, 2);
        root.set(nb, op.nlevels + 1);
        p.blk[op.nlevels] = nb;
        p.ptr[op.nlevels] = nptr;
        op.nlevels++;
    }

    /**
     * xfs_btree_delrec: removes the path's entry at {@code level}; true when a join removed a
     * block whose entry the level above must now lose (the path points at it).
     */
    private boolean delrec(BtreeOp op, BtreeOp.Path p, int level) throws FsException {
        int ptr = p.ptr[level];
        long cb = p.blk[level];
        byte[] b = op.block(cb, level);
        int n = BtreeBlock.numrecs(b);
        Corrupt.check(ptr >= 1 && ptr <= n, "%s block %d: no entry %d to delete", what(), cb, ptr);
        op.move(b, ptr + 1, b, ptr, n - ptr, level);
        BtreeBlock.numrecs(b, --n);
        op.dirty(cb);
        if (level == op.nlevels - 1) {
            if (n == 1 && level > 0) {
                // xfs_btree_kill_root: the only child becomes the root.
                root.set(op.ptr(b, 1), op.nlevels - 1);
                op.free(cb);
                op.nlevels--;
            }
            return false;
        }
        if (ptr == 1 && n > 0) {
            op.updateKeys(p, level);
        }
        if (n >= op.minRecs(level)) {
            return false;
        }
        long rs = BtreeBlock.rightShort(b);
        long ls = BtreeBlock.leftShort(b);
        Corrupt.check(rs != BtreeBlock.NULL_SHORT || ls != BtreeBlock.NULL_SHORT, "%s block %d: below the root without siblings",
                what(), cb);
        int rrecs = 0;
        int lrecs = 0;
        if (rs != BtreeBlock.NULL_SHORT) {
            // Borrow the right sibling's first entry if it can spare one.
            BtreeOp.Path t = p.copy();
            t.ptr[level] = n;
            Corrupt.check(op.increment(t, level), "%s: right sibling %d lost", what(), rs);
            rrecs = BtreeBlock.numrecs(op.block(rs, level));
            t.ptr[level] = rrecs;
            if (rrecs - 1 >= op.minRecs(level) && op.lshift(t, level)) {
                if (n == 0) {
                    op.updateKeys(p, level);
                }
                return false;
            }
        }
        if (ls != BtreeBlock.NULL_SHORT) {
            // Borrow the left sibling's last entry if it can spare one.
            BtreeOp.Path t = p.copy();
            t.ptr[level] = 1;
            Corrupt.check(op.decrement(t, level), "%s: left sibling %d lost", what(), ls);
            t.ptr[level] = 1;
            lrecs = BtreeBlock.numrecs(op.block(ls, level));
            if (lrecs - 1 >= op.minRecs(level) && op.rshift(t, level)) {
                return false;
            }
        }
        int max = op.maxRecs(level);
        if (ls != BtreeBlock.NULL_SHORT && lrecs + n <= max) {
            join(op, ls, cb, level);
            return true;                       // the path's parent entry is this block's: it goes
        }
        if (rs != BtreeBlock.NULL_SHORT && rrecs + n <= max) {
            join(op, cb, rs, level);
            if (n == 0) {
                // Linux leaves the emptied block's parent key as it was; jdax keeps keys exact.
                op.updateKeys(p, level);
            }
            Corrupt.check(op.increment(p, level + 1), "%s: no parent entry for block %d", what(), rs);
            return true;
        }
        return false;                          // cannot happen with siblings at least half full
    }

    /** The join of xfs_btree_delrec: {@code rb}'s entries go to the end of {@code lb}, and {@code rb} is freed. */
    private void join(BtreeOp op, long lb, long rb, int level) throws FsException {
        byte[] left = op.block(lb, level);
        byte[] right = op.block(rb, level);
        int lrecs = BtreeBlock.numrecs(left);
        int rrecs = BtreeBlock.numrecs(right);
        op.move(right, 1, left, lrecs + 1, rrecs, level);
        BtreeBlock.numrecs(left, lrecs + rrecs);
        long rr = BtreeBlock.rightShort(right);
        BtreeBlock.rightShort(left, rr);
        op.dirty(lb);
        if (rr != BtreeBlock.NULL_SHORT) {
            BtreeBlock.leftShort(op.block(rr, level), lb);
            op.dirty(rr);
        }
        op.free(rb);
    }
}
