package dev.jdax.fs.xfs;

import static dev.jdax.fs.xfs.Buf.be32;

/**
 * The per-AG B+trees with short (32-bit) pointers that mkfs.xfs 6.1 enables, as their
 * xfs_btree_ops describe them: magic, record and key sizes, and the key order. In every one of
 * them a key is the first {@code keySize} bytes of a record (init_key_from_rec), so a node's key
 * is a copy of the start of its child's first record.
 */
enum AgBtreeKind {
    /** Free space by block (xfs_alloc_rec: ar_startblock, ar_blockcount), ordered by start. */
    BNO(0x41423342L, 8, 8, "bnobt"),
    /** Free space by size: the same records ordered by count, then start. */
    CNT(0x41423343L, 8, 8, "cntbt"),
    /** Inode chunks (xfs_inobt_rec), keyed by ir_startino. */
    INO(0x49414233L, 16, 4, "inobt"),
    /** Inode chunks with a free inode, the same records. */
    FINO(0x46494233L, 16, 4, "finobt"),
    /** Shared and CoW-staging extents (xfs_refcount_rec), keyed by rc_startblock. */
    REFC(0x52334643L, 12, 4, "refcountbt");

    final long magic;
    final int recSize;
    final int keySize;
    final String treeName;

    AgBtreeKind(long magic, int recSize, int keySize, String treeName) {
        this.magic = magic;
        this.recSize = recSize;
        this.keySize = keySize;
        this.treeName = treeName;
    }

    /** The key of the record or key at {@code off} as one number that sorts as key_diff compares. */
    long order(byte[] b, int off) {
        return this == CNT ? (be32(b, off + 4) << 32) | be32(b, off) : be32(b, off);
    }

    /** Records in a leaf of a {@code blockSize}-byte block (xfs_allocbt_maxrecs and friends). */
    int leafMax(int blockSize) {
        return (blockSize - BtreeBlock.SHORT_LEN) / recSize;
    }

    /** Key/pointer pairs in a node. */
    int nodeMax(int blockSize) {
        return (blockSize - BtreeBlock.SHORT_LEN) / (keySize + 4);
    }

    /**
     * xfs_btree_compute_maxlevels over the minimum records per block: the height a tree of
     * {@code records} records may reach.
     */
    int maxLevels(int blockSize, long records) {
        long leafMin = leafMax(blockSize) / 2;
        long nodeMin = nodeMax(blockSize) / 2;
        long blocks = (records + leafMin - 1) / leafMin;
        int level = 1;
        while (blocks > 1) {
            blocks = (blocks + nodeMin - 1) / nodeMin;
            level++;
        }
        return level;
    }
}
