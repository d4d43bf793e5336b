package dev.jdax.api;

import java.lang.foreign.MemorySegment;

/**
 * Device pages mapped one after another into a range of virtual memory of their own, as a DAX
 * fault fills a process's page tables ({@link DaxDevice#mapPages}): loads and stores through
 * {@link #segment()} are loads and stores to the device's memory, with no copy and no check in
 * between. A page of the view is a device page, the shared zero page ({@link #ZERO}), or nothing
 * ({@link #NONE}): touching it is what SIGBUS is to a process, and the JVM answers that with an
 * {@link InternalError} ("a fault occurred in an unsafe memory access operation"), as it does for
 * a mapped file that was truncated under it.
 */
public interface PageView {
    /** In a page list: the shared zero page, read-only (a hole read through a mapping). */
    long ZERO = -1;
    /** In a page list: no page; an access faults (poisoned, beyond EOF, taken away). */
    long NONE = -2;

    /**
     * The view: {@code pages.length * PAGE_SIZE} bytes, read-only unless mapped writable. A view may
     * hand its segment out only once and keep no reference to it (so that a segment of an automatic
     * arena can become unreachable while the view lives on in its file's mapping).
     */
    MemorySegment segment();

    /**
     * Takes pages {@code [first, first + count)} of the view away (they become {@link #NONE}), as
     * the kernel zaps page-table entries when truncate or a punched hole changes what is under
     * them. Nothing happens once the view is unmapped.
     *
     * @param first the first page of the view
     * @param count how many pages
     */
    default void revoke(long first, long count) {
        map(first, count, NONE);
    }

    /**
     * Maps pages {@code [first, first + count)} of the view anew, as a refault would: to device pages
     * {@code page, page + 1, ...}, or all to {@link #ZERO} (read-only views only) or {@link #NONE}.
     * Nothing happens once the view is unmapped.
     *
     * @param first the first page of the view
     * @param count how many pages
     * @param page  the first device page, or ZERO or NONE
     */
    void map(long first, long count, long page);
}
