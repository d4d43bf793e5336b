package dev.jdax.pmem;

import dev.jdax.api.DeviceInfo;
import dev.jdax.api.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    private final boolean populated;

    private MemoryDevice(MemorySegment memory, int fd, Arena arena, boolean populated, Libpmem aroundCache) {
        super("memory", memory, aroundCache);
        this.fd = fd;
        this.arena = arena;
        this.address = memory.address();
        this.populated = populated;
    }

    /**
     * Memory from a memfd, mapped shared; where the kernel has no memfd_create (or a sandbox refuses
     * it), from an arena, and then the device has no page views.
     *
     * <p>A memfd's pages come into being at their first touch, each one a fault in which the kernel
     * allocates and zeroes it (microseconds in a virtual machine, whose host backs the page too). A
     * pmem namespace has every page from the start. {@code populate} faults them all in now
     * (MADV_POPULATE_WRITE: allocated, zeroed and mapped), so that what follows pays only what pmem
     * would: a file system that keeps writing blocks it never wrote before (as every create does,
     * since freed blocks stay busy until their commit) measures the file system, not the emulation.
     * (Where the machine reclaims cold memory, as DAMON does in some virtual machines, it may unmap
     * pages again; touching them then is a minor fault, without the zeroing.) Arena memory is
     * zeroed, so touched, by its allocation. {@code aroundCache}: libpmem, whose copy and fill the
     * device's data stores and zeroing go through (around the cache), or null to store through the cache.
     */
    static MemoryDevice allocate(long size, boolean populate, Libpmem aroundCache) {
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
                    MemorySegment memory = MemorySegment.ofAddress(m.value()).reinterpret(size);
                    Libc.Result all = populate ? faultIn(memory) : m;
                    if (all.failed()) {
                        Libc.munmap(m.value(), size);
                        Libc.close(fd);
                        throw new OutOfMemoryError("populating " + size + " bytes of memfd: " + all.errnoName());
                    }
                    return new MemoryDevice(memory, fd, null, populate, aroundCache);
                }
            }
            Libc.close(fd);
        }
        Arena arena = Arena.ofShared();
        try {
            return new MemoryDevice(arena.allocate(size, PAGE_SIZE), -1, arena, true, aroundCache);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    /** Every page of {@code memory} faulted in, writable: a store in each where the kernel is older than 5.14. */
    private static Libc.Result faultIn(MemorySegment memory) {
        Libc.Result r = Libc.madvise(memory.address(), memory.byteSize(), Libc.MADV_POPULATE_WRITE);
        if (!r.failed() || Errno.ofNumber(r.errno()) != Errno.EINVAL) {
            return r;
        }
        for (long page = 0; page < memory.byteSize(); page += PAGE_SIZE) {
            memory.set(ValueLayout.JAVA_BYTE, page, (byte) 0);
        }
        return new Libc.Result(0, 0);
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
        String kind = fd >= 0 ? "anonymous (memfd, shared" + (populated ? ", populated)" : ")") : "anonymous (arena)";
        return new DeviceInfo("memory", kind, "",
                "count only (anonymous memory); " + storeMethod(), true);
    }
}
