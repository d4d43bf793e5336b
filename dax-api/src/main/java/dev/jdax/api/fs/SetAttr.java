package dev.jdax.api.fs;

import java.time.Instant;

/**
 * The attributes a {@code setattr} changes; {@code null} leaves one as it is. The size is not here:
 * {@link OpenFile#truncate} changes it, under the file's locking model.
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Instant atime, Instant mtime) {
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
}
