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
     * the hole reaches.
     */
    BlockMapping getBlock(Inode inode, long iblock, int maxBlocks, boolean create) throws FsException;

    /** The file system's block size in bytes. */
    int blockSize();
}
