package dev.jdax.api.fs;

/** {@code open(2)} flags and {@code pwritev2} {@code RWF_*} flags, with their Linux x86_64 values. */
public final class OpenFlags {
    /** Open for reading only. */
    public static final int O_RDONLY = 0;
    /** Open for writing only. */
    public static final int O_WRONLY = 01;
    /** Open for reading and writing. */
    public static final int O_RDWR = 02;
    /** The bits that hold the access mode (one of the three above). */
    public static final int O_ACCMODE = 03;
    /** Create the file when it does not exist. */
    public static final int O_CREAT = 0100;
    /** With O_CREAT: fail with EEXIST when the file exists. */
    public static final int O_EXCL = 0200;
    /** Truncate a regular file to length 0 on open for writing. */
    public static final int O_TRUNC = 01000;
    /** Every write goes to the end of the file. */
    public static final int O_APPEND = 02000;
    /** Non-blocking open and I/O. */
    public static final int O_NONBLOCK = 04000;
    /** Every write is durable, with the metadata needed to read it back, before it returns. */
    public static final int O_DSYNC = 010000;
    /** Direct I/O, bypassing the page cache (DAX files have none). */
    public static final int O_DIRECT = 040000;
    /** Fail with ENOTDIR unless the path names a directory. */
    public static final int O_DIRECTORY = 0200000;
    /** Fail with ELOOP when the last component is a symbolic link. */
    public static final int O_NOFOLLOW = 0400000;
    /**
     * Make an unnamed regular file in the directory the path names (with {@link #O_DIRECTORY}, as
     * Linux defines it): it needs O_WRONLY or O_RDWR, goes when its last open file does, and can be
     * given a name by {@link FileSystem#link} unless opened with {@link #O_EXCL}.
     */
    public static final int O_TMPFILE = 020000000 | O_DIRECTORY;
    /** Reads and mappings through the file leave the access time as it is. */
    public static final int O_NOATIME = 01000000;
    /** Every write is durable with all its metadata before it returns (includes O_DSYNC). */
    public static final int O_SYNC = 04010000;

    /** {@code pwritev2}: high-priority (polled) I/O. */
    public static final int RWF_HIPRI = 0x1;
    /** {@code pwritev2}: O_DSYNC for this write only. */
    public static final int RWF_DSYNC = 0x2;
    /** {@code pwritev2}: O_SYNC for this write only. */
    public static final int RWF_SYNC = 0x4;
    /** {@code pwritev2}: fail with EAGAIN instead of blocking. */
    public static final int RWF_NOWAIT = 0x8;
    /** {@code pwritev2}: O_APPEND for this write only. */
    public static final int RWF_APPEND = 0x10;

    /** {@code renameat2}: fail with EEXIST instead of replacing the target. */
    public static final int RENAME_NOREPLACE = 1;
    /** {@code renameat2}: swap the two names atomically. */
    public static final int RENAME_EXCHANGE = 2;

    private OpenFlags() {
    }

    /** Whether {@code flags} open the file for reading (O_RDONLY or O_RDWR). */
    public static boolean readable(int flags) {
        return (flags & O_ACCMODE) != O_WRONLY;
    }

    /** Whether {@code flags} open the file for writing (O_WRONLY or O_RDWR). */
    public static boolean writable(int flags) {
        return (flags & O_ACCMODE) != O_RDONLY;
    }
}
