package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.IomapOps;
import dev.jdax.api.fs.FsxAttr;

import java.time.Instant;

/**
 * What the engine asks of a personality about one regular file: the iomap answers and the
 * metadata half of Linux's inode and file operations for a DAX file. One object per in-core inode,
 * given to {@link DaxMount#newAddressSpace}. The engine owns {@code i_size} and the times (it
 * decides when they change and holds them in core, {@link AddressSpace#size()}); the personality
 * persists them when told ({@link #inodeChanged}) and keeps only its block map.
 *
 * <p>Locks the engine holds when it calls: {@link #truncateBlocks} and {@link #fallocate} under the
 * inode's I/O lock and invalidate lock, both exclusive, with no DAX I/O in flight and every mapping
 * of the range unmapped; {@link #inodeChanged} under the I/O lock (exclusive, or the range lock of
 * the bytes written); {@link #atimeChanged} under none of them.
 */
public interface DaxInodeOps extends IomapOps {
    /** {@return {@code s_maxbytes}}: writes at or beyond fail with EFBIG, and are cut short before it. */
    long maxFileSize();

    /** {@return the block size}, which truncate's tail zeroing works in. */
    int blockSize();

    /** {@return {@code s_time_gran}} in nanoseconds: how finely the format keeps times (ext: 1 s here, XFS: 1 ns). */
    default long timeGranularityNanos() {
        return 1;
    }

    /**
     * Whether the format keeps a change count ({@code i_version}: ext4 always in 6.1, XFS v5's
     * {@code di_changecount}), which Linux marks queried when it reads the inode: under lazytime the
     * first write after that still writes the inode (the count is bumped), the later ones do not.
     *
     * @return false by default (fs/ext2 keeps none)
     */
    default boolean keepsChangeCount() {
        return false;
    }

    /** {@return whether the answers come from a legacy {@link GetBlock} through the bridge} (counted apart). */
    default boolean mapsThroughGetBlock() {
        return false;
    }

    /** {@return whether this file is DAX now} (mount {@code dax=}, the per-file flag). */
    default boolean isDax() {
        return true;
    }

    /**
     * {@return whether faults may map 2 MiB at once} ({@code vm_operations_struct.huge_fault}):
     * fs/ext2 has none, since its allocations cannot be relied on to be 2 MiB aligned, so every
     * fault there asks for one page.
     */
    default boolean hugeFaults() {
        return true;
    }

    /** {@return whether the personality supports MAP_SYNC at all} (Linux's ext2 does not). */
    default boolean supportsMapSync() {
        return true;
    }

    /**
     * {@return the error a read at or beyond {@code s_maxbytes} gets}, or null to read as beyond EOF.
     * Linux 6.1 differs here: ext4 answers EINVAL, ext2 EIO, XFS 0.
     */
    default Errno readBeyondMaxBytes() {
        return null;
    }

    /**
     * Where FIEMAP's walk stops: EOF by default; personalities with blocks beyond EOF say so.
     *
     * @param size the current {@code i_size}
     * @return the file offset where the walk stops, block aligned
     * @throws FsException when the block map cannot be read
     */
    default long reportLimit(long size) throws FsException {
        long bs = blockSize();
        return (size + bs - 1) / bs * bs;
    }

    /**
     * {@code mark_inode_dirty}: the engine changed {@code i_size} (an extending write, truncate up)
     * and/or the times; persist them (in a transaction of the personality's own).
     *
     * @param size  {@code i_size} now
     * @param mtime the modification time now
     * @param ctime the change time now
     * @throws FsException when the inode cannot be written
     */
    void inodeChanged(long size, Instant mtime, Instant ctime) throws FsException;

    /**
     * {@code update_time(S_ATIME)}: the engine wrote {@code atime} as the access time in core after
     * a read or a mapping its mount's rule found worth it; persist it, and nothing else (no new
     * ctime), in a transaction of the personality's own. Called with none of the file's locks
     * held; the personality's metadata lock orders it with the other changes of the inode. An
     * error is not the access's: the engine drops it, as touch_atime does.
     *
     * @param atime the new access time, at the format's granularity
     * @throws FsException when the inode cannot be written
     */
    void atimeChanged(Instant atime) throws FsException;

