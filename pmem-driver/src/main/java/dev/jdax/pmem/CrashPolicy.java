package dev.jdax.pmem;

import java.util.BitSet;

/**
 * What a simulated power failure does to the cache lines stored but not yet fenced: all lost, all
 * kept, a chosen subset (bit i = the i-th pending line in address order survives), or a random
 * subset drawn from a seed, in which a surviving line may also be torn at an 8-byte boundary (8-byte
 * stores are atomic, whole lines are not).
 */
public sealed interface CrashPolicy {
    /** Every pending line is lost. */
    record AllLost() implements CrashPolicy {
    }

    /** Every pending line survives. */
    record AllKept() implements CrashPolicy {
    }

    /** The pending lines whose bit is set in {@code kept} survive. */
    record Subset(BitSet kept) implements CrashPolicy {
    }

    /** A subset drawn from {@code seed}, surviving lines possibly torn at 8 bytes. */
    record Random(long seed) implements CrashPolicy {
    }

    /** Every pending line lost. */
    static CrashPolicy allLost() {
        return new AllLost();
    }

    /** Every pending line kept. */
    static CrashPolicy allKept() {
        return new AllKept();
    }

    /** The lines whose bit is set survive ({@code kept} is copied). */
    static CrashPolicy subset(BitSet kept) {
        return new Subset((BitSet) kept.clone());
    }

    /** A random subset, repeatable from {@code seed}. */
    static CrashPolicy random(long seed) {
        return new Random(seed);
    }
}
