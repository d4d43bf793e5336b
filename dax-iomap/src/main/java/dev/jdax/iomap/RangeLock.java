package dev.jdax.iomap;

import java.util.ArrayList;
import java.util.List;

/**
 * A byte-range lock: a holder excludes every other holder whose range overlaps it when either of
 * them writes. Few ranges are held at once (one per thread in an I/O), so a list under one monitor
 * is enough.
 */
final class RangeLock {
    private record Held(long start, long end, boolean write) {
        boolean conflicts(long s, long e, boolean w) {
            return (write || w) && s < end && start < e;
        }
    }

    private final List<Held> held = new ArrayList<>();

    AutoCloseable lock(long start, long end, boolean write) {
        Held h = new Held(start, end, write);
        synchronized (this) {
            boolean interrupted = false;
            while (held.stream().anyMatch(x -> x.conflicts(start, end, write))) {
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
        return () -> {
            synchronized (this) {
                held.remove(h);
                notifyAll();
            }
        };
    }
}
