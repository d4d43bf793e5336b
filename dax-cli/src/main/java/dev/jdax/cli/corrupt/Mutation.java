package dev.jdax.cli.corrupt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * One corruption: the little-endian 32-bit word at {@code offset} of the device replaced, or one
 * byte flipped; or, for {@link Kind#REDIRECT}, a block pointer of a file the write workload writes
 * pointed somewhere it must never lead a write ({@code width} bytes in the format's byte order);
 * {@link Kind#REDIRECT_SEALED} is the same with the checksum of the holding structure re-sealed.
 */
record Mutation(int number, Kind kind, long offset, long value, int width, ByteOrder order, String note) {

    enum Kind {
        ZERO, MAX, PLUS_ONE, MINUS_ONE, INTO_METADATA, OUTSIDE_DEVICE, BYTE_FLIP, REDIRECT, REDIRECT_SEALED;

        /** The kinds the random cases cycle through. */
        static final Kind[] RANDOM = {ZERO, MAX, PLUS_ONE, MINUS_ONE, INTO_METADATA, OUTSIDE_DEVICE, BYTE_FLIP};
    }

    /** A random case on a little-endian 32-bit word. */
    Mutation(int number, Kind kind, long offset, int value) {
        this(number, kind, offset, value, 4, ByteOrder.LITTLE_ENDIAN, "");
    }

    /** The bytes to store at {@code offset}, given the ones there now. */
    byte[] replacement(byte[] old) {
        ByteBuffer b = ByteBuffer.wrap(old.clone()).order(order);
        if (width == 8) {
            return b.putLong(0, value).array();
        }
        int w = b.getInt(0);
        int v = switch (kind) {
            case ZERO -> 0;
            case MAX -> -1;
            case PLUS_ONE -> w + 1;
            case MINUS_ONE -> w - 1;
            case INTO_METADATA, OUTSIDE_DEVICE, REDIRECT, REDIRECT_SEALED -> (int) value;
            case BYTE_FLIP -> w ^ ((int) value & 0xff);
        };
        return b.putInt(0, v).array();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "case %d: %s at device offset 0x%x (block %d + 0x%x)%s%s", number,
                kind.name().toLowerCase(Locale.ROOT).replace('_', '-'), offset, offset >> 12, offset & 4095,
                kind == Kind.INTO_METADATA || kind == Kind.OUTSIDE_DEVICE ? " = " + Integer.toUnsignedString((int) value) : "",
                note.isEmpty() ? "" : " (" + note + ")");
    }
}
