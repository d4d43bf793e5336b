package dev.jdax.api.fs;

/**
 * One FIEMAP extent (Linux {@code struct fiemap_extent}); lengths and offsets in bytes.
 *
 * @param physical device byte address ({@code 0} where the flags say it is unknown)
 */
public record FiemapExtent(long logical, long physical, long length, int flags) {
    /** {@code FIEMAP_EXTENT_LAST}: the last extent of the file. */
    public static final int LAST = 0x1;
    /** {@code FIEMAP_EXTENT_UNKNOWN}: the location is not known yet. */
    public static final int UNKNOWN = 0x2;
    /** {@code FIEMAP_EXTENT_DELALLOC}: delayed allocation (UNKNOWN is set too). */
    public static final int DELALLOC = 0x4;
    /** {@code FIEMAP_EXTENT_ENCODED}: the data is encoded (compressed, say). */
    public static final int ENCODED = 0x8;
    /** {@code FIEMAP_EXTENT_DATA_ENCRYPTED}: the data is encrypted. */
    public static final int DATA_ENCRYPTED = 0x80;
    /** {@code FIEMAP_EXTENT_NOT_ALIGNED}: offsets not block aligned. */
    public static final int NOT_ALIGNED = 0x100;
    /** {@code FIEMAP_EXTENT_DATA_INLINE}: the data lives in a metadata block. */
    public static final int DATA_INLINE = 0x200;
    /** {@code FIEMAP_EXTENT_DATA_TAIL}: several files' tails packed in one block. */
    public static final int DATA_TAIL = 0x400;
    /** {@code FIEMAP_EXTENT_UNWRITTEN}: allocated but not written; reads as zeros. */
    public static final int UNWRITTEN = 0x800;
    /** {@code FIEMAP_EXTENT_MERGED}: made of several on-disk records (block maps). */
    public static final int MERGED = 0x1000;
    /** {@code FIEMAP_EXTENT_SHARED}: the blocks are shared with another file. */
    public static final int SHARED = 0x2000;

    /** Whether {@code flag} is set. */
    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The file offset just past the extent. */
    public long end() {
        return logical + length;
    }
}
