package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.SigBusException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic interleavings of the engine's locks: a fault stopped inside the personality's
 * iomap_begin holds the invalidate lock shared and its page's entry lock; the test shows what
 * still runs (another page's fault, reads, writes over written blocks) and what waits (truncate,
 * a write that allocates under that page), and that no zero page is left over new data.
 */
class EngineInterleavingTest {
    static final int BS = TestFile.BS;
    DaxDevice device;

    @BeforeEach
    void setUp() throws Exception {
        device = PmemDevices.memory(16 << 20);
    }

    @AfterEach
    void tearDown() throws Exception {
        device.close();
    }

    /** Stops the first fault's iomap_begin on file block {@code block} once armed. */
    static final class FaultGate extends TestFile.Ops {
        volatile long block = -1;
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        FaultGate(TestFile.Node node, DaxDevice device) {
            super(node, device);
        }

        @Override
        public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
            Iomap m;
            synchronized (node) {
                m = super.begin(inode, pos, Math.min(length, BS - pos % BS), flags);
            }
            if ((flags & IomapOps.FAULT) != 0 && pos / BS == block) {
                block = -1;
                inside.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return m;
        }
    }

    TestFile file(FaultGate[] gate) throws FsException {
        TestFile.Node node = new TestFile.Node();
        node.nextFree = 1;
        gate[0] = new FaultGate(node, device);
        return new TestFile(node, gate[0], new DaxMount(device, MountOptions.none(), LockingModel.INODE_RWSEM));
    }

    interface Call {
        void run() throws Exception;
    }

    /** Threads of their own: the common pool may have one worker on two cores, and its get() runs tasks inline. */
    static final java.util.concurrent.ExecutorService POOL = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "interleaving");
        t.setDaemon(true);
        return t;
    });

    static CompletableFuture<Void> async(Call c) {
        return CompletableFuture.runAsync(() -> {
            try {
                c.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, POOL);
    }

    static void waits(CompletableFuture<Void> f, String what) {
        assertThrows(TimeoutException.class, () -> f.get(300, TimeUnit.MILLISECONDS), what + " should wait");
    }

    @Test
    void aFaultInsideItsLookupHoldsOnlyItsPageAndKeepsTruncateOut() throws Exception {
        FaultGate[] g = new FaultGate[1];
        TestFile f = file(g);
        f.write(0, MemorySegment.ofArray(new byte[16 * BS]), 0);
        FileMapping m = f.mmap(0, 16 * BS, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        g[0].block = 3;
        CompletableFuture<Void> fault = async(() -> m.getByte(3 * BS));
        assertTrue(g[0].inside.await(10, TimeUnit.SECONDS));  // invalidate_lock shared, entry 3 locked
        async(() -> m.getByte(5 * BS)).get(10, TimeUnit.SECONDS);          // another page's fault
        async(() -> f.read(0, MemorySegment.ofArray(new byte[BS]))).get(10, TimeUnit.SECONDS);
        async(() -> f.write(BS, MemorySegment.ofArray(new byte[] {1}), 0)).get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> truncate = async(() -> f.truncate(2 * BS));
        waits(truncate, "truncate (invalidate_lock exclusive)");
        g[0].release.countDown();
        fault.get(10, TimeUnit.SECONDS);
        truncate.get(10, TimeUnit.SECONDS);
        assertThrows(SigBusException.class, () -> m.getByte(3 * BS), "the page went with truncate");
    }

    @Test
    void aWriteThatAllocatesUnderAFaultingHoleWaitsForTheFaultAndNoZeroPageIsLeft() throws Exception {
        FaultGate[] g = new FaultGate[1];
        TestFile f = file(g);
        f.truncate(16 * BS);                                 // all hole
        FileMapping m = f.mmap(0, 16 * BS, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        g[0].block = 4;
        CompletableFuture<Void> fault = async(() -> assertEquals(0, m.getByte(4 * BS)));
        assertTrue(g[0].inside.await(10, TimeUnit.SECONDS));  // saw the hole; will map the zero page
        CompletableFuture<Void> write = async(() -> f.write(4 * BS, MemorySegment.ofArray(new byte[] {42}), 0));
        waits(write, "the write's invalidation of the new block (the entry lock)");
        g[0].release.countDown();
        fault.get(10, TimeUnit.SECONDS);
        write.get(10, TimeUnit.SECONDS);
        assertEquals(42, m.getByte(4 * BS), "the zero page the fault installed was taken away");
    }

    @Test
    void aViewShowsWhatAWriteRacingItsCreationPutsIntoAHole() throws Exception {
        FaultGate[] g = new FaultGate[1];
        TestFile f = file(g);
        f.truncate(16 * BS);
        FileMapping m = f.mmap(0, 16 * BS, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        try (Arena arena = Arena.ofShared()) {
            g[0].block = 6;
            CompletableFuture<MemorySegment> view = CompletableFuture.supplyAsync(() -> {
                try {
                    return m.view(0, 16 * BS, arena);
                } catch (FsException e) {
                    throw new IllegalStateException(e);
                }
            }, POOL);
            assertTrue(g[0].inside.await(10, TimeUnit.SECONDS));
            CompletableFuture<Void> write = async(() -> f.write(6 * BS + 9, MemorySegment.ofArray(new byte[] {7}), 0));
            waits(write, "the write's invalidation (the entry lock the view's fault holds)");
            g[0].release.countDown();
            MemorySegment v = view.get(10, TimeUnit.SECONDS);
            write.get(10, TimeUnit.SECONDS);
            assertEquals(7, v.get(ValueLayout.JAVA_BYTE, 6 * BS + 9), "the view maps the new block, not the zero page");
        }
    }
}
