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
    /** The memory's descriptor (a memfd, so views can map its pages again), or -1 for arena memory. */
    private final int fd;
    private final Arena arena;
    private final long address;

    private MemoryDevice(MemorySegment memory, int fd, Arena arena) {
        super("memory", memory);
        this.fd = fd;
        this.arena = arena;
        this.address = memory.address();
    }

    /**
     * Memory from a memfd, mapped shared; where the kernel has no memfd_create (or a sandbox refuses
     * it), from an arena, and then the device has no page views.
     */
    static MemoryDevice allocate(long size) {
        // A memfd is charged page by page as it is touched, so a size the kernel can never give would
        // pass here and fail at some later store. A private mapping is charged at once, as the arena's
        // allocation is: probing with one keeps "cannot be had" an error of this call.
        Libc.Result probe = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1);
        if (probe.failed()) {
            throw new OutOfMemoryError("mmap of " + size + " bytes: " + probe.errnoName());
        }
        Libc.munmap(probe.value(), size);
        Libc.Result memfd = Libc.memfdCreate("jdax-memory");
        if (!memfd.failed()) {
            int fd = (int) memfd.value();
            if (!Libc.ftruncate(fd, size).failed()) {
                Libc.Result m = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd);
                if (!m.failed()) {
                    return new MemoryDevice(MemorySegment.ofAddress(m.value()).reinterpret(size), fd, null);
                }
            }
            Libc.close(fd);
        }
        Arena arena = Arena.ofShared();
        try {
            return new MemoryDevice(arena.allocate(size, PAGE_SIZE), -1, arena);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    @Override
    int viewFd() {
        return fd;
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
        if (arena != null) {
            arena.close();
            return;
        }
        Libc.munmap(address, size());
        Libc.close(fd);
    }

    @Override
    public DeviceInfo info() {
        return new DeviceInfo("memory", fd >= 0 ? "anonymous (memfd, shared)" : "anonymous (arena)", "",
                "count only (anonymous memory)", true);
    }
}
