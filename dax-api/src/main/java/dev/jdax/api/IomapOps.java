package dev.jdax.api;

/**
 * The one question a personality answers for the generic engine: "what is at this offset, and
 * how far does it reach" ({@code iomap_begin}), and "I am done with it" ({@code iomap_end}).
 * See Linux {@code include/linux/iomap.h} and {@code fs/iomap/iter.c}.
 *
 * <p>With {@link #WRITE} the personality allocates what is missing in {@code begin} (marking the
 * answer {@link Iomap#F_NEW}); with {@link #REPORT} it only reports (FIEMAP, SEEK_DATA/HOLE).
 */
public interface IomapOps {
    /** {@code IOMAP_WRITE}: the caller will write; allocate what is missing. */
    int WRITE = 1;
    /** {@code IOMAP_ZERO}: the caller zeroes the range (truncate tail, punch); allocates nothing. */
    int ZERO = 1 << 1;
    /** {@code IOMAP_REPORT}: report only (FIEMAP, SEEK_DATA/SEEK_HOLE). */
    int REPORT = 1 << 2;
    /** {@code IOMAP_FAULT}: asked from a page fault on a mapping. */
    int FAULT = 1 << 3;
    /** {@code IOMAP_DIRECT}: direct I/O. */
    int DIRECT = 1 << 4;
    /** {@code IOMAP_NOWAIT}: do not block; EAGAIN instead. */
    int NOWAIT = 1 << 5;
    /** {@code IOMAP_OVERWRITE_ONLY}: only blocks already written may be answered; EAGAIN otherwise. */
    int OVERWRITE_ONLY = 1 << 6;
    /** {@code IOMAP_UNSHARE}: unshare shared (reflinked) blocks. */
    int UNSHARE = 1 << 7;
    /** {@code IOMAP_DAX}: the file is DAX (the engine adds it to every call). */
    int DAX = 1 << 8;

    /**
     * Maps {@code [pos, pos + length)} or a prefix of it. Called with the personality's lock held
     * as its locking model says. Failing with no mapping made (ENOSPC, EFBIG, EIO, EAGAIN for
     * NOWAIT) ends the operation; bytes already done are kept.
     */
    Iomap begin(Inode inode, long pos, long length, int flags) throws FsException;

    /**
     * Ends the use of {@code iomap}: {@code written} bytes from {@code pos} were done (may be less
     * than {@code length} on a short operation; personalities release what was reserved and not used).
     */
    default void end(Inode inode, long pos, long length, long written, int flags, Iomap iomap)
            throws FsException {
    }
}
