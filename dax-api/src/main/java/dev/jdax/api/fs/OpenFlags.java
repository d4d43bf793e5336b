package dev.jdax.api.fs;

/** {@code open(2)} flags and {@code pwritev2} {@code RWF_*} flags, with their Linux x86_64 values. */
public final class OpenFlags {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_ACCMODE = 03;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DSYNC = 010000;
    public static final int O_DIRECT = 040000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_SYNC = 04010000;

    public static final int RWF_HIPRI = 0x1;
    public static final int RWF_DSYNC = 0x2;
    public static final int RWF_SYNC = 0x4;
    public static final int RWF_NOWAIT = 0x8;
    public static final int RWF_APPEND = 0x10;

    /** {@code renameat2} flags. */
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;

    private OpenFlags() {
    }

    public static boolean readable(int flags) {
        return (flags & O_ACCMODE) != O_WRONLY;
    }

    public static boolean writable(int flags) {
        return (flags & O_ACCMODE) != O_RDONLY;
    }
}
