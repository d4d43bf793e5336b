package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One allocation group: its headers (AGF, AGI, AGFL), its free space ({@link AgFreeSpace}:
 * bnobt, cntbt) and its inode chunks ({@link AgInodes}: inobt, finobt), loaded and checked
 * whole at mount. Every change is written at once — tree blocks, AGFL, AGF/AGI — so the image
 * is consistent for xfs_repair after each (jdax does not use the log).
 */
final class XfsAg {
    private final XfsDisk disk;
    final long agno;
    /** The worst-case sizes of the refcountbt and finobt here, their metadata reservations (fixed at mount). */
    final long refcountResvMax;
    final long finobtResvMax;
    private final XfsAgf agf;
    private final XfsAgi agi;
    private final Agfl agfl;
    private final AgFreeSpace space;
    private final AgInodes inodes;
    /** The refcount B+tree (reflink): a record per run of shared blocks, and per CoW staging extent. */
    private final ShortBtree refcount;
    /** The tree's shared-domain records in core. */
    private final SharedExtents shared = new SharedExtents();
    /**
     * The CoW staging records: agbno → blocks. Those a mount finds are a crash's (and those the
     * intents recovery finishes add), until {@link #recoverCowStaging}; then this mount's own.
     */
    private final TreeMap<Long, Long> staged = new TreeMap<>();

    private XfsAg(XfsDisk disk, long agno, XfsAgf agf, XfsAgi agi, Agfl agfl) {
        this.disk = disk;
        this.agno = agno;
        this.refcountResvMax = XfsReservations.refcountResvMax(disk, agno);
        this.finobtResvMax = XfsReservations.finobtResvMax(disk, agno);
        this.agf = agf;
        this.agi = agi;
        this.agfl = agfl;
        this.space = new AgFreeSpace(disk, agno, agf, agfl, () -> XfsReservations.agReserved(this));
        this.inodes = new AgInodes(disk, agno, agi, space);
        this.refcount = new ShortBtree(disk, agno, AgBtreeKind.REFC, new ShortBtree.Root() {
            public long root() { return agf.agf_refcount_root(); }
            public int levels() { return (int) agf.agf_refcount_level(); }
            public void set(long root, int levels) { agf.agf_refcount_root(root); agf.agf_refcount_level(levels); }
        }, new ShortBtree.Blocks() {
            // xfs_refcountbt_alloc_block / _free_block: the metadata reservation, agf_refcount_blocks.
            @Override
            public long alloc(long near) throws FsException {
                long[] got = space.allocate(1, 1, near, 1, AgFreeSpace.Resv.METADATA, 0);
                if (got == null) {
                    return -1;
                }
                agf.agf_refcount_blocks(agf.agf_refcount_blocks() + 1);
                return got[0];
            }

            @Override
            public void free(long agbno) throws FsException {
                space.free(agbno, 1, AgFreeSpace.Resv.METADATA);
                agf.agf_refcount_blocks(agf.agf_refcount_blocks() - 1);
            }
        });
    }

    static XfsAg load(XfsDisk disk, long agno) throws FsException {
        XfsAgf agf = XfsAgf.read(disk, agno);
        XfsAgi agi = XfsAgi.read(disk, agno);
        XfsAg ag = new XfsAg(disk, agno, agf, agi, Agfl.read(disk, agno, agf));
        ag.space.load();
        ag.inodes.load();
        if ((disk.sb().sb_features_ro_compat() & XfsSuperblock.RO_COMPAT_REFLINK) != 0) {
            for (long[] c : index(ag.refcount.records(), ag.shared)) {
                ag.staged.put(c[0], c[1]);
            }
            Corrupt.check(ag.refcount.scannedBlocks() == agf.agf_refcount_blocks(), "AGF %d: agf_refcount_blocks %d, the tree has %d",
                    agno, agf.agf_refcount_blocks(), ag.refcount.scannedBlocks());
        }
        return ag;
    }

