package dev.jdax.fs.ext4;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One group's bitmap in memory, searched a 64-bit word at a time through a free-space index, as
 * mballoc searches its buddy bitmaps instead of the on-disk ones: the bitmap's bytes exactly as on
 * disk ({@link #bytes}), the bits that are busy (freed in a transaction not yet committed: not to be
 * given out, though the disk says free), and two summaries over the words of {@code bitmap | busy} —
 * which words have a free bit, and which are wholly free. Finding the first free or used bit is a
 * look at a few summary words (mballoc's {@link Buddy} is built from those searches). Built from the
 * disk once, when the group is first used; guarded by the group's lock.
 */
final class GroupBits {
    private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The bitmap block as on disk; bit i of word w is bit {@code 64w + i}, as ext4's little-endian bitmaps are. */
    final byte[] bytes;
    private final int bits;
    /**
     * Everything else that changes, in one array between {@link #PAD} unused words at each end: the
     * busy words (from {@link #PAD}), the held words (preallocated bits: free on disk, held in memory
     * for a preallocation, mballoc's in-core bitmap; from {@link #heldAt}), the summaries (bit w: word
     * w of bitmap | busy has a free bit, from {@link #someFreeAt}; is all free, from {@link #allFreeAt})
     * and the busy and held counts ({@link #countsAt}). Two threads allocate in two groups, and the
     * garbage collector copies the groups' objects side by side as it finds them in the allocator's
     * tables: separate small arrays and count fields of two groups shared lines, which each
     * allocation and free wrote.
     */
    private final long[] state;
    private final int heldAt;
    private final int someFreeAt;
    private final int allFreeAt;
    private final int countsAt;
    private final int summaryWords;
    /** Unused words at each end of {@link #state}: 128 bytes, a line and the one fetched with it. */
    private static final int PAD = 16;

    /** Over {@code bytes} (a whole bitmap block, kept, not copied), of which the first {@code bits} count. */
    GroupBits(byte[] bytes, int bits) {
        this.bytes = bytes;
        this.bits = bits;
        int words = (bits + 63) >>> 6;
        this.summaryWords = (words + 63) >>> 6;
        this.heldAt = PAD + words;
        this.someFreeAt = heldAt + words;
        this.allFreeAt = someFreeAt + summaryWords;
        this.countsAt = allFreeAt + summaryWords;
        this.state = new long[countsAt + 2 + PAD];
        for (int w = 0; w < words; w++) {
            summarise(w);
        }
    }

    private long disk(int w) {
        return (long) WORD.get(bytes, w << 3);
    }

    /** Word w as the allocator sees it: used on disk, busy or held; bits past the group count as used. */
    private long used(int w) {
        long u = disk(w) | state[PAD + w] | state[heldAt + w];
        int past = (w << 6) + 64 - bits;
        return past > 0 ? u | (-1L << (64 - past)) : u;
    }

    private void summarise(int w) {
        long u = used(w);
        long bit = 1L << (w & 63);
        int some = someFreeAt + (w >>> 6);
        int all = allFreeAt + (w >>> 6);
        state[some] = u != -1L ? state[some] | bit : state[some] & ~bit;
        state[all] = u == 0 ? state[all] | bit : state[all] & ~bit;
    }

    boolean isSet(int bit) {
        return (bytes[bit >>> 3] & (1 << (bit & 7))) != 0;
    }

    boolean isFree(int bit) {
        return (used(bit >>> 6) & (1L << (bit & 63))) == 0;
    }

    /** The first free bit at or after {@code from}, below {@code limit}; -1 when none. */
    int firstFree(int from, int limit) {
        if (from >= limit) {
            return -1;
        }
        int w = from >>> 6;
        long free = ~used(w) & (-1L << (from & 63));
        while (free == 0) {
            w = nextWord(w + 1);
            if (w < 0 || w << 6 >= limit) {
                return -1;
            }
            free = ~used(w);
        }
        int bit = (w << 6) + Long.numberOfTrailingZeros(free);
        return bit < limit ? bit : -1;
    }

    /** The first used bit at or after {@code from}, below {@code limit}; {@code limit} when none. */
    int firstUsed(int from, int limit) {
        int bit = from;
        while (bit < limit) {
            int w = bit >>> 6;
            if ((bit & 63) == 0 && bit + 64 <= limit && (state[allFreeAt + (w >>> 6)] & (1L << (w & 63))) != 0) {
                bit += 64;
                continue;
            }
            long used = used(w) & (-1L << (bit & 63));
            if (used != 0) {
                return Math.min(limit, (w << 6) + Long.numberOfTrailingZeros(used));
            }
            bit = (w + 1) << 6;
        }
        return limit;
    }

    /** The first word at or after {@code w} whose some-free summary bit is set; -1 when none. */
    private int nextWord(int w) {
        int i = w >>> 6;
        if (i >= summaryWords) {
            return -1;
        }
        long s = state[someFreeAt + i] & (-1L << (w & 63));
        while (s == 0) {
            if (++i >= summaryWords) {
                return -1;
            }
            s = state[someFreeAt + i];
        }
        return (i << 6) + Long.numberOfTrailingZeros(s);
    }

    /** Sets or clears bits [from, to) of the on-disk bitmap. */
    void set(int from, int to, boolean on) {
        for (int bit = from; bit < to; bit++) {
            if ((bit & 7) == 0 && bit + 8 <= to) {
                bytes[bit >>> 3] = (byte) (on ? 0xff : 0);
                bit += 7;
            } else if (on) {
                bytes[bit >>> 3] |= (byte) (1 << (bit & 7));
            } else {
                bytes[bit >>> 3] &= (byte) ~(1 << (bit & 7));
            }
        }
        for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
            summarise(w);
        }
    }

    /** Marks bits [from, to) busy (freed, not yet committed) or not. */
    void busy(int from, int to, boolean on) {
        state[countsAt] += flip(state, PAD, from, to, on);
        for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
            summarise(w);
        }
    }

    /** Bits of {@code mask} (one word per word of the bitmap) are no longer busy; the mask is left all clear. */
    void unbusy(long[] mask) {
        for (int w = 0; w < mask.length; w++) {
            long m = mask[w];
            if (m != 0) {
                state[countsAt] -= Long.bitCount(state[PAD + w] & m);
                state[PAD + w] &= ~m;
                mask[w] = 0;
                summarise(w);
            }
        }
    }

    /** Whether any bit waits for a commit. */
    boolean anyBusy() {
        return state[countsAt] != 0;
    }

    /** Holds bits [from, to) for a preallocation, or lets them go; returns how many changed. */
    int hold(int from, int to, boolean on) {
        int n = flip(state, heldAt, from, to, on);
        state[countsAt + 1] += n;
        for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
            summarise(w);
        }
        return Math.abs(n);
    }

    /** Sets or clears bits [from, to) of a mask; returns how many changed (signed by {@code on}). */
    static int flip(long[] mask, int from, int to, boolean on) {
        return flip(mask, 0, from, to, on);
    }

    /** {@link #flip(long[], int, int, boolean)} of the mask whose word 0 is {@code mask[at]}. */
    private static int flip(long[] mask, int at, int from, int to, boolean on) {
        int n = 0;
        for (int bit = from; bit < to; bit++) {
            long m = 1L << (bit & 63);
            int w = at + (bit >>> 6);
            long before = mask[w];
            mask[w] = on ? before | m : before & ~m;
            n += before != mask[w] ? 1 : 0;
        }
        return on ? n : -n;
    }

    /** Whether bit {@code bit} is held for a preallocation. */
    boolean isHeld(int bit) {
        return (state[heldAt + (bit >>> 6)] & (1L << (bit & 63))) != 0;
    }

    /** Bits held for preallocations. */
    int heldCount() {
        return (int) state[countsAt + 1];
    }

    /** Bits busy until a commit. */
    int busyCount() {
        return (int) state[countsAt];
    }

    /** The bits the allocator may use, the first {@code bits}: mballoc's {@code bb_free} from a count of the disk's free ones. */
    int bits() {
        return bits;
    }
}
