package dev.jdax.vfs;

import dev.jdax.api.lock.PerCpu;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-CPU lists of unused inodes: each inode on one list at most, counts exact, the oldest trimmed first. */
class InodeLruTest {
    private static List<VfsInode> inodes(int n) {
        List<VfsInode> all = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            all.add(new VfsInode(k + 1, false));
        }
        return all;
    }

    @Test
    void anInodeAddedByThreadsOfDifferentListsAtOnceIsListedOnce() throws Exception {
        InodeLru lru = new InodeLru(1 << 20);
        List<VfsInode> all = inodes(20_000);
        int threads = Math.max(2, PerCpu.CPUS);
        CyclicBarrier start = new CyclicBarrier(threads);
        runAll(threads, k -> {
            start.await();
            for (VfsInode i : all) {
                lru.add(i);
            }
        });
        assertEquals(all.size(), lru.count());
        for (VfsInode i : all) {
            lru.remove(i);
            lru.remove(i); // a second removal finds it on no list
        }
        assertEquals(0, lru.count());
        assertTrue(all.stream().allMatch(i -> i.lru == null && i.lruPrev == null && i.lruNext == null));
    }

    @Test
    void theCountIsExactAfterThreadsAddAndRemoveAtRandom() throws Exception {
        InodeLru lru = new InodeLru(1 << 20);
        List<VfsInode> all = inodes(5_000);
        runAll(4, k -> {
            SplittableRandom r = new SplittableRandom(k);
            for (int n = 0; n < 200_000; n++) {
                VfsInode i = all.get(r.nextInt(all.size()));
                if (r.nextBoolean()) {
                    lru.add(i);
                } else {
                    lru.remove(i);
                }
            }
        });
        assertEquals(all.stream().filter(i -> i.lru != null).count(), lru.count());
        for (VfsInode i : all) {
            lru.remove(i);
        }
        assertEquals(0, lru.count());
    }

    @Test
    void aListBeyondItsShareGivesUpItsOldestFirst() {
        InodeLru lru = new InodeLru(4 * PerCpu.CPUS);
        List<VfsInode> all = inodes(6);
        for (VfsInode i : all) {
            lru.add(i);
        }
        assertSame(all.get(0), lru.pollOldestBeyondLimit());
        assertSame(all.get(1), lru.pollOldestBeyondLimit());
        assertNull(lru.pollOldestBeyondLimit());
        assertEquals(4, lru.count());
        assertNull(all.get(0).lru);
    }

    interface Work {
        void run(int k) throws Exception;
    }

    private static void runAll(int threads, Work work) throws Exception {
        List<Thread> ts = new ArrayList<>();
        List<Throwable> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int k = 0; k < threads; k++) {
            int id = k;
            Thread t = new Thread(() -> {
                try {
                    work.run(id);
                } catch (Throwable e) {
                    failed.add(e);
                }
            });
            ts.add(t);
            t.start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertTrue(failed.isEmpty(), failed.toString());
    }
}
