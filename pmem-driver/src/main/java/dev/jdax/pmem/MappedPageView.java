package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.PageView;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link PageView} built from mmap calls into a range the JDK mapped itself
 * ({@link JdkMappedRange}), so the segment is the JDK's mapped segment and closing its arena is the
 * JDK's {@code munmap}: runs of consecutive device pages are {@code MAP_SHARED | MAP_FIXED}
 * mappings of the device's descriptor at their offset (the same memory as the device's own
 * mapping, so stores are visible both ways), zero pages private anonymous memory mapped read-only,
 * and missing pages a mapping of an empty memfd, past whose end every access raises SIGBUS — the
 * signal the JVM turns into an InternalError on the accessing thread instead of dying, because the
 * access is a MemorySegment's (an unsafe access).
 */
final class MappedPageView implements PageView {
    private static final long PAGE = DaxDevice.PAGE_SIZE;
    /** The empty file behind every missing page, made once. */
    private static volatile int emptyFd = -1;

    private final String device;
    private final int fd;
    private final long address;
    private final long length;
    private final boolean writable;
    /**
     * The JDK's segment, held only until {@link #segment()} hands it out: a view referenced from the
     * arena's cleanup and from the device must not keep the segment reachable, or an automatic
     * arena would never be freed.
     */
    private MemorySegment segment;
    private boolean unmapped;

    private MappedPageView(String device, int fd, MemorySegment segment, boolean writable) {
        this.device = device;
        this.fd = fd;
        this.address = segment.address();
        this.length = segment.byteSize();
        this.writable = writable;
        this.segment = segment;
    }

    /** Maps {@code pages} (device page numbers, ZERO or NONE) of the device open as {@code fd}. */
    static MappedPageView map(String device, int fd, long devicePages, long[] pages, boolean writable, Arena arena,
                              Runnable onUnmap) throws FsException {
        if (pages.length == 0) {
            throw FsException.of(Errno.EINVAL, "%s: a view of no pages", device);
        }
        for (int i = 0; i < pages.length; i++) {
            long p = pages[i];
            if (p >= devicePages || p < NONE || (p == ZERO && writable)) {
                throw FsException.of(Errno.EINVAL, "%s: page %d of a view is %d (%d pages on the device%s)", device, i, p,
                        devicePages, p == ZERO ? "; the zero page is read-only" : "");
            }
        }
        emptyFile(device);
        MemorySegment range = JdkMappedRange.map(device, pages.length * PAGE, writable, arena);
        MappedPageView view = new MappedPageView(device, fd, range, writable);
        // Registered after the JDK's unmapper, so it runs before it (an arena's cleanups run last
        // first): once the JDK unmaps, the addresses may be anyone's, and a revoke must not map there.
        MemorySegment.NULL.reinterpret(arena, ignored -> {
            view.unmap();
            onUnmap.run();
        });
        try {
            int i = 0;
            while (i < pages.length) {
                int j = i + 1;
                while (j < pages.length && follows(pages[j - 1], pages[j])) {
                    j++;
                }
                view.place(i, j - i, pages[i]);
                i = j;
            }
        } catch (FsException e) {
            // The range stays the JDK's until the arena closes; nothing of it may show memory meanwhile.
            view.revoke(0, pages.length);
            throw e;
        }
        return view;
    }

    /** Whether {@code next} continues the run that {@code previous} is in. */
    private static boolean follows(long previous, long next) {
        return previous >= 0 ? next == previous + 1 : next == previous;
    }

    /** Maps {@code count} view pages from {@code first}: device pages from {@code page}, or ZERO or NONE. */
    private void place(long first, long count, long page) throws FsException {
        long at = address + first * PAGE;
        long len = count * PAGE;
        int prot = Libc.PROT_READ | (writable ? Libc.PROT_WRITE : 0);
        Libc.Result r;
        if (page >= 0) {
            r = Libc.mmap(at, len, prot, Libc.MAP_SHARED | Libc.MAP_FIXED, fd, page * PAGE);
        } else if (page == ZERO) {
            r = Libc.mmap(at, len, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED, -1, 0);
        } else {
            r = Libc.mmap(at, len, prot, Libc.MAP_SHARED | Libc.MAP_FIXED, emptyFile(device), 0);
        }
        if (r.failed()) {
            throw failed(device, "mapping view pages " + first + "+" + count, r);
        }
    }

    private static int emptyFile(String device) throws FsException {
        int fd = emptyFd;
        if (fd < 0) {
            synchronized (MappedPageView.class) {
                if (emptyFd < 0) {
                    Libc.Result r = Libc.memfdCreate("jdax-no-page");
                    if (r.failed()) {
                        throw failed(device, "memfd_create for missing pages", r);
                    }
                    emptyFd = (int) r.value();
                }
                fd = emptyFd;
            }
        }
        return fd;
    }

    private static FsException failed(String device, String what, Libc.Result r) {
        Errno e = Errno.ofNumber(r.errno());
        return FsException.of(e == null ? Errno.EIO : e, "%s: %s: %s", device, what, r.errnoName());
    }

    @Override
    public synchronized MemorySegment segment() {
        MemorySegment s = segment;
        if (s == null) {
            throw new IllegalStateException(device + ": a view's segment is handed out once");
        }
        segment = null;
        return s;
    }

    @Override
    public synchronized void map(long first, long count, long page) {
        if (unmapped) {
            return;
        }
        long from = Math.max(0, first);
        long to = Math.min(length / PAGE, first + Math.min(count, Long.MAX_VALUE - first));
        if (from >= to) {
            return;
        }
        if (page == ZERO && writable) {
            throw new IllegalArgumentException(device + ": the zero page in a writable view");
        }
        try {
            place(from, to - from, page >= 0 ? page + (from - first) : page);
        } catch (FsException e) {
            // Leaving the old pages in place would show memory that is no longer the file's.
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Called as the arena closes, just before the JDK unmaps the range: later revokes do nothing
     * (the addresses may belong to someone else).
     */
    synchronized void unmap() {
        unmapped = true;
    }
}
