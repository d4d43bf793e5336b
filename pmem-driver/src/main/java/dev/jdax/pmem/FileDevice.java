package dev.jdax.pmem;

import dev.jdax.api.DeviceInfo;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * An image file or a {@code /dev/daxX.Y} node mapped shared. MAP_SYNC is asked for first
 * ({@code MAP_SHARED_VALIDATE | MAP_SYNC}, as a DAX-aware program does); a kernel that refuses it —
 * every non-DAX file system, tmpfs included — answers EOPNOTSUPP and the device falls back to
 * {@code MAP_SHARED}, where durability comes from {@code msync}. Either way the mode in force and the
 * refusal are reported by {@link #info()}.
 *
 * <p>A file whose size is not a multiple of the page is mapped to the end of its last page: the
 * device is that many whole pages, and the bytes past the file's end read as zeros and refuse
 * stores (ENXIO), which the kernel would not keep (see {@link PmemDevices#open}).
 */
final class FileDevice extends SegmentDevice {
    private final Path path;
    /** Kept open for page views; a device-dax node maps only in its alignment (2 MiB), so it has none. */
    private final int fd;
    private final long address;
    private final long length;
    /** The file's own bytes; {@link #length} rounds them up to the page. */
    private final long fileSize;
    private final boolean mapSync;
    private final String refusal;
    /** libpmem's cache-line flush, when the library is there and the mapping is real persistent memory. */
    private final Libpmem pmem;
    private final String libpmemNote;
    /** What was written back since the last fence, where write-back is msync. */
    private final PendingWriteBack pending = new PendingWriteBack();
    /** Fences one at a time; not {@link #pending}'s monitor, which write-backs take during an msync. */
    private final Object fenceLock = new Object();
    /** A failed msync of a fence, not reported yet. */
    private volatile String writeBackError;

    /**
     * @param pmem libpmem when the mapping is persistent memory with MAP_SYNC: its flush writes lines
     *             back, and (unless {@link PmemDevices#NONTEMPORAL} says no) its copy stores data around
     *             the cache, as Linux's pmem driver does; a page-cache file stores through the cache
     */
    private FileDevice(Path path, int fd, MemorySegment memory, long address, long fileSize, boolean mapSync, String refusal,
                       Libpmem pmem) {
        super(path.toString(), memory, PmemDevices.NONTEMPORAL ? pmem : null);
        this.path = path;
        this.fileSize = fileSize;
        this.fd = fd;
        this.address = address;
        this.length = memory.byteSize();
        this.mapSync = mapSync;
        this.refusal = refusal;
        var lib = Libpmem.get();
        this.pmem = pmem;
        this.libpmemNote = lib.isEmpty() || pmem != null ? "" : "; libpmem " + lib.get().version() + " present, unused: "
                + (mapSync ? "pmem_is_pmem says this mapping is not persistent memory"
                        : "without MAP_SYNC its cache flushes would not make stores durable");
    }

    /**
     * Maps all {@code fileSize} bytes of {@code path} read-write, to the end of the last page.
     * {@code fresh}: the file was just made sparse, all holes. Its page-cache mapping is then told
     * that access is random (MADV_RANDOM): a fault would otherwise read around the page — for a
     * hole, zero-fill a whole readahead window nobody asked for — which made {@code jdax mkfs} of a
     * 1 TiB ext2 image on a disk-backed file spend 40 s in the kernel zeroing pages for 17,000
     * stores scattered over 8,192 groups. A MAP_SYNC mapping has no page cache to read into.
     */
    static FileDevice map(Path path, long fileSize, boolean fresh) throws FsException {
        return map(path, openLocked(path), fileSize, fresh);
    }

    /**
     * Opens {@code path} read-write and takes its lock: one user of an image at a time, as the block
     * layer lets one file system claim a device. A second mount, in this process or another, would
     * replay a log the first is still writing and free the inodes it still has open; it is refused
     * (EBUSY) before anything is read or changed. The lock goes with the descriptor.
     */
    static int openLocked(Path path) throws FsException {
        Libc.Result fd = Libc.open(path.toString(), Libc.O_RDWR);
        if (fd.failed()) {
            Errno e = Errno.ofNumber(fd.errno());
            throw FsException.of(e == null ? Errno.EIO : e, "%s: open: %s", path, e == null ? "errno " + fd.errno() : e.message());
        }
        Libc.Result lock = Libc.flock((int) fd.value(), Libc.LOCK_EX | Libc.LOCK_NB);
        if (lock.failed()) {
            Libc.close((int) fd.value());
            throw lock.errno() == 11
                    ? FsException.of(Errno.EBUSY, "%s: in use: another jdax holds it open (its lock is taken)", path)
                    : FsException.of(Errno.EIO, "%s: flock: %s", path, lock.errnoName());
        }
        return (int) fd.value();
    }

    /** Maps {@code fd} ({@link #openLocked}), which the device then owns: a failure closes it. */
    static FileDevice map(Path path, int fd, long fileSize, boolean fresh) throws FsException {
        long size = (fileSize + PAGE_SIZE - 1) & -PAGE_SIZE;
        boolean mapped = false;
        try {
            int prot = Libc.PROT_READ | Libc.PROT_WRITE;
            Libc.Result m = Libc.mmap(size, prot, Libc.MAP_SHARED_VALIDATE | Libc.MAP_SYNC, fd);
            boolean sync = !m.failed();
            String refusal = "";
            if (!sync) {
                refusal = m.errnoName() + ": the kernel refused MAP_SYNC for " + path
                        + (m.errno() == 95 ? " (not on a DAX file system)" : "");
                m = Libc.mmap(size, prot, Libc.MAP_SHARED, fd);
                if (m.failed()) {
                    Errno e = Errno.ofNumber(m.errno());
                    throw FsException.of(e == null ? Errno.EIO : e, "%s: mmap of %d bytes: %s", path, size, m.errnoName());
                }
            }
            if (fresh && !sync) {
                Libc.madvise(m.value(), size, Libc.MADV_RANDOM); // advice only: a refusal changes nothing but speed
            }
            MemorySegment memory = MemorySegment.ofAddress(m.value()).reinterpret(size);
            mapped = true;
            long address = m.value();
            Libpmem pmem = Libpmem.get().filter(l -> sync && l.isPmem(address, size)).orElse(null);
            return new FileDevice(path, fd, memory, address, fileSize, sync, refusal, pmem);
        } finally {
            if (!mapped) {
                Libc.close(fd);
            }
        }
    }

    @Override
    public void store(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        withinFile("store", offset, length);
        super.store(offset, src, srcOffset, length);
    }

    @Override
    public void storeData(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        withinFile("store", offset, length);
        super.storeData(offset, src, srcOffset, length);
    }

    @Override
    public void zero(long offset, long length) throws FsException {
        withinFile("zero", offset, length);
        super.zero(offset, length);
    }

    @Override
    public void zeroData(long offset, long length) throws FsException {
        withinFile("zero", offset, length);
        super.zeroData(offset, length);
    }

    /** Bytes past the file's end in its last page: readable as zeros, never kept, so never written. */
    private void withinFile(String what, long offset, long length) throws FsException {
        if (length > 0 && offset >= 0 && offset + length > fileSize && offset + length <= size()) {
            throw FsException.of(Errno.ENXIO, "%s: %s at offset %d length %d: past the image's end (%d bytes; its last page "
                    + "is mapped to %d)", path, what, offset, length, fileSize, size());
        }
    }

    /**
     * With MAP_SYNC a store reaches the media once its line is written back; the JDK gives a foreign
     * mapping no cache-line write-back instruction, so both modes write back with msync of the
     * pages holding the lines (page-aligned, as msync requires), at the next fence
     * ({@link PendingWriteBack}). An msync that failed at a fence, which cannot throw, is reported by
     * the next write-back or the close, as Linux reports a write-back error at the next fsync.
     */
    @Override
    void writeBack(MemorySegment memory, long offset, long len) throws FsException {
        if (pmem != null) {
            // By address: the mapping must outlive the call, and a close waits for it.
            enterNative("write back");
            try {
                pmem.flush(address + offset, len);
            } finally {
                exitNative();
            }
            return;
        }
        reportWriteBackError();
        pending.add(offset & ~(PAGE_SIZE - 1L), offset + len);
    }

    @Override
    void storeFence() {
        if (pmem != null) {
            pmem.drain();
            return;
        }
        // One fence at a time: a fence that found the span taken by another must still wait for its msync.
        synchronized (fenceLock) {
            try {
                enterNative("fence");
            } catch (FsException closed) {
                return; // the close syncs what is pending
            }
            try {
                long[] span = pending.take(); // inside the section, so that a close cannot miss a span taken
                if (span != null) {
                    msync(span);
                }
            } finally {
                exitNative();
            }
        }
    }

    /** msync(MS_SYNC) of {@code span}; a failure is kept for {@link #reportWriteBackError}. */
    private void msync(long[] span) {
        Libc.Result r = Libc.msync(address + span[0], span[1] - span[0]);
        if (r.failed()) {
            writeBackError = String.format("%s: msync at %d length %d: %s", path, span[0], span[1] - span[0], r.errnoName());
        }
    }

    private void reportWriteBackError() throws FsException {
        String e = writeBackError;
        if (e != null) {
            writeBackError = null;
            throw FsException.of(Errno.EIO, "%s (at an earlier fence)", e);
        }
    }

    @Override
    int viewFd() {
        return isDevDax() ? -1 : fd;
    }

    private boolean isDevDax() {
        return path.toString().startsWith("/dev/dax");
    }

    @Override
    void release() throws FsException {
        // No access is in flight (the lifetime is closed): what the last fence left pending is synced here.
        long[] span = pending.take();
        if (span != null) {
            msync(span);
        }
        Libc.close(fd);
        Libc.Result r = Libc.munmap(address, length);
        if (r.failed()) {
            throw FsException.of(Errno.EIO, "%s: munmap: %s", path, r.errnoName());
        }
        reportWriteBackError();
    }

    @Override
    public DeviceInfo info() {
        boolean devdax = isDevDax();
        String tail = fileSize == length ? "" : " (" + fileSize + " bytes, mapped to the end of its last page)";
        return new DeviceInfo((devdax ? "devdax " : "file ") + path + tail,
                mapSync ? "MAP_SHARED_VALIDATE|MAP_SYNC" : "MAP_SHARED", refusal,
                (pmem != null ? "libpmem " + pmem.version() + " pmem_flush + pmem_drain (cache-line write-back)"
                        : mapSync ? "msync at each fence of the pages written back before it (MAP_SYNC in force)"
                        : "msync (page cache of the file) at each fence of the pages written back before it")
                        + libpmemNote + "; " + storeMethod(),
                mapSync);
    }
}
