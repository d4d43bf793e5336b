package dev.jdax.iomap;

/**
 * A {@link GetBlock} answer: {@code count} blocks from device block {@code pblock}, with the
 * buffer-head state bits Linux sets ({@code BH_Mapped}, {@code BH_New}, {@code BH_Unwritten},
 * {@code BH_Boundary}).
 *
 * @param pblock the first device block (file-system blocks from the device's start)
 * @param count  how many contiguous blocks
 * @param state  the {@code BH_*} bits below
 */
public record BlockMapping(long pblock, int count, int state) {
    /** {@code BH_Mapped}: the blocks exist on the device. */
    public static final int MAPPED = 1;
    /** {@code BH_New}: allocated by this call; the engine zeroes what is not written. */
    public static final int NEW = 1 << 1;
    /** {@code BH_Unwritten}: allocated, not written; reads as zeros. */
    public static final int UNWRITTEN = 1 << 2;
    /** {@code BH_Boundary}: the next block needs another metadata read. */
    public static final int BOUNDARY = 1 << 3;

    /** {@return nothing mapped: a hole of unknown size} */
    public static BlockMapping unmapped() {
        return new BlockMapping(0, 0, 0);
    }

    /**
     * A hole known to reach {@code count} blocks (a missing indirect block's whole span), so that a
     * walk need not ask again block by block; {@link #unmapped()} when it is not known.
     *
     * @param count how many blocks from the one asked for are known to be unmapped
     * @return the hole
     */
    public static BlockMapping hole(int count) {
        return new BlockMapping(0, count, 0);
    }

    /** {@return whether at least one block is mapped} */
    public boolean isMapped() {
        return (state & MAPPED) != 0 && count > 0;
    }

    /**
     * {@return whether state bit {@code bit} is set}
     *
     * @param bit one of the constants above
     */
    public boolean has(int bit) {
        return (state & bit) != 0;
    }
}
