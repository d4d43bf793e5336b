package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/** {@code posix_fadvise(2)} advice (Linux {@code POSIX_FADV_*}). */
public final class Fadvise {
    /** {@code POSIX_FADV_NORMAL}: the default readahead. */
    public static final int NORMAL = 0;
    /** {@code POSIX_FADV_RANDOM}: no readahead. */
    public static final int RANDOM = 1;
    /** {@code POSIX_FADV_SEQUENTIAL}: double readahead. */
    public static final int SEQUENTIAL = 2;
    /** {@code POSIX_FADV_WILLNEED}: read the range into the page cache now. */
    public static final int WILLNEED = 3;
    /** {@code POSIX_FADV_DONTNEED}: drop the range's clean pages from the page cache. */
    public static final int DONTNEED = 4;
    /** {@code POSIX_FADV_NOREUSE}: the range is accessed once. */
    public static final int NOREUSE = 5;

    private Fadvise() {
    }

    /**
     * generic_fadvise's checks, all a file without a page cache has to do: on a DAX file Linux
     * accepts the six kinds of advice and acts on none.
     *
     * @param ino the inode, for the message
     * @param offset where the range starts
     * @param length its length (0: to the end of the file)
     * @param advice the advice
     * @throws FsException EINVAL for a negative length or an unknown advice
     */
    public static void check(long ino, long offset, long length, int advice) throws FsException {
        if (length < 0 || advice < NORMAL || advice > NOREUSE) {
            throw FsException.of(Errno.EINVAL, "inode %d: fadvise %d at %d length %d", ino, advice, offset, length);
        }
    }
}
