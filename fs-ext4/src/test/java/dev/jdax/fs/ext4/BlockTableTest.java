package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The journal buffers' table answers as a map does through growth and removals from the middle of probe runs. */
class BlockTableTest {
    /** A value: a name and the block it was put at. */
    private static final class V extends BlockTable.Keyed {
        final String name;

        V(long block, String name) {
            super(block);
            this.name = name;
        }
    }

    private static String name(V v) {
        return v == null ? null : v.name;
    }

    @Test
    void answersAsAMapThroughGrowthAndRemovals() {
        BlockTable<V> t = new BlockTable<>();
        Map<Long, String> model = new HashMap<>();
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            // Few distinct keys, many collisions within a stripe, and large block numbers.
            long k = r.nextBoolean() ? r.nextLong(2_000) : (r.nextLong(2_000) << 32) + 1;
            switch (r.nextInt(4)) {
                case 0, 1 -> assertEquals(model.putIfAbsent(k, "v" + i), name(t.putIfAbsent(new V(k, "v" + i))));
                case 2 -> assertEquals(model.remove(k), name(t.remove(k)));
                default -> assertEquals(model.get(k), name(t.get(k)));
            }
        }
        assertEquals(model.size(), t.size());
        for (Map.Entry<Long, String> e : model.entrySet()) {
            assertEquals(e.getValue(), name(t.get(e.getKey())));
        }
    }

    /**
     * Lookups write nothing and read a stripe while another thread grows it and shifts its probe
     * runs: a block that stays in the table is found every time with its value, one never put in
     * is never found. Each round is a new table, whose stripes grow from their first size.
     */
    @Test
    void lookupsDuringChangesSeeEveryStayingBlock() throws Exception {
        int staying = 256;
        AtomicReference<BlockTable<V>> current = new AtomicReference<>(withStaying(staying));
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread changer = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(3);
            for (int round = 0; round < 1500 && failed.get() == null; round++) {
                BlockTable<V> t = withStaying(staying);
                current.set(t);
                // Odd blocks come and go, enough of them to grow stripes and shift their probe runs.
                int n = 1 + r.nextInt(3_000);
                for (int pass = 0; pass < 3; pass++) {
                    for (long k = 0; k < n; k++) {
                        t.putIfAbsent(new V(k * 2 + 1, "go" + k));
                    }
                    for (long k = 0; k < n; k++) {
                        t.remove(k * 2 + 1);
                    }
                }
            }
            stop.set(true);
        });
        Thread reader = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(5);
            try {
                while (!stop.get()) {
                    BlockTable<V> t = current.get();
                    for (int i = 0; i < 64; i++) {
                        long k = r.nextLong(staying);
                        assertEquals("stay" + k, name(t.get(k * 2)));
                        assertNull(t.get(staying * 2L + k * 2));
                    }
                }
            } catch (Throwable e) {
                failed.compareAndSet(null, e);
            }
        });
        changer.start();
        reader.start();
        changer.join();
        reader.join();
        if (failed.get() != null) {
            throw new AssertionError("a lookup during changes", failed.get());
        }
        assertEquals(staying, current.get().size());
    }

    private static BlockTable<V> withStaying(int staying) {
        BlockTable<V> t = new BlockTable<>();
        for (long k = 0; k < staying; k++) {
            t.putIfAbsent(new V(k * 2, "stay" + k));
        }
        return t;
    }

    @Test
    void removesOnlyTheValueItWasGiven() {
        BlockTable<V> t = new BlockTable<>();
        V a = new V(5, "a");
        t.putIfAbsent(a);
        t.remove(new V(5, "b"));
        assertEquals("a", name(t.get(5)));
        t.remove(a);
        assertNull(t.get(5));
    }
}
