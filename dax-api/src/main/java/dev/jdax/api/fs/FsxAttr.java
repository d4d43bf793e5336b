package dev.jdax.api.fs;

/**
 * What {@code FS_IOC_FSGETXATTR} returns ({@code struct fsxattr}); {@code xfs_io stat} prints it on XFS.
 *
 * @param xflags     {@code FS_XFLAG_*} bits
 * @param nextents   data fork extents
 * @param naextents  attribute fork extents
 */
public record FsxAttr(int xflags, int extsize, int cowextsize, int nextents, int naextents, int projid) {
    /** Data on the realtime device. */
    public static final int FS_XFLAG_REALTIME = 0x1;
    /** Has preallocated space beyond what was written. */
    public static final int FS_XFLAG_PREALLOC = 0x2;
    /** Cannot be changed. */
    public static final int FS_XFLAG_IMMUTABLE = 0x8;
    /** Can only be appended to. */
    public static final int FS_XFLAG_APPEND = 0x10;
    /** Writes are synchronous. */
    public static final int FS_XFLAG_SYNC = 0x20;
    /** Access time is not updated. */
    public static final int FS_XFLAG_NOATIME = 0x40;
    /** Not a candidate for backup. */
    public static final int FS_XFLAG_NODUMP = 0x80;
    /** XFS: a directory whose new regular files go to the realtime section (where there is one). */
    public static final int FS_XFLAG_RTINHERIT = 0x100;
    /** A directory gives its project id (and on ext4 and XFS this flag) to what is made in it. */
    public static final int FS_XFLAG_PROJINHERIT = 0x200;
    /** XFS: a directory's nosymlinks flag, which Linux 6.1 stores (and passes on if a sysctl says so) only. */
    public static final int FS_XFLAG_NOSYMLINKS = 0x400;
    /** A regular file's extent size hint is set. */
    public static final int FS_XFLAG_EXTSIZE = 0x800;
    /** A directory's extent size hint, inherited by what is created in it. */
    public static final int FS_XFLAG_EXTSZINHERIT = 0x1000;
    /** XFS: xfs_fsr leaves the file alone. */
    public static final int FS_XFLAG_NODEFRAG = 0x2000;
    /** XFS: the filestreams allocator's flag (jdax keeps it and allocates as without it). */
    public static final int FS_XFLAG_FILESTREAM = 0x4000;
    /** The per-file DAX flag (used with mount option {@code dax=inode}). */
    public static final int FS_XFLAG_DAX = 0x8000;
    /** A copy-on-write extent size hint is set. */
    public static final int FS_XFLAG_COWEXTSIZE = 0x10000;
    /** The inode has extended attributes (reported, never set). */
    public static final int FS_XFLAG_HASATTR = 0x80000000;

    /**
     * This structure with other flags and extent size hint, the rest as it is: how chattr and
     * xfs_io fill what FS_IOC_FSGETXATTR gave them before FS_IOC_FSSETXATTR.
     *
     * @param newXflags the {@code FS_XFLAG_*} bits wanted
     * @param newExtsize the extent size hint wanted, in bytes
     * @return the structure to set
     */
    public FsxAttr with(int newXflags, int newExtsize) {
        return new FsxAttr(newXflags, newExtsize, cowextsize, nextents, naextents, projid);
    }

    /**
     * This structure with other flags and another CoW extent size hint, the rest as it is: xfs_io's
     * set_cowextsize between FS_IOC_FSGETXATTR and FS_IOC_FSSETXATTR.
     *
     * @param newXflags     the {@code FS_XFLAG_*} bits wanted
     * @param newCowextsize the CoW extent size hint wanted, in bytes
     * @return the structure to set
     */
    public FsxAttr withCowextsize(int newXflags, int newCowextsize) {
        return new FsxAttr(newXflags, extsize, newCowextsize, nextents, naextents, projid);
    }

    /**
     * This structure with another project id, the rest as it is: libfrog's setprojid (xfs_io's
     * chproj) between FS_IOC_FSGETXATTR and FS_IOC_FSSETXATTR.
     *
     * @param newProjid the project id wanted, unsigned
     * @return the structure to set
     */
    public FsxAttr withProjid(int newProjid) {
        return new FsxAttr(xflags, extsize, cowextsize, nextents, naextents, newProjid);
    }
}
