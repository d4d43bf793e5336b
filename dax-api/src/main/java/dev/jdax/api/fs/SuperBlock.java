package dev.jdax.api.fs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.List;

/**
 * A personality's mounted format: Linux's {@code super_block} with its {@code super_operations}.
 * The SPI side of a mount: only the VFS (module {@code dev.jdax.vfs}) calls it; programs use the
 * {@link FileSystem} the VFS builds over it. The VFS keeps at most one {@link Vnode} per inode
 * number in core and takes the locks {@code docs/LOCKING.md} names before it calls the inodes.
 */
public interface SuperBlock {
    /** {@return the personality that mounted it} */
    FileSystemType type();

    /** {@return the device it lives on} */
    DaxDevice device();

    /** {@return the options it was mounted with} */
    MountOptions options();

    /** {@return whether it is mounted read-only} */
    boolean readOnly();

    /**
     * {@return whether its files can share blocks} (a {@code remap_file_range} in its file
     * operations: XFS made with reflink). Without it the VFS does not ask for a remap: FICLONE is
     * EOPNOTSUPP and copy_file_range copies the bytes.
     */
    default boolean remapsBlocks() {
        return false;
    }

    /**
     * {@return why a mount asked read-write is read-only (a feature the personality cannot keep
     * true), or null} The VFS says it with every EROFS.
     */
    default String readOnlyReason() {
        return null;
    }

    /** {@return the inode number of the root directory} */
    long rootIno();

    /**
     * {@return the time now as the format keeps times} ({@code current_time}: the clock the
     * personality sets its inodes' times from, at its granularity); the wall clock by default
     */
    default java.time.Instant currentTime() {
        return java.time.Instant.now();
    }

    /**
     * {@code iget}: reads inode {@code ino} into core. The VFS calls it when the inode is not in its
     * cache, never twice at once for one number, with no lock held.
     *
     * @param ino the inode number
     * @return the in-core inode
     * @throws FsException ESTALE for an inode not in use, EUCLEAN or EBADMSG for a corrupt one
     */
    Vnode iget(long ino) throws FsException;

    /**
     * {@code fh_to_dentry}'s inode lookup ({@code ext4_nfs_get_inode}, {@code xfs_nfs_get_inode}):
     * inode {@code ino} for a program that named it by number (a handle), not one a directory gave.
     * A number that names no file a program may open — reserved for the format or one of its own
     * inodes (a journal, a bitmap, a quota file), outside the inode table, never used, or freed — is
     * ESTALE, as a stale handle is; {@link #iget} takes a number from a directory, where such a
     * number is corruption. The VFS calls it as it calls {@link #iget}.
     *
     * @param ino the number the program gave
     * @return the in-core inode
     * @throws FsException ESTALE for a number that names no file in use, EUCLEAN or EBADMSG for a
     *                     corrupt inode
     */
    default Vnode igetByNumber(long ino) throws FsException {
        return iget(ino);
    }

    /**
     * {@code statfs}.
     *
     * @return sizes and free counts
     * @throws FsException when the counts cannot be read
     */
    StatFs statfs() throws FsException;

