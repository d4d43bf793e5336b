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

        // Woken, it ticks again (a loaded machine may take a while to run it).
        Instant t1 = CoarseClock.now(1);
        long until = System.nanoTime() + 5_000_000_000L;
        while (!CoarseClock.now(1).isAfter(t1) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        Instant t2 = CoarseClock.now(1);
        assertTrue(t2.isAfter(t1), () -> "ticking again: " + t1 + " then, five seconds on, " + t2);
        assertFalse(CoarseClock.asleep(), "the read woke the ticker");
    }
}
