package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.Remap;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;

import java.lang.foreign.MemorySegment;

/**
 * The copies the kernel makes between two open files without the data passing through the
 * caller: {@code copy_file_range(2)} and {@code sendfile(2)}. Both end in {@code do_splice_direct}:
 * the source's read path fills a buffer, the destination's write path empties it, one chunk at a
 * time, so a hole in the source is written as zeros and the destination's blocks are its own.
 *
 * <p>copy_file_range first asks a file system with {@code remap_file_range} to share the blocks
 * instead (XFS with reflink, which mkfs.xfs makes by default): there a copy from a block boundary
 * shares extents (FIEMAP's {@code FIEMAP_EXTENT_SHARED}) and reads nothing, and only what the
 * remap refuses is spliced.
 *
 * <p>No lock is held across a chunk: each read and each write takes and drops its own file's locks,
 * as the splice does, so copying a file into itself or two threads copying in opposite directions
 * cannot deadlock.
 */
public final class FileCopy {
    /** do_splice_direct's round trip: a pipe's sixteen pages. */
    private static final int CHUNK = 64 << 10;
    /** MAX_RW_COUNT: the most one call moves, INT_MAX rounded down to a page. */
    static final long MAX_RW_COUNT = Integer.MAX_VALUE & ~4095L;

    private FileCopy() {
    }

    /**
     * {@code copy_file_range(in, &posIn, out, &posOut, length, 0)}: copies up to {@code length}
     * bytes ({@code length} is C's {@code size_t}: a negative value is a huge one), shortened to the
     * source's end of file and to MAX_RW_COUNT. Checks in vfs_copy_file_range's order.
     *
     * @param in     the source, open for reading
     * @param posIn  where in the source the copy starts
     * @param out    the destination, open for writing, on the same file system
     * @param posOut where in the destination the copy goes
     * @param length how many bytes, unsigned
     * @return the bytes copied: 0 when {@code posIn} is at or past the source's end; fewer than asked
     *         when a write fails after some were copied
     * @throws FsException EISDIR (either is a directory), EINVAL (not regular files, a negative
     *         position, overlapping ranges of one file), EBADF (source not readable, destination not
     *         writable or O_APPEND), EXDEV (files on two file systems), EPERM (immutable
     *         destination), EOVERFLOW (a range that wraps), or what the first read or write raises
     */
    public static long copyFileRange(OpenFile in, long posIn, OpenFile out, long posOut, long length)
            throws FsException {
        StatInfo src = in.stat();
        StatInfo dst = out.stat();
        if (src.isDirectory() || dst.isDirectory()) {
            throw FsException.of(Errno.EISDIR, "copy_file_range: inode %d is a directory",
                    src.isDirectory() ? src.ino() : dst.ino());
        }
        if (!src.isRegular() || !dst.isRegular()) {
            throw FsException.of(Errno.EINVAL, "copy_file_range: inode %d is not a regular file",
                    src.isRegular() ? dst.ino() : src.ino());
        }
        if (!OpenFlags.readable(in.flags()) || !OpenFlags.writable(out.flags())
                || (out.flags() & OpenFlags.O_APPEND) != 0) {
            throw FsException.of(Errno.EBADF, "copy_file_range: inode %d not open for reading or inode %d not"
                    + " open for writing without O_APPEND", src.ino(), dst.ino());
        }
        SuperBlock sb = superBlock(in);
        if (sb == null || sb != superBlock(out)) {
            throw FsException.of(Errno.EXDEV, "copy_file_range: inodes %d and %d are on different file systems",
                    src.ino(), dst.ino());
        }
        if ((dst.attributes() & StatInfo.STATX_ATTR_IMMUTABLE) != 0) {
            throw FsException.of(Errno.EPERM, "copy_file_range: inode %d is immutable", dst.ino());
        }
        if (Long.compareUnsigned(posIn + length, posIn) < 0 || Long.compareUnsigned(posOut + length, posOut) < 0) {
            throw FsException.of(Errno.EOVERFLOW, "copy_file_range: %d bytes from %d or to %d wrap",
                    length, posIn, posOut);
        }
        long count = posIn >= src.size() ? 0 : Long.compareUnsigned(length, src.size() - posIn) < 0 ? length
                : src.size() - posIn;
        if (src.ino() == dst.ino() && posOut + count > posIn && posOut < posIn + count) {
            throw FsException.of(Errno.EINVAL, "copy_file_range: inode %d: [%d, %d) and [%d, %d) overlap",
                    src.ino(), posIn, posIn + count, posOut, posOut + count);
        }
        if (posIn < 0 || posOut < 0) {
            throw FsException.of(Errno.EINVAL, "copy_file_range: negative position %d", Math.min(posIn, posOut));
        }
        if (count == 0) {
            return 0;
        }
        if (sb.remapsBlocks()) {
            try {
                // vfs_copy_file_range tries a clone first where the file system has one; any refusal
                // (a start off a block, a length cut to nothing) leaves the copy to the splice.
                long cloned = in.remapRange(posIn, out, posOut, Math.min(count, MAX_RW_COUNT), Remap.CAN_SHORTEN);
                if (cloned > 0) {
                    return cloned;
                }
            } catch (FsException refused) {
                // the splice below
            }
        }
        return splice(in, posIn, out, posOut, Math.min(count, MAX_RW_COUNT));
    }

