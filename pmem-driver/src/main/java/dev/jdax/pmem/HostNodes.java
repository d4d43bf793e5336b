package dev.jdax.pmem;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.file.Path;

/**
 * Special files on the host: the JDK makes no device node, FIFO or socket node, so {@code jdax cp}
 * out of an image makes them with mknod(2) as coreutils' cp does, and gives them their times with
 * utimensat(2), where the JDK would open them (and wait on a FIFO for its other end). The native
 * calls live here with jdax's others.
 */
public final class HostNodes {
    private HostNodes() {
    }

    /**
     * {@code mknod(path, mode, rdev)}: the host's umask applies to {@code mode}'s permission bits,
     * as it does for cp.
     *
     * @param path where, which must not exist
     * @param mode the file type's {@code S_IF*} bits and the permission bits
     * @param rdev the device number as {@code st_rdev} holds it (glibc's {@code makedev}); 0 for a FIFO or socket
     * @throws FsException the errno mknod gave (EPERM for a device node made by a user who is not
     *                     root, EEXIST, EACCES, ENOENT...), naming the path
     */
    public static void mknod(Path path, int mode, long rdev) throws FsException {
        check(Libc.mknod(path.toString(), mode, rdev), path, "cannot create special file");
    }

    /**
     * Sets the access and modification times of {@code path} itself (a link is not followed), to
     * the nanosecond, without opening it.
     *
     * @param path  the file
     * @param atime its access time
     * @param mtime its modification time
     * @throws FsException the errno utimensat gave, naming the path
     */
    public static void setTimes(Path path, java.time.Instant atime, java.time.Instant mtime) throws FsException {
        check(Libc.utimens(path.toString(), atime.getEpochSecond(), atime.getNano(), mtime.getEpochSecond(),
                mtime.getNano()), path, "setting times");
    }

    /** A failed call as the errno it gave, naming the path and what was done. */
    private static void check(Libc.Result r, Path path, String what) throws FsException {
        if (r.failed()) {
            Errno e = Errno.ofNumber(r.errno());
            throw FsException.of(e == null ? Errno.EIO : e, "%s: %s: %s", path, what,
                    e == null ? "errno " + r.errno() : e.message());
        }
    }
}
