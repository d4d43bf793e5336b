package dev.jdax.iomap;

import dev.jdax.api.FsException;

/**
 * An inode whose times lazytime keeps in core (its I_DIRTY_TIME), on the mount's list of them
 * ({@link DaxMount#writeDirtyTimes}): a regular file's {@link AddressSpace}, or a personality's
 * directory or symbolic link whose access time a listing or a read of the link changed.
 */
public interface KeptTimes {
    /**
     * Writes the inode as it is in core, its kept times with it; nothing when none is kept any more.
     *
     * @throws FsException when the inode cannot be written
     */
    void writeDirtyTimes() throws FsException;
}
