package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The journal buffers' table answers as a map does through growth and removals from the middle of probe runs. */
class BlockTableTest {
    @Test
    void answersAsAMapThroughGrowthAndRemovals() {
        BlockTable<String> t = new BlockTable<>();
        Map<Long, String> model = new HashMap<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            // Few distinct keys, many collisions within a stripe, and large block numbers.
            long k = r.nextBoolean() ? r.nextLong(2_000) : (r.nextLong(2_000) << 32) + 1;
            switch (r.nextInt(4)) {
                case 0, 1 -> assertEquals(model.putIfAbsent(k, "v" + i), t.putIfAbsent(k, "v" + i));
                case 2 -> assertEquals(model.remove(k), t.remove(k));
                default -> assertEquals(model.get(k), t.get(k));
            }
        }
        assertEquals(model.size(), t.size());
        for (Map.Entry<Long, String> e : model.entrySet()) {
            assertEquals(e.getValue(), t.get(e.getKey()));
        }
    }

    @Test
    void removesOnlyTheValueItWasGiven() {
        BlockTable<String> t = new BlockTable<>();
        t.putIfAbsent(5, "a");
        t.remove(5, "b");
        assertEquals("a", t.get(5));
        t.remove(5, "a");
        assertNull(t.get(5));
    }
}
