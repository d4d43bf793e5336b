package dev.jdax.bench;

import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * {@code lockedraw}: raw transfers ({@link RawTarget}), each under a lock taken as the engine takes
 * a file's i_rwsem (shared to read, exclusive to write), as Linux takes {@code inode_lock} around
 * every DAX write.
 * Its ratio to raw is reported beside the 4 KiB goals as a figure, not a bound: it was read as the
 * least a file system that locks per transfer pays (the lock's first locked instruction after a
 * copy waits until the copy's stores have drained; on a Linux 6.18 guest, 518 ns a 4 KiB write
 * where raw took 436 ns), but jdax's overwrites, under the same lock, have run faster than it
 * (docs/PERFORMANCE.md, "4 KiB overwrites through the file's run").
 */
final class LockedRawTarget implements Target {
    private final RawTarget raw;
    private final boolean owned;
    private final RwSem lock = new RwSem(LockClass.I_RWSEM, 0, "lockedraw");

    LockedRawTarget(long size) throws IOException {
        raw = new RawTarget(size);
        owned = true;
    }

    /**
     * Copies over {@code raw}'s own memory, which stays {@code raw}'s to close: beside raw copies of
     * the same pages, the ratio is the lock's alone, not also the difference between two devices.
     */
    LockedRawTarget(RawTarget raw) {
        this.raw = raw;
        owned = false;
    }

    @Override
    public void read(long pos, MemorySegment dst) {
        lock.lockShared();
        try {
            raw.read(pos, dst);
        } finally {
            lock.unlockShared();
        }
    }

    @Override
    public void write(long pos, MemorySegment src) throws IOException {
        lock.lockExclusive();
        try {
            raw.write(pos, src);
        } finally {
            lock.unlockExclusive();
        }
    }

    @Override
    public void truncate(long size) {
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            raw.close();
        }
    }
}
