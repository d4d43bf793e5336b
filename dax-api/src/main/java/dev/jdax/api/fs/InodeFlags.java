package dev.jdax.api.fs;

/**
 * The inode flags every jdax format keeps and {@code chattr} changes on all of them: immutable,
 * append-only, synchronous, no access time, no dump ({@code FS_XFLAG_COMMON} without the DAX flag,
 * which has rules of its own). ext2 and ext4 hold them as {@code FS_IOC_GETFLAGS} bits in
 * {@code i_flags}, XFS as {@code di_flags} bits equal to the {@code FS_XFLAG_*} ones; the
 * conversions here are {@code fileattr_fill_flags} and {@code fileattr_fill_xflags}.
 */
public final class InodeFlags {
    private InodeFlags() {
    }

    /** The flags this class is about, as {@code FS_XFLAG_*} bits. */
    public static final int CHATTR = FsxAttr.FS_XFLAG_IMMUTABLE | FsxAttr.FS_XFLAG_APPEND | FsxAttr.FS_XFLAG_SYNC
            | FsxAttr.FS_XFLAG_NOATIME | FsxAttr.FS_XFLAG_NODUMP;

    /**
     * The flags chattr hands to the format, which keeps, drops or refuses each as its Linux driver
     * does: proj-inherit (ext4 and XFS directories keep it, ext2 drops it, ext4 refuses it on a
     * file), nosymlinks and rt-inherit (XFS directories), no-defrag and filestream (XFS), realtime
     * (XFS: EINVAL without a realtime section), prealloc and has-xattr (set by no FSSETXATTR). ext4
     * drops all but proj-inherit; ext2 refuses all but proj-inherit (EOPNOTSUPP).
     */
    public static final int PER_FORMAT = FsxAttr.FS_XFLAG_PROJINHERIT | FsxAttr.FS_XFLAG_NOSYMLINKS
            | FsxAttr.FS_XFLAG_NODEFRAG | FsxAttr.FS_XFLAG_FILESTREAM | FsxAttr.FS_XFLAG_REALTIME
            | FsxAttr.FS_XFLAG_RTINHERIT | FsxAttr.FS_XFLAG_PREALLOC | FsxAttr.FS_XFLAG_HASATTR;

    /** {@code FS_SYNC_FL}. */
    public static final int FS_SYNC_FL = 0x8;
    /** {@code FS_IMMUTABLE_FL}. */
    public static final int FS_IMMUTABLE_FL = 0x10;
    /** {@code FS_APPEND_FL}. */
    public static final int FS_APPEND_FL = 0x20;
    /** {@code FS_NODUMP_FL}. */
    public static final int FS_NODUMP_FL = 0x40;
    /** {@code FS_NOATIME_FL}. */
    public static final int FS_NOATIME_FL = 0x80;
    /** The {@code FS_*_FL} bits of {@link #CHATTR}. */
    public static final int FS_FLAGS = FS_SYNC_FL | FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL | FS_NOATIME_FL;

    /** The {@link #CHATTR} flags among {@code FS_*_FL} bits, as {@code FS_XFLAG_*} bits. */
    public static int xflags(int fsFlags) {
        int x = 0;
        if ((fsFlags & FS_SYNC_FL) != 0) x |= FsxAttr.FS_XFLAG_SYNC;
        if ((fsFlags & FS_IMMUTABLE_FL) != 0) x |= FsxAttr.FS_XFLAG_IMMUTABLE;
        if ((fsFlags & FS_APPEND_FL) != 0) x |= FsxAttr.FS_XFLAG_APPEND;
        if ((fsFlags & FS_NODUMP_FL) != 0) x |= FsxAttr.FS_XFLAG_NODUMP;
        if ((fsFlags & FS_NOATIME_FL) != 0) x |= FsxAttr.FS_XFLAG_NOATIME;
        return x;
    }

    /** The {@link #CHATTR} flags among {@code FS_XFLAG_*} bits, as {@code FS_*_FL} bits. */
    public static int fsFlags(int xflags) {
        int f = 0;
        if ((xflags & FsxAttr.FS_XFLAG_SYNC) != 0) f |= FS_SYNC_FL;
        if ((xflags & FsxAttr.FS_XFLAG_IMMUTABLE) != 0) f |= FS_IMMUTABLE_FL;
        if ((xflags & FsxAttr.FS_XFLAG_APPEND) != 0) f |= FS_APPEND_FL;
        if ((xflags & FsxAttr.FS_XFLAG_NODUMP) != 0) f |= FS_NODUMP_FL;
        if ((xflags & FsxAttr.FS_XFLAG_NOATIME) != 0) f |= FS_NOATIME_FL;
        return f;
    }

    /** The {@code STATX_ATTR_*} bits statx reports for these flags (immutable, append, nodump). */
    public static long statxAttributes(int xflags) {
        long a = 0;
        if ((xflags & FsxAttr.FS_XFLAG_IMMUTABLE) != 0) a |= StatInfo.STATX_ATTR_IMMUTABLE;
        if ((xflags & FsxAttr.FS_XFLAG_APPEND) != 0) a |= StatInfo.STATX_ATTR_APPEND;
        if ((xflags & FsxAttr.FS_XFLAG_NODUMP) != 0) a |= StatInfo.STATX_ATTR_NODUMP;
        return a;
    }

    /** IS_IMMUTABLE. */
    public static boolean immutable(int xflags) {
        return (xflags & FsxAttr.FS_XFLAG_IMMUTABLE) != 0;
    }

    /** IS_APPEND. */
    public static boolean appendOnly(int xflags) {
        return (xflags & FsxAttr.FS_XFLAG_APPEND) != 0;
    }
}
