package dev.jdax.iomap;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The two-step search finds what a search of the whole sorted set finds, at every size and edge. */
class StartsIndexTest {
    @Test
    void floorAgreesWithASortedSetAtEverySize() {
        SplittableRandom r = new SplittableRandom(3);
        for (int n : new int[] {1, 2, 15, 16, 17, 31, 32, 33, 64, 1000, 100_003}) {
            TreeSet<Long> set = new TreeSet<>();
            while (set.size() < n) {
                set.add(r.nextLong(10L * n + 10));
            }
            long[] starts = set.stream().mapToLong(Long::longValue).toArray();
            StartsIndex ix = StartsIndex.of(starts.clone());
            for (int probe = 0; probe < 5000; probe++) {
                long key = r.nextLong(-5, 10L * n + 20);
                Long want = set.floor(key);
                int got = ix.floor(key);
                assertEquals(want == null ? -1 : Arrays.binarySearch(starts, want), got, "n=" + n + " key=" + key);
            }
            for (int i = 0; i < starts.length; i += Math.max(1, n / 100)) {
                assertEquals(i, ix.floor(starts[i]), "a start itself, n=" + n);
                assertEquals(i - 1, ix.floor(starts[i] - 1), "just below start " + i + ", n=" + n);
            }
        }
    }

    @Test
    void lastAtOrBelowAgreesWithABinarySearchInEverySubrange() {
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[] {1, 2, 3, 7, 67, 300}) {
            long[] a = r.longs(n, 0, 4L * n).sorted().distinct().toArray();
            for (int from = 0; from <= a.length; from += Math.max(1, a.length / 7)) {
                for (int to = from; to <= a.length; to += Math.max(1, a.length / 5)) {
                    for (int probe = 0; probe < 200; probe++) {
                        long key = r.nextLong(-2, 4L * n + 2);
                        int i = Arrays.binarySearch(a, from, to, key);
                        assertEquals(i >= 0 ? i : -i - 2, StartsIndex.lastAtOrBelow(a, from, to, key),
                                "n=" + n + " [" + from + ", " + to + ") key=" + key);
                    }
                }
            }
        }
    }
}