    /**
     * {@code sendfile(out, in, &posIn, count)} with the destination written at {@code posOut}, its
     * file position, which the caller advances by the result.
     *
     * @param out    the destination, open for writing, on any file system
     * @param posOut the destination's file position
     * @param in     the source, open for reading
     * @param posIn  where in the source the bytes start
     * @param count  how many bytes
     * @return the bytes sent: 0 at or past the source's end
     * @throws FsException EBADF (source not readable, destination not writable), EINVAL (a negative
     *         position, a source that is not a regular file: a directory has no splice_read, a
     *         destination open with O_APPEND), or what the first read or write raises
     */
    public static long sendfile(OpenFile out, long posOut, OpenFile in, long posIn, long count) throws FsException {
        if (!OpenFlags.readable(in.flags()) || !OpenFlags.writable(out.flags())) {
            throw FsException.of(Errno.EBADF, "sendfile: source not open for reading or destination not open for"
                    + " writing");
        }
        if (posIn < 0 || count < 0) {
            throw FsException.of(Errno.EINVAL, "sendfile: negative position %d or count %d", posIn, count);
        }
        StatInfo src = in.stat();
        if (!src.isRegular()) {
            throw FsException.of(Errno.EINVAL, "sendfile: inode %d is not a regular file", src.ino());
        }
        if ((out.flags() & OpenFlags.O_APPEND) != 0) {
            throw FsException.of(Errno.EINVAL, "sendfile: destination inode %d is open with O_APPEND",
                    out.stat().ino());
        }
        return count == 0 ? 0 : splice(in, posIn, out, posOut, Math.min(count, MAX_RW_COUNT));
    }

    /** do_splice_direct: chunk by chunk until the count, the source's end, or an error after some bytes. */
    private static long splice(OpenFile in, long posIn, OpenFile out, long posOut, long count) throws FsException {
        MemorySegment buffer = MemorySegment.ofArray(new byte[(int) Math.min(CHUNK, count)]);
        long done = 0;
        try {
            while (done < count) {
                long n = in.read(posIn + done, buffer, 0, Math.min(buffer.byteSize(), count - done));
                if (n <= 0) {
                    break;
                }
                for (long written = 0; written < n; ) {
                    long w = out.write(posOut + done, buffer, written, n - written, 0);
                    if (w <= 0) {
                        return done;
                    }
                    written += w;
                    done += w;
                }
            }
        } catch (FsException e) {
            if (done == 0) {
                throw e;
            }
        }
        return done;
    }

    /** The mounted format an open file belongs to ({@code file_inode(f)->i_sb}), or null for another kind. */
    private static SuperBlock superBlock(OpenFile f) {
        return f instanceof VfsFile v ? v.superBlock() : null;
    }
}
