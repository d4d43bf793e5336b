package dev.jdax.api.fs;

import java.time.Instant;

/**
 * The attributes a {@code setattr} changes; {@code null} leaves one as it is. The size is not here:
 * {@link OpenFile#truncate} changes it, under the file's locking model.
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Instant atime, Instant mtime) {
    public static SetAttr mode(int mode) {
        return new SetAttr(mode, null, null, null, null);
    }

    public static SetAttr owner(int uid, int gid) {
        return new SetAttr(null, uid, gid, null, null);
    }

    public static SetAttr times(Instant atime, Instant mtime) {
        return new SetAttr(null, null, null, atime, mtime);
    }
}
