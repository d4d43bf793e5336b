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
    final Counter iomapBegins = new Counter(0);
    final Counter getBlockCalls = new Counter(1);
    final Counter pteFaults = new Counter(2);
    final Counter pmdFaults = new Counter(3);
    final Counter zeroPageFaults = new Counter(4);
    final Counter writeFaultAllocations = new Counter(5);
    final Counter bytesRead = new Counter(6);
    final Counter bytesWritten = new Counter(7);
    /** Fallbacks are rare (a fault that cannot map a PMD) and keyed by reason. */
    private final Map<String, LongAdder> pmdFallbacks = new ConcurrentHashMap<>();

    /** One of the counters. */
    final class Counter {
        private final int index;

        private Counter(int index) {
            this.index = index;
        }

        void increment() {
            counts.increment(index);
        }

        void add(long delta) {
            counts.add(index, delta);
        }

        long sum() {
            return counts.sum(index);
        }
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
