package dev.jdax.bench;

import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * {@code lockedraw}: raw copies, each under a lock taken as the engine takes a file's i_rwsem
 * (shared to read, exclusive to write) — the least any file system that locks per transfer pays,
 * Linux's included ({@code inode_lock} around every DAX write). Its ratio to raw is the ceiling of
 * the 4 KiB goals on the machine that measured it: the lock's first locked instruction after a copy
 * waits until the copy's stores have drained, where raw copies overlap one copy's draining with the
 * next copy (on a Linux 6.18 guest, 518 ns a 4 KiB write where raw took 436 ns).
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
    public void write(long pos, MemorySegment src) {
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
