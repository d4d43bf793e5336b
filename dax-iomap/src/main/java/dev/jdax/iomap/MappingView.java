package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapType;
import dev.jdax.api.PageView;

/**
 * A view made by {@link DaxMapping#view}: file pages from {@code first}, and the device page each
 * shows ({@link PageView#ZERO}, {@link PageView#NONE}), kept in step with what the view maps so
 * that flushes find the pages and refaults change only what changed.
 */
final class MappingView {
    private static final long PAGE = DaxMount.PAGE;

    private final long first;
    private final long[] pages;
    private final PageView view;
    private final boolean writable;

    MappingView(long first, long[] pages, PageView view, boolean writable) {
        this.first = first;
        this.pages = pages;
        this.view = view;
        this.writable = writable;
    }

    long first() {
        return first;
    }

    long end() {
        return first + pages.length;
    }

    synchronized void revoke(long from, long to) {
        long a = Math.max(from, first);
        long b = Math.min(to, end());
        if (a < b) {
            for (long p = a; p < b; p++) {
                pages[(int) (p - first)] = PageView.NONE;
            }
            view.revoke(a - first, b - a);
        }
    }

    /** File pages {@code [from, to)} got the blocks of {@code map}: zero pages there show them now. */
    synchronized void replaceZeros(long from, long to, Iomap map) throws FsException {
        long a = Math.max(from, first);
        long b = Math.min(to, end());
        for (long p = a; p < b; p++) {
            int i = (int) (p - first);
            if (pages[i] == PageView.ZERO && p * PAGE >= map.offset() && p * PAGE < map.end()) {
                pages[i] = map.addrOf(p * PAGE) / PAGE;
                view.map(i, 1, pages[i]);
            }
        }
    }

    /** File pages {@code [from, to)} were copied on write into {@code map}'s blocks: pages showing the old ones show those. */
    synchronized void replaceMapped(long from, long to, Iomap map) throws FsException {
        long a = Math.max(from, first);
        long b = Math.min(to, end());
        for (long p = a; p < b; p++) {
            int i = (int) (p - first);
            if (pages[i] >= 0 && p * PAGE >= map.offset() && p * PAGE < map.end()) {
                pages[i] = map.addrOf(p * PAGE) / PAGE;
                view.map(i, 1, pages[i]);
            }
        }
    }

    boolean writable() {
        return writable;
    }

    /**
     * Maps file pages {@code [from, to)} from {@code map} as a refault would: blocks as they are
     * (unless poisoned: no page, as SIGBUS), holes and unwritten extents as the zero page in a
     * read-only view and as no page in a writable one (a store there would allocate).
     */
    synchronized void refault(long from, long to, Iomap map, DaxDevice device) {
        long a = Math.max(from, first);
        long b = Math.min(to, end());
        for (long p = a; p < b; p++) {
            long page;
            if (map.type() == IomapType.MAPPED) {
                long addr = map.addrOf(p * PAGE);
                boolean poisoned = device.badBlocks().any(addr >>> DaxDevice.SECTOR_SHIFT, PAGE >>> DaxDevice.SECTOR_SHIFT);
                page = poisoned ? PageView.NONE : addr / PAGE;
            } else {
                page = writable ? PageView.NONE : PageView.ZERO;
            }
            int i = (int) (p - first);
            if (pages[i] != page) {
                pages[i] = page;
                view.map(i, 1, page);
            }
        }
    }

    /** Writes back the device pages under file pages {@code [from, to)}: stores through a view are not seen. */
    synchronized void flush(DaxDevice dev, long from, long to) throws FsException {
        for (int i = 0; i < pages.length; i++) {
            long p = pages[i];
            if (p >= 0 && first + i >= from && first + i < to) {
                dev.flush(p * PAGE, PAGE);
            }
        }
    }
}
