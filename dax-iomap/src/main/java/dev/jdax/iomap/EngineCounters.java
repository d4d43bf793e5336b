package dev.jdax.iomap;

import dev.jdax.api.ThreadCounters;
import dev.jdax.api.fs.MountCounters;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's counters for one mount, cheap to bump from many threads: per-thread cells
 * ({@link ThreadCounters}), so the I/O path pays no atomic instruction for them.
 */
final class EngineCounters {
    private final ThreadCounters counts = new ThreadCounters(8);
    final Counter iomapBegins = new Counter(counts, 0);
    final Counter getBlockCalls = new Counter(counts, 1);
    final Counter pteFaults = new Counter(counts, 2);
    final Counter pmdFaults = new Counter(counts, 3);
    final Counter zeroPageFaults = new Counter(counts, 4);
    final Counter writeFaultAllocations = new Counter(counts, 5);
    /** The index of bytes read and of bytes written, bumped through a thread's kept cell ({@link #cellOfCurrentThread()}). */
    static final int BYTES_READ = 6;
    static final int BYTES_WRITTEN = 7;
    final Counter bytesRead = new Counter(counts, BYTES_READ);
    final Counter bytesWritten = new Counter(counts, BYTES_WRITTEN);
    /** Fallbacks are rare (a fault that cannot map a PMD) and keyed by reason. */
    private final Map<String, LongAdder> pmdFallbacks = new ConcurrentHashMap<>();

    /**
     * One of the counters. Static, holding the cells itself: a bump on the data path loads the cells
     * from the counter, not through the enclosing object as well.
     */
    static final class Counter {
        private final ThreadCounters counts;
        private final int index;

        private Counter(ThreadCounters counts, int index) {
            this.counts = counts;
            this.index = index;
        }

        void increment() {
            counts.increment(index);
        }

        long sum() {
            return counts.sum(index);
        }
    }

    /** The calling thread's cells of these counters ({@link ThreadCounters#cellOfCurrentThread()}). */
    long[] cellOfCurrentThread() {
        return counts.cellOfCurrentThread();
    }

    void pmdFallback(String reason) {
        pmdFallbacks.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    MountCounters snapshot(long linesFlushed, long fences) {
        Map<String, Long> fb = new TreeMap<>();
        pmdFallbacks.forEach((k, v) -> fb.put(k, v.sum()));
        return new MountCounters(iomapBegins.sum(), getBlockCalls.sum(), pteFaults.sum(), pmdFaults.sum(), fb,
                zeroPageFaults.sum(), writeFaultAllocations.sum(), bytesRead.sum(), bytesWritten.sum(),
                linesFlushed, fences);
    }
}
