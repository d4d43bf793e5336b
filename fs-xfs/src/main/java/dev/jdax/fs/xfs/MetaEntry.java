package dev.jdax.fs.xfs;

/**
 * One metadata buffer or inode that a writable mount has changed and not yet written home, the
 * state of an xfs_buf or xfs_inode log item: the live bytes changes go to, what recovery would
 * find, and what a committed checkpoint still has to write home. Guarded by its own monitor.
 */
final class MetaEntry {
    /** Device offset of a buffer; inode number of an inode. */
    final long key;
    final int len;
    final boolean inode;
    final byte[] live;
    /**
     * What recovery would find of a buffer, the base of the next freeze's diff: the bytes last frozen
     * into the log, or the device's when first cached. Null for an inode, which is logged whole.
     */
    byte[] logged;
    /** Frozen bytes of a committed checkpoint not yet written home; null when home has them. */
    byte[] home;
    /** The checkpoint that changed the live bytes (core of an inode), -1 when none has since the last freeze. */
    long dirtySeq = -1;
    /** The checkpoint that changed an inode's di_next_unlinked, logged in its cluster buffer. */
    long unlinkedSeq = -1;
    /** The checkpoint that freed it, -1 while in use. */
    long staleSeq = -1;
    /**
     * Left the cache: a reader or writer that finds it looks again. Set under the monitor;
     * volatile so that {@link MetaCache#shared} can read it without taking the monitor.
     */
    volatile boolean detached;
    /**
     * Used since the last push (b_lru_ref's role): a clean buffer is kept through one push that
     * finds it used and let go at the next that does not, so the blocks a workload keeps coming
     * back to stay cached and verified while the cache stays the size of what it uses.
     */
    boolean referenced;
    /**
     * Where the CRC of a buffer or inode changed since it was last summed sits, -1 when the live
     * bytes carry their CRC. Linux sums a metadata buffer once, when it is formatted into the log
     * or written (the write verifier), and an inode when it is flushed to its cluster
     * (xfs_iflush), not at every change: a directory block, btree block or inode that many
     * transactions of a checkpoint change is summed once for the checkpoint, or when a reader
     * copies it out ({@link #summed}).
     */
    int crcOff = -1;

    MetaEntry(long key, int len, boolean inode, byte[] base) {
        this.key = key;
        this.len = len;
        this.inode = inode;
        this.logged = inode ? null : base;
        this.live = base.clone();
    }

    /** The live bytes with their CRC, summed now if a change left it stale (caller holds its monitor). */
    byte[] summed() {
        if (crcOff >= 0) {
            XfsCrc.update(live, 0, len, crcOff);
            crcOff = -1;
        }
        return live;
    }

    /** Whether nothing about it waits for the log or for home (caller holds its monitor). */
    boolean clean() {
        return home == null && dirtySeq < 0 && unlinkedSeq < 0 && staleSeq < 0 && !detached;
    }
}