    /**
     * {@code write_inode}: writes the inode as it is in core, in a transaction of the personality's
     * own, for the times lazytime kept ({@link AddressSpace#writeDirtyTimes}). Every write of the
     * inode takes those ({@link AddressSpace#takeDirtyTimes}) under the inode's monitor, this one
     * included.
     *
     * @throws FsException when the inode cannot be written
     */
    void writeInode() throws FsException;

    /**
     * Truncate down, as one atomic step of the format: {@code i_size} becomes {@code newSize}, the
     * times {@code now}, and every block wholly beyond the new size is freed — together, so that no
     * crash leaves written blocks beyond {@code i_size} or a size beyond the blocks. The engine has
     * unmapped the range and zeroed the tail of the last block.
     *
     * @param newSize the new size
     * @param now     the new mtime and ctime
     * @throws FsException when the block map cannot be read or written
     */
    void truncateBlocks(long newSize, Instant now) throws FsException;

    /**
     * fallocate's format part for the personality's modes (partial-block zeroing included where the
     * format does it); EOPNOTSUPP for the others.
     *
     * @param mode   {@link dev.jdax.api.fs.Falloc} bits
     * @param offset first byte
     * @param length bytes
     * @param size   {@code i_size} before
     * @return {@code i_size} after (the engine keeps it in core; the personality has persisted it)
     * @throws FsException EOPNOTSUPP for a mode the personality lacks, EINVAL, EFBIG, ENOSPC, EIO
     */
    long fallocate(int mode, long offset, long length, long size) throws FsException;

    /**
     * Whether a truncate to the size the file has already frees what lies past EOF (blocks
     * fallocate kept there, preallocations), as ext4_setattr calls ext4_truncate "even if i_size
     * didn't change" and xfs_setattr_size truncates the extents past it; fs/ext2's setattr leaves
     * the size alone then.
     *
     * @return false by default
     */
    default boolean truncatesAtSameSize() {
        return false;
    }

    /**
     * {@code XFS_IOC_SWAPEXT}'s exchange of data forks with {@code donor}, the engine holding both
     * files whole (i_rwsem and invalidate lock of each, by inode number) with their mappings
     * unmapped: the personality checks the range, the forks and the times, and exchanges the forks
     * in one transaction.
     *
     * @param donor  the donor file's ops, of the same mount
     * @param offset 0, or EFAULT
     * @param length both files' size, or EFAULT
     * @param ctime  this file's change time as the caller read it (EBUSY when it differs)
     * @param mtime  this file's modification time as the caller read it
     * @throws FsException ENOTTY by default, for formats without it
     */
    default void swapExtents(DaxInodeOps donor, long offset, long length, Instant ctime, Instant mtime)
            throws FsException {
        throw FsException.of(Errno.ENOTTY, "XFS_IOC_SWAPEXT: not an XFS file");
    }

    /**
     * {@return whether files here can share blocks} ({@code remap_file_range}: XFS made with
     * reflink); without it FICLONE is EOPNOTSUPP and copy_file_range copies the bytes.
     */
    default boolean remapsBlocks() {
        return false;
    }

