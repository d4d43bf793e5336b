package dev.jdax.api.fs;

/**
 * One record of {@code XFS_IOC_INUMBERS}' answer ({@code struct xfs_inumbers}): a chunk of 64
 * inodes of which at least one is allocated.
 *
 * @param startino  the chunk's first inode number
 * @param allocmask bit {@code i} set when inode {@code startino + i} is allocated
 */
public record XfsInodeGroup(long startino, long allocmask) {
}
