package dev.jdax.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Persistent memory as the engine and the personalities see it: the only way they touch media.
 * The shape is Linux's {@code dax_device} ({@code dax_direct_access}, {@code dax_copy_from_iter},
 * {@code dax_zero_page_range}, {@code dax_flush}) plus the pmem driver's bad-block list.
 *
 * <p>Offsets are device byte offsets. Every method checks its range against {@link #size()} and
 * fails with EINVAL (negative or misaligned) or ENXIO (beyond the device) naming the value; no
 * access outside the device is possible. Implementations are thread-safe.
 */
public interface DaxDevice extends AutoCloseable {
    /** Bytes per page, the unit of a PTE fault. */
    int PAGE_SIZE = 4096;
    /** log2 of {@link #PAGE_SIZE}. */
    int PAGE_SHIFT = 12;
    /** Bytes per sector, the unit of bad blocks. */
    int SECTOR_SIZE = 512;
    /** log2 of {@link #SECTOR_SIZE}. */
    int SECTOR_SHIFT = 9;
    /** Bytes per CPU cache line, the unit of flushes. */
    int CACHE_LINE = 64;
    /** A PMD mapping covers 2 MiB. */
    long PMD_SIZE = 2L << 20;

    /** Size in bytes, a multiple of {@link #PAGE_SIZE}. */
    long size();

    /** A name for messages: the path, or {@code "memory"}. */
    String name();

    /**
     * A window onto {@code nrPages} pages starting at page {@code pgoff}: the device's own memory,
     * no copy. In {@link DaxAccessMode#ACCESS} a range holding a bad sector fails whole with EIO,
     * as {@code pmem_dax_direct_access} does; in {@link DaxAccessMode#RECOVERY_WRITE} the window
     * ends with the first poisoned page and says so. The window may cover fewer pages than asked
     * for (the end of the device), never zero.
     */
    DaxWindow directAccess(long pgoff, long nrPages, DaxAccessMode mode) throws FsException;

    /**
     * Copies {@code length} bytes from {@code src} to the device at {@code offset} and writes the
     * cache lines back as it goes ({@code _copy_from_iter_flushcache}): durable after {@link #fence()}.
     * Does not look at bad blocks: callers decide with {@link #directAccess} first.
     */
    void store(long offset, MemorySegment src, long srcOffset, long length) throws FsException;

    /**
     * The data path's store (Linux's {@code dax_copy_from_iter}): as {@link #store}, made the way the
     * driver copies a program's data. Linux's pmem driver copies with {@code memcpy_flushcache}:
     * non-temporal stores, which never read the lines they replace into the cache. A file system's
     * metadata goes through {@link #store}, as Linux's goes through the block device's page cache.
     */
    default void storeData(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        store(offset, src, srcOffset, length);
    }

    /**
     * Copies {@code length} bytes of file data from device offset {@code from} to {@code to}
     * (a copy on write's: dax_iomap_cow_copy), made the way {@link #storeData} stores and written back
     * as it goes: durable after {@link #fence()}. The ranges do not overlap.
     */
    default void copyData(long from, long to, long length) throws FsException {
        MemorySegment buf = MemorySegment.ofArray(new byte[(int) Math.min(length, 256 << 10)]);
        for (long done = 0; done < length; ) {
            long n = Math.min(buf.byteSize(), length - done);
            load(from + done, buf, 0, n);
            storeData(to + done, buf, 0, n);
            done += n;
        }
    }

    /** Copies {@code length} bytes from the device at {@code offset} into {@code dst}. */
    void load(long offset, MemorySegment dst, long dstOffset, long length) throws FsException;

    /**
     * Writes zeros and writes the lines back; whole sectors it covers that were poisoned are
     * cleared, as the pmem driver's zeroing write does (so freshly allocated, zeroed blocks are good).
     */
    void zero(long offset, long length) throws FsException;

    /**
     * The data path's zeroing of a file's blocks (Linux's {@code dax_zero_page_range}): as
     * {@link #zero}, made the way {@link #storeData} stores.
     */
    default void zeroData(long offset, long length) throws FsException {
        zero(offset, length);
    }

    /** Writes back the cache lines covering the range (stores through windows become durable at the next fence). */
    void flush(long offset, long length) throws FsException;

    /** Orders all earlier flushes before later stores: the point where flushed lines are durable. */
    void fence();

    /** The device's bad sectors (live: changes show at once). */
    BadBlocks badBlocks();

    /**
     * Clears the poison of the sectors in the range (sector-aligned, else EINVAL) and makes their
     * contents defined again, as {@code nvdimm_clear_poison} does; the bytes themselves are unchanged
     * by this call, callers write them.
     */
    void clearPoison(long offset, long length) throws FsException;

    /** What the device counted so far (bytes stored and loaded, lines flushed ...). */
    DeviceCounters counters();

    /** What the device is: its backing, how it is mapped and flushed, whether it is persistent. */
    DeviceInfo info();

    /**
     * Maps device pages into a new range of virtual memory, page {@code i} of the view showing
     * device page {@code pages[i]} (a page number), {@link PageView#ZERO} or {@link PageView#NONE}:
     * how a DAX mapping puts the file's blocks into a process. The view is unmapped when
     * {@code arena} closes, or when the device closes (its pages become {@link PageView#NONE}
     * first); {@code onUnmap} runs when the arena closes. EOPNOTSUPP from devices whose memory
     * cannot be mapped a second time.
     *
     * @param pages device page numbers, {@link PageView#ZERO} or {@link PageView#NONE}
     * @param writable whether stores are allowed (then no page may be {@link PageView#ZERO})
     * @param arena the lifetime of the view
     * @param onUnmap what to do when the arena closes it
     * @return the view
     * @throws FsException EOPNOTSUPP, EINVAL for a page outside the device, or the errno of mmap
     */
    default PageView mapPages(long[] pages, boolean writable, Arena arena, Runnable onUnmap) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "%s: its memory cannot be mapped a second time", name());
    }

    /** Unmaps and releases the backing; later calls fail with EBADF. */
    @Override
    void close() throws FsException;
}
