package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Changes a node directory in place, as xfs_dir2_node_addname, xfs_dir2_node_removename and
 * xfs_dir2_node_replace do: a new name goes into the data block whose longest free region holds
 * it (a new data block in the first hole of the data space when none does), its hash into the
 * LEAFN block the da node sends it to (a full leaf is split in two), and the data block's
 * bestfree table and the free index follow. A removed name becomes free space merged with its
 * neighbours and a stale leaf entry; a data block left empty is freed. Every change reads and
 * writes a handful of blocks, whatever the directory's size.
 *
 * <p>It edits node directories whose da btree has one level and whose free index is one block;
 * for anything else (shortform, block and leaf directories, which are one or a few blocks, or a
 * root node that is full) {@link #plan} answers null before anything changes and the caller
 * rewrites the directory whole ({@link DirWriter}).
 */
final class DirEditor {
    static final int NULL_DATAOFF = 0xffff;
    private static final int HDR = DirWriter.LEAF_HDR;

    private final XfsFileSystem fs;
    private final XfsDisk disk;
    private final XfsSpace space;
    private final ForkWriter forks;
    private final boolean ftype;
    private final int bs;
    private final long leafDablk;
    private final long freeDablk;
    /** Entries of a LEAFN block and children of a da node: both 8 bytes after a 64-byte header. */
    private final int maxEnts;
    /** Best-free slots of one free index block (xfs_dir3_free_max_bests). */
    private final int maxBests;

    DirEditor(XfsFileSystem fs, XfsDisk disk, XfsSpace space, ForkWriter forks) {
        this.fs = fs;
        this.disk = disk;
        this.space = space;
        this.forks = forks;
        this.ftype = disk.sb().hasFtype();
        this.bs = disk.blockSize();
        this.leafDablk = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        this.freeDablk = XfsDirs.FREE_OFFSET_BYTES >>> disk.blockLog();
        this.maxEnts = (bs - HDR) / 8;
        this.maxBests = (bs - HDR) / 2;
    }

    /** A node directory's da root and free index, as read at the start of one change. */
    private record Node(XfsInode dir, List<BmapExtent> extents, byte[] root, long rootFsb, byte[] free, long freeFsb) {
        int nvalid() {
            return (int) be32(free, 52);
        }

        int best(int db) {
            return be16(free, HDR + 2 * db);
        }

        int children() {
            return be16(root, 56);
        }

        long childDablk(int i) {
            return be32(root, HDR + 8 * i + 4);
        }

        /** The child the da node sends {@code hash} to: the first whose greatest hash is not below it, else the last. */
        int childFor(int hash) {
            int n = children();
            for (int i = 0; i < n; i++) {
                if (Integer.compareUnsigned((int) be32(root, HDR + 8 * i), hash) >= 0) {
                    return i;
                }
            }
            return n - 1;
        }
    }

    /** What adding a name of {@code size} bytes takes: the data block, whether it is new, the leaf, whether it splits. */
    record Plan(int db, boolean newData, int child, boolean split, long newLeafDablk) {
        boolean allocates() {
            return newData || split;
        }
    }

    /** One LEAFN block read for a change. */
    private record Leaf(long dablk, long fsb, byte[] b) {
        int count() {
            return be16(b, 56);
        }

        int hash(int i) {
            return (int) be32(b, HDR + 8 * i);
        }

        long address(int i) {
            return be32(b, HDR + 8 * i + 4);
        }
    }

    private Node open(XfsInode dir, List<BmapExtent> ext) throws FsException {
        if (dir.di_format() == XfsInode.FMT_LOCAL || disk.sb().sb_dirblklog() != 0 || XfsDirs.isBlockForm(disk, dir, ext)) {
            return null;
        }
        long rootFsb = DirWriter.mapped(ext, leafDablk);
        long freeFsb = DirWriter.mapped(ext, freeDablk);
        if (rootFsb < 0 || freeFsb < 0 || DirWriter.mapped(ext, freeDablk + 1) >= 0) {
            return null;
        }
        byte[] root = readDa(dir, rootFsb, leafDablk);
        if (be16(root, 8) != DirNodeWriter.DA3_NODE_MAGIC || be16(root, 58) != 1) {
            return null;                    // a leaf directory, or a da btree of more levels
        }
        String what = "directory inode " + dir.ino() + " free index";
        byte[] free = disk.readBlock(freeFsb, what);
        Corrupt.check(be32(free, 0) == DirNodeWriter.FREE_MAGIC, "%s: magic 0x%x", what, be32(free, 0));
        XfsCrc.verify(free, 0, bs, 4, what);
        Corrupt.check(be64(free, 8) == disk.fsbToDaddr(freeFsb) && be64(free, 40) == dir.ino(), "%s: blkno or owner wrong", what);
        Corrupt.check(be32(free, 48) == 0 && be32(free, 52) <= maxBests, "%s: firstdb %d nvalid %d", what, be32(free, 48),
                be32(free, 52));
        Corrupt.check(be16(root, 56) > 0 && be16(root, 56) <= maxEnts, "directory inode %d: da node count %d", dir.ino(),
                be16(root, 56));
        return new Node(dir, ext, root, rootFsb, free, freeFsb);
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
        int nvalid = nd.nvalid();
        int db = -1;
        int firstHole = nvalid;
        for (int i = 0; i < nvalid; i++) {
            int best = nd.best(i);
            if (best == NULL_DATAOFF) {
                firstHole = Math.min(firstHole, i);
            } else if (best >= size) {
                db = i;
                break;
            }
        }
        boolean newData = db < 0;
        if (newData) {
            db = firstHole;
            if (db >= maxBests || DirWriter.mapped(nd.extents(), db) >= 0) {
                return null;
            }
        }
        int child = nd.childFor(DirWriter.hash(name));
        Leaf leaf = leaf(nd, nd.childDablk(child));
        boolean split = leaf.count() == maxEnts && be16(leaf.b(), 58) == 0;
        long newLeaf = -1;
        if (split) {
            newLeaf = firstHole(nd.extents(), leafDablk + 1, freeDablk);
            if (nd.children() == maxEnts || newLeaf < 0) {
                return null;
            }
        }
        return new Plan(db, newData, child, split, newLeaf);
    }

    /** Adds {@code rec} to {@code dir} in place; false (nothing changed) when this class does not edit it. */
    boolean add(XfsInode dir, DirRecord rec) throws FsException {
        Node nd = open(dir, fs.extents(dir));
        Plan p = nd == null ? null : plan(nd, rec.name());
        if (p == null) {
            return false;
        }
        List<BmapExtent> ext = new ArrayList<>(nd.extents());
        long near = disk.fsb(disk.inoAgno(dir.ino()), disk.inoAgino(dir.ino()) >>> disk.inopblog());
        // Both blocks first: a change that cannot have them fails before it writes anything.
        long dataFsb = p.newData() ? space.allocBlocks(near, 1)[0] : DirWriter.mapped(ext, p.db());
        long newLeafFsb = -1;
        if (p.split()) {
            try {
                newLeafFsb = space.allocBlocks(near, 1)[0];
            } catch (FsException e) {
                if (p.newData()) {
                    space.freeBlocks(dataFsb, 1);
                }
                throw e;
            }
            ExtentList.add(ext, new BmapExtent(p.newLeafDablk(), newLeafFsb, 1, false));
        }
        byte[] data;
        if (p.newData()) {
            ExtentList.add(ext, new BmapExtent(p.db(), dataFsb, 1, false));
            data = emptyDataBlock(dir.ino(), dataFsb);
        } else {
            data = readData(dir, dataFsb, p.db());
        }
        int off = insertEntry(data, rec);
        int longest = bestFree(data);
        store(data, dataFsb, DataBlock.CRC_OFF);

        int hash = DirWriter.hash(rec.name());
        long address = ((long) p.db() * bs + off) >>> 3;
        Leaf leaf = leaf(nd, nd.childDablk(p.child()));
        long[] ents = entries(leaf, true);
        ents = insertSorted(ents, hash, address);
        if (p.split()) {
            split(nd, p, leaf, ents, newLeafFsb);
        } else {
            writeLeaf(leaf.b(), ents, 0, ents.length);
            store(leaf.b(), leaf.fsb(), 12);
            setChildHash(nd.root(), p.child(), (int) (ents[ents.length - 1] >>> 32));
        }
        store(nd.root(), nd.rootFsb(), 12);

        byte[] free = nd.free();
        put16(free, HDR + 2 * p.db(), longest);
        if (p.newData()) {
            put32(free, 52, Math.max(nd.nvalid(), p.db() + 1));
            put32(free, 56, be32(free, 56) + 1);
        }
        store(free, nd.freeFsb(), 4);
        finish(dir, p.allocates() ? ext : null, p.newData() ? Math.max(dir.di_size(), (long) (p.db() + 1) * bs) : -1);
        return true;
    }

    /** Removes {@code name} from {@code dir} in place; false (nothing changed) when this class does not edit it. */
    boolean remove(XfsInode dir, byte[] name) throws FsException {
        Node nd = open(dir, fs.extents(dir));
        if (nd == null) {
            return false;
        }
        Found f = find(nd, name);
        if (f == null) {
            throw Corrupt.of("directory %d lost \"%s\" under its lock", dir.ino(), new String(name,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        // xfs_dir3_leafn_remove: the leaf entry goes stale, so no hash in the da node changes.
        put32(f.leaf().b(), HDR + 8 * f.index() + 4, 0);
        put16(f.leaf().b(), 58, be16(f.leaf().b(), 58) + 1);
        store(f.leaf().b(), f.leaf().fsb(), 12);

        freeEntry(f.data(), f.off());
        int longest = bestFree(f.data());
        byte[] free = nd.free();
        List<BmapExtent> ext = null;
        long size = -1;
        if (longest == bs - DataBlock.HDR_SIZE && f.db() != 0) {
            // xfs_dir2_shrink_inode: an empty data block goes; the directory ends at its last data block.
            ext = new ArrayList<>(nd.extents());
            for (long[] freed : ExtentList.remove(ext, f.db(), 1)) {
                space.freeBlocks(freed[0], freed[1]);
            }
            dropBest(free, f.db());
            if (dir.di_size() <= (long) (f.db() + 1) * bs) {
                size = lastDataBlockEnd(ext);
            }
        } else {
            store(f.data(), f.dataFsb(), DataBlock.CRC_OFF);
            put16(free, HDR + 2 * f.db(), longest);
        }
        store(free, nd.freeFsb(), 4);
        finish(dir, ext, size);
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
    private record Found(Leaf leaf, int index, int db, long dataFsb, byte[] data, int off) {
    }

    private Found find(Node nd, byte[] name) throws FsException {
        int hash = DirWriter.hash(name);
        int child = nd.childFor(hash);
        Leaf leaf = leaf(nd, nd.childDablk(child));
        for (int hops = 0; ; hops++) {
            int n = leaf.count();
            int lo = 0;
            int hi = n;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (Integer.compareUnsigned(leaf.hash(mid), hash) < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            for (int i = lo; i < n && leaf.hash(i) == hash; i++) {
                long address = leaf.address(i);
                if (address == 0) {
                    continue;
                }
                long byteOff = address << 3;
                int db = (int) (byteOff >>> disk.blockLog());
                int off = (int) (byteOff & (bs - 1));
                long fsb = DirWriter.mapped(nd.extents(), db);
                Corrupt.check(fsb >= 0 && db < leafDablk, "directory inode %d: leaf address 0x%x names a hole",
                        nd.dir().ino(), address);
                byte[] data = readData(nd.dir(), fsb, db);
                Corrupt.check(off >= DataBlock.HDR_SIZE && off + 9 < bs && be16(data, off) != 0xffff,
                        "directory inode %d: leaf address 0x%x names no entry", nd.dir().ino(), address);
                int len = u8(data, off + 8);
                if (len == name.length && off + 9 + len <= bs
                        && Arrays.equals(data, off + 9, off + 9 + len, name, 0, len)) {
                    return new Found(leaf, i, db, fsb, data, off);
                }
            }
            boolean runsOn = n > 0 && leaf.hash(n - 1) == hash && be32(leaf.b(), 0) != 0;
            if (!runsOn) {
                return null;
            }
            Corrupt.check(hops <= maxEnts, "directory inode %d: leaf chain loops", nd.dir().ino());
            leaf = leaf(nd, be32(leaf.b(), 0));
        }
    }

    // ---- data blocks ----------------------------------------------------------------------------

    private byte[] emptyDataBlock(long owner, long fsb) {
        byte[] b = new byte[bs];
        put32(b, 0, DataBlock.XFS_DIR3_DATA_MAGIC);
        put64(b, 8, disk.fsbToDaddr(fsb));
        put64(b, 24, disk.sb().metaUuid().getMostSignificantBits());
        put64(b, 32, disk.sb().metaUuid().getLeastSignificantBits());
        put64(b, 40, owner);
        unused(b, DataBlock.HDR_SIZE, bs - DataBlock.HDR_SIZE);
        bestFree(b);
        return b;
    }

    private static void unused(byte[] b, int off, int len) {
        put16(b, off, 0xffff);
        put16(b, off + 2, len);
        put16(b, off + len - 2, off);
    }

    /** xfs_dir2_data_use_free: the entry takes the start of the longest free region; the rest stays free. */
    private int insertEntry(byte[] b, DirRecord rec) throws FsException {
        int size = DataBlock.entrySize(rec.name().length, ftype);
        int off = be16(b, 48);
        int len = be16(b, 50);
        Corrupt.check(len >= size && be16(b, off) == 0xffff && be16(b, off + 2) == len,
                "directory data block: best free region at %d of %d bytes cannot take %d", off, len, size);
        Arrays.fill(b, off, off + size, (byte) 0);
        put64(b, off, rec.ino());
        put8(b, off + 8, rec.name().length);
        System.arraycopy(rec.name(), 0, b, off + 9, rec.name().length);
        if (ftype) {
            put8(b, off + 9 + rec.name().length, rec.ftype());
        }
        put16(b, off + size - 2, off);
        if (len > size) {
            unused(b, off + size, len - size);
        }
        return off;
    }

    /** xfs_dir2_data_make_free: the entry becomes free space, joined with free neighbours. */
    private void freeEntry(byte[] b, int off) {
        int start = off;
        int end = off + DataBlock.entrySize(u8(b, off + 8), ftype);
        if (start > DataBlock.HDR_SIZE) {
            int prev = be16(b, start - 2);
            if (be16(b, prev) == 0xffff) {
                start = prev;
            }
        }
        if (end < bs && be16(b, end) == 0xffff) {
            end += be16(b, end + 2);
        }
        unused(b, start, end - start);
    }

    /**
     * xfs_dir2_data_freescan: the three longest free regions into the header's bestfree table,
     * longest first, an earlier region before a later one of the same length. Returns the longest.
     */
    private int bestFree(byte[] b) {
        int[] off = new int[3];
        int[] len = new int[3];
        for (int pos = DataBlock.HDR_SIZE; pos < bs; ) {
            if (be16(b, pos) == 0xffff) {
                int l = be16(b, pos + 2);
                for (int s = 0; s < 3; s++) {
                    if (l > len[s]) {
                        System.arraycopy(off, s, off, s + 1, 2 - s);
                        System.arraycopy(len, s, len, s + 1, 2 - s);
                        off[s] = pos;
                        len[s] = l;
                        break;
                    }
                }
                pos += l;
            } else {
                pos += DataBlock.entrySize(u8(b, pos + 8), ftype);
            }
        }
        for (int s = 0; s < 3; s++) {
            put16(b, 48 + 4 * s, off[s]);
            put16(b, 50 + 4 * s, len[s]);
        }
        return len[0];
    }

    private byte[] readData(XfsInode dir, long fsb, long db) throws FsException {
        String what = "directory inode " + dir.ino() + " data block " + db;
        byte[] b = disk.readBlock(fsb, what);
        DataBlock.verify(b, DataBlock.XFS_DIR3_DATA_MAGIC, disk.fsbToDaddr(fsb), dir.ino(), disk.sb().metaUuid(), what);
        return b;
    }

    // ---- leaves, the da node, the free index ----------------------------------------------------

    private Leaf leaf(Node nd, long dablk) throws FsException {
        long fsb = DirWriter.mapped(nd.extents(), dablk);
        Corrupt.check(fsb >= 0, "directory inode %d: leaf block %d is a hole", nd.dir().ino(), dablk);
        byte[] b = readDa(nd.dir(), fsb, dablk);
        Corrupt.check(be16(b, 8) == DirNodeWriter.LEAFN_MAGIC && be16(b, 56) <= maxEnts && be16(b, 58) <= be16(b, 56),
                "directory inode %d: leaf block %d magic 0x%x count %d stale %d", nd.dir().ino(), dablk, be16(b, 8),
                be16(b, 56), be16(b, 58));
        return new Leaf(dablk, fsb, b);
    }

    private byte[] readDa(XfsInode dir, long fsb, long dablk) throws FsException {
        String what = "directory inode " + dir.ino() + " block " + dablk;
        byte[] b = disk.readBlock(fsb, what);
        XfsCrc.verify(b, 0, bs, 12, what);
        Corrupt.check(be64(b, 16) == disk.fsbToDaddr(fsb) && be64(b, 48) == dir.ino(), "%s: blkno or owner wrong", what);
        return b;
    }

    /** A leaf's entries as (hash << 32 | address), without the stale ones when {@code compact}. */
    private static long[] entries(Leaf leaf, boolean compact) {
        int n = leaf.count();
        long[] out = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            long a = leaf.address(i);
            if (a != 0 || !compact) {
                out[k++] = ((long) leaf.hash(i) << 32) | a;
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** After the entries of the same hash, as xfs_dir3_leaf_find_entry places a new one. */
    private static long[] insertSorted(long[] ents, int hash, long address) {
        int i = 0;
        while (i < ents.length && Integer.compareUnsigned((int) (ents[i] >>> 32), hash) <= 0) {
            i++;
        }
        long[] out = new long[ents.length + 1];
        System.arraycopy(ents, 0, out, 0, i);
        out[i] = ((long) hash << 32) | address;
        System.arraycopy(ents, i, out, i + 1, ents.length - i);
        return out;
    }

    /** Rewrites a leaf's entries (stale ones were compacted away) from {@code ents[from, to)}. */
    private void writeLeaf(byte[] b, long[] ents, int from, int to) {
        Arrays.fill(b, HDR, bs, (byte) 0);
        put16(b, 56, to - from);
        put16(b, 58, 0);
        for (int i = from; i < to; i++) {
            put32(b, HDR + 8 * (i - from), ents[i] >>> 32);
            put32(b, HDR + 8 * (i - from) + 4, ents[i] & 0xffffffffL);
        }
    }

    /** xfs_dir2_leafn_split: the upper half moves to a new leaf linked after the old one; the da node names both. */
    private void split(Node nd, Plan p, Leaf old, long[] ents, long newFsb) throws FsException {
        int half = ents.length / 2;
        long newDa = p.newLeafDablk();
        long forw = be32(old.b(), 0);
        byte[] nb = new byte[bs];
        put32(nb, 0, forw);
        put32(nb, 4, old.dablk());
        put16(nb, 8, DirNodeWriter.LEAFN_MAGIC);
        put64(nb, 16, disk.fsbToDaddr(newFsb));
        put64(nb, 32, disk.sb().metaUuid().getMostSignificantBits());
        put64(nb, 40, disk.sb().metaUuid().getLeastSignificantBits());
        put64(nb, 48, nd.dir().ino());
        writeLeaf(nb, ents, half, ents.length);
        writeLeaf(old.b(), ents, 0, half);
        put32(old.b(), 0, newDa);
        if (forw != 0) {
            Leaf next = leaf(nd, forw);
            put32(next.b(), 4, newDa);
            store(next.b(), next.fsb(), 12);
        }
        store(nb, newFsb, 12);
        store(old.b(), old.fsb(), 12);
        byte[] root = nd.root();
        int n = nd.children();
        int at = HDR + 8 * (p.child() + 1);
        System.arraycopy(root, at, root, at + 8, 8 * (n - p.child() - 1));
        put16(root, 56, n + 1);
        setChildHash(root, p.child(), (int) (ents[half - 1] >>> 32));
        put32(root, at, ents[ents.length - 1] >>> 32);
        put32(root, at + 4, newDa);
    }

    private static void setChildHash(byte[] root, int child, int hash) {
        put32(root, HDR + 8 * child, hash & 0xffffffffL);
    }

    /** xfs_dir3_data_block_free: the slot goes null; a null tail shortens the valid slots. */
    private static void dropBest(byte[] free, int db) {
        int nvalid = (int) be32(free, 52);
        put16(free, HDR + 2 * db, NULL_DATAOFF);
        if (db == nvalid - 1) {
            int i = db - 1;
            while (i >= 0 && be16(free, HDR + 2 * i) == NULL_DATAOFF) {
                i--;
            }
            for (int k = i + 1; k < nvalid; k++) {
                put16(free, HDR + 2 * k, 0);
            }
            put32(free, 52, i + 1);
        }
        put32(free, 56, be32(free, 56) - 1);
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

    private static long firstHole(List<BmapExtent> ext, long from, long to) {
        long off = from;
        boolean moved = true;
        while (moved && off < to) {
            moved = false;
            for (BmapExtent e : ext) {
                if (off >= e.startoff() && off < e.endoff()) {
                    off = e.endoff();
                    moved = true;
                }
            }
        }
        return off < to ? off : -1;
    }

    private void store(byte[] b, long fsb, int crcOff) throws FsException {
        XfsCrc.update(b, 0, bs, crcOff);
        disk.writeBytes(disk.fsbToByte(fsb), b, bs);
    }

    /** The directory's mapping (when it changed), size (when it changed) and times, as rewriteDir leaves them. */
    private void finish(XfsInode dir, List<BmapExtent> ext, long size) throws FsException {
        if (ext != null) {
            forks.persist(dir, ext);
            fs.cacheExtents(dir, ext);
        }
        Instant now = Instant.now();
        fs.changeInode(dir, d -> {
            if (size >= 0) {
                d.di_size(size);
            }
            d.mtime(now);
            d.ctime(now);
        });
    }
}
