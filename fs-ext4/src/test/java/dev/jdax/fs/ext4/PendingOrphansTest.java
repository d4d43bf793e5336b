package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The orphans waiting for their commit: what was added and not taken out is what the commit reads, from any thread. */
class PendingOrphansTest {
    private static Ext4Inode inode(long ino) {
        return new Ext4Inode(null, ino, new byte[256]);
    }

    private static Set<Long> inos(List<Ext4Inode> list) {
        Set<Long> s = new HashSet<>();
        for (Ext4Inode i : list) {
            s.add(i.ino);
        }
        assertEquals(list.size(), s.size(), "an inode listed twice");
        return s;
    }

    @Test
    void takesOutTheNewestTheOldestAndOneBetween() {
        PendingOrphans p = new PendingOrphans();
        List<Ext4Inode> in = new ArrayList<>();
        for (long ino = 12; ino < 17; ino++) {
            Ext4Inode i = inode(ino);
            p.add(i);
            in.add(i);
        }
        assertTrue(p.remove(in.get(4)));
        assertTrue(p.remove(in.get(0)));
        assertTrue(p.remove(in.get(2)));
        assertFalse(p.remove(in.get(2)), "taken out twice");
        assertEquals(Set.of(13L, 15L), inos(p.snapshot()));
        assertTrue(p.remove(in.get(1)));
        assertTrue(p.remove(in.get(3)));
        assertTrue(p.snapshot().isEmpty());
        assertEquals(-1, in.get(3).pendingSlot);
        assertNull(in.get(3).pendingNext);
    }

    /**
     * Threads add inodes and take out their own and each other's (an inode freed by another thread
     * than the one that unlinked it) while a reader takes snapshots, as a commit would: no inode is
     * lost from or left in a list, and no snapshot lists one twice.
     */
    @Test
    void threadsAddAndTakeOutEachOthersWhileSnapshotsAreRead() throws Exception {
        // Rounds, each on fresh lists: a list whose lock does not hold loses links in most rounds.
        for (int round = 0; round < 6; round++) {
            oneRound();
        }
    }

    private static void oneRound() throws Exception {
        PendingOrphans p = new PendingOrphans();
        int threads = 4; // more than the slots on these two-CPU machines: threads share a slot's list
        int each = 50_000;
        ConcurrentLinkedQueue<Ext4Inode> handedOn = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        Set<Long> kept = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int t = 0; t < threads; t++) {
            long base = 1_000_000L * (t + 1);
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int k = 0; k < each; k++) {
                        Ext4Inode i = inode(base + k);
                        p.add(i);
                        switch (k % 4) {
                            case 0, 1 -> assertTrue(p.remove(i), "an inode this thread added");
                            case 2 -> handedOn.add(i);
                            default -> kept.add(i.ino);
                        }
                        Ext4Inode other = handedOn.poll();
                        if (other != null) {
                            assertTrue(p.remove(other), "an inode another thread added");
                        }
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
        }
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                start.await();
                while (all.stream().anyMatch(Thread::isAlive)) {
                    inos(p.snapshot());
                }
            } catch (Throwable e) {
                failed.compareAndSet(null, e);
            }
        });
        for (Thread t : all) {
            t.join();
        }
        reader.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        for (Ext4Inode i; (i = handedOn.poll()) != null; ) {
            assertTrue(p.remove(i));
        }
        assertEquals(kept, inos(p.snapshot()));
    }
}
