package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.iomap.CoarseClock;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Changes a node directory in place, as xfs_dir2_node_addname, xfs_dir2_node_removename and
 * xfs_dir2_node_replace do: a new name goes into the first data block whose longest free region
 * holds it by the free index (a new data block in the first hole of the data space when none does,
 * with a new free index block when it is the first its range needs), its hash into the LEAFN block
 * the da nodes send it to. A full leaf is split in two, the new half linked after it; a full da
 * node splits the same way into its parent, and a full root moves its entries into two new nodes
 * and stays where it is one level higher (xfs_da3_split, xfs_da3_root_split; a directory whose
 * leaf space is one LEAFN block has that block as its root, and its split makes it the da node
 * over two leaves, as Linux's first leaf split does); the greatest hash
 * of every changed block goes up the path (xfs_da3_fixhashpath). A removed name becomes free space
 * joined with its neighbours and a stale leaf entry; a data block left empty is freed, and a free
 * index block left with no data block to name. Every change reads and writes a handful of blocks,
 * whatever the size of the directory, in the cached buffers themselves (the directory's lock is
 * held exclusively and every changed block is stored before the transaction ends).
 *
 * <p>Shortform, block and leaf directories (one block to a few) take no new name here: {@link #plan}
 * answers null for them, and for a da btree already at XFS_DA_NODE_MAXDEPTH with a full path,
 * before anything changes, and the caller rewrites the directory whole ({@link DirWriter}). A leaf
 * directory loses a name in place when that leaves its blocks as they are ({@link #removeFromLeaf}).
 */
final class DirEditor {
    private static final int MAX_DEPTH = DaJoin.MAX_DEPTH;
    private static final int HDR = DirWriter.LEAF_HDR;
    /** NULLDATAOFF: the best-free slot of a data block the directory no longer has. */
    private static final int NULL_DATA_OFF = 0xffff;

    private final XfsFileSystem fs;
    private final XfsDisk disk;
    private final XfsSpace space;
    private final ForkWriter forks;
    private final boolean ftype;
    private final DataBlockEdits dataEdits;
    private final int bs;
    private final long leafDablk;
    private final long freeDablk;
    /** Entries of a LEAFN block and children of a da node: both 8 bytes after a 64-byte header. */
    private final int maxEnts;
    /** Best-free slots of one free index block (xfs_dir3_free_max_bests). */
    private final int maxBests;
    private final DaJoin join;

    /** What {@link #remove} did. */
    enum Removal {
        /** Nothing: this class does not change the directory in place; the caller rewrites it. */
        NOT_HERE,
        /** The name went in place. */
        DONE,
        /**
         * The name went and the node directory became a leaf directory, which xfs_dir2_node_to_leaf
         * goes on to try to make a block directory ({@link #leafBecomesBlock}).
         */
        LEAF_NOW
    }

    DirEditor(XfsFileSystem fs, XfsDisk disk, XfsSpace space, ForkWriter forks) {
        this.fs = fs;
        this.disk = disk;
        this.space = space;
        this.forks = forks;
        this.ftype = disk.sb().hasFtype();
        this.dataEdits = new DataBlockEdits(disk);
        this.bs = disk.blockSize();
        this.leafDablk = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        this.freeDablk = XfsDirs.FREE_OFFSET_BYTES >>> disk.blockLog();
        this.maxEnts = (bs - HDR) / 8;
        this.maxBests = (bs - HDR) / 2;
        this.join = new DaJoin(disk, space, leafDablk, freeDablk);
    }

    /** A node directory at the start of one change: its mapping and the da nodes from the root down to a leaf. */
    record Node(XfsInode dir, List<BmapExtent> extents, DaBlock root) {
        /** The da btree's height above its leaves: 0 when the root is the one LEAFN block. */
        int level() {
            return root.isNode() ? be16(root.b(), 58) : 0;
        }
    }

    /**
     * What adding a name takes: its data block (new or not, with a new free index block or not),
     * the free index block that found it room ({@code free}, null for a new data block) and the da
     * path, in the directory as it was read; good for an add under the same lock.
     */
    record Plan(Node nd, int db, FreeIndexBlock free, boolean newData, boolean newFree, DaJoin.Path path, int newBlocks) {
        boolean allocates() {
            return newBlocks > 0;
        }
    }

    /**
     * The block at the start of the leaf space, read once for {@link #open} and {@link #openLeaf}
     * both (a node directory's da root, a leaf directory's LEAF1 block), or null for a directory of
     * one block or less, or of directory blocks larger than file system blocks.
     */
    private DaBlock leafSpaceStart(XfsInode dir, List<BmapExtent> ext) throws FsException {
        if (dir.di_format() == XfsInode.FMT_LOCAL || disk.sb().sb_dirblklog() != 0 || XfsDirs.isBlockForm(disk, dir, ext)) {
            return null;
        }
        long fsb = DirWriter.mapped(dir, ext, leafDablk);
        return fsb < 0 ? null : new DaBlock(leafDablk, fsb, readDa(dir, fsb, leafDablk));
    }

    private Node open(XfsInode dir, List<BmapExtent> ext) throws FsException {
        return open(dir, ext, leafSpaceStart(dir, ext));
    }

    /** The node directory whose leaf space starts with {@code root}, or null when it is no node directory. */
    private Node open(XfsInode dir, List<BmapExtent> ext, DaBlock root) throws FsException {
        if (root == null || DirWriter.mapped(dir, ext, freeDablk) < 0) {
            return null;                    // a leaf directory (no free index), or smaller
        }
        byte[] b = root.b();
        if (be16(b, 8) == DirNodeWriter.LEAFN_MAGIC) {
            // One LEAFN block is the whole leaf space (xfs_dir2_leaf_to_node leaves it so): it is the root.
            Corrupt.check(be16(b, 56) <= maxEnts && be16(b, 58) <= be16(b, 56) && be32(b, 0) == 0 && be32(b, 4) == 0,
                    "directory inode %d: root leaf count %d stale %d forw %d back %d", dir.ino(), be16(b, 56), be16(b, 58),
                    be32(b, 0), be32(b, 4));
            return new Node(dir, ext, root);
        }
        if (!root.isNode()) {
            return null;
        }
        Corrupt.check(be16(b, 56) > 0 && be16(b, 56) <= maxEnts && be16(b, 58) >= 1 && be16(b, 58) <= MAX_DEPTH,
                "directory inode %d: da root count %d level %d", dir.ino(), be16(b, 56), be16(b, 58));
        return new Node(dir, ext, root);
    }

    /** Whether {@code dir} is a directory this class changes in place. */
    boolean edits(XfsInode dir) throws FsException {
        return open(dir, fs.extents(dir)) != null;
    }

    /**
     * How {@code name} would be added to {@code dir} in place, or null when this class does not
     * edit the directory (the caller rewrites it then). Changes nothing.
     */
    Plan plan(XfsInode dir, List<BmapExtent> ext, byte[] name) throws FsException {
        Node nd = open(dir, ext);
        return nd == null ? null : plan(nd, name);
    }

    private Plan plan(Node nd, byte[] name) throws FsException {
        int size = DataBlock.entrySize(name.length, ftype);
        Room room = withRoom(nd, size);
        int db = room == null ? -1 : room.db();
        boolean newData = db < 0;
        boolean newFree = false;
        if (newData) {
            db = (int) firstHole(nd.extents(), 0, leafDablk);
            newFree = DirWriter.mapped(nd.dir(), nd.extents(), freeDablk + db / maxBests) < 0;
        }
        DaJoin.Path path = new DaJoin.Path();
        descend(nd, DirWriter.hash(name), path);
        DaBlock b = path.leaf();
        Corrupt.check(be16(b.b(), 8) == DirNodeWriter.LEAFN_MAGIC && be16(b.b(), 58) <= b.count(),
                "directory inode %d: leaf block %d magic 0x%x stale %d", nd.dir().ino(), b.dablk(), be16(b.b(), 8),
                be16(b.b(), 58));
        // Splits go up while each block on the way is full; a full root takes two new nodes.
        int newBlocks = (newData ? 1 : 0) + (newFree ? 1 : 0);
        boolean splits = b.count() == maxEnts && be16(b.b(), 58) == 0;
        for (int level = path.active - 1; splits && level >= 0; level--) {
            if (level == 0 && nd.level() >= MAX_DEPTH) {
                return null;                 // the tree can grow no taller: the rewrite says ENOSPC
            }
            newBlocks += level == 0 ? 2 : 1;
            splits = level > 0 && path.blk[level - 1].count() == maxEnts;
        }
        return new Plan(nd, db, room == null ? null : room.free(), newData, newFree, path, newBlocks);
    }

    /**
     * The da path {@code hash} takes, as xfs_da3_node_lookup_int descends: from the root, each
     * node's child for the hash, down to the leaf (its index 0).
     */
    private void descend(Node nd, int hash, DaJoin.Path path) throws FsException {
        DaBlock b = nd.root();
        path.active = 0;
        while (b.isNode()) {
            Corrupt.check(path.active < MAX_DEPTH, "directory inode %d: da btree deeper than %d", nd.dir().ino(), MAX_DEPTH);
            int i = b.childFor(hash);
            path.blk[path.active] = b;
            path.index[path.active++] = i;
            b = block(nd, b.value(i));
        }
        path.blk[path.active] = b;
        path.index[path.active++] = 0;
    }

    /**
     * Adds {@code rec} by plan {@code p} ({@link #plan} of its name, made under the directory's
     * lock held since, in the same transaction).
     */
    boolean add(Plan p, DirRecord rec) throws FsException {
        Node nd = p.nd();
        XfsInode dir = nd.dir();
        requireAbsent(nd, p.path().leaf(), rec.name());
        // The mapping is copied only to change it: a directory of 100,000 names has hundreds of extents.
        List<BmapExtent> ext = p.allocates() ? new ArrayList<>(nd.extents()) : nd.extents();
        long near = disk.inoToFsb(dir.ino());
        // Every block first: a change that cannot have them fails before it writes anything.
        long[] fresh = new long[p.newBlocks()];
        for (int i = 0; i < fresh.length; i++) {
            try {
                fresh[i] = space.allocBlocks(near, 1)[0];
            } catch (FsException e) {
                for (int k = 0; k < i; k++) {
                    space.freeBlocks(fresh[k], 1);
                }
                throw e;
            }
        }
        int next = 0;
        long dataFsb;
        byte[] data;
        if (p.newData()) {
            dataFsb = fresh[next++];
            ExtentList.add(ext, new BmapExtent(p.db(), dataFsb, 1, false));
            data = dataEdits.emptyBlock(dir.ino(), dataFsb);
        } else {
            dataFsb = DirWriter.mapped(dir, ext, p.db());
            data = readData(dir, dataFsb, p.db());
        }
        int off = dataEdits.insertEntry(data, rec, bs);
        int longest = DataBlockEdits.longest(data);
        store(data, dataFsb, DataBlock.CRC_OFF);

        long freeDa = freeDablk + p.db() / maxBests;
        FreeIndexBlock free;
        if (p.newFree()) {
            long fsb = fresh[next++];
            ExtentList.add(ext, new BmapExtent(freeDa, fsb, 1, false));
            free = new FreeIndexBlock(freeDa, fsb, emptyFreeBlock(dir.ino(), fsb, p.db() / maxBests * maxBests));
        } else {
            free = p.newData() ? freeBlock(dir, ext, freeDa) : p.free();
        }
        free.setBest(p.db(), longest, p.newData());
        store(free.b(), free.fsb(), 4);

        // The leaf takes the hash in place while it has room or a stale entry; a full one splits.
        long address = ((long) p.db() * bs + off) >>> 3;
        DaBlock leaf = p.path().leaf();
        int hash = DirWriter.hash(rec.name());
        if (leaf.count() < maxEnts || leaf.stale() > 0) {
            leaf.leafAdd(hash, address);
            store(leaf.b(), leaf.fsb(), 12);
            join.fixHashPath(p.path());
        } else {
            addSplitting(nd, p, ext, fresh, next, DaBlock.insertSorted(leaf.entries(true), hash, address));
        }
        finish(dir, p.allocates() ? ext : null, p.newData() ? Math.max(dir.di_size(), (long) (p.db() + 1) * bs) : -1);
        return true;
    }

    /**
     * A full leaf takes the entry: {@code ents} (its live entries with the new one) split in two,
     * and from it up to the root each block takes its child's greatest hash and the new sibling
     * after it, splitting in turn when full (xfs_da3_split), from {@code fresh[next]} on.
     */
    private void addSplitting(Node nd, Plan p, List<BmapExtent> ext, long[] fresh, int next, long[] ents)
            throws FsException {
        DaJoin.Path path = p.path();
        int last = path.active - 1;
        long childLast = 0;
        Long carry = null;                    // the entry of a block split off below, for its parent
        for (int level = last; level >= 0; level--) {
            DaBlock blk = path.blk[level];
            if (level < last) {
                int i = path.index[level];
                ents = blk.entries(false);
                ents[i] = (childLast << 32) | (ents[i] & 0xffffffffL);
                if (carry != null) {
                    ents = DaBlock.insertAt(ents, i + 1, carry);
                }
            } else {
                put16(blk.b(), 58, 0);        // the leaf's stale entries were compacted away
            }
            carry = null;
            if (ents.length <= maxEnts) {
                DaBlock.writeEntries(blk.b(), ents, 0, ents.length);
                store(blk.b(), blk.fsb(), 12);
                childLast = ents[ents.length - 1] >>> 32;
            } else if (level == 0) {
                rootSplit(nd, blk, ents, fresh[next], fresh[next + 1], ext);
                next += 2;
            } else {
                int half = ents.length / 2;
                carry = split(nd, blk, ents, half, fresh[next++], ext);
                childLast = ents[half - 1] >>> 32;
            }
        }
    }

    /**
     * The VFS found no {@code name} under the directory's lock; a live entry of that name in the
     * leaf its hash goes to is corruption (the names of one hash that run on into the next leaf
     * are not looked at: the leaf the new entry joins is where it would collide).
     */
    private void requireAbsent(Node nd, DaBlock leaf, byte[] name) throws FsException {
        int hash = DirWriter.hash(name);
        for (int i = leaf.lowerBound(hash); i < leaf.count() && leaf.hash(i) == hash; i++) {
            if (leaf.value(i) != 0) {
                long byteOff = leaf.value(i) << 3;
                int db = (int) (byteOff >>> disk.blockLog());
                int off = (int) (byteOff & (bs - 1));
                long fsb = DirWriter.mapped(nd.dir(), nd.extents(), db);
                Corrupt.check(fsb >= 0 && db < leafDablk && off + 9 < bs, "directory inode %d: leaf address 0x%x names a hole",
                        nd.dir().ino(), leaf.value(i));
                byte[] data = readData(nd.dir(), fsb, db);
                int len = u8(data, off + 8);
                if (len == name.length && off + 9 + len <= bs && Arrays.equals(data, off + 9, off + 9 + len, name, 0, len)) {
                    throw Corrupt.of("directory %d: \"%s\" appeared under its lock", nd.dir().ino(),
                            new String(name, java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
    }

    /** Removes {@code name} from {@code dir} in place, where this class changes the directory. */
    Removal remove(XfsInode dir, byte[] name) throws FsException {
        List<BmapExtent> ext = fs.extents(dir);
        DaBlock start = leafSpaceStart(dir, ext);
        Leaf1 leaf = openLeaf(dir, ext, start);
        if (leaf != null) {
            return removeFromLeaf(dir, ext, leaf, name) ? Removal.DONE : Removal.NOT_HERE;
        }
        Node nd = open(dir, ext, start);
        if (nd == null) {
            return Removal.NOT_HERE;
        }
        DaJoin.Path path = new DaJoin.Path();
        Found f = find(nd, name, path);
        if (f == null) {
            throw Corrupt.of("directory %d lost \"%s\" under its lock", dir.ino(), new String(name,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        // xfs_dir3_leafn_remove: the leaf entry goes stale, so no hash in the da nodes changes.
        put32(f.leaf().b(), HDR + 8 * f.index() + 4, 0);
        put16(f.leaf().b(), 58, be16(f.leaf().b(), 58) + 1);
        store(f.leaf().b(), f.leaf().fsb(), 12);

        dataEdits.freeEntry(f.data(), f.off());
        int longest = DataBlockEdits.longest(f.data());
        FreeIndexBlock free = freeBlock(dir, ext, freeDablk + f.db() / maxBests);
        DaJoin.Mapping map = new DaJoin.Mapping(ext);
        long size = -1;
        if (longest == bs - DataBlock.HDR_SIZE && f.db() != 0) {
            // xfs_dir2_shrink_inode: an empty data block goes; the directory ends at its last data block.
            release(map.toChange(), f.db());
            if (free.dropBest(f.db()) == 0) {
                release(map.toChange(), free.dablk());   // no data block left for this free index block to name
            } else {
                store(free.b(), free.fsb(), 4);
            }
            if (dir.di_size() <= (long) (f.db() + 1) * bs) {
                size = lastDataBlockEnd(map.extents());
            }
        } else {
            store(f.data(), f.dataFsb(), DataBlock.CRC_OFF);
            free.setBest(f.db(), longest, false);
            store(free.b(), free.fsb(), 4);
        }
        // xfs_dir2_node_removename goes on: a leaf left small joins (xfs_da3_join), and a leaf space
        // of one LEAFN block may make the directory a leaf directory again (xfs_dir2_node_to_leaf).
        DaJoin.Blocks blocks = dablk -> block(nd, dablk);
        if (path.active > 1 && join.tooSmall(f.leaf())) {
            join.join(path, map, blocks);
        }
        boolean toLeaf = path.active == 1 && join.nodeToLeaf(dir, path.blk[0], map, blocks,
                (extents, dablk) -> DirWriter.mapped(extents, dablk) < 0 ? null : freeBlock(dir, extents, dablk));
        finish(dir, map.changed(), size);
        return toLeaf ? Removal.LEAF_NOW : Removal.DONE;
    }

    /**
     * Whether the leaf directory {@code dir} (after a change) is one xfs_dir2_leaf_to_block would
     * make a block directory: one data block, whose last region is free and holds the leaf's live
     * entries and the block tail. The caller rewrites it then.
     */
    boolean leafBecomesBlock(XfsInode dir) throws FsException {
        List<BmapExtent> ext = fs.extents(dir);
        Leaf1 l = openLeaf(dir, ext);
        if (l == null || dir.di_size() > bs) {
            return false;
        }
        long fsb = DirWriter.mapped(dir, ext, 0);
        Corrupt.check(fsb >= 0, "directory inode %d: leaf directory without its first data block", dir.ino());
        return holdsLeaf(dir, readData(dir, fsb, 0), l.leaf().count() - l.leaf().stale());
    }

    /** Whether data block 0 ({@code data}) ends in a free region that holds {@code live} leaf entries and the block tail. */
    private boolean holdsLeaf(XfsInode dir, byte[] data, int live) throws FsException {
        int last = be16(data, bs - 2);
        Corrupt.check(last >= DataBlock.HDR_SIZE && last + 4 <= bs, "directory inode %d: data block 0 ends in tag %d", dir.ino(), last);
        return be16(data, last) == 0xffff && be16(data, last + 2) >= 8 + 8 * live;
    }

    /** A leaf directory's LEAF1 block, and where in it the bests begin (they end at the tail). */
    private record Leaf1(DaBlock leaf, int bestCount, int bests) {
        int best(int db) {
            return be16(leaf.b(), bests + 2 * db);
        }

        void setBest(int db, int longest) {
            put16(leaf.b(), bests + 2 * db, longest);
        }

        /**
         * Makes the bests table {@code count} slots long, its first slots kept and moved to end at
         * the block's tail again ({@link #bestsAt}); {@return where the table starts now}.
         */
        int resizeBests(int count) {
            byte[] b = leaf.b();
            int at = (int) bestsAt(b.length, count);
            System.arraycopy(b, bests, b, at, 2 * Math.min(count, bestCount));
            put32(b, b.length - 4, count);
            return at;
        }

        /** xfs_dir2_leaf_bests_p: where a table of {@code count} slots starts, ending at the tail of a block of {@code bs} bytes. */
        static long bestsAt(int bs, long count) {
            return bs - 4 - 2 * count;
        }
    }

    /** The LEAF1 block of {@code dir} when it is a leaf directory (data blocks, one LEAF1 block, no free index), else null. */
    private Leaf1 openLeaf(XfsInode dir, List<BmapExtent> ext) throws FsException {
        return openLeaf(dir, ext, leafSpaceStart(dir, ext));
    }

    /** The leaf directory whose leaf space starts with {@code leaf}, or null when it is no leaf directory. */
    private Leaf1 openLeaf(XfsInode dir, List<BmapExtent> ext, DaBlock leaf) throws FsException {
        if (leaf == null || be16(leaf.b(), 8) != DirWriter.LEAF1_MAGIC || DirWriter.mapped(dir, ext, freeDablk) >= 0) {
            return null;
        }
        long bestCount = be32(leaf.b(), bs - 4);
        long bests = Leaf1.bestsAt(bs, bestCount);
        Corrupt.check(bestCount >= 1 && HDR + 8L * leaf.count() <= bests, "directory inode %d: leaf block of %d entries and %d bests",
                dir.ino(), leaf.count(), bestCount);
        return new Leaf1(leaf, (int) bestCount, (int) bests);
    }

    /**
     * Whether {@link #addToLeaf} would add {@code name} to {@code dir} in place (nothing to allocate).
     * Changes nothing.
     */
    boolean leafTakes(XfsInode dir, byte[] name) throws FsException {
        List<BmapExtent> ext = fs.extents(dir);
        Leaf1 l = openLeaf(dir, ext);
        return l != null && leafRoom(l, name) >= 0;
    }

    /**
     * xfs_dir2_leaf_addname in a leaf directory, where it changes blocks the directory has: the
     * name goes into the longest free region of the first data block whose best-free slot says it
     * fits, that slot follows, and its hash into the LEAF1 block as xfs_dir3_leaf_find_entry places
     * it (a stale slot taken when there is one). False, with nothing changed, where Linux does more
     * ({@link #leafRoom}); the caller rewrites the directory then.
     */
    boolean addToLeaf(XfsInode dir, DirRecord rec) throws FsException {
        List<BmapExtent> ext = fs.extents(dir);
        Leaf1 l = openLeaf(dir, ext);
        int db = l == null ? -1 : leafRoom(l, rec.name());
        if (db == -1) {
            return false;
        }
        if (findIn(dir, ext, l.leaf(), DirWriter.hash(rec.name()), rec.name()) != null) {
            throw Corrupt.of("directory %d: \"%s\" appeared under its lock", dir.ino(),
                    new String(rec.name(), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (db == NEW_DATA_BLOCK) {
            addLeafData(dir, ext, l, rec);
            return true;
        }
        long fsb = DirWriter.mapped(dir, ext, db);
        Corrupt.check(fsb >= 0, "directory inode %d: data block %d named by the leaf's bests is a hole", dir.ino(), db);
        byte[] data = readData(dir, fsb, db);
        int off = dataEdits.insertEntry(data, rec, bs);
        store(data, fsb, DataBlock.CRC_OFF);
        l.setBest(db, DataBlockEdits.longest(data));
        l.leaf().leafAdd(DirWriter.hash(rec.name()), ((long) db * bs + off) >>> 3);
        store(l.leaf().b(), l.leaf().fsb(), 12);
        finish(dir, null, -1);
        return true;
    }

    /** {@link #leafRoom}'s answer when no data block has room: xfs_dir2_leaf_addname adds one. */
    private static final int NEW_DATA_BLOCK = -2;

    /**
     * The data block xfs_dir2_leaf_addname would put {@code name} in: the first whose best-free slot
     * says it fits, {@link #NEW_DATA_BLOCK} when none does and the leaf has the bytes a new one
     * takes (a leaf entry's, unless a stale one is taken, and a new best slot's, unless a null one
     * is filled), or -1 where Linux does more: when the leaf lacks those bytes (Linux compacts it
     * or turns to node form), and when a live entry of the same hash has room in its block (Linux
     * puts the name there, ahead of it).
     */
    private int leafRoom(Leaf1 l, byte[] name) {
        DaBlock leaf = l.leaf();
        int length = DataBlock.entrySize(name.length, ftype);
        int hash = DirWriter.hash(name);
        for (int i = leaf.lowerBound(hash); i < leaf.count() && leaf.hash(i) == hash; i++) {
            int db = (int) ((leaf.value(i) << 3) >>> disk.blockLog());
            if (leaf.value(i) != 0 && db < l.bestCount() && l.best(db) != NULL_DATA_OFF && l.best(db) >= length) {
                return -1;
            }
        }
        int free = l.bests() - (HDR + 8 * leaf.count());
        int entryBytes = leaf.stale() == 0 ? 8 : 0;
        boolean nullSlot = false;
        for (int db = 0; db < l.bestCount(); db++) {
            if (l.best(db) == NULL_DATA_OFF) {
                nullSlot = true;
            } else if (l.best(db) >= length) {
                return free < entryBytes ? -1 : db;
            }
        }
        return free < entryBytes + (nullSlot ? 0 : 2) ? -1 : NEW_DATA_BLOCK;
    }

    /**
     * xfs_dir2_leaf_addname when no data block has room: a new one in the first hole of the data
     * space (xfs_dir2_grow_inode; the size follows when it ends past it), the name at its start;
     * its best-free slot is the null one of that hole, or a new last slot, the bests table moved
     * down by one against the leaf entries (the caller found the bytes for it, {@link #leafRoom}).
     */
    private void addLeafData(XfsInode dir, List<BmapExtent> ext, Leaf1 l, DirRecord rec) throws FsException {
        int db = (int) firstHole(ext, 0, leafDablk);
        int count = l.bestCount();
        Corrupt.check(db >= 0 && db <= count && (db == count || l.best(db) == NULL_DATA_OFF),
                "directory inode %d: data space hole %d beside %d best-free slots", dir.ino(), db, count);
        // A null slot with its block still mapped would grow the table by bytes leafRoom did not count.
        int entries = l.leaf().count() + (l.leaf().stale() == 0 ? 1 : 0);
        Corrupt.check(db < count || l.bests() - 2 >= HDR + 8 * entries,
                "directory inode %d: a null best-free slot but no hole in the data space", dir.ino());
        long near = disk.inoToFsb(dir.ino());
        long fsb = space.allocBlocks(near, 1)[0];
        List<BmapExtent> after = new ArrayList<>(ext);   // copied only to change it
        ExtentList.add(after, new BmapExtent(db, fsb, 1, false));
        byte[] data = dataEdits.emptyBlock(dir.ino(), fsb);
        int off = dataEdits.insertEntry(data, rec, bs);
        store(data, fsb, DataBlock.CRC_OFF);
        byte[] lb = l.leaf().b();
        int bests = db == count ? l.resizeBests(count + 1) : l.bests();
        put16(lb, bests + 2 * db, DataBlockEdits.longest(data));
        l.leaf().leafAdd(DirWriter.hash(rec.name()), ((long) db * bs + off) >>> 3);
        store(lb, l.leaf().fsb(), 12);
        long end = (long) (db + 1) * bs;
        finish(dir, after, end > dir.di_size() ? end : -1);
    }

    /**
     * xfs_dir2_leaf_removename in a leaf directory (data blocks and one LEAF1 block, whose tail holds
     * each data block's longest free region): the name's bytes become free space joined with their
     * neighbours in its data block, its leaf entry goes stale where it is, and the block's best-free
     * slot follows; a data block left empty goes ({@link #dropLeafData}). False, with nothing
     * changed, where Linux does more than that: when the directory ends in an empty data block, or
     * when the removal leaves one data block that can hold the leaf (xfs_dir2_leaf_to_block makes it
     * a block directory); the caller rewrites the directory then.
     */
    private boolean removeFromLeaf(XfsInode dir, List<BmapExtent> ext, Leaf1 l, byte[] name) throws FsException {
        if (l.best(l.bestCount() - 1) == bs - DataBlock.HDR_SIZE) {
            return false;                      // a trailing empty data block, which xfs_dir2_leaf_to_block trims
        }
        Found f = findIn(dir, ext, l.leaf(), DirWriter.hash(name), name);
        if (f == null) {
            throw Corrupt.of("directory %d lost \"%s\" under its lock", dir.ino(), new String(name, java.nio.charset.StandardCharsets.UTF_8));
        }
        Corrupt.check(f.db() < l.bestCount(), "directory inode %d: data block %d beyond the leaf's %d bests", dir.ino(), f.db(),
                l.bestCount());
        byte[] freed = f.data().clone();      // the cached block changes only once the change is known to stay in place
        dataEdits.freeEntry(freed, f.off());
        int longest = DataBlockEdits.longest(freed);
        if (longest == bs - DataBlock.HDR_SIZE) {
            return dropLeafData(dir, ext, l, f);
        }
        if (l.bestCount() == 1 && becomesBlock(dir, freed, l)) {
            return false;
        }
        System.arraycopy(freed, 0, f.data(), 0, bs);
        store(f.data(), f.dataFsb(), DataBlock.CRC_OFF);
        staleLeafEntry(l, f);
        l.setBest(f.db(), longest);
        store(l.leaf().b(), l.leaf().fsb(), 12);
        finish(dir, null, -1);
        return true;
    }

    /**
     * Whether xfs_dir2_leaf_to_block would turn a leaf directory left with one data block,
     * {@code data} as the removal leaves it, into a block directory once one more leaf entry is
     * stale: the block's last region is free and holds the leaf's live entries and the block tail.
     */
    private boolean becomesBlock(XfsInode dir, byte[] data, Leaf1 l) throws FsException {
        return holdsLeaf(dir, data, l.leaf().count() - (l.leaf().stale() + 1));
    }

    /** The leaf entry of {@code f} goes stale where it is (xfs_dir2_leaf_removename). */
    private static void staleLeafEntry(Leaf1 l, Found f) {
        byte[] lb = l.leaf().b();
        put32(lb, HDR + 8 * f.index() + 4, 0);
        put16(lb, 58, l.leaf().stale() + 1);
    }

    /**
     * xfs_dir2_leaf_removename when the name was the last of its data block: the block goes
     * (xfs_dir2_shrink_inode; the directory ends at its last data block then); its best-free slot
     * turns null, or, for the last data block, the bests table loses it and the null slots before it
     * (the table moves up against the tail). False, with nothing changed, where Linux may go on to
     * turn the directory into a block directory (one data block left, xfs_dir2_leaf_to_block) or the
     * block is the first one: the caller rewrites the directory then.
     */
    private boolean dropLeafData(XfsInode dir, List<BmapExtent> ext, Leaf1 l, Found f) throws FsException {
        int db = f.db();
        if (db == 0) {
            return false;                         // the first data block holds "." and "..": Linux never empties it
        }
        List<BmapExtent> after = new ArrayList<>(ext);   // copied only to change it
        List<long[]> freed = ExtentList.remove(after, db, 1);   // freed below, once the change is known to stay in place
        long size = -1;
        if (dir.di_size() <= (long) (db + 1) * bs) {
            size = lastDataBlockEnd(after);
            if (size <= bs) {
                long fsb = DirWriter.mapped(after, 0);
                Corrupt.check(fsb >= 0, "directory inode %d: leaf directory without its first data block", dir.ino());
                if (becomesBlock(dir, readData(dir, fsb, 0), l)) {
                    return false;
                }
            }
        }
        space.freeRuns(freed);
        staleLeafEntry(l, f);
        if (db == l.bestCount() - 1) {
            int keep = db - 1;
            while (keep > 0 && l.best(keep) == NULL_DATA_OFF) {
                keep--;
            }
            l.resizeBests(keep + 1);
        } else {
            l.setBest(db, NULL_DATA_OFF);
        }
        store(l.leaf().b(), l.leaf().fsb(), 12);
        finish(dir, after, size);
        return true;
    }

    /** Points the entry {@code name} of {@code dir} at another inode in place; false when this class does not edit it. */
    boolean replace(XfsInode dir, byte[] name, long ino, int ft) throws FsException {
        Node nd = open(dir, fs.extents(dir));
        if (nd == null) {
            return false;
        }
        Found f = find(nd, name);
        if (f == null) {
            return false;
        }
        put64(f.data(), f.off(), ino);
        if (ftype) {
            put8(f.data(), f.off() + 9 + name.length, ft);
        }
        store(f.data(), f.dataFsb(), DataBlock.CRC_OFF);
        finish(dir, null, -1);
        return true;
    }

    /** Where a name lives: its leaf entry and its data entry. */
    private record Found(DaBlock leaf, int index, int db, long dataFsb, byte[] data, int off) {
    }

    private Found find(Node nd, byte[] name) throws FsException {
        return find(nd, name, new DaJoin.Path());
    }

    /**
     * xfs_da3_node_lookup_int for {@code name}: {@code path} goes from the root down to the leaf
     * that holds it, moving on to the next leaf while the names of its hash run on (the leaf's
     * index then the name's entry); null when no leaf holds it.
     */
    private Found find(Node nd, byte[] name, DaJoin.Path path) throws FsException {
        int hash = DirWriter.hash(name);
        descend(nd, hash, path);
        for (int hops = 0; ; hops++) {
            DaBlock leaf = path.leaf();
            Corrupt.check(be16(leaf.b(), 8) == DirNodeWriter.LEAFN_MAGIC, "directory inode %d: leaf block %d magic 0x%x",
                    nd.dir().ino(), leaf.dablk(), be16(leaf.b(), 8));
            Found f = findIn(nd.dir(), nd.extents(), leaf, hash, name);
            if (f != null) {
                path.index[path.active - 1] = f.index();
                return f;
            }
            int n = leaf.count();
            if (n == 0 || leaf.hash(n - 1) != hash || !join.shift(path, true, dablk -> block(nd, dablk))) {
                return null;
            }
            Corrupt.check(hops <= maxEnts, "directory inode %d: leaf chain loops", nd.dir().ino());
        }
    }

    /** The live entry of {@code name} among the entries of its hash in one leaf block (LEAFN or LEAF1), or null. */
    private Found findIn(XfsInode dir, List<BmapExtent> ext, DaBlock leaf, int hash, byte[] name) throws FsException {
        for (int i = leaf.lowerBound(hash); i < leaf.count() && leaf.hash(i) == hash; i++) {
            long address = leaf.value(i);
            if (address == 0) {
                continue;
            }
            long byteOff = address << 3;
            int db = (int) (byteOff >>> disk.blockLog());
            int off = (int) (byteOff & (bs - 1));
            long fsb = DirWriter.mapped(dir, ext, db);
            Corrupt.check(fsb >= 0 && db < leafDablk, "directory inode %d: leaf address 0x%x names a hole", dir.ino(), address);
            byte[] data = readData(dir, fsb, db);
            Corrupt.check(off >= DataBlock.HDR_SIZE && off + 9 < bs && be16(data, off) != 0xffff,
                    "directory inode %d: leaf address 0x%x names no entry", dir.ino(), address);
            int len = u8(data, off + 8);
            if (len == name.length && off + 9 + len <= bs && Arrays.equals(data, off + 9, off + 9 + len, name, 0, len)) {
                return new Found(leaf, i, db, fsb, data, off);
            }
        }
        return null;
    }

    private byte[] readData(XfsInode dir, long fsb, long db) throws FsException {
        return DirLookup.readDataBlock(disk, dir.ino(), fsb, DataBlock.XFS_DIR3_DATA_MAGIC,
                new BlockName("directory inode", dir.ino(), "data block", db), true);
    }

    // ---- leaves, da nodes, free index blocks ----------------------------------------------------

    /** A block of the leaf space (LEAFN or da node), verified: CRC at 12, blkno, owner. */
    private DaBlock block(Node nd, long dablk) throws FsException {
        long fsb = DirWriter.mapped(nd.dir(), nd.extents(), dablk);
        Corrupt.check(fsb >= 0 && dablk >= leafDablk && dablk < freeDablk, "directory inode %d: leaf-space block %d is a hole",
                nd.dir().ino(), dablk);
        byte[] b = readDa(nd.dir(), fsb, dablk);
        Corrupt.check(be16(b, 56) <= maxEnts, "directory inode %d: block %d count %d", nd.dir().ino(), dablk, be16(b, 56));
        return new DaBlock(dablk, fsb, b);
    }

    private byte[] readDa(XfsInode dir, long fsb, long dablk) throws FsException {
        return DirLookup.readLeafSpace(disk, dir.ino(), fsb, new BlockName("directory inode", dir.ino(), "block", dablk), true);
    }

    /** A data block with room for a new entry, and the free index block that says so. */
    private record Room(FreeIndexBlock free, int db) {
    }

    /**
     * xfs_dir2_node_find_freeblk's search when the lookup found no room for it: the free index
     * blocks (the mapped blocks at or past XFS_DIR2_FREE_OFFSET) from the last to the first, each
     * scanned from its last slot back ({@link FreeIndexBlock#lastWithRoom}); the free index block
     * that names a data block with room for an entry of {@code size} bytes and that block, or null
     * when none has room. The add changes the free index block as read here.
     */
    private Room withRoom(Node nd, int size) throws FsException {
        List<BmapExtent> ext = nd.extents();
        for (int k = ext.size() - 1; k >= 0 && ext.get(k).endoff() > freeDablk; k--) {
            BmapExtent e = ext.get(k);
            for (long off = e.endoff() - 1; off >= Math.max(e.startoff(), freeDablk); off--) {
                FreeIndexBlock free = freeBlock(nd.dir(), ext, off);
                int db = free.lastWithRoom(size);
                if (db >= 0) {
                    return new Room(free, db);
                }
            }
        }
        return null;
    }

    private FreeIndexBlock freeBlock(XfsInode dir, List<BmapExtent> ext, long dablk) throws FsException {
        long fsb = DirWriter.mapped(dir, ext, dablk);
        BlockName what = new BlockName("directory inode", dir.ino(), "free index block", dablk);
        Corrupt.check(fsb >= 0, "%s is a hole", what);
        byte[] b = disk.cachedForChange(fsb);
        boolean read = b == null;
        if (read) {
            b = disk.readBlock(fsb, what);
        }
        Corrupt.check(be32(b, 0) == DirNodeWriter.FREE_MAGIC, "%s: magic 0x%x", what, be32(b, 0));
        if (read) {
            XfsCrc.verify(b, 0, bs, 4, what);   // a cached buffer is this file system's own
        }
        Corrupt.check(be64(b, 8) == disk.fsbToDaddr(fsb) && be64(b, 40) == dir.ino(), "%s: blkno or owner wrong", what);
        long firstdb = be32(b, 48);
        Corrupt.check(firstdb == (dablk - freeDablk) * maxBests && be32(b, 52) <= maxBests && be32(b, 56) <= be32(b, 52),
                "%s: firstdb %d nvalid %d nused %d", what, firstdb, be32(b, 52), be32(b, 56));
        return new FreeIndexBlock(dablk, fsb, read ? disk.adoptForChange(fsb, b) : b);
    }

    private byte[] emptyFreeBlock(long owner, long fsb, int firstdb) {
        byte[] b = new byte[bs];
        put32(b, 0, DirNodeWriter.FREE_MAGIC);
        put64(b, 8, disk.fsbToDaddr(fsb));
        put64(b, 24, disk.sb().metaUuid().getMostSignificantBits());
        put64(b, 32, disk.sb().metaUuid().getLeastSignificantBits());
        put64(b, 40, owner);
        put32(b, 48, firstdb);
        return b;
    }

    private void release(List<BmapExtent> ext, long dablk) throws FsException {
        space.freeRuns(ExtentList.remove(ext, dablk, 1));
    }

    /** A new leaf-space block in the first hole after the root: its header as {@code like}'s, entries as given. */
    private DaBlock newBlock(Node nd, DaBlock like, long[] ents, int from, int to, long fsb, List<BmapExtent> ext) {
        long da = firstHole(ext, leafDablk + 1, freeDablk);
        ExtentList.add(ext, new BmapExtent(da, fsb, 1, false));
        byte[] b = new byte[bs];
        put16(b, 8, be16(like.b(), 8));
        put64(b, 16, disk.fsbToDaddr(fsb));
        put64(b, 32, disk.sb().metaUuid().getMostSignificantBits());
        put64(b, 40, disk.sb().metaUuid().getLeastSignificantBits());
        put64(b, 48, nd.dir().ino());
        DaBlock.writeEntries(b, ents, from, to);
        put16(b, 58, like.isNode() ? be16(like.b(), 58) : 0);
        return new DaBlock(da, fsb, b);
    }

    /**
     * xfs_da3_split of a leaf or a node: {@code ents[half..]} move to a new block linked after
     * {@code old} (xfs_da3_blk_link); returns the entry the parent takes for it.
     */
    private long split(Node nd, DaBlock old, long[] ents, int half, long fsb, List<BmapExtent> ext) throws FsException {
        DaBlock nb = newBlock(nd, old, ents, half, ents.length, fsb, ext);
        long forw = old.forw();
        put32(nb.b(), 0, forw);
        put32(nb.b(), 4, old.dablk());
        DaBlock.writeEntries(old.b(), ents, 0, half);
        put32(old.b(), 0, nb.dablk());
        if (forw != 0) {
            DaBlock after = block(nd, forw);
            put32(after.b(), 4, nb.dablk());
            store(after.b(), after.fsb(), 12);
        }
        store(nb.b(), nb.fsb(), 12);
        store(old.b(), old.fsb(), 12);
        return ((ents[ents.length - 1] >>> 32) << 32) | nb.dablk();
    }

    /**
     * xfs_da3_root_split: the root's entries go to two new blocks of its kind (nodes, or leaves when
     * the root was the one LEAFN block); the root stays where it is, a da node one level higher.
     */
    private void rootSplit(Node nd, DaBlock root, long[] ents, long fsbA, long fsbB, List<BmapExtent> ext)
            throws FsException {
        int half = ents.length / 2;
        DaBlock a = newBlock(nd, root, ents, 0, half, fsbA, ext);
        DaBlock b = newBlock(nd, root, ents, half, ents.length, fsbB, ext);
        put32(a.b(), 0, b.dablk());
        put32(b.b(), 4, a.dablk());
        store(a.b(), a.fsb(), 12);
        store(b.b(), b.fsb(), 12);
        long[] top = {((ents[half - 1] >>> 32) << 32) | a.dablk(), ((ents[ents.length - 1] >>> 32) << 32) | b.dablk()};
        int level = nd.level() + 1;
        // A root that was the one LEAFN block becomes the da node over its two halves.
        put16(root.b(), 8, DirNodeWriter.DA3_NODE_MAGIC);
        DaBlock.writeEntries(root.b(), top, 0, 2);
        put16(root.b(), 58, level);
        store(root.b(), root.fsb(), 12);
    }

    private long lastDataBlockEnd(List<BmapExtent> ext) {
        long end = 0;
        for (BmapExtent e : ext) {
            if (e.startoff() < leafDablk) {
                end = Math.max(end, Math.min(e.endoff(), leafDablk));
            }
        }
        return end * bs;
    }

    /** The first unmapped file block in {@code [from, to)} of a sorted extent list, or -1. */
    private static long firstHole(List<BmapExtent> ext, long from, long to) {
        long off = from;
        for (BmapExtent e : ext) {
            if (e.startoff() > off) {
                break;
            }
            off = Math.max(off, e.endoff());
        }
        return off < to ? off : -1;
    }

    private void store(byte[] b, long fsb, int crcOff) throws FsException {
        disk.writeBytes(disk.fsbToByte(fsb), b, bs, crcOff);
    }

    /** The directory's mapping (when it changed), size (when it changed) and times, as rewriteDir leaves them. */
    private void finish(XfsInode dir, List<BmapExtent> ext, long size) throws FsException {
        if (ext != null) {
            forks.persist(dir, ext);
            fs.cacheExtents(dir, ext);
        }
        Instant now = CoarseClock.now(1);
        fs.changeInode(dir, d -> {
            if (size >= 0) {
                d.di_size(size);
            }
            d.mtime(now);
            d.ctime(now);
        });
    }
}
