package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

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
    /** The refcount B+tree (reflink): empty as long as no extent is shared, which jdax never makes. */
    private final ShortBtree refcount;

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
            int shared = ag.refcount.records().size();
            Corrupt.check(ag.refcount.scannedBlocks() == agf.agf_refcount_blocks(), "AGF %d: agf_refcount_blocks %d, the tree has %d",
                    agno, agf.agf_refcount_blocks(), ag.refcount.scannedBlocks());
            if (shared > 0) {
                throw FsException.of(Errno.EROFS, "xfs: AG %d has %d shared or CoW extents: jdax does not write reflinked"
                        + " files; mount it read-only", agno, shared);
            }
        }
        return ag;
    }

    /**
     * Adds a record to the refcount B+tree (what xfs_refcount_adjust does for a shared extent);
     * jdax makes no shared extents itself, so only tests call this.
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
