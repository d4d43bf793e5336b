package dev.jdax.api.fs;

/**
 * {@code XFS_IOC_FSCOUNTS}'s answer ({@code struct xfs_fsop_counts}): XFS's summary counters.
 *
 * @param freedata data blocks users may still allocate (what statfs calls free)
 * @param freertx  free realtime extents
 * @param freeino  free inodes in the allocated chunks
 * @param allocino inodes allocated (in chunks of 64)
 */
public record XfsCounts(long freedata, long freertx, long freeino, long allocino) {
}
