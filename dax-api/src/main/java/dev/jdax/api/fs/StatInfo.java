package dev.jdax.api.fs;

import java.time.Instant;

/**
 * What {@code statx} returns.
 *
 * @param blocks     512-byte units allocated, as {@code st_blocks} (metadata blocks included
 *                   where the format counts them, as ext2's indirect blocks)
 * @param btime      creation time, or {@code null} where the format has none
 * @param attributes {@code STATX_ATTR_*} bits, {@link #STATX_ATTR_DAX} among them
 */
public record StatInfo(long ino, int mode, long nlink, int uid, int gid, long rdev, long size, long blocks,
                       int blksize, Instant atime, Instant mtime, Instant ctime, Instant btime,
                       long attributes) {
    public static final long STATX_ATTR_COMPRESSED = 0x4;
    public static final long STATX_ATTR_IMMUTABLE = 0x10;
    public static final long STATX_ATTR_APPEND = 0x20;
    public static final long STATX_ATTR_NODUMP = 0x40;
    public static final long STATX_ATTR_DAX = 0x00200000;

    public FileType type() {
        return FileType.ofMode(mode);
    }

    public boolean isDirectory() {
        return type() == FileType.DIRECTORY;
    }

    public boolean isRegular() {
        return type() == FileType.REGULAR;
    }

    /** The permission bits ({@code 07777}). */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isDax() {
        return (attributes & STATX_ATTR_DAX) != 0;
    }
}
