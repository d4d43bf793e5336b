package dev.jdax.api.fs;

/**
 * What {@code FS_IOC_FSGETXATTR} returns ({@code struct fsxattr}); {@code xfs_io stat} prints it on XFS.
 *
 * @param xflags     {@code FS_XFLAG_*} bits
 * @param nextents   data fork extents
 * @param naextents  attribute fork extents
 */
public record FsxAttr(int xflags, int extsize, int cowextsize, int nextents, int naextents, int projid) {
    public static final int FS_XFLAG_REALTIME = 0x1;
    public static final int FS_XFLAG_PREALLOC = 0x2;
    public static final int FS_XFLAG_IMMUTABLE = 0x8;
    public static final int FS_XFLAG_APPEND = 0x10;
    public static final int FS_XFLAG_SYNC = 0x20;
    public static final int FS_XFLAG_NOATIME = 0x40;
    public static final int FS_XFLAG_NODUMP = 0x80;
    public static final int FS_XFLAG_DAX = 0x8000;
}