    /**
     * {@code remap_file_range}'s format part (xfs_reflink_remap_blocks): this file's blocks under
     * {@code [posOut, +len)} (rounded up to blocks) become {@code src}'s under {@code [posIn,
     * +len)}, shared, with the size growing to {@code newSize} as the blocks arrive. The engine holds
     * both files whole, has checked the ranges (block-aligned starts, not overlapping) and unmapped
     * both.
     *
     * @param src     the source's ops, of the same mount (may be this file's)
     * @param posIn   where the blocks come from
     * @param posOut  where they go
     * @param len     bytes
     * @param newSize this file's size once the remap is done, if it grows
     * @return this file's size after (persisted)
     * @throws FsException EOPNOTSUPP by default; ENOSPC, EIO
     */
    default long remapFrom(DaxInodeOps src, long posIn, long posOut, long len, long newSize) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "remap_file_range: this format shares no blocks");
    }

    /**
     * fsync's metadata part: makes durable what reading the file back needs ({@code dataOnly}:
     * fdatasync) or everything about it.
     *
     * @param dataOnly true for fdatasync
     * @throws FsException when the metadata cannot be written
     */
    void commit(boolean dataOnly) throws FsException;

    /**
     * {@code getattr} of the file, with the engine's {@code i_size} and times.
     *
     * @return the attributes now
     * @throws FsException when the inode cannot be read
     */
    dev.jdax.api.fs.StatInfo stat() throws FsException;

    /**
     * {@code FS_IOC_FSGETXATTR}. By default what the VFS's fileattr_fill_flags makes of a file
     * system whose inode flags hold none of the FS_XFLAG bits (fs/ext2): no flags, sizes or extents.
     * The DAX flag is an on-disk flag, never whether the file is DAX now.
     *
     * @return the attributes
     * @throws FsException when the inode cannot be read
     */
    default FsxAttr fsxattr() throws FsException {
        return new FsxAttr(0, 0, 0, 0, 0, 0);
    }

    /**
     * {@return whether SEEK_DATA and SEEK_HOLE find holes} ({@code iomap_seek_*}); false gives
     * {@code generic_file_llseek}'s answers, where the whole file is data (Linux's ext2).
     */
    default boolean seeksHoles() {
        return true;
    }

    /**
     * Reads inline data ({@code IOMAP_INLINE}: bytes kept in the inode itself, as Linux's
     * {@code iomap_read_inline_data} copies them) at {@code pos} into {@code dst}.
     *
     * @param pos the file offset
     * @param dst where the bytes go; its size is how many
     * @return the bytes read
     * @throws FsException EIO where the format has no inline data
     */
    default long readInline(long pos, java.lang.foreign.MemorySegment dst) throws FsException {
        throw FsException.of(Errno.EIO, "inline data at offset %d, which this format does not keep", pos);
    }

    /**
     * Refuses {@code mmap} of a file the personality cannot map (an inline file, which Linux maps
     * through a page cache jdax does not have); nothing by default.
     *
     * @throws FsException why the file cannot be mapped
     */
    default void mayMmap() throws FsException {
    }

    /**
     * The inode's immutable, append-only, sync, noatime and nodump flags as {@code FS_XFLAG_*} bits
     * ({@link dev.jdax.api.fs.Vnode#inodeFlags}): read on every write, so from memory only.
     *
     * @return the flags; none by default
     */
    default int inodeFlags() {
        return 0;
    }

    /**
     * The format's own refusals of a write, after the engine's checks and before any byte moves
     * (ext4_write_checks: EPERM for an immutable file, whatever descriptor the write came through);
     * nothing by default, as fs/ext2 and XFS, which write through a descriptor opened before
     * {@code chattr +i}.
     *
     * @throws FsException why the write is refused
     */
    default void writeChecks() throws FsException {
    }

    /**
     * The format's own refusals of a size change (ftruncate; the VFS refused an append-only file
     * already): EPERM for an immutable file in ext4_setattr and in ext2_setsize, which refuses an
     * append-only one too; nothing by default, as XFS, which truncates an immutable file through a
     * descriptor opened before.
     *
     * @throws FsException why the size cannot change
     */
    default void setsizeChecks() throws FsException {
    }

    /**
     * Sets or clears the per-file DAX flag ({@code FS_XFLAG_DAX}).
     *
     * @param dax the new flag
     * @throws FsException EOPNOTSUPP where the format has none
     */
    default void setDaxFlag(boolean dax) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "no per-file DAX flag here");
    }

    /**
     * Sets the extent size hint ({@code fsx_extsize} with FS_XFLAG_EXTSIZE; 0 clears it).
     *
     * @param bytes the hint in bytes
     * @throws FsException EINVAL for a hint the format refuses, EOPNOTSUPP where there is none
     */
    default void setExtsize(long bytes) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "no extent size hint here");
    }
}
