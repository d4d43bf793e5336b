package dev.jdax.fs.ext2;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The name-hash table of {@link DirIndex} against a {@link HashMap}, removals moving runs back included. */
class HashPlacesTest {
    @Test
    void agreesWithAMapThroughPutsRemovalsAndGrowth() {
        SplittableRandom r = new SplittableRandom(42);
        HashPlaces t = new HashPlaces();
        Map<Long, Long> model = new HashMap<>();
        List<Long> keys = new ArrayList<>();
        for (int op = 0; op < 400_000; op++) {
            // Few distinct low bits, so runs are long and wrap around the table's end.
            long key = r.nextInt(3) == 0 && !keys.isEmpty() ? keys.get(r.nextInt(keys.size()))
                    : (r.nextLong(1, 1L << 40) << 24) | r.nextInt(4);
            if (r.nextInt(5) < 2) {
                t.remove(key);
                model.remove(key);
            } else {
                long value = r.nextLong(0, Long.MAX_VALUE);
                t.put(key, value);
                model.put(key, value);
                keys.add(key);
            }
            if (op % 1000 == 0) {
                for (long k : keys) {
                    assertEquals(model.getOrDefault(k, -1L), t.get(k), "key " + k + " after " + op + " operations");
                }
                assertEquals(model.size(), t.size());
                if (keys.size() > 5000) {
                    keys.subList(0, 2500).clear();
                }
            }
        }
    }

    @Test
    void aRemovalInTheMiddleOfAWrappedRunKeepsTheRestFindable() {
        HashPlaces t = new HashPlaces();
        // 16 slots at first; (a << 32 | (15 ^ a)) all start at the last slot and wrap to the first ones.
        long[] keys = new long[4];
        for (int a = 1; a <= keys.length; a++) {
            keys[a - 1] = (long) a << 32 | (15 ^ a);
            t.put(keys[a - 1], 100 + a - 1);
        }
        t.remove(keys[1]);
        assertEquals(-1, t.get(keys[1]));
        assertEquals(100, t.get(keys[0]));
        assertEquals(102, t.get(keys[2]));
        assertEquals(103, t.get(keys[3]));
    }
}
