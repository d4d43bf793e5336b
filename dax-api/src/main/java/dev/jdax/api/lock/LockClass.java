package dev.jdax.api.lock;

/**
 * The classes of locks, outermost first, in the order {@code docs/LOCKING.md} writes down. A thread
 * may take a lock only when every lock it holds ranks below it: class first, then the subclass the
 * acquisition names, then its key (a group number, an inode number, a page index) — Linux's lockdep
 * classes and nesting annotations made into one total order that {@link LockOrder} checks.
 */
public enum LockClass {
    /** {@code s_vfs_rename_mutex}: a rename between two directories, before their locks. */
    RENAME,
    /**
     * {@code i_rwsem} of a directory or a file (for a file it is the I/O lock, XFS's IOLOCK): shared
     * for lookup and reads, exclusive for changes. Subclasses order parent before child.
     */
    I_RWSEM,
    /** The byte-range lock of the {@code range} locking model, which takes i_rwsem's place for I/O. */
    RANGE,
    /** {@code invalidate_lock} / XFS MMAPLOCK: faults shared, truncate and fallocate exclusive. */
    INVALIDATE,
    /** A mapping entry of an address space ({@code grab_mapping_entry}); key: the page index. */
    ENTRY,
    /**
     * A metadata transaction of the personality (a jbd2 handle, an XFS transaction). Not a lock,
     * but it can wait for a commit, which waits for every open transaction: so no thread may hold
     * one while it waits for a lock ranked above it, as jbd2's lockdep map says.
     */
    TRANSACTION,
    /** ext4 {@code i_data_sem}, XFS ILOCK, ext2's block-map lock: one inode's block map and core; key: ino. */
    I_DATA_SEM,
    /** Per-group / per-AG allocator state; subclass {@link #INODES} before {@link #BLOCKS}; key: the group. */
    GROUP,
    /** File-system-wide counters and lists: the superblock's free counts, the orphan list. */
    SUPER,
    /** The journal's own state: its running transaction's buffer list, the commit. */
    JOURNAL,
    /** The bytes of one metadata block while a part of it is rewritten (inode table blocks). */
    BUFFER;

    /** i_rwsem subclass: the first (or only) directory of a namespace change. */
    public static final int PARENT = 1;
    /** i_rwsem subclass: the second directory of a rename, taken after the first. */
    public static final int PARENT2 = 2;
    /** i_rwsem subclass: an inode inside a locked directory, or a file for its own I/O. */
    public static final int CHILD = 3;
    /** GROUP subclass: inode allocation state (ext inode bitmap, XFS AGI). */
    public static final int INODES = 1;
    /** GROUP subclass: block allocation state (ext block bitmap, XFS AGF). */
    public static final int BLOCKS = 2;
}
