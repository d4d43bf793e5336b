package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/** {@code sync_file_range(2)} flags (Linux {@code SYNC_FILE_RANGE_*}). */
public final class SyncFileRange {
    /** {@code SYNC_FILE_RANGE_WAIT_BEFORE}: wait for writeback already under way. */
    public static final int WAIT_BEFORE = 1;
    /** {@code SYNC_FILE_RANGE_WRITE}: start writeback of the range's dirty pages. */
    public static final int WRITE = 2;
    /** {@code SYNC_FILE_RANGE_WAIT_AFTER}: wait for the writeback to finish. */
    public static final int WAIT_AFTER = 4;
    /** All three: a data-integrity writeback of the range (WB_SYNC_ALL), since Linux 5.2. */
    public static final int WRITE_AND_WAIT = WAIT_BEFORE | WRITE | WAIT_AFTER;

    private SyncFileRange() {
    }

    /**
     * ksys_sync_file_range's checks.
     *
     * @param ino the inode, for the message
     * @param offset where the range starts
     * @param length its length; 0 means to the end of the file
     * @param flags the flags
     * @return the end of the range, exclusive ({@link Long#MAX_VALUE} for a length of 0)
     * @throws FsException EINVAL for unknown flags, a negative offset or a range that overflows
     */
    public static long check(long ino, long offset, long length, int flags) throws FsException {
        if ((flags & ~WRITE_AND_WAIT) != 0 || offset < 0 || length < 0 || offset > Long.MAX_VALUE - length) {
            throw FsException.of(Errno.EINVAL, "inode %d: sync_file_range at %d length %d, flags 0x%x", ino, offset, length, flags);
        }
        return length == 0 ? Long.MAX_VALUE : offset + length;
    }
}
