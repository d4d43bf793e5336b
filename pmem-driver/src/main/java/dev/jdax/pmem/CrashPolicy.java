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

    /**
     * The pending lines whose bit is set in {@code kept} survive.
     *
     * @param kept bit i: the i-th pending line in address order
     */
    record Subset(BitSet kept) implements CrashPolicy {
    }

    /**
     * A subset drawn from {@code seed}, surviving lines possibly torn at 8 bytes.
     *
     * @param seed the same seed draws the same subset
     */
    record Random(long seed) implements CrashPolicy {
    }

    /** {@return a policy that loses every pending line} */
    static CrashPolicy allLost() {
        return new AllLost();
    }

    /** {@return a policy that keeps every pending line} */
    static CrashPolicy allKept() {
        return new AllKept();
    }

    /**
     * The lines whose bit is set survive.
     *
     * @param kept bit i: the i-th pending line in address order (copied)
     * @return the policy
     */
    static CrashPolicy subset(BitSet kept) {
        return new Subset((BitSet) kept.clone());
    }

    /**
     * A random subset, repeatable from {@code seed}.
     *
     * @param seed the same seed draws the same subset
     * @return the policy
     */
    static CrashPolicy random(long seed) {
        return new Random(seed);
    }
}
