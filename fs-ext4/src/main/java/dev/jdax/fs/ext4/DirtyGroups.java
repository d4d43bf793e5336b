package dev.jdax.fs.ext4;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.BitSet;

/**
 * The groups a running transaction changed, which its commit seals (bitmap and descriptor checksums
 * once per group and commit). Every allocation and free marks its group; a group is marked many
 * times per transaction but changes state once, so a mark only reads the word when the bit is
 * already set: threads allocating in different groups then share the word's cache line read-only,
 * where a monitor around a {@code BitSet} made each of them write it (the lock word and the bits)
 * at every allocation and free.
 */
final class DirtyGroups {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] words;

    DirtyGroups(int groups) {
        words = new long[(groups + 63) >>> 6];
    }

    void mark(int g) {
        int w = g >>> 6;
        long bit = 1L << g;
        if ((words[w] & bit) == 0) {
            WORD.getAndBitwiseOr(words, w, bit);
        }
    }

    /**
     * {@return the marked groups}, unmarked. Called when no handle is open (the commit's seal), so
     * no mark races with it; the atomic swap keeps a mark made anyway.
     */
    BitSet take() {
        BitSet out = new BitSet();
        for (int w = 0; w < words.length; w++) {
            long v = words[w] == 0 ? 0 : (long) WORD.getAndSet(words, w, 0L);
            for (; v != 0; v &= v - 1) {
                out.set((w << 6) + Long.numberOfTrailingZeros(v));
            }
        }
        return out;
    }
}
