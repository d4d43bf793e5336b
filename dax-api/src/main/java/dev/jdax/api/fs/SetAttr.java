package dev.jdax.api.fs;

import java.time.Instant;

/**
 * The attributes a {@code setattr} changes; {@code null} leaves one as it is. The size is not here:
 * {@link OpenFile#truncate} changes it, under the file's locking model.
 * {@code touch} says both times become now because the caller gave none (utimes with no times, or
 * UTIME_NOW for both: the kernel's {@code ATTR_TOUCH}); an append-only inode allows that, and not
 * given times.
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Instant atime, Instant mtime, boolean touch) {
    /** Attributes set to given values, none of them a touch. */
    public SetAttr(Integer mode, Integer uid, Integer gid, Instant atime, Instant mtime) {
        this(mode, uid, gid, atime, mtime, false);
    }

    /** {@code chmod}: the permission bits only. */
    public static SetAttr mode(int mode) {
        return new SetAttr(mode, null, null, null, null);
    }

    /** {@code chown}: owner and group. */
    public static SetAttr owner(int uid, int gid) {
        return new SetAttr(null, uid, gid, null, null);
    }

    /** {@code utimensat}: access and modification times ({@code null} leaves one). */
    public static SetAttr times(Instant atime, Instant mtime) {
        return new SetAttr(null, null, null, atime, mtime);
    }

    /**
     * {@code utimensat} with no times, or UTIME_NOW for both.
     *
     * @param now the time both become
     * @return a touch of both times
     */
    public static SetAttr touch(Instant now) {
        return new SetAttr(null, null, null, now, now, true);
    }
}
