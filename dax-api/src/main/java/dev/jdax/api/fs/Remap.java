package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * {@code remap_file_range}'s flags (Linux {@code REMAP_FILE_*}) and the VFS's checks of a remap
 * ({@code __generic_remap_file_range_prep}, {@code generic_remap_checks},
 * {@code generic_remap_check_len}), which every file system that shares blocks runs first.
 */
public final class Remap {
    /** {@code REMAP_FILE_DEDUP}: share only if the contents are the same (FIDEDUPERANGE). */
    public static final int DEDUP = 1;
    /** {@code REMAP_FILE_CAN_SHORTEN}: the caller takes a shorter remap (copy_file_range). */
    public static final int CAN_SHORTEN = 2;
    /** {@code REMAP_FILE_ADVISORY}: the behaviours a caller may let a file system change (CAN_SHORTEN). */
    public static final int ADVISORY = CAN_SHORTEN;

    private Remap() {
    }

    /**
     * The checks in Linux's order, and the length they leave: a length of 0 means to the source's
     * end; a range that ends at the source's end takes its last partial block whole; otherwise the
     * length is cut to whole blocks where {@link #CAN_SHORTEN} allows it.
     *
     * @param srcIno       the source inode, for messages
     * @param dstIno       the destination inode
     * @param same         whether both are one file
     * @param posIn        where the source range starts
     * @param posOut       where the destination range starts
     * @param length       bytes asked for (0: to the source's end)
     * @param flags        {@link #DEDUP}, {@link #CAN_SHORTEN}
     * @param sizeIn       the source's size
     * @param sizeOut      the destination's size
     * @param blockSize    the file system's block size
     * @param dstImmutable whether the destination is immutable
     * @return the bytes to remap; 0 for nothing
     * @throws FsException EPERM (immutable destination), EINVAL (a start not block-aligned, a source
     *         range at or past its end, overlapping ranges of one file, a length that would need
     *         shortening without CAN_SHORTEN), EBADE (a dedupe that would need it)
     */
    public static long prepare(long srcIno, long dstIno, boolean same, long posIn, long posOut, long length, int flags,
                               long sizeIn, long sizeOut, long blockSize, boolean dstImmutable) throws FsException {
        boolean dedup = (flags & DEDUP) != 0;
        if (dstImmutable) {
            throw FsException.of(Errno.EPERM, "inode %d: remap into an immutable file", dstIno);
        }
        long len = length;
        if (len == 0) {
            if (dedup || posIn == sizeIn) {
                return 0;
            }
            if (posIn > sizeIn) {
                throw FsException.of(Errno.EINVAL, "inode %d: remap from %d, past its end at %d", srcIno, posIn, sizeIn);
            }
            len = sizeIn - posIn;
        }
        if (posIn % blockSize != 0 || posOut % blockSize != 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: remap from %d to %d: not on %d-byte blocks", srcIno, posIn,
                    posOut, blockSize);
        }
        if (dedup && (posIn >= sizeIn || posIn + len > sizeIn || posOut >= sizeOut || posOut + len > sizeOut)) {
            throw FsException.of(Errno.EINVAL, "inode %d: dedupe of %d bytes from %d to %d reaches past an end", srcIno,
                    len, posIn, posOut);
        }
        if (posIn >= sizeIn) {
            throw FsException.of(Errno.EINVAL, "inode %d: remap from %d, at or past its end at %d", srcIno, posIn, sizeIn);
        }
        long count = Math.min(len, sizeIn - posIn);
        long bcount;
        if (posIn + count == sizeIn && (!dedup || posOut + count == sizeOut)) {
            bcount = (sizeIn + blockSize - 1) / blockSize * blockSize - posIn;
        } else {
            count = count / blockSize * blockSize;
            bcount = count;
        }
        if (same && posOut + bcount > posIn && posOut < posIn + bcount) {
            throw FsException.of(Errno.EINVAL, "inode %d: remap of [%d, +%d) onto itself at %d", srcIno, posIn, bcount,
                    posOut);
        }
        if (count != len && (flags & CAN_SHORTEN) == 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: remap of %d bytes would be shortened to %d", srcIno, len, count);
        }
        if (count % blockSize != 0 && posOut + count < sizeOut) {
            // generic_remap_check_len: a partial last block may not land inside the destination.
            if ((flags & CAN_SHORTEN) == 0) {
                throw FsException.of(dedup ? Errno.EBADE : Errno.EINVAL, "inode %d: remap of a partial block into"
                        + " inode %d at %d, inside its %d bytes", srcIno, dstIno, posOut + count / blockSize * blockSize,
                        sizeOut);
            }
            count = count / blockSize * blockSize;
        }
        return count;
    }
}