    /**
     * {@code XFS_IOC_FSGEOMETRY}: XFS's geometry. Other formats have no such ioctl (ENOTTY, as
     * Linux answers an ioctl a file system does not know).
     *
     * @return the allocation groups' size and count, and the stripe
     * @throws FsException ENOTTY for a format that is not XFS
     */
    default XfsGeometry xfsGeometry() throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_FSGEOMETRY: not an XFS file system");
    }

    /**
     * {@code XFS_IOC_FSCOUNTS}: XFS's summary counters.
     *
     * @return the free and allocated blocks and inodes
     * @throws FsException ENOTTY for a format that is not XFS
     */
    default XfsCounts xfsCounts() throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_FSCOUNTS: not an XFS file system");
    }

    /**
     * {@code XFS_IOC_INUMBERS}: the inode chunks with an allocated inode, in inode-number order,
     * from the chunk that holds {@code from} on. A {@code from} beyond the last AG has none.
     *
     * @param from the first inode number to consider (unsigned)
     * @param max  at most this many chunks
     * @return the chunks, fewer than {@code max} only at the end
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default List<XfsInodeGroup> xfsInumbers(long from, int max) throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_INUMBERS: not an XFS file system");
    }

    /**
     * {@code FS_IOC_GETFSMAP}: who owns each range of the device asked for. The records are the
     * format's own: ext4 reports its fixed metadata, free space as its in-memory bitmaps hold it and
     * the rest as unknown; XFS without a reverse-mapping B+tree reports its by-block free-space
     * B+tree and the rest as unknown. A device the file system does not have (an external log, a
     * realtime device) has no records. A format without the ioctl answers ENOTTY (fs/ext2).
     *
     * @param keys the device and the range of it
     * @return the records in device order
     * @throws FsException ENOTTY where the format has no FS_IOC_GETFSMAP; EINVAL for a low key after the high key
     */
    default List<FsmapRecord> getfsmap(FsmapKeys keys) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_GETFSMAP: not supported by this file system");
    }

    /**
     * {@code XFS_IOC_BULKSTAT}'s record of inode {@code ino} read from the format, for an inode the
     * VFS does not hold ({@link Vnode#xfsBulkstat} answers for one it does).
     *
     * @param ino the inode number
     * @return its record
     * @throws FsException EINVAL when it is not in use; ENOTTY on a format that is not XFS
     */
    default XfsBulkstat xfsBulkstat(long ino) throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_BULKSTAT: not an XFS file system");
    }

    /**
     * {@code XFS_IOC_BULKSTAT}'s walk, one inode long: the first inode at or after {@code from}
     * that bulkstat reports, which is every allocated inode but the file system's own (the
     * realtime bitmap and summary: xfs_internal_inum).
     *
     * @param from the first inode number to consider (unsigned)
     * @return that inode's number, or -1 when there is none
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default long xfsBulkstatNext(long from) throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_BULKSTAT: not an XFS file system");
    }

    /**
     * {@return the longest label {@code FS_IOC_SETFSLABEL} takes, in bytes, or 0 for a format
     * without the label ioctls} (Linux 6.1: XFS 12, ext4 16; fs/ext2 has neither ioctl, ENOTTY).
     */
    default int labelMax() {
        return 0;
    }

    /**
     * {@code FS_IOC_GETFSLABEL}: the file system's label field. The VFS calls it only when
     * {@link #labelMax()} is not 0, and reads the label up to the field's first NUL (a label
     * of the field's whole length has none).
     *
     * @return the label field's bytes as stored
     * @throws FsException when the superblock cannot be read
     */
    default byte[] label() throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_GETFSLABEL: the format keeps no label");
    }

    /**
     * {@code FS_IOC_SETFSLABEL}: stores a new label in the superblock and in its copies, as the
     * format's ioctl does. The VFS has checked its length against {@link #labelMax()} and that the
     * mount is writable.
     *
     * @param label the label's bytes, no NUL among them, at most {@link #labelMax()}
     * @throws FsException when the superblock cannot be written
     */
    default void setLabel(byte[] label) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_SETFSLABEL: the format keeps no label");
    }

    /**
     * {@code sync_fs}: makes every change so far durable (the journal or the log committed).
     *
     * @throws FsException when the commit fails
     */
    void sync() throws FsException;

    /** {@return what the engine counted on this mount so far} */
    MountCounters counters();

    /**
     * {@return the STATX_ATTR_* bits this format can report}, without the ones the VFS adds. Linux
     * 6.1: ext2 {@code 0x874}, ext4 {@code 0x100874}, XFS {@code 0x70}.
     */
    default long statxAttributesMask() {
        return 0;
    }

    /** {@return {@code s_max_links}: the most links an inode may have (EMLINK beyond)} */
    default long maxLinks() {
        return 65000;
    }

    /** {@return the renameat2 flags this format implements} ({@link OpenFlags#RENAME_NOREPLACE} at least) */
    default int renameFlags() {
        return OpenFlags.RENAME_NOREPLACE;
    }

    /**
     * Whether fscrypt's ioctls ({@code FS_IOC_*ENCRYPTION*}) reach this format: ENOTTY where it has
     * none (XFS, fs/ext2), EOPNOTSUPP where it has them but the file system was made without the
     * feature (ext4 without {@code encrypt}), null where they work. The VFS answers them from there
     * (policies from {@link Vnode#encryptionContext}; jdax holds no keys).
     *
     * @return the errno every fscrypt ioctl answers, or null
     */
    default Errno fscryptRefusal() {
        return Errno.ENOTTY;
    }

    /**
     * Tells the personality where to say that it took an inode number for the VFS ({@link
     * InodeBirths#claimed}); the VFS calls it once, as it mounts, before any other call. A
     * personality that keeps no such hook ignores it.
     *
     * @param births the VFS's side of an inode's allocation
     */
    default void births(InodeBirths births) {
    }

    /**
     * {@code put_super}: called once the VFS has evicted every inode; leaves the format clean
     * (journal committed, log clean, clean flag set).
     *
     * @throws FsException when the final writes fail
     */
    void close() throws FsException;
}
