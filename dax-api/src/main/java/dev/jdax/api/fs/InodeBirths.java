package dev.jdax.api.fs;

import dev.jdax.api.FsException;

/**
 * The VFS's side of an inode's allocation, Linux's {@code insert_inode_locked}: a personality that
 * has just taken an inode number for a create, a mkdir, a symlink, a mknod or a tmpfile says so
 * here, before it writes the inode, so that the VFS holds the number as being made ({@code I_NEW}).
 * A lookup by number that comes meanwhile (an open by handle, a stat by inode number) then waits
 * for the maker and gets the inode it made, where it would otherwise read a second in-core copy of
 * the same inode from the disk. A personality that never says it keeps working; its creates only
 * lose that guard.
 */
@FunctionalInterface
public interface InodeBirths {
    /** Births no one listens to: a superblock's until the VFS mounts it. */
    InodeBirths NONE = ino -> { };

    /**
     * Inode {@code ino} was just taken for the operation this thread is running, and is not yet
     * written. The personality may hold its own locks here (its transaction, its allocator's): the
     * VFS changes only its own table and never waits.
     *
     * @param ino the number taken
     * @throws FsException EUCLEAN when the VFS still has that inode in use (a number allocated twice)
     */
    void claimed(long ino) throws FsException;
}
