package dev.jdax.fs.xfs;

/**
 * Where an inode lives in the buffers Linux reads and logs it through: its inode cluster
 * (xfs_ialloc_setup_geometry's inode_cluster_size, xfs_imap). Inode log items, the unlinked-list
 * buffer items and the cancel records of a freed chunk all name the cluster buffer, so recovery
 * (jdax's or Linux's) finds it by the same disk address and length.
 */
final class InodeClusters {
    /** XFS_INODE_BIG_CLUSTER_SIZE, scaled by the inode size on v5 (xfs_ialloc_setup_geometry). */
    private static final int BIG_CLUSTER_SIZE = 8192;
    private static final int XFS_SB_VERSION_ALIGNBIT = 0x0080;

    /** One inode's place: its cluster buffer (xfs_daddr_t, basic blocks) and its offset in it. */
    record Imap(long daddr, int lenBBs, int boffset) {
    }

    private final XfsDisk disk;
    /** blocks_per_cluster. */
    final int blocksPerCluster;
    /** inoalign_mask: chunks start at multiples of cluster_align blocks. */
    private final long inoalignMask;

    InodeClusters(XfsDisk disk) {
        this.disk = disk;
        XfsSuperblock sb = disk.sb();
        int raw = BIG_CLUSTER_SIZE * (sb.sb_inodesize() / 256);
        if (sb.sb_inoalignmt() < raw / disk.blockSize()) {
            raw = BIG_CLUSTER_SIZE;
        }
        this.blocksPerCluster = Math.max(1, raw / disk.blockSize());
        boolean aligned = (sb.sb_versionnum() & XFS_SB_VERSION_ALIGNBIT) != 0 && sb.sb_inoalignmt() >= blocksPerCluster;
        this.inoalignMask = aligned ? sb.sb_inoalignmt() - 1 : 0;
    }

    /** Bytes of one cluster buffer. */
    int clusterBytes() {
        return blocksPerCluster * disk.blockSize();
    }

    /**
     * xfs_imap for a chunk-aligned file system: the cluster is found from the inode's block alone.
     * Without alignment the chunk's start comes from the inobt ({@code chunkAgbno}).
     */
    Imap imap(long ino, long chunkAgbno) {
        long agno = disk.inoAgno(ino);
        long agino = disk.inoAgino(ino);
        long agbno = agino >>> disk.inopblog();
        int inOffset = (int) (agino & ((1L << disk.inopblog()) - 1));
        long cluster;
        if (blocksPerCluster == 1) {
            cluster = agbno;
        } else {
            long chunk = inoalignMask != 0 ? agbno & ~inoalignMask : chunkAgbno;
            cluster = chunk + (agbno - chunk) / blocksPerCluster * blocksPerCluster;
        }
        int offset = (int) ((agbno - cluster) * disk.sb().sb_inopblock() + inOffset);
        return new Imap(disk.agbToByte(agno, cluster) >>> 9, (int) ((long) blocksPerCluster * disk.blockSize() >>> 9),
                offset << disk.sb().sb_inodelog());
    }

    /** Whether the cluster of an inode can be found without the inobt. */
    boolean aligned() {
        return blocksPerCluster == 1 || inoalignMask != 0;
    }
}
