package dev.jdax.api.fs;

/** {@code fallocate(2)} modes (Linux {@code FALLOC_FL_*}). Mode 0 allocates and extends the size. */
public final class Falloc {
    public static final int KEEP_SIZE = 0x01;
    public static final int PUNCH_HOLE = 0x02;
    public static final int NO_HIDE_STALE = 0x04;
    public static final int COLLAPSE_RANGE = 0x08;
    public static final int ZERO_RANGE = 0x10;
    public static final int INSERT_RANGE = 0x20;
    public static final int UNSHARE_RANGE = 0x40;

    private Falloc() {
    }
}
