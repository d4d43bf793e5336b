package dev.jdax.api;

/**
 * A snapshot of a device's counters. Deterministic for a given sequence of operations, so they are
 * what benchmarks report beside the time (lines flushed and fences per fsync, say).
 */
public record DeviceCounters(long bytesStored, long bytesLoaded, long bytesZeroed, long linesFlushed,
                             long fences, long poisonCleared) {
    /** All counters zero: a new device. */
    public static final DeviceCounters ZERO = new DeviceCounters(0, 0, 0, 0, 0, 0);

    /** The counts from {@code earlier} to this snapshot. */
    public DeviceCounters minus(DeviceCounters earlier) {
        return new DeviceCounters(bytesStored - earlier.bytesStored, bytesLoaded - earlier.bytesLoaded,
                bytesZeroed - earlier.bytesZeroed, linesFlushed - earlier.linesFlushed,
                fences - earlier.fences, poisonCleared - earlier.poisonCleared);
    }
}
