package dev.jdax.api;

import dev.jdax.api.lock.RwSem;

/**
 * The part of a personality's in-core inode that the generic layers may read: Linux's
 * {@code struct inode} as the VFS, {@code fs/dax.c} and {@code fs/iomap} see it. Personalities
 * implement it on their own inode class and get that object back in {@link IomapOps#begin}.
 */
public interface Inode {
    /** The inode number. */
    long ino();

    /** {@code i_size}: the file size in bytes. */
    long size();

    /**
     * {@code i_rwsem}: the VFS takes it for namespace changes of a directory and around changes of
     * any inode; for a regular file it is also the I/O lock the engine's locking models take (XFS's
     * IOLOCK is this lock, as in Linux). One per in-core inode, class
     * {@link dev.jdax.api.lock.LockClass#I_RWSEM}.
     */
    RwSem rwsem();
}
