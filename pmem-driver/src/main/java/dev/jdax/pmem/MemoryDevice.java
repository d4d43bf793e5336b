package dev.jdax.pmem;

import dev.jdax.api.DeviceInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Anonymous memory as a device: the default for tests, demos and benchmarks. Nothing outlives the
 * process, so write-back is only counted; the counters are what such a device is for. Within the
 * process it is emulated pmem, as the reference's memmap= pmem is RAM: a fenced store is in its
 * persistence domain (what a power failure does to unfenced lines is the crash-simulating device's
 * job), so it reports itself persistent and MAP_SYNC is granted on it.
 */
final class MemoryDevice extends SegmentDevice {
    private final Arena arena;

    private MemoryDevice(Arena arena, long size) {
        super("memory", arena.allocate(size, PAGE_SIZE));
        this.arena = arena;
    }

    static MemoryDevice allocate(long size) {
        Arena arena = Arena.ofShared();
        try {
            return new MemoryDevice(arena, size);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    @Override
    void writeBack(MemorySegment memory, long offset, long length) {
        // Nothing to write back to: the memory is all there is. Counted by the caller.
    }

    @Override
    void storeFence() {
    }

    @Override
    void release() {
        arena.close();
    }

    @Override
    public DeviceInfo info() {
        return new DeviceInfo("memory", "anonymous", "", "count only (anonymous memory)", true);
    }
}
