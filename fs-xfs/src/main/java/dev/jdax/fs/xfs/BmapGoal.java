package dev.jdax.fs.xfs;

import java.util.List;

/**
 * Where a file's new blocks should go (xfs_bmap_btalloc's ap->blkno, set by xfs_bmap_adjacent):
 * the inode's own block when the file has no blocks to follow; at EOF, right after the previous
 * extent plus the gap to it when that stays in the same AG; inside the file, after the previous
 * extent or before the next one, the gap counted only when it is at most four times the request
 * (XFS_ALLOC_GAP_UNITS), whichever is nearer.
 */
final class BmapGoal {
    /** XFS_ALLOC_GAP_UNITS: a gap to a neighbour is kept in the goal up to this many times the request. */
    static final long GAP_UNITS = 4;

    private BmapGoal() {
    }

    /** The goal for {@code length} blocks at file block {@code off} of inode {@code ino} mapped by {@code ext} (sorted). */
    static long of(XfsDisk disk, long ino, List<BmapExtent> ext, long off, long length) {
        long goal = disk.inoToFsb(ino);
        BmapExtent prev = null;
        BmapExtent got = null;
        for (BmapExtent e : ext) {
            if (e.startoff() < off) {
                prev = e;
            } else if (got == null) {
                got = e;
            }
        }
        if (got == null) {
            // At EOF: follow the previous extent, and its gap to us if that stays in its AG.
            if (prev != null && valid(disk, prev.startblock() + prev.blockcount(), prev.startblock())) {
                goal = prev.startblock() + prev.blockcount();
                long adjust = off - prev.endoff();
                if (adjust != 0 && valid(disk, goal + adjust, prev.startblock())) {
                    goal += adjust;
                }
            }
            return goal;
        }
        long prevbno = -1;
        long prevdiff = 0;
        if (prev != null && valid(disk, prev.startblock() + prev.blockcount(), prev.startblock())) {
            prevbno = prev.startblock() + prev.blockcount();
            long adjust = off - prev.endoff();
            prevdiff = adjust;
            if (prevdiff <= GAP_UNITS * length && valid(disk, prevbno + prevdiff, prev.startblock())) {
                prevbno += adjust;
            } else {
                prevdiff += adjust;
            }
        }
        long adjust = got.startoff() - off;
        long gotdiff = adjust;
        long gotbno = got.startblock();
        if (gotdiff <= GAP_UNITS * length && valid(disk, gotbno - gotdiff, gotbno)) {
            gotbno -= adjust;
        } else if (valid(disk, gotbno - length, gotbno)) {
            gotbno -= length;
            gotdiff += adjust - length;
        } else {
            gotdiff += adjust;
        }
        if (prevbno >= 0) {
            return prevdiff <= gotdiff ? prevbno : gotbno;
        }
        return gotbno;
    }

    /** ISVALID: {@code x} is a block of the same AG as {@code y}, inside it. */
    private static boolean valid(XfsDisk disk, long x, long y) {
        return x >= 0 && disk.agno(x) == disk.agno(y) && disk.agno(x) < disk.agcount() && disk.agbno(x) < disk.agblocks();
    }
}
