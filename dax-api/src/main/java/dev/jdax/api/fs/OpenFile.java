package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.List;

/**
 * An open regular file: what a file descriptor offers on a DAX file system. Reads and writes copy
 * straight between the caller's memory and the device (there is no page cache); each call runs
 * under the personality's locking model, so many threads may share one {@code OpenFile}.
 */
public interface OpenFile extends AutoCloseable {
    /** The inode number of the open file. */
    long ino();

    /** The {@link OpenFlags} it was opened with. */
    int flags();

    /**
     * {@code pread}: up to {@code dst.byteSize()} bytes from {@code pos}; 0 at or beyond EOF. Fails
     * only when nothing was read (EIO from a poisoned page, EINVAL for a negative position).
     */
    long read(long pos, MemorySegment dst) throws FsException;

    /**
     * {@code pwritev2}: writes {@code src} at {@code pos} (at EOF with {@code O_APPEND} or
     * {@link OpenFlags#RWF_APPEND}); returns the bytes written, which may be fewer than asked on
     * ENOSPC part-way (a short write). Fails only when nothing was written.
     *
     * @param rwFlags {@link OpenFlags#RWF_DSYNC}, {@link OpenFlags#RWF_NOWAIT} ... or 0
     */
    long write(long pos, MemorySegment src, int rwFlags) throws FsException;

    /**
     * {@link #read(long, MemorySegment)} into {@code dst[offset, offset + length)}: for a caller that
     * keeps one segment over its buffer and reads into parts of it, with no slice made per call.
     */
    default long read(long pos, MemorySegment dst, long offset, long length) throws FsException {
        return read(pos, dst.asSlice(offset, length));
    }

    /**
     * {@link #write(long, MemorySegment, int)} of {@code src[offset, offset + length)}, with no slice
     * made per call.
     */
    default long write(long pos, MemorySegment src, long offset, long length, int rwFlags) throws FsException {
        return write(pos, src.asSlice(offset, length), rwFlags);
    }

    /** {@link #read(long, MemorySegment)} into {@code dst[off, off + len)}. */
    default long read(long pos, byte[] dst, int off, int len) throws FsException {
        return read(pos, MemorySegment.ofArray(dst).asSlice(off, len));
    }

    /** {@link #write(long, MemorySegment, int)} of {@code src[off, off + len)}, no RWF flags. */
    default long write(long pos, byte[] src, int off, int len) throws FsException {
        return write(pos, MemorySegment.ofArray(src).asSlice(off, len), 0);
    }

    /** The file size in bytes ({@code i_size}). */
    long size() throws FsException;

    /** {@code ftruncate}: shrinking frees blocks and zeroes the tail of the last one; growing makes a hole. */
    void truncate(long size) throws FsException;

    /** {@code fallocate} with {@link Falloc} modes; EOPNOTSUPP where the personality has no such mode. */
    void fallocate(int mode, long offset, long length) throws FsException;

    /** {@code fsync} ({@code dataOnly} false) or {@code fdatasync} ({@code dataOnly} true). */
    void fsync(boolean dataOnly) throws FsException;

    /**
     * {@code posix_fadvise}: advice about a page cache, which a DAX file does not have; Linux checks
     * the arguments ({@link Fadvise#check}) and acts on none of it.
     *
     * @param offset where the range starts
     * @param length its length (0: to the end of the file)
     * @param advice one of the {@link Fadvise} values
     * @throws FsException EINVAL for a negative length or an unknown advice
     */
    void fadvise(long offset, long length, int advice) throws FsException;

    /**
     * {@code sync_file_range}: data only, never metadata. Only all three {@link SyncFileRange} flags
     * together write back (WB_SYNC_ALL) what mappings dirtied in the range; DAX writeback skips
     * the other forms, as {@code dax_writeback_mapping_range} does.
     *
     * @param offset where the range starts
     * @param length its length; 0 means to the end of the file
     * @param flags {@link SyncFileRange} flags
     * @throws FsException EINVAL as {@link SyncFileRange#check}
     */
    void syncRange(long offset, long length, int flags) throws FsException;

    /** {@code lseek(SEEK_DATA)}: the first data offset at or after {@code offset}; ENXIO when none. */
    long seekData(long offset) throws FsException;

    /** {@code lseek(SEEK_HOLE)}: the first hole offset at or after {@code offset} (EOF counts); ENXIO beyond EOF. */
    long seekHole(long offset) throws FsException;

    /** {@code FS_IOC_FIEMAP} over {@code [start, start + length)}, the last extent flagged LAST. */
    List<FiemapExtent> fiemap(long start, long length) throws FsException;

    /**
     * The data fork's extents as {@code XFS_IOC_GETBMAPX} reads them (xfs_getbmap): a regular
     * file's are its FIEMAP answer; a directory's come from its inode, since XFS maps directories
     * for GETBMAPX but has no {@code ->fiemap} for them. An inline (local) fork has none.
     *
     * @return the extents, in file order
     * @throws FsException EOPNOTSUPP where the file system does not map this inode
     */
    default List<FiemapExtent> dataForkExtents() throws FsException {
        return fiemap(0, Long.MAX_VALUE);
    }

