package dev.jdax.pmem;

import dev.jdax.api.BadBlocks;
import dev.jdax.api.BadRange;
import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.DeviceCounters;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.PageView;
import dev.jdax.api.ThreadCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A device over one memory segment: range checks, bad sectors, counters. Subclasses say how the
 * segment is backed and how cache lines are written back ({@link #writeBack}).
 */
abstract class SegmentDevice implements DaxDevice {
    /** What a poisoned sector reads as when something bypasses the check: visibly wrong bytes. */
    static final byte POISON_BYTE = (byte) 0xDE;

    private final String name;
    private final long size;
    private final BadBlocks badBlocks = new BadBlocks();
    /** The counters {@link #counters()} reports, per thread: no atomic instruction after a store's copy. */
    private static final int BYTES_STORED = 0;
    private static final int BYTES_LOADED = 1;
    private static final int BYTES_ZEROED = 2;
    private static final int LINES_FLUSHED = 3;
    private static final int FENCES = 4;
    private static final int POISON_CLEARED = 5;
    private final ThreadCounters counts = new ThreadCounters(6);
    private volatile MemorySegment memory;
    /** Views still mapped: closing the device takes their pages away. */
    private final Set<MappedPageView> views = ConcurrentHashMap.newKeySet();

    /**
     * The device's lifetime: every window {@link #directAccess} hands out is a slice of memory bound
     * to it, so once the device is closed an access through a window kept past that is the JDK's
     * IllegalStateException, never an access to unmapped memory (which would kill the JVM).
     */
    private final Arena lifetime = Arena.ofShared();
    /** The native calls that reach the memory by address, which closing waits for. */
    private final DaxSrcu srcu = new DaxSrcu();

    /**
     * libpmem's cache-bypassing copy and fill, used for the data path's stores and zeroing of
     * {@link #NONTEMPORAL_MIN} bytes or more ({@link #storeData}, {@link #zeroData}); null where the
     * device stores data through the cache. Metadata always goes through it: ext2 rereads its
     * bitmaps and inode tables from the device, and writing them around the cache made a create +
     * write + delete three times as slow.
     */
    private final Libpmem aroundCache;
    /** The length from which libpmem itself stores around the cache (its PMEM_MOVNT_THRESHOLD default). */
    static final long NONTEMPORAL_MIN = 256;
    /**
     * The most one critical call copies: the source may be a Java array, which the collector cannot
     * move, so it waits for the call (a MiB: some 50 us here).
     */
    private static final long NONTEMPORAL_CHUNK = 1 << 20;

    /**
     * @param aroundCache libpmem when the memory is (emulated) persistent memory, into which Linux's
     *                    pmem driver copies file data with non-temporal stores ({@code memcpy_flushcache}):
     *                    a 4 KiB write then costs no read of the lines it replaces, 1 MiB writes
     *                    run 2.5 times as fast as copies through the cache, 4 KiB writes 1.2 times
     *                    (docs/PERFORMANCE.md); null to store through the cache
     */
    SegmentDevice(String name, MemorySegment memory, Libpmem aroundCache) {
        this.name = name;
        this.aroundCache = aroundCache;
        this.memory = memory.reinterpret(lifetime, null);
        this.size = memory.byteSize();
        badBlocks.onAdd(this::scramble);
    }

    /**
     * Enters a section in which a native call may reach the memory by its address ({@link DaxSrcu}):
     * closing waits for it. Each successful call is followed by {@link #exitNative()}.
     *
     * @param what the access, for the error when the device is closed
     */
    final void enterNative(String what) throws FsException {
        if (!srcu.readLock()) {
            throw FsException.of(Errno.EBADF, "%s: %s: device is closed", name, what);
        }
    }

    /** Leaves the section {@link #enterNative} entered. */
    final void exitNative() {
        srcu.readUnlock();
    }

    /** Writes back the lines of {@code [offset, offset + length)}, already line-aligned. */
    abstract void writeBack(MemorySegment memory, long offset, long length) throws FsException;

    /** Orders earlier write-backs (a store fence, or nothing where write-back is synchronous). */
    abstract void storeFence();

    /** Releases the backing. */
    abstract void release() throws FsException;

    /** A descriptor of the device's memory that views can map, or -1 when it has none. */
    int viewFd() {
        return -1;
    }

    @Override
    public PageView mapPages(long[] pages, boolean writable, Arena arena, Runnable onUnmap) throws FsException {
        memory();
        int fd = viewFd();
        if (fd < 0) {
            return DaxDevice.super.mapPages(pages, writable, arena, onUnmap);
        }
        MappedPageView[] made = new MappedPageView[1];
        made[0] = MappedPageView.map(name, fd, size / PAGE_SIZE, pages, writable, arena, () -> {
            views.remove(made[0]);
            onUnmap.run();
        });
        views.add(made[0]);
        return made[0];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    final MemorySegment memory() throws FsException {
        MemorySegment m = memory;
        if (m == null) {
            throw FsException.of(Errno.EBADF, "%s: device is closed", name);
        }
        return m;
    }

    final void checkRange(String what, long offset, long length) throws FsException {
        if (offset < 0 || length < 0) {
            throw FsException.of(Errno.EINVAL, "%s: %s at offset %d length %d: negative", name, what, offset, length);
        }
        if (offset > size || length > size - offset) {
            throw FsException.of(Errno.ENXIO, "%s: %s at offset %d length %d: beyond the device (%d bytes)",
                    name, what, offset, length, size);
        }
    }

    @Override
    public DaxWindow directAccess(long pgoff, long nrPages, DaxAccessMode mode) throws FsException {
        if (pgoff < 0 || nrPages <= 0) {
            throw FsException.of(Errno.EINVAL, "%s: direct access to page %d, %d pages", name, pgoff, nrPages);
        }
        long devPages = size >>> PAGE_SHIFT;
        if (pgoff >= devPages) {
            throw FsException.of(Errno.ENXIO, "%s: direct access to page %d: beyond the device (%d pages)",
                    name, pgoff, devPages);
        }
        long pages = Math.min(nrPages, devPages - pgoff);
        boolean poisoned = false;
        if (!badBlocks.isEmpty()) {
            long sector = pgoff << (PAGE_SHIFT - SECTOR_SHIFT);
            long firstBad = badBlocks.firstBad(sector, pages << (PAGE_SHIFT - SECTOR_SHIFT));
            if (firstBad >= 0) {
                if (mode != DaxAccessMode.RECOVERY_WRITE) {
                    throw FsException.of(Errno.EIO, "%s: direct access to pages %d..%d: sector %d is bad",
                            name, pgoff, pgoff + pages - 1, firstBad);
                }
                // As __pmem_direct_access: stop before the poisoned page, or give that one page alone.
                long goodPages = ((firstBad - sector) << SECTOR_SHIFT) >>> PAGE_SHIFT;
                pages = goodPages > 0 ? goodPages : 1;
                poisoned = goodPages == 0;
            }
        }
        MemorySegment window = memory().asSlice(pgoff << PAGE_SHIFT, pages << PAGE_SHIFT);
        return new DaxWindow(window, pgoff, pages, poisoned);
    }

    @Override
    public void store(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        checkRange("store", offset, length);
        MemorySegment m = memory();
        MemorySegment.copy(src, srcOffset, m, offset, length);
        writtenBackAsStored(m, offset, length);
    }

    @Override
    public void storeData(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        checkRange("store", offset, length);
        MemorySegment m = memory();
        if (aroundCache != null && length >= NONTEMPORAL_MIN) {
            enterNative("store");
            try {
                for (long done = 0; done < length; done += NONTEMPORAL_CHUNK) {
                    long n = Math.min(NONTEMPORAL_CHUNK, length - done);
                    aroundCache.copyNodrain(m.address() + offset + done, src.asSlice(srcOffset + done, n));
                }
                aroundCache.drain(); // ordered before whatever follows: the lock's release, the metadata that points here
            } finally {
                exitNative();
            }
            // libpmem's copy made the range durable itself (what it stored through the cache, it
            // flushed): its lines are counted as a store's, not written back a second time.
            counts.add(BYTES_STORED, length, LINES_FLUSHED, lines(offset, length));
            return;
        }
        // The layout-taking copy, whose profile only the data's copies shape: the other one is
        // compiled from a profile the metadata's small byte arrays shape too, and 4 KiB writes
        // through it ran a fifth slower (docs/PERFORMANCE.md).
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset, m, ValueLayout.JAVA_BYTE, offset, length);
        writtenBackAsStored(m, offset, length);
    }

    /** {@return how stores reach the memory}, for {@link #info()}: around the cache or through it. */
    final String storeMethod() {
        return aroundCache != null
                ? "data stores of " + NONTEMPORAL_MIN + " bytes or more around the cache (libpmem " + aroundCache.version()
                        + " pmem_memcpy_nodrain, as Linux's pmem driver's memcpy_flushcache)"
                : "data stores through the cache";
    }

    /** What a store does after its copy: the lines written back, the bytes and lines counted. */
    private void writtenBackAsStored(MemorySegment m, long offset, long length) throws FsException {
        counts.add(BYTES_STORED, length, LINES_FLUSHED, writeBackLines(m, offset, length));
    }

    @Override
    public void load(long offset, MemorySegment dst, long dstOffset, long length) throws FsException {
        checkRange("load", offset, length);
        MemorySegment.copy(memory(), offset, dst, dstOffset, length);
        counts.add(BYTES_LOADED, length);
    }

    @Override
    public void zero(long offset, long length) throws FsException {
        zero(offset, length, false);
    }

    @Override
    public void zeroData(long offset, long length) throws FsException {
        zero(offset, length, true);
    }

    private void zero(long offset, long length, boolean data) throws FsException {
        checkRange("zero", offset, length);
        MemorySegment m = memory();
        clearWholeSectors(offset, length);
        counts.add(BYTES_ZEROED, length);
        if (data && aroundCache != null && length >= NONTEMPORAL_MIN) {
            enterNative("zero");
            try {
                aroundCache.zeroNodrain(m.address() + offset, length);
                aroundCache.drain();
            } finally {
                exitNative();
            }
            counts.add(LINES_FLUSHED, lines(offset, length)); // durable already, as storeData's copy
            return;
        }
        m.asSlice(offset, length).fill((byte) 0);
        flushLines(m, offset, length);
    }

    @Override
    public void flush(long offset, long length) throws FsException {
        checkRange("flush", offset, length);
        flushLines(memory(), offset, length);
    }

    private void flushLines(MemorySegment m, long offset, long length) throws FsException {
        counts.add(LINES_FLUSHED, writeBackLines(m, offset, length));
    }

    /** Writes back the lines {@code [offset, offset + length)} touches: {@return how many} (for the counter). */
    private long writeBackLines(MemorySegment m, long offset, long length) throws FsException {
        long n = lines(offset, length);
        if (n > 0) {
            writeBack(m, offset & -CACHE_LINE, n * CACHE_LINE);
        }
        return n;
    }

    /** {@return how many cache lines {@code [offset, offset + length)} touches} */
    private static long lines(long offset, long length) {
        if (length == 0) {
            return 0;
        }
        long first = offset & -CACHE_LINE;
        long end = (offset + length + CACHE_LINE - 1) & -CACHE_LINE;
        return (end - first) / CACHE_LINE;
    }

    @Override
    public void fence() {
        storeFence();
        counts.increment(FENCES);
    }

    @Override
    public BadBlocks badBlocks() {
        return badBlocks;
    }

    @Override
    public void clearPoison(long offset, long length) throws FsException {
        checkRange("clear poison", offset, length);
        if (((offset | length) & (SECTOR_SIZE - 1)) != 0) {
            throw FsException.of(Errno.EINVAL, "%s: clear poison at offset %d length %d: not sector aligned",
                    name, offset, length);
        }
        if (length > 0 && badBlocks.any(offset >>> SECTOR_SHIFT, length >>> SECTOR_SHIFT)) {
            badBlocks.clear(offset >>> SECTOR_SHIFT, length >>> SECTOR_SHIFT);
            counts.add(POISON_CLEARED, length >>> SECTOR_SHIFT);
        }
    }

    /** Zeroing writes through the driver clear the sectors they cover whole, as pmem_do_write does. */
    private void clearWholeSectors(long offset, long length) throws FsException {
        if (badBlocks.isEmpty()) {
            return;
        }
        long first = (offset + SECTOR_SIZE - 1) & -SECTOR_SIZE;
        long end = (offset + length) & -SECTOR_SIZE;
        if (end > first) {
            clearPoison(first, end - first);
        }
    }

    private void scramble(BadRange r) {
        MemorySegment m = memory;
        if (m == null) {
            return;
        }
        long from = Math.min(r.sector() << SECTOR_SHIFT, size);
        long to = Math.min(r.end() << SECTOR_SHIFT, size);
        if (to > from) {
            m.asSlice(from, to - from).fill(POISON_BYTE);
        }
    }

    @Override
    public DeviceCounters counters() {
        return new DeviceCounters(counts.sum(BYTES_STORED), counts.sum(BYTES_LOADED), counts.sum(BYTES_ZEROED),
                counts.sum(LINES_FLUSHED), counts.sum(FENCES), counts.sum(POISON_CLEARED));
    }

    @Override
    public void close() throws FsException {
        if (memory == null) {
            return;
        }
        memory = null;
        for (MappedPageView v : views) {
            v.revoke(0, Long.MAX_VALUE);
        }
        srcu.kill();
        lifetime.close();
        release();
    }

    @Override
    public String toString() {
        return name + " (" + size + " bytes, " + info().backing() + ")";
    }
}
