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
    private final long[] busy;
    /** Preallocated bits: free on disk, held in memory for a preallocation (mballoc's in-core bitmap). */
    private final long[] held;
    private int heldCount;
    private int busyCount;
    /** Bit w: word w of bitmap | busy has a free bit. */
    private final long[] someFree;
    /** Bit w: word w of bitmap | busy is all free. */
    private final long[] allFree;

    /** Over {@code bytes} (a whole bitmap block, kept, not copied), of which the first {@code bits} count. */
    GroupBits(byte[] bytes, int bits) {
        this.bytes = bytes;
        this.bits = bits;
        int words = (bits + 63) >>> 6;
        this.busy = new long[words];
        this.held = new long[words];
        this.someFree = new long[(words + 63) >>> 6];
        this.allFree = new long[(words + 63) >>> 6];
        for (int w = 0; w < words; w++) {
            summarise(w);
        }
    }

    private long disk(int w) {
        return (long) WORD.get(bytes, w << 3);
    }

    /** Word w as the allocator sees it: used on disk, busy or held; bits past the group count as used. */
    private long used(int w) {
        long u = disk(w) | busy[w] | held[w];
        int past = (w << 6) + 64 - bits;
        return past > 0 ? u | (-1L << (64 - past)) : u;
    }

    private void summarise(int w) {
        long u = used(w);
        long bit = 1L << (w & 63);
        someFree[w >>> 6] = u != -1L ? someFree[w >>> 6] | bit : someFree[w >>> 6] & ~bit;
        allFree[w >>> 6] = u == 0 ? allFree[w >>> 6] | bit : allFree[w >>> 6] & ~bit;
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
            w = nextWord(someFree, w + 1);
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
            if ((bit & 63) == 0 && bit + 64 <= limit && (allFree[w >>> 6] & (1L << (w & 63))) != 0) {
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

    /** The first word at or after {@code w} whose summary bit is set in {@code summary}; -1 when none. */
    private static int nextWord(long[] summary, int w) {
        int i = w >>> 6;
        if (i >= summary.length) {
            return -1;
        }
        long s = summary[i] & (-1L << (w & 63));
        while (s == 0) {
            if (++i >= summary.length) {
                return -1;
            }
            s = summary[i];
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
        busyCount += flip(busy, from, to, on);
        for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
            summarise(w);
        }
    }

    /** Bits of {@code mask} (one word per word of the bitmap) are no longer busy; the mask is left all clear. */
    void unbusy(long[] mask) {
        for (int w = 0; w < mask.length; w++) {
            long m = mask[w];
            if (m != 0) {
                busyCount -= Long.bitCount(busy[w] & m);
                busy[w] &= ~m;
                mask[w] = 0;
                summarise(w);
            }
        }
    }

    /** Whether any bit waits for a commit. */
    boolean anyBusy() {
        return busyCount != 0;
    }

    /** Holds bits [from, to) for a preallocation, or lets them go; returns how many changed. */
    int hold(int from, int to, boolean on) {
        int n = flip(held, from, to, on);
        heldCount += n;
        for (int w = from >>> 6; w <= (to - 1) >>> 6; w++) {
            summarise(w);
        }
        return Math.abs(n);
    }

    /** Sets or clears bits [from, to) of a mask; returns how many changed (signed by {@code on}). */
    static int flip(long[] mask, int from, int to, boolean on) {
        int n = 0;
        for (int bit = from; bit < to; bit++) {
            long m = 1L << (bit & 63);
            long before = mask[bit >>> 6];
            mask[bit >>> 6] = on ? before | m : before & ~m;
            n += before != mask[bit >>> 6] ? 1 : 0;
        }
        return on ? n : -n;
    }

    /** Whether bit {@code bit} is held for a preallocation. */
    boolean isHeld(int bit) {
        return (held[bit >>> 6] & (1L << (bit & 63))) != 0;
    }

    /** Bits held for preallocations. */
    int heldCount() {
        return heldCount;
    }

    /** Bits busy until a commit. */
    int busyCount() {
        return busyCount;
    }

    /** The bits the allocator may use, the first {@code bits}: mballoc's {@code bb_free} from a count of the disk's free ones. */
    int bits() {
        return bits;
    }
}
