package dev.jdax.api.lock;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Handles joining and leaving the running transaction while commits close it, from many threads. */
class TransactionGateTest {
    /** A transaction: its side of the gate, how many handles are in it, and whether its commit drained it. */
    static final class Tx {
        final long seq;
        final TransactionGate.Updates updates = new TransactionGate.Updates();
        final AtomicInteger inside = new AtomicInteger();
        volatile boolean drained;

        Tx(long seq) {
            this.seq = seq;
        }
    }

    @Test
    void aCommitReturnsOnlyOnceEveryHandleLeftAndNoHandleJoinsAfter() throws Exception {
        TransactionGate<Tx> gate = new TransactionGate<>("test state", new Tx(0), t -> t.updates);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong handles = new AtomicLong();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            threads.add(new Thread(() -> {
                while (!stop.get()) {
                    Tx t = gate.join();
                    t.inside.incrementAndGet();
                    if (t.drained) {
                        wrong.add("a handle is in transaction " + t.seq + " after its commit drained it");
                    }
                    Thread.onSpinWait();
                    t.inside.decrementAndGet();
                    gate.leave(t);
                    handles.incrementAndGet();
                }
            }));
        }
        threads.forEach(Thread::start);
        long commits = 0;
        try {
            for (; commits < 3_000; commits++) {
                Tx t = gate.lockAndDrain();
                assertTrue(t.updates.locked());
                assertEquals(0, t.inside.get(), "handles still in transaction " + t.seq + " when its commit drained it");
                t.drained = true;
                assertTrue(gate.open(t, new Tx(t.seq + 1)));
            }
        } finally {
            stop.set(true);
            for (Thread th : threads) {
                th.join();
            }
        }
        assertTrue(wrong.isEmpty(), wrong.toString());
        assertEquals(commits, gate.running().seq);
        assertTrue(handles.get() > 0);
    }

    @Test
    void openReplacesOnlyTheTransactionItWasGiven() {
        Tx first = new Tx(0);
        TransactionGate<Tx> gate = new TransactionGate<>("test state", first, t -> t.updates);
        Tx second = new Tx(1);
        assertTrue(gate.open(first, second));
        assertFalse(gate.open(first, new Tx(2)), "a failed commit's second try must not replace a newer transaction");
        assertSame(second, gate.running());
        assertFalse(second.updates.locked());
    }
}
