package dev.jdax.iomap;

/**
 * A {@link GetBlock} answer: {@code count} blocks from device block {@code pblock}, with the
 * buffer-head state bits Linux sets ({@code BH_Mapped}, {@code BH_New}, {@code BH_Unwritten},
 * {@code BH_Boundary}).
 */
public record BlockMapping(long pblock, int count, int state) {
    public static final int MAPPED = 1;
    public static final int NEW = 1 << 1;
    public static final int UNWRITTEN = 1 << 2;
    public static final int BOUNDARY = 1 << 3;

    public static BlockMapping unmapped() {
        return new BlockMapping(0, 0, 0);
    }

    public boolean isMapped() {
        return (state & MAPPED) != 0 && count > 0;
    }

    public boolean has(int bit) {
        return (state & bit) != 0;
    }
}
