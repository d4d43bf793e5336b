package dev.jdax.api;

/** What lies under a file range (Linux's {@code IOMAP_HOLE} ... {@code IOMAP_INLINE}). */
public enum IomapType {
    /** No blocks: reads see zeros, writes must allocate. */
    HOLE,
    /** Reserved, not yet allocated; never produced under DAX (there is no delayed allocation). */
    DELALLOC,
    /** Blocks on the device at {@link Iomap#addr()}. */
    MAPPED,
    /** Blocks allocated but not written: reads see zeros, writes convert them. */
    UNWRITTEN,
    /** Data stored inside the inode (never mapped by DAX). */
    INLINE
}
