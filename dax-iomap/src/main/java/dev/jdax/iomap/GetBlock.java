package dev.jdax.iomap;

import dev.jdax.api.FsException;
import dev.jdax.api.Inode;

/**
 * Linux's {@code get_block_t}: the block-mapping question of file systems older than iomap (ext2).
 * The engine asks it through {@link GetBlockBridge}.
 */
public interface GetBlock {
    /**
     * Maps file block {@code iblock}: up to {@code maxBlocks} contiguous blocks, allocated when
     * {@code create}. An unmapped answer ({@link BlockMapping#unmapped()}) says nothing of how far
     * the hole reaches; {@link BlockMapping#hole(int)} says it reaches at least that many blocks.
     *
     * @param inode     the file
     * @param iblock    file block number
     * @param maxBlocks the most blocks to map
     * @param create    allocate what is missing
     * @return the mapping, or {@link BlockMapping#unmapped()} or {@link BlockMapping#hole(int)} for a hole
     * @throws FsException ENOSPC, EIO or EFBIG, naming the inode
     */
    BlockMapping getBlock(Inode inode, long iblock, int maxBlocks, boolean create) throws FsException;

    /** {@return the file system's block size in bytes} */
    int blockSize();
}
