package dev.jdax.api.lock;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Linux's percpu_counter: adds from many threads, a shared count within the cells' reach, comparisons that sum near the line. */
class PercpuCounterTest {
    @Test
    void addsFromManyThreadsSumExactlyAndTheSharedCountStaysWithinTheCells() throws Exception {
        PercpuCounter c = new PercpuCounter(32);
        int threads = 4 * PerCpu.CPUS + 3; // more threads than slots: two of them share a cell
        long[] expected = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            int me = k;
            workers.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(me);
                for (int i = 0; i < 200_000; i++) {
                    long d = r.nextInt(-40, 41);
                    c.add(d);
                    expected[me] += d;
                }
            }));
        }
        workers.forEach(Thread::start);
        for (Thread t : workers) {
            t.join();
        }
        long total = 0;
        for (long e : expected) {
            total += e;
        }
        assertEquals(total, c.sum());
        // Each cell holds less than the batch after its last add folded what reached it.
        assertTrue(Math.abs(c.read() - total) < 32L * PerCpu.CPUS, "shared " + c.read() + " sum " + total);
    }

    @Test
    void comparesFromTheSharedCountFarFromTheLineAndFromTheSumNearIt() {
        PercpuCounter c = new PercpuCounter(1_000);
        c.add(999); // all in this thread's cell: the shared count is still 0
        assertEquals(0, c.read());
        assertEquals(999, c.sum());
        // Near the shared count, the cells decide: 999 is above 998 and below 1000, though 0 is neither.
        assertEquals(1, c.compare(998));
        assertEquals(0, c.compare(999));
        assertEquals(-1, c.compare(1_000));
        c.add(1); // reaches the batch: folded into the shared count, the cell back at 0
        assertEquals(1_000, c.read());
        assertEquals(1_000, c.sum());
        assertEquals(-1, c.compare(1_000L + 1_000L * PerCpu.CPUS + 1)); // far above: the shared count alone says so
        assertEquals(1, c.compare(-1_000L * PerCpu.CPUS - 1));
    }

    @Test
    void negativeAddsFoldToo() {
        PercpuCounter c = new PercpuCounter(10);
        c.add(1_000);
        for (int i = 0; i < 1_005; i++) {
            c.add(-1);
        }
        assertEquals(-5, c.sum());
        assertTrue(Math.abs(c.read() + 5) < 10, "shared " + c.read());
        assertEquals(-1, c.compare(0));
    }

    @Test
    void aBatchBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PercpuCounter(0));
    }
}
