package dev.jdax.pmem;

import java.util.BitSet;

/**
 * What a simulated power failure does to the cache lines stored but not yet fenced: all lost, all
 * kept, a chosen subset (bit i = the i-th pending line in address order survives), or a random
 * subset drawn from a seed, in which a surviving line may also be torn at an 8-byte boundary (8-byte
 * stores are atomic, whole lines are not).
 */
public sealed interface CrashPolicy {
    record AllLost() implements CrashPolicy {
    }

    record AllKept() implements CrashPolicy {
    }

    record Subset(BitSet kept) implements CrashPolicy {
    }

    record Random(long seed) implements CrashPolicy {
    }

    static CrashPolicy allLost() {
        return new AllLost();
    }

    static CrashPolicy allKept() {
        return new AllKept();
    }

    static CrashPolicy subset(BitSet kept) {
        return new Subset((BitSet) kept.clone());
    }

    static CrashPolicy random(long seed) {
        return new Random(seed);
    }
}
