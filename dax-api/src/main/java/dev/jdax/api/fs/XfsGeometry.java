package dev.jdax.api.fs;

/**
 * The part of {@code XFS_IOC_FSGEOMETRY}'s answer ({@code struct xfs_fsop_geom}) that jdax's tools
 * read: {@code xfs_io bmap -v} places each extent in its allocation group and against the stripe.
 *
 * @param blocksize the file system block size in bytes
 * @param agblocks  blocks per allocation group (the last may be shorter)
 * @param agcount   allocation groups
 * @param sunit     stripe unit in file system blocks, 0 for none
 * @param swidth    stripe width in file system blocks, 0 for none
 */
public record XfsGeometry(long blocksize, long agblocks, long agcount, long sunit, long swidth) {
}
