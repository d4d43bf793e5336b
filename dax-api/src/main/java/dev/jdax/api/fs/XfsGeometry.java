package dev.jdax.api.fs;

/**
 * The part of {@code XFS_IOC_FSGEOMETRY}'s answer ({@code struct xfs_fsop_geom}) that jdax's tools
 * read: {@code xfs_io bmap -v} places each extent in its allocation group and against the stripe,
 * {@code xfs_io statfs} prints the sizes.
 *
 * @param blocksize  the file system block size in bytes
 * @param agblocks   blocks per allocation group (the last may be shorter)
 * @param agcount    allocation groups
 * @param datablocks blocks of the data device
 * @param rtblocks   blocks of the realtime device
 * @param rtextents  realtime extents
 * @param rtextsize  blocks per realtime extent
 * @param sunit      stripe unit in file system blocks, 0 for none
 * @param swidth     stripe width in file system blocks, 0 for none
 * @param inodesize  bytes per inode (with {@code blocksize} and {@code agblocks}, how an inode
 *                   number splits into AG and AG inode: libfrog's {@code aginolog})
 */
public record XfsGeometry(long blocksize, long agblocks, long agcount, long datablocks, long rtblocks, long rtextents,
                          long rtextsize, long sunit, long swidth, long inodesize) {
}
