package dev.jdax.api;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-thread counters: what every thread added is in the sum, ended threads' cells folded and nothing lost. */
class ThreadCountersTest {
    @Test
    void sumsWhatManyThreadsAddedIncludingThreadsThatEnded() throws Exception {
        ThreadCounters c = new ThreadCounters(3);
        int threads = 200; // past the number of cells at which ended threads are folded
        int perThread = 10_000;
        // Half the threads stay alive until the end, so folding meets live and ended threads alike.
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            boolean stays = t % 2 == 0;
            all.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    c.increment(0);
                    c.add(1, 3);
                }
                if (stays) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }));
            if (!stays) {
                all.getLast().join(); // ended before the next thread registers: its cells get folded
            }
        }
        c.add(2, 7);
        release.countDown();
        for (Thread t : all) {
            t.join();
        }
        assertEquals((long) threads * perThread, c.sum(0));
        assertEquals(3L * threads * perThread, c.sum(1));
        assertEquals(7, c.sum(2));
    }

    @Test
    void aKeptCellIsItsThreadsOnlyAndWhatGoesThroughItIsSummed() throws Exception {
        ThreadCounters c = new ThreadCounters(2);
        long[] mine = c.cellOfCurrentThread();
        assertTrue(ThreadCounters.isCurrentThreads(mine));
        ThreadCounters.add(mine, 1, 5);
        c.add(1, 2);
        boolean[] othersSeeIt = new boolean[1];
        Thread other = Thread.ofPlatform().start(() -> {
            othersSeeIt[0] = ThreadCounters.isCurrentThreads(mine);
            long[] theirs = c.cellOfCurrentThread();
            ThreadCounters.add(theirs, 1, 100);
            ThreadCounters.add(theirs, 0, 1);
        });
        other.join();
        assertFalse(othersSeeIt[0], "another thread's kept cell is not its own");
        assertEquals(107, c.sum(1));
        assertEquals(1, c.sum(0));
        assertThrows(IndexOutOfBoundsException.class, () -> ThreadCounters.add(mine, 2, 1));
    }

    @Test
    void threadsThatShareASlotKeepTheirOwnCells() throws Exception {
        ThreadCounters c = new ThreadCounters(2);
        int threads = 150; // more than the slots: ids collide, and the losers count through their ThreadLocal
        int perThread = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = 0; i < perThread; i++) {
                    c.add(0, 1, 1, 64);
                }
            }));
        }
        go.countDown();
        for (Thread t : all) {
            t.join();
        }
        assertEquals((long) threads * perThread, c.sum(0));
        assertEquals(64L * threads * perThread, c.sum(1));
    }

    @Test
    void aCounterOutsideTheSetIsRefusedNotAddedToThePadding() {
        ThreadCounters c = new ThreadCounters(2);
        assertThrows(IndexOutOfBoundsException.class, () -> c.add(2, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> c.add(0, 1, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> c.sum(2));
        c.add(1, 5);
        assertEquals(0, c.sum(0));
        assertEquals(5, c.sum(1));
    }
}
