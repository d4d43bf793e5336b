package dev.jdax.cli.corrupt;

import java.util.Locale;

/**
 * One corruption: the little-endian 32-bit word at {@code offset} of the device replaced, or one
 * byte flipped.
 */
record Mutation(int number, Kind kind, long offset, int value) {

    enum Kind {
        ZERO, MAX, PLUS_ONE, MINUS_ONE, INTO_METADATA, OUTSIDE_DEVICE, BYTE_FLIP
    }

    /** The new word, given the old one. */
    int apply(int old) {
        return switch (kind) {
            case ZERO -> 0;
            case MAX -> -1;
            case PLUS_ONE -> old + 1;
            case MINUS_ONE -> old - 1;
            case INTO_METADATA, OUTSIDE_DEVICE -> value;
            case BYTE_FLIP -> old ^ (value & 0xff);
        };
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "case %d: %s at device offset 0x%x (block %d + 0x%x)%s", number,
                kind.name().toLowerCase(Locale.ROOT).replace('_', '-'), offset, offset >> 12, offset & 4095,
                kind == Kind.INTO_METADATA || kind == Kind.OUTSIDE_DEVICE ? " = " + Integer.toUnsignedString(value) : "");
    }
}