    /**
     * The shared extents of AG {@code agno} of a read-only mount, read from its refcount B+tree
     * (empty without reflink).
     */
    static SharedExtents readShared(XfsDisk disk, long agno) throws FsException {
        SharedExtents shared = new SharedExtents();
        if ((disk.sb().sb_features_ro_compat() & XfsSuperblock.RO_COMPAT_REFLINK) != 0) {
            XfsAgf agf = XfsAgf.read(disk, agno);
            ShortBtree tree = new ShortBtree(disk, agno, AgBtreeKind.REFC, new ShortBtree.Root() {
                public long root() { return agf.agf_refcount_root(); }
                public int levels() { return (int) agf.agf_refcount_level(); }
                public void set(long root, int levels) { throw new IllegalStateException("read-only"); }
            }, null);
            index(tree.records(), shared);
        }
        return shared;
    }

    /** Puts the shared-domain records into {@code shared}; returns the CoW staging ones ({agbno, blocks}). */
    private static List<long[]> index(List<byte[]> records, SharedExtents shared) {
        List<long[]> cow = new ArrayList<>();
        for (byte[] r : records) {
            long start = Buf.be32(r, 0);
            if ((start & SharedExtents.COW_FLAG) != 0) {
                cow.add(new long[]{start & ~SharedExtents.COW_FLAG, Buf.be32(r, 4)});
            } else {
                shared.put(start, Buf.be32(r, 4), Buf.be32(r, 8));
            }
        }
        return cow;
    }

    /** The shared extents here, kept with the refcount B+tree. */
    SharedExtents shared() {
        return shared;
    }

    /**
     * xfs_refcount_adjust (increase): {@code [agbno, +len)}, in use, gets one more mapping. Under
     * the AG lock, inside a transaction.
     */
    void share(long agbno, long len) throws FsException {
        adjust(agbno, len, 1);
    }

    /**
     * One mapping of {@code [agbno, +len)} goes (xfs_refcount_decrease_extent, then
     * xfs_free_extent for what no mapping uses any more): shared blocks lose a count, the others
     * join the free space. Under the AG lock, inside a transaction.
     */
    void unshare(long agbno, long len) throws FsException {
        if (shared.isEmpty()) {
            release(agbno, len);
            return;
        }
        for (long[] run : adjust(agbno, len, -1)) {
            release(run[0], run[1]);
        }
    }

    private List<long[]> adjust(long agbno, long len, int delta) throws FsException {
        SharedExtents.Change c = shared.plan(agbno, len, delta);
        for (long[] r : c.removed()) {
            refcount.delete(rec(r[0], r[1], r[2]));
        }
        for (long[] a : c.added()) {
            refcount.insert(rec(a[0], a[1], a[2]));
        }
        shared.apply(c);
        if (!c.removed().isEmpty() || !c.added().isEmpty()) {
            space.writeHeaders();
        }
        return c.freed();
    }

    /**
     * xfs_reflink_recover_cow: the CoW staging extents a crash left (records with the CoW flag, which
     * a CoW fork's blocks carry until they are remapped or given back, in jdax as in Linux) go back to
     * the free space, their records out of the tree. Under the AG lock, inside a transaction.
     *
     * @return how many extents were recovered
     */
    int recoverCowStaging() throws FsException {
        List<Map.Entry<Long, Long>> cow = List.copyOf(staged.entrySet());
        for (Map.Entry<Long, Long> c : cow) {
            unrecord(c.getKey(), c.getValue());
            release(c.getKey(), c.getValue());
        }
        return cow.size();
    }

    /**
     * xfs_refcount_alloc_cow_extent: {@code [agbno, +len)}, just allocated into a CoW fork, is
     * recorded as staged, so that a crash before it is remapped or given back leaks nothing
     * (recovery frees what the records name). Under the AG lock, inside a transaction.
     */
    void stageCow(long agbno, long len) throws FsException {
        long start = agbno;
        long end = agbno + len;
        // Merged with staged neighbours, as xfs_refcount_merge_extents merges CoW records.
        Map.Entry<Long, Long> left = staged.lowerEntry(agbno);
        if (left != null && left.getKey() + left.getValue() == agbno) {
            unrecord(left.getKey(), left.getValue());
            start = left.getKey();
        }
        Long right = staged.get(end);
        if (right != null) {
            unrecord(end, right);
            end += right;
        }
        record(start, end - start);
        space.writeHeaders();
    }

