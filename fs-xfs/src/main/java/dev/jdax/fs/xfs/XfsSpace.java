package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * The allocators over all AGs: blocks near a target (xfs_alloc_vextent's "near, then any AG"),
 * inodes in the parent's AG first (xfs_dialloc), new inode chunks when all are full; and the
 * up-front check of an operation's worst case (xfs_trans_reserve's block reservation), so that an
 * operation that cannot finish fails before it changes anything.
 */
final class XfsSpace {
    private final XfsDisk disk;
    private final XfsAg[] ags;

    XfsSpace(XfsDisk disk) throws FsException {
        this.disk = disk;
        this.ags = new XfsAg[(int) disk.agcount()];
        for (int i = 0; i < ags.length; i++) {
            ags[i] = XfsAg.load(disk, i);
        }
    }

    XfsAg ag(long agno) {
        return ags[(int) agno];
    }

    /**
     * Checks that {@code blocks} more blocks can be allocated before an operation that may need
     * that many changes anything: ENOSPC otherwise. Like a transaction's block reservation it
     * counts against what users may still allocate (the free counter less the set-aside, the
     * reserve pool and the AGs' metadata reservations); {@code fromPool} lets it use the reserve
     * pool, as Linux lets operations that free space (XFS_TRANS_RESERVE). It also counts against
     * what the AGs can give once each keeps its AGFL refill and reservation, with room for the
     * free-space trees to grow on the way.
     */
    void reserve(long blocks, boolean fromPool) throws FsException {
        long users = XfsReservations.available(disk, this) + (fromPool ? XfsReservations.reservePool(disk) : 0);
        long agsCan = 0;
        for (XfsAg ag : ags) {
            agsCan += Math.max(0, ag.usable() - ag.freeSpace().maxFreelist());
        }
        if (blocks > users || blocks > agsCan) {
            throw FsException.of(Errno.ENOSPC, "xfs: an operation that may need %d blocks: %d available",
                    blocks, Math.max(0, Math.min(users, agsCan)));
        }
    }

    /** Up to {@code want} contiguous blocks near {@code nearFsb}: {@code {fsb, count}}; ENOSPC when none at all. */
    long[] allocBlocks(long nearFsb, long want) throws FsException {
        long startAg = nearFsb < 0 ? 0 : disk.agno(nearFsb);
        long near = nearFsb < 0 ? 0 : disk.agbno(nearFsb);
        want = Math.min(want, BmapExtent.MAX_BLOCKCOUNT);
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < ags.length; k++) {
                XfsAg ag = ags[(int) ((startAg + k) % ags.length)];
                // First pass: only an AG whose longest extent satisfies the whole request.
                if (ag.usable() == 0 || (pass == 0 && ag.longest() < want)) {
                    continue;
                }
                long[] got = ag.allocate(want, 1, k == 0 ? near : 0, 1);
                if (got != null) {
                    return new long[]{disk.fsb(ag.agno, got[0]), got[1]};
                }
            }
        }
        throw FsException.of(Errno.ENOSPC, "xfs: no free blocks left");
    }

    void freeBlocks(long fsb, long count) throws FsException {
        Corrupt.check(disk.fsbValid(fsb, count), "freeing blocks [%d, +%d] out of range", fsb, count);
        ags[(int) disk.agno(fsb)].release(disk.agbno(fsb), count);
    }

    long freeBlockCount() {
        long n = 0;
        for (XfsAg ag : ags) {
            n += ag.freeBlocks();
        }
        return n;
    }

    /** A free inode number, in the AG of {@code nearIno} when it has one. */
    long allocInode(long nearIno) throws FsException {
        long startAg = disk.inoAgno(nearIno);
        for (int k = 0; k < ags.length; k++) {
            long ino = ags[(int) ((startAg + k) % ags.length)].claimInode();
            if (ino >= 0) {
                return ino;
            }
        }
        for (int k = 0; k < ags.length; k++) {
            XfsAg ag = ags[(int) ((startAg + k) % ags.length)];
            if (ag.newChunk()) {
                return ag.claimInode();
            }
        }
        throw FsException.of(Errno.ENOSPC, "xfs: no space for a new inode chunk");
    }

    void freeInode(long ino) throws FsException {
        ags[(int) disk.inoAgno(ino)].freeInode(ino);
    }

    boolean inodeInUse(long ino) {
        return ags[(int) disk.inoAgno(ino)].inodeInUse(ino);
    }
}
