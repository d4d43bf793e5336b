package dev.jdax.api.lock;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-CPU sets (a mount's open files, ext4's unrecorded orphans): an element added by one thread is removed by another, once, and unmount sees the rest. */
class PerCpuSetTest {
    @Test
    void elementsAddedBySomeThreadsAreRemovedOnceByOthers() throws Exception {
        PerCpuSet<Integer> set = new PerCpuSet<>();
        int threads = 4;
        int each = 20_000;
        ConcurrentLinkedQueue<Integer> handed = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(threads * 2);
        List<Thread> all = new ArrayList<>();
        int[] removed = new int[threads];
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            all.add(new Thread(() -> {
                await(start);
                for (int k = 0; k < each; k++) {
                    set.add(base + k);
                    handed.add(base + k);
                }
            }));
            int me = t;
            all.add(new Thread(() -> {
                await(start);
                // Each element handed over is removed by whichever remover takes it, twice: the
                // second removal must find it gone.
                for (int n = 0; n < each / 2; ) {
                    Integer x = handed.poll();
                    if (x == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    if (set.remove(x)) {
                        removed[me]++;
                    }
                    assertFalse(set.remove(x));
                    n++;
                }
            }));
        }
        all.forEach(Thread::start);
        for (Thread t : all) {
            t.join();
        }
        int gone = 0;
        for (int r : removed) {
            gone += r;
        }
        assertEquals(threads * each / 2, gone, "every element handed over removed exactly once");
        HashSet<Integer> left = new HashSet<>(set.snapshot());
        assertEquals(threads * each - gone, left.size());
        assertTrue(left.containsAll(handed), "what no remover took is still there for unmount");
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
