package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The groups a transaction changed: every mark is taken once, by the next seal, from any thread. */
class DirtyGroupsTest {
    @Test
    void takesEveryMarkOnceAcrossWordsAndThreads() throws InterruptedException {
        int groups = 8_193; // a last word with one group in it
        DirtyGroups d = new DirtyGroups(groups);
        BitSet want = new BitSet();
        Thread[] ts = new Thread[4];
        BitSet[] each = new BitSet[ts.length];
        for (int t = 0; t < ts.length; t++) {
            SplittableRandom r = new SplittableRandom(t);
            each[t] = new BitSet();
            for (int i = 0; i < 2_000; i++) {
                each[t].set(r.nextInt(groups));
            }
            each[t].set(groups - 1);
            want.or(each[t]);
            BitSet mine = each[t];
            ts[t] = new Thread(() -> mine.stream().forEach(g -> {
                d.mark(g);
                d.mark(g); // again: a second mark of a group changes nothing
            }));
        }
        for (Thread t : ts) {
            t.start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(want, d.take());
        assertTrue(d.take().isEmpty(), "a seal takes the marks away");
        d.mark(64);
        BitSet next = new BitSet();
        next.set(64);
        assertEquals(next, d.take(), "marks after a seal go to the next one");
    }
}
