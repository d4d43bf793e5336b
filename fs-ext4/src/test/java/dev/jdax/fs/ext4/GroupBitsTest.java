package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The word-at-a-time searches of {@link GroupBits} agree with a bit-by-bit search of the same bits. */
class GroupBitsTest {
    private static final int BITS = 32768 - 77; // a short last group: the padding counts as used

    @Test
    void searchesAgreeWithABitByBitModelUnderRandomChanges() {
        Random r = new Random(21);
        GroupBits g = new GroupBits(new byte[4096], BITS);
        BitSet used = new BitSet();
        BitSet busy = new BitSet();
        for (int step = 0; step < 4000; step++) {
            int from = r.nextInt(BITS);
            int to = Math.min(BITS, from + 1 + r.nextInt(r.nextBoolean() ? 8 : 1500));
            switch (r.nextInt(4)) {
                case 0, 1 -> {
                    g.set(from, to, true);
                    used.set(from, to);
                }
                case 2 -> {
                    g.set(from, to, false);
                    used.clear(from, to);
                }
                default -> {
                    boolean on = r.nextBoolean();
                    g.busy(from, to, on);
                    busy.set(from, to, on);
                }
            }
            int at = r.nextInt(BITS);
            int limit = at + r.nextInt(BITS - at + 1);
            assertEquals(modelFree(used, busy, at, limit), g.firstFree(at, limit), "firstFree(" + at + ", " + limit + ")");
            assertEquals(modelUsed(used, busy, at, limit), g.firstUsed(at, limit), "firstUsed(" + at + ", " + limit + ")");
            assertEquals(!busy.isEmpty(), g.anyBusy());
        }
    }

    private static boolean free(BitSet used, BitSet busy, int bit) {
        return bit < BITS && !used.get(bit) && !busy.get(bit);
    }

    private static int modelFree(BitSet used, BitSet busy, int from, int limit) {
        for (int b = from; b < limit; b++) {
            if (free(used, busy, b)) {
                return b;
            }
        }
        return -1;
    }

    private static int modelUsed(BitSet used, BitSet busy, int from, int limit) {
        for (int b = from; b < limit; b++) {
            if (!free(used, busy, b)) {
                return b;
            }
        }
        return limit;
    }
}
