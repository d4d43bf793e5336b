package dev.jdax.iomap;

import dev.jdax.api.fs.MountCounters;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The engine's counters for one mount, cheap to bump from many threads. */
final class EngineCounters {
    final LongAdder iomapBegins = new LongAdder();
    final LongAdder getBlockCalls = new LongAdder();
    final LongAdder pteFaults = new LongAdder();
    final LongAdder pmdFaults = new LongAdder();
    final LongAdder zeroPageFaults = new LongAdder();
    final LongAdder writeFaultAllocations = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    private final Map<String, LongAdder> pmdFallbacks = new ConcurrentHashMap<>();

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
