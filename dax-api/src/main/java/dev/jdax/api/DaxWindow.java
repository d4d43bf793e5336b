package dev.jdax.api;

import java.lang.foreign.MemorySegment;

/**
 * What {@link DaxDevice#directAccess} hands out: a window onto the device's own memory starting at
 * page {@code pgoff}, covering {@code pages} pages (possibly fewer than asked for). Loads from it
 * read the media; stores to it reach the media only once flushed and fenced.
 *
 * @param segment the device memory, {@code pages * 4096} bytes long
 * @param pgoff   the first device page of the window
 * @param pages   how many pages the window covers
 * @param poisoned true when the window (RECOVERY_WRITE) includes a page holding a bad sector
 */
public record DaxWindow(MemorySegment segment, long pgoff, long pages, boolean poisoned) {
    /** The device byte offset of the window's first byte. */
    public long deviceOffset() {
        return pgoff * DaxDevice.PAGE_SIZE;
    }
}
