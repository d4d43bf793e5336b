package dev.jdax.fs.xfs;

/**
 * The free blocks a mounted XFS keeps from users, as Linux 6.1 computes them at mount:
 * the allocation set-aside (xfs_alloc_set_aside: 8 per AG), the per-AG metadata reservations for
 * the refcount btree and the finobt (xfs_ag_resv_init: worst-case tree size minus blocks in use,
 * xfs_btree_calc_size over the minimum records per block) and the reserve pool
 * (xfs_default_resblks: 5% of the blocks, at most 8192). statfs's f_bfree and the ENOSPC point
 * of writes both subtract them from the free-block counter.
 */
final class XfsReservations {
    private XfsReservations() {
    }

    static long setAside(XfsDisk disk) {
        return disk.agcount() * (4 + 4);
    }

    static long reservePool(XfsDisk disk) {
        return Math.min(disk.sb().sb_dblocks() / 20, 8192);
    }

    /** xfs_btree_calc_size: blocks of a tree holding {@code records} at the minimum fill. */
    static long btreeSize(long leafMin, long nodeMin, long records) {
        long blocks = 0;
        long len = records;
        long per = leafMin;
        while (len > 1) {
            len = (len + per - 1) / per;
            per = nodeMin;
            blocks += len;
        }
        return blocks;
    }

    /** The per-AG metadata reservation still unused: asked minus used, summed over AGs. */
    static long agReservations(XfsDisk disk, XfsSpace space) {
        long total = 0;
        for (long ag = 0; ag < disk.agcount(); ag++) {
            total += agReserved(space.ag(ag));
        }
        return total;
    }

    /**
     * One AG's metadata reservation still unused (xfs_ag_resv_needed for XFS_AG_RESV_NONE): what
     * the refcountbt and the finobt may yet grow into. Ordinary allocations leave it free.
     */
    static long agReserved(XfsAg ag) {
        return Math.max(0, ag.refcountResvMax - ag.refcountBlocks()) + Math.max(0, ag.finobtResvMax - ag.finobtBlocks());
    }

    /**
     * The refcountbt's worst-case size in AG {@code agno}, 0 without reflink: fixed at mount, as
     * xfs_ag_resv_init asks for it once (every allocation compares against the reservation, so
     * it is not worked out again each time). xfs_refcountbt_calc_reserves, like the finobt's,
     * leaves out the blocks of an internal log: they never hold records.
     */
    static long refcountResvMax(XfsDisk disk, long agno) {
        if ((disk.sb().sb_features_ro_compat() & XfsSuperblock.RO_COMPAT_REFLINK) == 0) {
            return 0;
        }
        int bs = disk.blockSize();
        long leaf = (bs - BtreeBlock.SHORT_LEN) / 12 / 2;   // refcount record: 12 bytes
        long node = (bs - BtreeBlock.SHORT_LEN) / 8 / 2;    // key 4 + pointer 4
        return btreeSize(leaf, node, blocksBesideLog(disk, agno));
    }

    /** The finobt's worst-case size in AG {@code agno} (every inode it can hold), 0 without a finobt. */
    static long finobtResvMax(XfsDisk disk, long agno) {
        XfsSuperblock sb = disk.sb();
        if (!sb.hasFinobt()) {
            return 0;
        }
        int bs = disk.blockSize();
        long leaf = (bs - BtreeBlock.SHORT_LEN) / InobtRec.SIZE / 2;
        long node = (bs - BtreeBlock.SHORT_LEN) / 8 / 2;
        long recs = blocksBesideLog(disk, agno) * sb.sb_inopblock() / InobtRec.INODES;
        return btreeSize(leaf, node, recs);
    }

    /** AG {@code agno}'s length, less the internal log's blocks when the log lies in it (xfs_ag_contains_log). */
    private static long blocksBesideLog(XfsDisk disk, long agno) {
        XfsSuperblock sb = disk.sb();
        long len = disk.agLength(agno);
        long logAg = sb.sb_logstart() != 0 ? disk.agno(sb.sb_logstart()) : -1;
        return agno == logAg ? len - sb.sb_logblocks() : len;
    }

    // ---- transaction block reservations (xfs_trans_space.h), the worst case of an operation ----

    /** XFS_BM_MAXLEVELS of the data fork (xfs_bmap_compute_maxlevels, no nrext64). */
    static int bmapMaxLevels(XfsDisk disk) {
        long min = (disk.blockSize() - BtreeBlock.LONG_LEN) / 16 / 2;   // m_bmap_dmnr, leaves and nodes alike
        long maxRootRecs = 3;                                           // xfs_bmdr_maxrecs(XFS_BMDR_SPACE_CALC(3))
        long blocks = ((1L << 31) - 1 + min - 1) / min;
        int level = 1;
        while (blocks > 1) {
            blocks = blocks <= maxRootRecs ? 1 : (blocks + min - 1) / min;
            level++;
        }
        return level;
    }

    /** igeo->inobt_maxlevels: the inobt of an AG holding every inode number it can. */
    static int inobtMaxLevels(XfsDisk disk) {
        long aginos = 1L << (disk.sb().sb_agblklog() + disk.inopblog());
        return AgBtreeKind.INO.maxLevels(disk.blockSize(), aginos / InobtRec.INODES);
    }

    /** XFS_DIOSTRAT_SPACE_RES: {@code blocks} of data and a bmbt split at every level. */
    static long write(XfsDisk disk, long blocks) {
        return bmapMaxLevels(disk) - 1 + blocks;
    }

    /** XFS_DIRENTER_SPACE_RES: a directory entry added, the da btree and bmbt split all the way. */
    static long dirEnter(XfsDisk disk) {
        long daBlocks = (1L << disk.sb().sb_dirblklog()) * (5 + 2);   // XFS_DA_NODE_MAXDEPTH + 2
        return daBlocks + (5 + 2) * (bmapMaxLevels(disk) - 1);
    }

    /** XFS_DIRREMOVE_SPACE_RES: an entry removed; only the bmbt may split. */
    static long dirRemove(XfsDisk disk) {
        return (5 + 2) * (bmapMaxLevels(disk) - 1);
    }

    /** XFS_IALLOC_SPACE_RES: an inode chunk and an inobt and finobt split all the way (all that O_TMPFILE reserves). */
    static long inodeAlloc(XfsDisk disk) {
        long chunk = Math.max(1, InobtRec.INODES / disk.sb().sb_inopblock());
        return chunk + (disk.sb().hasFinobt() ? 2 : 1) * inobtMaxLevels(disk);
    }

    /** XFS_CREATE_SPACE_RES (mkdir, symlink and mknod alike). */
    static long create(XfsDisk disk) {
        return inodeAlloc(disk) + dirEnter(disk);
    }

    /** What users may still allocate: the free counter less every reservation, open transactions' included. */
    static long available(XfsDisk disk, XfsSpace space) {
        XfsTrans log = disk.log();
        return unreserved(disk, space) - (log == null ? 0 : log.reserved());
    }

    /** {@link #available} before open transactions' reservations are taken off. */
    static long unreserved(XfsDisk disk, XfsSpace space) {
        return disk.sb().sb_fdblocks() - setAside(disk) - reservePool(disk) - agReservations(disk, space);
    }
}
