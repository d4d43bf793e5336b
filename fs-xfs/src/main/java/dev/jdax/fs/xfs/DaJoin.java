package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * What a node directory does after a name left a LEAFN block, as xfs_dir2_node_removename goes
 * on: a leaf left under 37% full (the geometry's magicpct) joins a sibling it fits with a quarter
 * to spare, or an empty one goes, the dropped block being the higher-numbered of the two
 * (xfs_dir2_leafn_toosmall, xfs_dir2_leafn_unbalance); its parent loses its entry and joins in turn
 * when under half full (xfs_da3_node_toosmall, xfs_da3_node_unbalance), up to a root left with one
 * child, which takes that child's bytes (xfs_da3_root_join). A directory whose leaf space is then
 * one LEAFN block, whose bests fit beside its entries, becomes a leaf directory
 * (xfs_dir2_node_to_leaf): the LEAFN block turns LEAF1 with the free index's bests at its tail, and
 * the free index block goes. Blocks change where they are, in the cached buffers themselves.
 */
final class DaJoin {
    private static final int HDR = DirWriter.LEAF_HDR;
    /** XFS_DA_NODE_MAXDEPTH. */
    static final int MAX_DEPTH = 5;

    /** Reads a leaf-space block (da node or LEAFN) of the directory being changed, shared with every other read of it. */
    interface Blocks {
        DaBlock read(long dablk) throws FsException;
    }

    /**
     * xfs_da_state's path: the blocks from the root down to a leaf, and in each the entry taken
     * (in the leaf, the name's).
     */
    static final class Path {
        final DaBlock[] blk = new DaBlock[MAX_DEPTH + 1];
        final int[] index = new int[MAX_DEPTH + 1];
        int active;

        Path copy() {
            Path p = new Path();
            System.arraycopy(blk, 0, p.blk, 0, blk.length);
            System.arraycopy(index, 0, p.index, 0, index.length);
            p.active = active;
            return p;
        }

        DaBlock leaf() {
            return blk[active - 1];
        }
    }

    /** The directory's mapping, copied the first time a block leaves it. */
    static final class Mapping {
        private List<BmapExtent> extents;
        private boolean copied;

        Mapping(List<BmapExtent> extents) {
            this.extents = extents;
        }

        List<BmapExtent> extents() {
            return extents;
        }

        /** The mapping when it changed, else null. */
        List<BmapExtent> changed() {
            return copied ? extents : null;
        }

        List<BmapExtent> toChange() {
            if (!copied) {
                extents = new java.util.ArrayList<>(extents);
                copied = true;
            }
            return extents;
        }
    }

    private final XfsDisk disk;
    private final XfsSpace space;
    private final int bs;
    private final long leafDablk;
    private final long freeDablk;
    private final int maxEnts;

    DaJoin(XfsDisk disk, XfsSpace space, long leafDablk, long freeDablk) {
        this.disk = disk;
        this.space = space;
        this.bs = disk.blockSize();
        this.leafDablk = leafDablk;
        this.freeDablk = freeDablk;
        this.maxEnts = (bs - HDR) / 8;
    }

    /** xfs_dir2_leafn_remove's answer: whether the leaf is now small enough to try a join (under magicpct, 37%). */
    boolean tooSmall(DaBlock leaf) {
        return HDR + 8 * (leaf.count() - leaf.stale()) < bs * 37 / 100;
    }

    /**
     * xfs_da3_path_shift: {@code p} moves to the sibling at its bottom level, forward (higher
     * hashes) or back; false, with {@code p} unchanged below the level that could not move, at the
     * edge of the tree.
     */
    boolean shift(Path p, boolean forward, Blocks blocks) throws FsException {
        int level = p.active - 2;
        long blkno = 0;
        for (; level >= 0; level--) {
            DaBlock b = p.blk[level];
            if (forward && p.index[level] < b.count() - 1) {
                blkno = b.value(++p.index[level]);
                break;
            } else if (!forward && p.index[level] > 0) {
                blkno = b.value(--p.index[level]);
                break;
            }
        }
        if (level < 0) {
            return false;
        }
        for (level++; level < p.active; level++) {
            DaBlock b = blocks.read(blkno);
            p.blk[level] = b;
            if (b.isNode()) {
                p.index[level] = forward ? 0 : b.count() - 1;
                blkno = b.value(p.index[level]);
            } else {
                p.index[level] = 0;
            }
        }
        return true;
    }

    /**
     * xfs_da3_join from a LEAFN block that {@link #tooSmall} says may join (the root a da node).
     * {@code path} ends at the leaf. Leaves {@code path.active} where the join stopped: 1 when it
     * reached the root.
     */
    void join(Path path, Mapping map, Blocks blocks) throws FsException {
        while (path.active >= 2) {
            int level = path.active - 1;
            boolean leaf = !path.blk[level].isNode();
            if (!leaf) {
                nodeRemove(path.blk[level], path.index[level]);
                fixHashPath(path);
            }
            Path alt = leaf ? leafnTooSmall(path, blocks) : nodeTooSmall(path, blocks);
            if (alt == null) {
                return;
            }
            DaBlock drop = path.blk[level];
            DaBlock save = alt.blk[level];
            if (leaf) {
                compact(drop);                // xfs_dir2_leafn_unbalance purges both first
                compact(save);
            }
            moveAll(drop, save);
            fixHashPath(alt);
            unlink(drop, save, blocks);
            release(map, drop.dablk());
            path.active--;
        }
        nodeRemove(path.blk[0], path.index[0]);
        fixHashPath(path);
        rootJoin(path.blk[0], map, blocks);
    }

    /**
     * xfs_dir2_leafn_toosmall: the path to the block to keep when this leaf should join one (and
     * {@code path} then ends at the one to drop), else null. Over half full it stays, and so does an
     * empty one (below); otherwise it joins the first sibling that takes its entries with a quarter
     * of a block to spare ({@link #partner}).
     */
    private Path leafnTooSmall(Path path, Blocks blocks) throws FsException {
        DaBlock leaf = path.leaf();
        int count = leaf.count() - leaf.stale();
        if (HDR + 8 * count > bs >> 1) {
            return null;
        }
        if (count == 0) {
            // Linux joins an empty leaf only where the path cannot shift to a sibling (action 2 on
            // the shift's failure), which a leaf under a da node always can: it stays, empty.
            return null;
        }
        return partner(path, blocks, sib -> bs - (bs >> 2) - 8 * (count + sib.count() - sib.stale()) >= 0);
    }

    /**
     * xfs_da3_node_toosmall, for the node {@code path} ends at (its entry for the dropped child
     * already removed): the path to the node to keep, or null when it stays as it is.
     */
    private Path nodeTooSmall(Path path, Blocks blocks) throws FsException {
        DaBlock node = path.leaf();
        if (node.count() > maxEnts >> 1) {
            return null;
        }
        long forw = be32(node.b(), 0);
        long back = be32(node.b(), 4);
        if (node.count() == 0) {
            Path alt = path.copy();
            return shift(alt, forw != 0, blocks) ? alt : null;
        }
        int room = maxEnts - (maxEnts >> 2) - node.count();
        return partner(path, blocks, sib -> room - sib.count() >= 0);
    }

    /** Whether a sibling takes the entries of the block that would join it. */
    private interface Fit {
        boolean test(DaBlock sibling);
    }

    /**
     * The sibling the block {@code path} ends at joins: the first that {@code fits}, looked at in
     * the lower-numbered direction first (forward when forw is below back), as both toosmall
     * functions look; the path to the block to keep ({@link #keepLower}), or null.
     */
    private Path partner(Path path, Blocks blocks, Fit fits) throws FsException {
        byte[] b = path.leaf().b();
        long forw = be32(b, 0);
        long back = be32(b, 4);
        boolean forward = forw < back;
        for (int i = 0; i < 2; forward = !forward, i++) {
            long blkno = forward ? forw : back;
            if (blkno != 0 && fits.test(blocks.read(blkno))) {
                return keepLower(path, blkno, forward, blocks);
            }
        }
        return null;
    }

    /**
     * The lower-numbered of this block and sibling {@code blkno} is kept: the alternative path
     * goes to the sibling when it is lower, else {@code path} itself moves to the sibling, to be
     * dropped. Null when the shift finds no sibling.
     */
    private Path keepLower(Path path, long blkno, boolean forward, Blocks blocks) throws FsException {
        Path alt = path.copy();
        boolean shifted = blkno < path.leaf().dablk() ? shift(alt, forward, blocks) : shift(path, forward, blocks);
        return shifted ? alt : null;
    }

    /**
     * xfs_dir2_leafn_unbalance and xfs_da3_node_unbalance: every entry of {@code drop} goes to
     * {@code save}, before its entries when drop's hashes come first (xfs_dir2_leafn_order), else
     * after them.
     */
    private void moveAll(DaBlock drop, DaBlock save) throws FsException {
        byte[] d = drop.b();
        byte[] s = save.b();
        int dn = drop.count();
        int sn = save.count();
        boolean before = dn > 0 && sn > 0 && (Integer.compareUnsigned(drop.hash(0), save.hash(0)) < 0
                || Integer.compareUnsigned(drop.hash(dn - 1), save.hash(sn - 1)) < 0);
        if (before) {
            System.arraycopy(s, HDR, s, HDR + 8 * dn, 8 * sn);
            System.arraycopy(d, HDR, s, HDR, 8 * dn);
        } else {
            System.arraycopy(d, HDR, s, HDR + 8 * sn, 8 * dn);
        }
        put16(s, 56, sn + dn);
        store(save);
        if (!drop.isNode()) {
            put16(d, 56, 0);                  // a leaf's count goes with its entries; a node's stays, as Linux leaves it
            store(drop);
        }
    }

    /** xfs_dir3_leaf_compact: stale entries squeezed out in place (the bytes past the count left as they were). */
    static void compact(DaBlock leaf) {
        if (leaf.stale() == 0) {
            return;
        }
        byte[] b = leaf.b();
        int n = leaf.count();
        int to = 0;
        for (int from = 0; from < n; from++) {
            if (be32(b, HDR + 8 * from + 4) == 0) {
                continue;
            }
            if (from > to) {
                System.arraycopy(b, HDR + 8 * from, b, HDR + 8 * to, 8);
            }
            to++;
        }
        put16(b, 56, to);
        put16(b, 58, 0);
    }

    /** xfs_da3_node_remove: the entry at {@code index} goes, those after it move down, the freed slot zeroed. */
    private void nodeRemove(DaBlock node, int index) throws FsException {
        byte[] b = node.b();
        int n = node.count();
        System.arraycopy(b, HDR + 8 * (index + 1), b, HDR + 8 * index, 8 * (n - index - 1));
        java.util.Arrays.fill(b, HDR + 8 * (n - 1), HDR + 8 * n, (byte) 0);
        put16(b, 56, n - 1);
        store(node);
    }

    /**
     * xfs_da3_fixhashpath: from the bottom of {@code p} up, each node takes its child's greatest
     * hash where it changed, in place; the walk stops at the first node it leaves as it was, and
     * does nothing for a bottom block with no entries.
     */
    void fixHashPath(Path p) throws FsException {
        DaBlock bottom = p.leaf();
        if (bottom.count() == 0) {
            return;
        }
        int last = bottom.lastHash();
        for (int level = p.active - 2; level >= 0; level--) {
            DaBlock blk = p.blk[level];
            int i = p.index[level];
            if (blk.hash(i) == last) {
                return;
            }
            blk.setHash(i, last);
            store(blk);
            last = blk.lastHash();
        }
    }

    /** xfs_da3_blk_unlink: {@code drop} leaves the chain of its level; {@code save} and drop's other neighbour point past it. */
    private void unlink(DaBlock drop, DaBlock save, Blocks blocks) throws FsException {
        byte[] s = save.b();
        // The sibling pointer of save that names drop: back (4) when drop is before it, else forw
        // (0); drop's pointer the same way leads past it, and that block's other pointer to save.
        int toDrop = be32(s, 4) == drop.dablk() ? 4 : 0;
        long beyond = be32(drop.b(), toDrop);
        put32(s, toDrop, beyond);
        if (beyond != 0) {
            DaBlock other = blocks.read(beyond);
            put32(other.b(), 4 - toDrop, save.dablk());
            store(other);
        }
        store(save);
    }

    /** xfs_da3_root_join: a root with one child takes the child's bytes (its own block number kept) and the child goes. */
    private void rootJoin(DaBlock root, Mapping map, Blocks blocks) throws FsException {
        if (root.count() > 1) {
            return;
        }
        DaBlock child = blocks.read(root.value(0));
        System.arraycopy(child.b(), 0, root.b(), 0, bs);
        put64(root.b(), 16, disk.fsbToDaddr(root.fsb()));
        store(root);
        release(map, child.dablk());
    }

    /**
     * xfs_dir2_node_to_leaf, for a directory whose leaf space is the LEAFN block {@code root}:
     * trailing free index blocks with no data block to name go first; then, when the leaf space is
     * that one block and its live entries and the first free index block's bests fit one block, it
     * becomes the LEAF1 block and the free index block goes. {@return whether it did}
     */
    boolean nodeToLeaf(XfsInode dir, DaBlock root, Mapping map, Blocks blocks, FreeBlocks frees) throws FsException {
        long fo = lastMapped(map.extents());
        while (fo > freeDablk) {
            FreeIndexBlock f = frees.read(map.extents(), fo);
            if (f == null || be32(f.b(), 56) > 0) {
                return false;
            }
            release(map, fo);
            fo--;
        }
        if (lastMappedBefore(map.extents(), fo) > leafDablk + 1) {
            return false;
        }
        FreeIndexBlock free = frees.read(map.extents(), freeDablk);
        Corrupt.check(free != null, "directory inode %d: node directory without its free index", dir.ino());
        int nvalid = free.nvalid();
        if (HDR + 8 * (root.count() - root.stale()) + 2 * nvalid + 4 > bs) {
            return false;
        }
        compact(root);
        byte[] b = root.b();
        put16(b, 8, DirWriter.LEAF1_MAGIC);
        put32(b, bs - 4, nvalid);
        System.arraycopy(free.b(), HDR, b, bs - 4 - 2 * nvalid, 2 * nvalid);
        store(root);
        release(map, freeDablk);
        return true;
    }

    /** Reads a free index block at a block offset, or null for a hole. */
    interface FreeBlocks {
        FreeIndexBlock read(List<BmapExtent> extents, long dablk) throws FsException;
    }

    /** The last block offset the mapping holds (xfs_bmap_last_offset, less one). */
    private static long lastMapped(List<BmapExtent> ext) {
        return ext.isEmpty() ? -1 : ext.get(ext.size() - 1).endoff() - 1;
    }

    /** xfs_bmap_last_before: the end of the last extent before block offset {@code off}, or 0. */
    private static long lastMappedBefore(List<BmapExtent> ext, long off) {
        long end = 0;
        for (BmapExtent e : ext) {
            if (e.startoff() >= off) {
                break;
            }
            end = Math.min(e.endoff(), off);
        }
        return end;
    }

    private void release(Mapping map, long dablk) throws FsException {
        space.freeRuns(ExtentList.remove(map.toChange(), dablk, 1));
    }

    private void store(DaBlock b) throws FsException {
        disk.writeBytes(disk.fsbToByte(b.fsb()), b.b(), bs, 12);
    }
}
