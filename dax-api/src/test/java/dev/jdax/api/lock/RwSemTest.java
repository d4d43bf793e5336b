package dev.jdax.api.lock;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rwsem: readers together, a writer alone, the writer's own nested holds, and no writer starved by readers. */
class RwSemTest {
    /** Whether {@code r} finishes on another thread within {@code millis} (it goes on waiting if not). */
    static boolean runsWithin(Runnable r, long millis) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Thread.ofPlatform().daemon().start(() -> {
            r.run();
            done.countDown();
        });
        return done.await(millis, TimeUnit.MILLISECONDS);
    }

    @Test
    void readersShareItAndAWriterWaitsForThemAll() throws Exception {
        RwSem s = new RwSem(LockClass.I_DATA_SEM, 1, "sem");
        s.lockShared();
        assertTrue(runsWithin(() -> {
            s.lockShared();
            s.unlockShared();
        }, 5_000), "a second reader gets in");
        AtomicBoolean writerIn = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            s.lockExclusive();
            writerIn.set(true);
            s.unlockExclusive();
        });
        Thread.sleep(100);
        assertFalse(writerIn.get(), "the writer waits for the reader");
        s.unlockShared();
        writer.join(5_000);
        assertTrue(writerIn.get());
    }

    @Test
    void aReaderArrivingWhileAWriterWaitsQueuesBehindIt() throws Exception {
        RwSem s = new RwSem(LockClass.I_DATA_SEM, 1, "sem");
        s.lockShared();
        CountDownLatch writerHolds = new CountDownLatch(1);
        CountDownLatch writerMayGo = new CountDownLatch(1);
        Thread writer = Thread.ofPlatform().start(() -> {
            s.lockExclusive();
            writerHolds.countDown();
            try {
                writerMayGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.unlockExclusive();
        });
        while (!writer.getState().equals(Thread.State.WAITING)) {
            Thread.sleep(5);
        }
        AtomicBoolean readerIn = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().start(() -> {
            s.lockShared();
            readerIn.set(true);
            s.unlockShared();
        });
        Thread.sleep(100);
        assertFalse(readerIn.get(), "behind the waiting writer, so readers cannot starve it");
        s.unlockShared();
        assertTrue(writerHolds.await(5, TimeUnit.SECONDS));
        assertFalse(readerIn.get());
        writerMayGo.countDown();
        reader.join(5_000);
        assertTrue(readerIn.get());
        writer.join(5_000);
    }

    @Test
    void theWriterMayTakeItAgainEitherWay() throws Exception {
        RwSem s = new RwSem(LockClass.I_DATA_SEM, 1, "sem");
        s.lockExclusive();
        s.lockExclusive();
        s.lockShared();
        assertTrue(s.heldExclusively());
        s.unlockShared();
        s.unlockExclusive();
        assertTrue(s.heldExclusively());
        assertFalse(runsWithin(() -> {
            s.lockShared();
            s.unlockShared();
        }, 100), "others wait while any of its holds is left");
        s.unlockExclusive();
        assertFalse(s.heldExclusively());
        assertTrue(runsWithin(() -> {
            s.lockExclusive();
            s.unlockExclusive();
        }, 5_000));
    }

    @Test
    void anOptimisticReadIsValidOnlyIfNoExclusiveTenureCameBetween() throws Exception {
        RwSem s = new RwSem(LockClass.I_RWSEM, 1, "sem");
        long stamp = s.optimisticRead();
        assertTrue(stamp != 0);
        s.lockShared();
        s.unlockShared();
        assertTrue(s.validate(stamp), "shared holds change nothing a reader could see");

        assertTrue(runsWithin(() -> {
            s.lockExclusive();
            s.unlockExclusive();
        }, 5_000));
        assertFalse(s.validate(stamp), "a writer came and went in between");
        assertFalse(s.validate(0), "no stamp is never valid");

        s.lockExclusive();
        s.lockExclusive();
        assertEquals(0, s.optimisticRead(), "no optimistic read while it is held exclusively");
        s.unlockExclusive();
        assertEquals(0, s.optimisticRead(), "nor while an outer hold is left");
        s.unlockExclusive();
        long after = s.optimisticRead();
        assertTrue(after != 0 && after != stamp);
        assertTrue(s.validate(after));
    }

    @Test
    void aStampTakenDuringAWriteNeverValidatesWhatTheWriterChanged() throws Exception {
        RwSem s = new RwSem(LockClass.I_RWSEM, 1, "sem");
        long[] data = new long[2]; // the writer keeps data[0] == data[1] under the lock
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = Thread.ofPlatform().start(() -> {
            for (long v = 1; !stop.get(); v++) {
                s.lockExclusive();
                data[0] = v;
                Thread.onSpinWait();
                data[1] = v;
                s.unlockExclusive();
            }
        });
        long validated = 0;
        try {
            long end = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < end) {
                long stamp = s.optimisticRead();
                if (stamp == 0) {
                    continue;
                }
                long a = data[0];
                long b = data[1];
                if (s.validate(stamp)) {
                    validated++;
                    assertEquals(a, b, "a validated read saw a write half done");
                }
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertTrue(validated > 0, "some reads validated");
    }
}
