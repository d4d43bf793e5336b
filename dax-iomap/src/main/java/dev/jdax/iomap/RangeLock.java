package dev.jdax.iomap;

import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.LockOrder;

import java.util.ArrayList;
import java.util.List;

/**
 * A byte-range lock: a holder excludes every other holder whose range overlaps it when either of
 * them writes. Few ranges are held at once (one per thread in an I/O), so a list under one monitor
 * is enough.
 */
final class RangeLock {
    /** One held range; {@link #release} gives it back. */
    final class Held {
        private final long start;
        private final long end;
        private final boolean write;

        private Held(long start, long end, boolean write) {
            this.start = start;
            this.end = end;
            this.write = write;
        }

        boolean conflicts(long s, long e, boolean w) {
            return (write || w) && s < end && start < e;
        }

        void release() {
            synchronized (RangeLock.this) {
                held.remove(this);
                RangeLock.this.notifyAll();
            }
            LockOrder.exit(this);
        }
    }

    private final List<Held> held = new ArrayList<>();

    /** {@link #lock}, if no holder conflicts, without waiting; else null. */
    Held tryLock(long start, long end, boolean write, long ino) {
        Held h = new Held(start, end, write);
        synchronized (this) {
            if (anyConflict(start, end, write)) {
                return null;
            }
            held.add(h);
        }
        LockOrder.enter(h, LockClass.RANGE, 0, ino, write, "range lock of inode");
        return h;
    }

    Held lock(long start, long end, boolean write, long ino) {
        Held h = new Held(start, end, write);
        LockOrder.enter(h, LockClass.RANGE, 0, ino, write, "range lock of inode");
        synchronized (this) {
            boolean interrupted = false;
            while (anyConflict(start, end, write)) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            held.add(h);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return h;
    }

    private boolean anyConflict(long start, long end, boolean write) {
        for (Held x : held) {
            if (x.conflicts(start, end, write)) {
                return true;
            }
        }
        return false;
    }
}
