package dev.jdax.api.fs;

import java.util.Map;

/**
 * What the engine counted on one mount: how hard the personality was asked, and how faults were
 * served. {@code pmdFallbacks} names each reason a PMD fault fell back to PTEs
 * ({@code "hole size unknown"}, {@code "extent not 2 MiB aligned"} ...) with its count.
 */
public record MountCounters(long iomapBegins, long getBlockCalls, long pteFaults, long pmdFaults,
                            Map<String, Long> pmdFallbacks, long zeroPageFaults, long writeFaultAllocations,
                            long bytesRead, long bytesWritten, long linesFlushed, long fences) {
    /** Copies the fallback counts. */
    public MountCounters {
        pmdFallbacks = Map.copyOf(pmdFallbacks);
    }

    /** PMD faults that fell back to PTEs, all reasons together. */
    public long totalPmdFallbacks() {
        return pmdFallbacks.values().stream().mapToLong(Long::longValue).sum();
    }
}
