package dev.jdax.api.fs;

import java.time.Instant;

/**
 * One inode as {@code XFS_IOC_BULKSTAT} reports it ({@code struct xfs_bulkstat}, filled by
 * Linux 6.1's {@code xfs_bulkstat_one_int}), the fields a file system fills; the health fields
 * ({@code bs_sick}, {@code bs_checked}) are those of a file system nothing found sick.
 *
 * @param ino            the inode number
 * @param size           the size on disk ({@code i_disk_size})
 * @param blocks         file system blocks allocated, 0 for a local or device fork
 * @param xflags         the {@code FS_XFLAG_*} flags ({@code xfs_ip2xflags})
 * @param atime          the access time
 * @param mtime          the modification time
 * @param ctime          the change time
 * @param btime          the creation time ({@code di_crtime})
 * @param gen            the generation number
 * @param uid            the owner
 * @param gid            the group
 * @param projectid      the project
 * @param blksize        the I/O size: the block size, or BLKDEV_IOSIZE for a device node
 * @param rdev           a device node's number as the inode holds it ({@code sysv_encode_dev}), else 0
 * @param cowextsizeBlks the CoW extent size hint in blocks when the inode has one set, else 0
 * @param extsizeBlks    the extent size hint in blocks
 * @param nlink          the link count
 * @param extents        the data fork's extent records (0 for a local fork)
 * @param aextents       the attribute fork's extent records
 * @param forkoff        where the attribute fork starts in the literal area, in bytes
 * @param mode           the file type and permissions
 */
public record XfsBulkstat(long ino, long size, long blocks, long xflags, Instant atime, Instant mtime, Instant ctime,
                          Instant btime, long gen, int uid, int gid, long projectid, int blksize, long rdev,
                          long cowextsizeBlks, long extsizeBlks, long nlink, long extents, long aextents, int forkoff,
                          int mode) {
}
