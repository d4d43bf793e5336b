package dev.jdax.api.fs;

/** {@code fallocate(2)} modes (Linux {@code FALLOC_FL_*}). Mode 0 allocates and extends the size. */
public final class Falloc {
    /** {@code FALLOC_FL_KEEP_SIZE}: allocate without changing the file size. */
    public static final int KEEP_SIZE = 0x01;
    /** {@code FALLOC_FL_PUNCH_HOLE}: free the range (with KEEP_SIZE); it reads as zeros. */
    public static final int PUNCH_HOLE = 0x02;
    /** {@code FALLOC_FL_NO_HIDE_STALE}: reserved by Linux (it would expose stale data). */
    public static final int NO_HIDE_STALE = 0x04;
    /** {@code FALLOC_FL_COLLAPSE_RANGE}: remove the range and shift the rest of the file down. */
    public static final int COLLAPSE_RANGE = 0x08;
    /** {@code FALLOC_FL_ZERO_RANGE}: make the range read as zeros, allocated. */
    public static final int ZERO_RANGE = 0x10;
    /** {@code FALLOC_FL_INSERT_RANGE}: insert a hole and shift the rest of the file up. */
    public static final int INSERT_RANGE = 0x20;
    /** {@code FALLOC_FL_UNSHARE_RANGE}: unshare shared (reflinked) blocks in the range. */
    public static final int UNSHARE_RANGE = 0x40;

    private Falloc() {
    }
}
