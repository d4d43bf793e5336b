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
    /** The file is compressed by the file system. */
    public static final long STATX_ATTR_COMPRESSED = 0x4;
    /** The file cannot be changed ({@code chattr +i}). */
    public static final long STATX_ATTR_IMMUTABLE = 0x10;
    /** The file can only be appended to ({@code chattr +a}). */
    public static final long STATX_ATTR_APPEND = 0x20;
    /** The file is not a candidate for backup ({@code chattr +d}). */
    public static final long STATX_ATTR_NODUMP = 0x40;
    /** The file is in the DAX state: reads, writes and mappings go straight to the device. */
    public static final long STATX_ATTR_DAX = 0x00200000;
    /** The file's contents or names are encrypted (fscrypt). */
    public static final long STATX_ATTR_ENCRYPTED = 0x800;

    /** The file type from {@code mode}. */
    public FileType type() {
        return FileType.ofMode(mode);
    }

    /** Whether this is a directory. */
    public boolean isDirectory() {
        return type() == FileType.DIRECTORY;
    }

    /** Whether this is a regular file. */
    public boolean isRegular() {
        return type() == FileType.REGULAR;
    }

    /** The permission bits ({@code 07777}). */
    public int permissions() {
        return mode & 07777;
    }

    /** Whether {@code STATX_ATTR_DAX} is set: the file is accessed directly. */
    public boolean isDax() {
        return (attributes & STATX_ATTR_DAX) != 0;
    }
}
