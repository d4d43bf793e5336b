package dev.jdax.pmem;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The read sections around native calls that reach a device's memory by address: closing waits
 * for the calls inside, and refuses those that come after, so that no call writes to memory
 * already given back (which would kill the JVM, not throw).
 */
class DaxSrcuTest {
    @Test
    void killWaitsForTheCallInsideAndRefusesLaterOnes() throws Exception {
        DaxSrcu srcu = new DaxSrcu();
        assertTrue(srcu.readLock());
        CompletableFuture<Void> killed = CompletableFuture.runAsync(srcu::kill);
        Thread.sleep(50);
        assertFalse(killed.isDone(), "kill returned while a call was inside");
        srcu.readUnlock();
        killed.get(10, TimeUnit.SECONDS);
        assertFalse(srcu.readLock(), "a section entered after kill");
    }

    @Test
    void sectionsOfManyThreadsAllEnd() throws Exception {
        DaxSrcu srcu = new DaxSrcu();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 100_000; i++) {
                    assertTrue(srcu.readLock());
                    srcu.readUnlock();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        CompletableFuture.runAsync(srcu::kill).get(10, TimeUnit.SECONDS);
    }

    @Test
    void closingADeviceThatThreadsStoreIntoEndsEachStoreOrRefusesIt() throws Exception {
        assumeTrue(Libpmem.get().isPresent(), "libpmem.so.1 is not installed: no stores by address to race with");
        long size = 64L << 20;
        MemoryDevice d = MemoryDevice.allocate(size, false, Libpmem.get().get());
        MemorySegment block = MemorySegment.ofArray(new byte[1 << 20]);
        CountDownLatch storing = new CountDownLatch(4);
        AtomicLong stored = new AtomicLong();
        List<CompletableFuture<Errno>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long base = t * (size / 4);
            CompletableFuture<Errno> ended = new CompletableFuture<>();
            writers.add(ended);
            Thread.ofPlatform().start(() -> ended.complete(storeUntilRefused(d, base, block, storing, stored)));
        }
        storing.await();
        Thread.sleep(20);
        d.close();
        for (CompletableFuture<Errno> w : writers) {
            assertEquals(Errno.EBADF, w.get(10, TimeUnit.SECONDS), "a store after close");
        }
        assertTrue(stored.get() > 0, "no store ran before the close");
        assertEquals(Errno.EBADF, assertThrows(FsException.class, () -> d.zeroData(0, 4096)).errno());
    }

    /** Stores 1 MiB and zeroes 4 KiB in turn until the device refuses: {@return its errno} */
    private static Errno storeUntilRefused(MemoryDevice d, long base, MemorySegment block, CountDownLatch storing, AtomicLong stored) {
        storing.countDown();
        for (long i = 0; ; i++) {
            try {
                d.storeData(base + (i % 16) * block.byteSize(), block, 0, block.byteSize());
                d.zeroData(base + (i % 16) * 4096, 4096);
                stored.incrementAndGet();
            } catch (FsException e) {
                return e.errno();
            }
        }
    }
}
