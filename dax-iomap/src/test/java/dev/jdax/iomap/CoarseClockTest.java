package dev.jdax.iomap;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CoarseClockTest {
    @Test
    void theTickerSleepsWhenNobodyReadsAndTheFirstReadAfterTakesTheTimeNow() throws Exception {
        CoarseClock.current(); // the class and its thread exist
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!CoarseClock.asleep() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assumeTrue(CoarseClock.asleep(), "something in this JVM kept reading the clock for ten seconds");

        Instant before = Instant.now();
        Instant read = CoarseClock.now(1);
        // The last tick before the thread parked is at least a second old: a read that returned it
        // would be that much before "before".
        assertFalse(read.isBefore(before), () -> "read " + read + ", a stale tick before " + before);

        Thread.sleep(40);
        assertFalse(CoarseClock.asleep(), "the read woke the ticker");
        Instant t1 = CoarseClock.now(1);
        Thread.sleep(40);
        Instant t2 = CoarseClock.now(1);
        assertTrue(t2.isAfter(t1), () -> "ticking again: " + t1 + " then " + t2);
    }
}
