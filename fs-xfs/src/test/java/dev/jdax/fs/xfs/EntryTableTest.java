package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The buffer index's table answers as a map would through puts (over an entry of the same key
 * too), removes, growth and tombstones, and readers that take no lock, racing a writer that adds,
 * removes and rebuilds, always find the entries that stay and never an entry of another key.
 */
class EntryTableTest {
    private static MetaEntry entry(long off) {
        return new MetaEntry(off, 4096, false, new byte[0]);
    }

    @Test
    void answersAsAMapThroughGrowthAndRemoval() {
        EntryTable t = new EntryTable();
        Map<Long, MetaEntry> model = new HashMap<>();
        Random r = new Random(3);
        for (int step = 0; step < 200_000; step++) {
            long off = (long) r.nextInt(step < 100_000 ? 5_000 : 50) << 12;
            if (r.nextInt(3) > 0) {
                MetaEntry fresh = entry(off);
                MetaEntry had = model.put(off, fresh);
                t.put(fresh);
                if (had != null) {
                    assertFalse(t.remove(had), "the entry put over is gone, at " + off);
                }
            } else {
                MetaEntry had = model.remove(off);
                assertEquals(had != null, had != null && t.remove(had), "remove at " + off);
                assertFalse(t.remove(entry(off)), "an entry never added is not removed");
            }
            long probe = (long) r.nextInt(5_000) << 12;
            assertSame(model.get(probe), t.get(probe), "lookup at " + probe + ", step " + step);
        }
    }

    @Test
    void readersWithoutALockSeeEveryEntryThatStays() throws Exception {
        EntryTable t = new EntryTable();
        List<MetaEntry> stay = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            MetaEntry e = entry((long) i << 12);
            t.put(e);
            stay.add(e);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long until = System.nanoTime() + 1_000_000_000L;
        Thread writer = new Thread(() -> {
            Random r = new Random(5);
            List<MetaEntry> churn = new ArrayList<>();
            while (System.nanoTime() < until && failure.get() == null) {
                if (churn.size() < 3_000 && r.nextBoolean()) {
                    MetaEntry e = entry((long) (1_000 + r.nextInt(1 << 20)) << 12);
                    t.put(e);
                    churn.add(e);
                } else if (!churn.isEmpty()) {
                    t.remove(churn.remove(r.nextInt(churn.size())));
                }
            }
        });
        List<Thread> readers = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            int seed = n;
            readers.add(new Thread(() -> {
                Random r = new Random(seed);
                try {
                    while (System.nanoTime() < until && failure.get() == null) {
                        MetaEntry e = stay.get(r.nextInt(stay.size()));
                        assertSame(e, t.get(e.key), "an entry that stays, at " + e.key);
                        long other = (long) (1_000 + r.nextInt(1 << 20)) << 12;
                        MetaEntry o = t.get(other);
                        assertTrue(o == null || o.key == other, "a lookup of " + other + " found " + (o == null ? 0 : o.key));
                    }
                } catch (Throwable x) {
                    failure.compareAndSet(null, x);
                }
            }));
        }
        writer.start();
        readers.forEach(Thread::start);
        writer.join();
        for (Thread th : readers) {
            th.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }
}
