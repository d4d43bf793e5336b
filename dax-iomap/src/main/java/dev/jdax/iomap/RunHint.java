package dev.jdax.iomap;

import dev.jdax.api.BadBlocks;

import java.lang.foreign.MemorySegment;

/**
 * One kept answer of a file's {@link MappingCache}, flattened for the 4 KiB path: the file bytes
 * {@code [start, end)} are the device's clean memory from {@code base + start} on (device addresses:
 * the memory is the whole device's window), while the block map is in state {@code generation} and
 * no sector has gone bad since the memory was found clean ({@code additions}); {@code overwritable}
 * when the blocks are the file's alone (not F_SHARED), so a write inside i_size may store into them
 * in place. An open file's reads and overwrites ask it first, so one inside the run the last one
 * used touches the file's address space, this record and the memory, where the whole look-up walked
 * the cache's table, its arrays, the answer, the mount and its bad-sector list: on this hardware
 * each object loaded right after a 4 KiB copy costs several times what it costs on its own (the
 * copy's lines push the path's out of the nearest cache). Sequential 4 KiB reads through the mounted
 * file system went from 0.79x to 1.00x of raw copies of the same blocks, and sequential overwrites,
 * which walked the table under the I/O lock, from 0.66x to 0.95x (docs/PERFORMANCE.md).
 */
record RunHint(long generation, long start, long end, long base, MemorySegment memory, BadBlocks bad, long additions,
               boolean overwritable) {
    /** {@return whether it serves a read of {@code [pos, last)} in block-map state {@code generation}} */
    boolean serves(long generation, long pos, long last) {
        return this.generation == generation && pos >= start && last <= end && bad.additions() == additions && bad.isEmpty();
    }
}
