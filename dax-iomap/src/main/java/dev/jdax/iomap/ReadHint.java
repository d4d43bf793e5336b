package dev.jdax.iomap;

import dev.jdax.api.BadBlocks;

import java.lang.foreign.MemorySegment;

/**
 * One kept answer of a file's {@link MappingCache}, flattened for the read without the lock: the
 * file bytes {@code [start, end)} are the device's clean memory from {@code base + start} on, while
 * the block map is in state {@code generation} and no sector has gone bad since the memory was
 * found clean ({@code additions}). An open file's reads ask it first, so a read inside the run the
 * last one used touches the file's address space, this record and the memory, where the whole
 * look-up walked the cache's table, its arrays, the answer, the mount and its bad-sector list: on
 * this hardware each object a read loads right after a 4 KiB copy costs several times what it
 * costs on its own (the copy's lines push the path's out of the nearest cache), and sequential 4 KiB
 * reads through the mounted file system went from 0.79x to 1.00x of raw copies of the same blocks.
 */
record ReadHint(long generation, long start, long end, long base, MemorySegment memory, BadBlocks bad, long additions) {
    /** {@return whether it serves a read of {@code [pos, last)} in block-map state {@code generation}} */
    boolean serves(long generation, long pos, long last) {
        return this.generation == generation && pos >= start && last <= end && bad.additions() == additions && bad.isEmpty();
    }
}