    /**
     * xfs_refcount_free_cow_extent: {@code [agbno, +len)} is staged no more (remapped into a file,
     * or given back): the records holding it are cut to what is left. Under the AG lock, inside a
     * transaction.
     */
    void unstageCow(long agbno, long len) throws FsException {
        long end = agbno + len;
        long covered = 0;
        Map.Entry<Long, Long> first = staged.floorEntry(agbno);
        long from = first != null && first.getKey() + first.getValue() > agbno ? first.getKey() : agbno;
        for (var r : List.copyOf(staged.subMap(from, true, end, false).entrySet())) {
            long rs = r.getKey();
            long re = rs + r.getValue();
            unrecord(rs, r.getValue());
            if (rs < agbno) {
                record(rs, agbno - rs);
            }
            if (re > end) {
                record(end, re - end);
            }
            covered += Math.min(re, end) - Math.max(rs, agbno);
        }
        Corrupt.check(covered == len, "AG %d: blocks [%d, +%d] are not staged for CoW", agno, agbno, len);
        space.writeHeaders();
    }

    private void record(long agbno, long len) throws FsException {
        refcount.insert(rec(agbno | SharedExtents.COW_FLAG, len, 1));
        staged.put(agbno, len);
    }

    private void unrecord(long agbno, long len) throws FsException {
        refcount.delete(rec(agbno | SharedExtents.COW_FLAG, len, 1));
        staged.remove(agbno);
    }

    /** struct xfs_refcount_rec: rc_startblock, rc_blockcount, rc_refcount. */
    private static byte[] rec(long start, long len, long count) {
        byte[] b = new byte[12];
        Buf.put32(b, 0, start);
        Buf.put32(b, 4, len);
        Buf.put32(b, 8, count);
        return b;
    }

    /**
     * Adds a record to the refcount B+tree as it is, beside the index (the tree's own tests).
     */
    void addRefcount(byte[] rec) throws FsException {
        refcount.insert(rec);
        space.writeHeaders();
    }

    void removeRefcount(byte[] rec) throws FsException {
        refcount.delete(rec);
        space.writeHeaders();
    }

    AgFreeSpace freeSpace() {
        return space;
    }

    AgInodes inodes() {
        return inodes;
    }

    int agflCount() {
        return agfl.count();
    }

    long refcountBlocks() {
        return agf.agf_refcount_blocks();
    }

    long finobtBlocks() {
        return inodes.finobtBlocks();
    }

    long freeBlocks() {
        return space.freeblks();
    }

    long longest() {
        return space.longest();
    }

    /** What an ordinary allocation may still take here, in blocks. */
    long usable() {
        return Math.max(0, space.available(AgFreeSpace.Resv.NONE, 0));
    }

    /** Returns {@code [start, start + len)} to the free space, merging neighbours (xfs_free_ag_extent). */
    void release(long start, long len) throws FsException {
        space.free(start, len, AgFreeSpace.Resv.NONE);
    }

    /** Claims a free inode of an existing chunk; -1 when every chunk is full. */
    long claimInode() throws FsException {
        return inodes.claim();
    }

    /** Allocates a new chunk of 64 free inodes; false when there is no aligned space. */
    boolean newChunk() throws FsException {
        return inodes.newChunk();
    }

    void freeInode(long ino) throws FsException {
        inodes.free(disk.inoAgino(ino));
    }

    /** agi_unlinked[bucket]: the first AG inode of that bucket's unlinked list (NULLAGINO when empty). */
    long unlinkedHead(int bucket) {
        return agi.agi_unlinked(bucket);
    }

    /** Sets agi_unlinked[bucket] and writes the AGI. */
    void unlinkedHead(int bucket, long agino) throws FsException {
        agi.agi_unlinked(bucket, agino);
        inodes.writeAgi();
    }

    /** Whether the inobt says {@code ino} is allocated. */
    boolean inodeInUse(long ino) {
        return inodes.inUse(disk.inoAgino(ino));
    }
}