    /** {@code fstat} of the open file. */
    StatInfo stat() throws FsException;

    /** {@code FS_IOC_FSGETXATTR}; personalities without the ioctl answer what they can (nextents). */
    FsxAttr fsxattr() throws FsException;

    /**
     * {@code FS_IOC_FSSETXATTR} of the {@link InodeFlags#CHATTR} flags (immutable, append-only, sync,
     * noatime, nodump) and the {@link InodeFlags#PER_FORMAT} ones: the new set as {@code FS_XFLAG_*}
     * bits. EOPNOTSUPP by default, where no VFS stands between the caller and the format, and for a
     * per-format flag the format refuses; EPERM where the format refuses the change.
     */
    default void setInodeFlags(int xflags) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: inode flags are set through the VFS", ino());
    }

    /**
     * {@code FS_IOC_FSSETXATTR} of the whole structure, as {@code chattr} and {@code xfs_io} call it:
     * fileattr_set_prepare's rules (a hint flag or the DAX flag on a type that cannot have it is
     * EINVAL; a hint flag with a zero size is dropped), then the flags, the DAX flag and the extent
     * size hint as {@link #setInodeFlags}, {@link #setDaxFlag} and {@link #setExtsize} set them, under
     * one hold of the inode. {@code fsx_nextents} and {@code fsx_naextents} are ignored, as Linux
     * ignores them; the CoW extent size hint and the project id as {@link Vnode#setCowextsize} and
     * {@link Vnode#setProjid} set them. EOPNOTSUPP by default, where no VFS stands between the
     * caller and the format.
     *
     * @param attr the attributes wanted: what {@link #fsxattr} returned, changed
     */
    default void setFsxattr(FsxAttr attr) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: extended attributes are set through the VFS", ino());
    }

    /**
     * {@code remap_file_range} from this file ({@code FICLONERANGE}, {@code FIDEDUPERANGE}, and
     * copy_file_range's first try): {@code out}'s range at {@code posOut} comes to share this file's
     * blocks from {@code posIn}, with no byte copied. {@link Remap} has the flags and the length rules.
     *
     * @param posIn      where in this file the blocks start (block-aligned)
     * @param out        the destination, open for writing on the same file system (may be this file)
     * @param posOut     where in the destination (block-aligned)
     * @param length     bytes; 0 for all to this file's end
     * @param remapFlags {@link Remap#DEDUP}, {@link Remap#CAN_SHORTEN}
     * @return the bytes remapped
     * @throws FsException EOPNOTSUPP where the file system shares no blocks (the default), EXDEV,
     *         EBADF, EINVAL, EPERM, ENOSPC, EIO
     */
    default long remapRange(long posIn, OpenFile out, long posOut, long length, int remapFlags) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: this file system shares no blocks", ino());
    }

    /**
     * {@code XFS_IOC_SWAPEXT} (xfs_fsr's primitive): this file and {@code donor} exchange their
     * data extents whole, in one transaction; sizes, times and inode numbers stay. {@code offset}
     * and {@code length} must be 0 and both files' size, {@code ctime} and {@code mtime} this file's
     * times as the caller read them (the check that it did not change meanwhile).
     *
     * @param donor  the other file, open on the same file system
     * @param offset the start of the range to exchange: 0
     * @param length its length: both files' size
     * @param ctime  this file's change time as the caller knows it
     * @param mtime  this file's modification time as the caller knows it
     * @throws FsException EBADF for a descriptor not open for reading and writing, or appending;
     *         EINVAL for a donor on another file system or of another format, the file itself, or
     *         forks that cannot exchange; EFAULT for a range that is not both files whole; EBUSY
     *         when the times differ; ENOTTY on a format without it (every one but XFS)
     */
    default void swapExtents(OpenFile donor, long offset, long length, Instant ctime, Instant mtime)
            throws FsException {
        throw FsException.of(Errno.ENOTTY, "inode %d: XFS_IOC_SWAPEXT: not an XFS file", ino());
    }

    /** Sets or clears the per-file DAX flag ({@code FS_XFLAG_DAX}); EOPNOTSUPP where there is none. */
    void setDaxFlag(boolean dax) throws FsException;

    /**
     * The extent size hint alone, as the format keeps it ({@link #setFsxattr} calls it for a hint
     * that changes): {@code fsx_extsize} in bytes with FS_XFLAG_EXTSIZE (0 clears both). EINVAL when the size is not whole
     * blocks or too large, or the file has extents and the size differs from the one set;
     * EOPNOTSUPP where the file system refuses one (ext2: fileattr_has_fsx); ext4 takes it and keeps
     * nothing, as ext4_fileattr_set ignores {@code fsx_extsize}.
     */
    void setExtsize(long bytes) throws FsException;

    /**
     * {@code mmap}. With {@link FileMapping#MAP_SYNC} under {@link FileMapping#MAP_SHARED_VALIDATE}:
     * EOPNOTSUPP unless the file is DAX and the device's flushes reach persistence.
     */
    FileMapping mmap(long offset, long length, int prot, int flags) throws FsException;

    /** Closes the descriptor; mappings made from it stay valid, as in Linux. */
    @Override
    void close() throws FsException;
}
