package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What each locking model lets through, made deterministic: a writer is stopped half way through
 * a write (between its first and second block) while a reader or a second writer tries to run;
 * and reads of kept answers, which take no lock, racing writers.
 */
class LockingModelTest {
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

    /**
     * Answers one block at a time; the stopped thread's lookup of its second block waits for
     * {@code release} (an overwrite looks its blocks up without WRITE: nothing to allocate).
     */
    static final class SteppedOps extends TestFile.Ops {
        final TestFile.Ops inner;
        volatile Thread stopped;
        final CountDownLatch halfWay = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean released = new AtomicBoolean();

        SteppedOps(TestFile.Ops inner) {
            super(inner.node, inner.device);
            this.inner = inner;
        }

        @Override
        public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
            Iomap m = inner.begin(inode, pos, Math.min(length, BS - pos % BS), flags);
            if (Thread.currentThread() == stopped && pos % (2 * BS) == BS) {
                halfWay.countDown();
                try {
                    released.set(release.await(300, TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return m;
        }
    }

    TestFile file(LockingModel model, SteppedOps[] out) throws FsException {
        TestFile.Node node = new TestFile.Node();
        node.nextFree = 1;
        DaxMount mount = new DaxMount(device, MountOptions.none(), model);
        SteppedOps ops = new SteppedOps(new TestFile.Ops(node, device));
        out[0] = ops;
        return new TestFile(node, ops, mount);
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    /** Writes 0xAA over [0, 8 KiB), then starts a writer of 0x55 over it and returns once it is stopped half way. */
    static Thread writerStoppedHalfWay(TestFile f, SteppedOps ops) throws Exception {
        f.write(0, MemorySegment.ofArray(filled(2 * BS, 0xAA)), 0);
        Thread writer = new Thread(() -> {
            try {
                f.write(0, MemorySegment.ofArray(filled(2 * BS, 0x55)), 0);
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        ops.stopped = writer;
        writer.start();
        assertTrue(ops.halfWay.await(5, TimeUnit.SECONDS));
        return writer;
    }

    /** Starts a writer of 0x55 over [0, 8 KiB) (was 0xAA), stops it half way, reads meanwhile. */
    byte[] readDuringHalfDoneWrite(LockingModel model) throws Exception {
        SteppedOps[] ops = new SteppedOps[1];
        TestFile f = file(model, ops);
        Thread writer = writerStoppedHalfWay(f, ops[0]);
        byte[] seen = new byte[2 * BS];
        Thread reader = new Thread(() -> {
            try {
                f.read(0, MemorySegment.ofArray(seen));
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
            ops[0].release.countDown();
        });
        reader.start();
        reader.join(5000);
        writer.join(5000);
        return seen;
    }

    @Test
    void diorReadNolockLetsAReadSeeAWriteHalfDone() throws Exception {
        byte[] seen = readDuringHalfDoneWrite(LockingModel.DIOREAD_NOLOCK);
        assertEquals(0x55, seen[0] & 0xff, "first block already new");
        assertEquals(0xAA, seen[BS] & 0xff, "second block still old: a torn read");
    }

    @Test
    void theInodeRwsemNeverLetsAReadSeeAWriteHalfDone() throws Exception {
        assertArrayEquals(filled(2 * BS, 0x55), readDuringHalfDoneWrite(LockingModel.INODE_RWSEM));
    }

    @Test
    void theRangeLockKeepsOverlappingIoAtomic() throws Exception {
        assertArrayEquals(filled(2 * BS, 0x55), readDuringHalfDoneWrite(LockingModel.RANGE_LOCK));
    }

    @Test
    void xfsIolockKeepsReadsOutOfAWrite() throws Exception {
        assertArrayEquals(filled(2 * BS, 0x55), readDuringHalfDoneWrite(LockingModel.XFS_IOLOCK_MMAPLOCK));
    }

    /** Whether a write of [64 KiB, 72 KiB) can finish while a write of [0, 8 KiB) is stopped half way. */
    boolean disjointWriterRunsDuring(LockingModel model) throws Exception {
        SteppedOps[] ops = new SteppedOps[1];
        TestFile f = file(model, ops);
        f.write(0, MemorySegment.ofArray(new byte[80 * 1024]), 0);
        Thread first = new Thread(() -> {
            try {
                f.write(0, MemorySegment.ofArray(filled(2 * BS, 1)), 0);
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        ops[0].stopped = first;
        first.start();
        assertTrue(ops[0].halfWay.await(5, TimeUnit.SECONDS));
        AtomicBoolean done = new AtomicBoolean();
        Thread second = new Thread(() -> {
            try {
                f.write(64 * 1024, MemorySegment.ofArray(filled(2 * BS, 2)), 0);
                done.set(true);
                ops[0].release.countDown();
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        second.start();
        first.join(5000);
        second.join(5000);
        return ops[0].released.get();
    }

    /**
     * A scan that must not wait (XFS's blockgc, xfs_ilock_nowait) passes over a file while a write
     * of it is under way, under either of XFS's locking models, and runs once the write is done.
     */
    @Test
    void aScanThatDoesNotWaitPassesOverAFileInUse() throws Exception {
        for (LockingModel model : new LockingModel[]{LockingModel.XFS_IOLOCK_MMAPLOCK, LockingModel.RANGE_LOCK}) {
            SteppedOps[] ops = new SteppedOps[1];
            TestFile f = file(model, ops);
            Thread writer = writerStoppedHalfWay(f, ops[0]);
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
            assertFalse(f.space.ifIdle(ran::incrementAndGet), model + ": passed over while the write holds the file");
            ops[0].release.countDown();
            writer.join(5000);
            assertTrue(f.space.ifIdle(ran::incrementAndGet), model + ": runs once the file is idle");
            assertEquals(1, ran.get());
        }
    }

    @Test
    void disjointWritersRunInParallelUnderTheRangeLockOnly() throws Exception {
        assertTrue(disjointWriterRunsDuring(LockingModel.RANGE_LOCK));
        assertFalse(disjointWriterRunsDuring(LockingModel.INODE_RWSEM));
        assertFalse(disjointWriterRunsDuring(LockingModel.XFS_IOLOCK_MMAPLOCK));
    }

    // Reads served from kept answers under the I/O lock's stamp (a seqlock read) take no lock, yet
    // under the models whose reads take it shared no read sees a write half done.

    /** A file whose answers are whole extents (no stepping). */
    TestFile plainFile(LockingModel model) throws FsException {
        TestFile.Node node = new TestFile.Node();
        node.nextFree = 1;
        return new TestFile(node, new TestFile.Ops(node, device), new DaxMount(device, MountOptions.none(), model));
    }

    @Test
    void aReadOfKeptBlocksPassesAWriterQueuedBehindAShareHolder() throws Exception {
        TestFile f = plainFile(LockingModel.INODE_RWSEM);
        f.write(0, MemorySegment.ofArray(filled(2 * BS, 0x33)), 0);
        f.read(0, MemorySegment.ofArray(new byte[2 * BS])); // the answer is kept from here on
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        Thread sharer = Thread.ofPlatform().start(() -> {
            f.node.rwsem.lockShared();
            holding.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            f.node.rwsem.unlockShared();
        });
        assertTrue(holding.await(5, TimeUnit.SECONDS));
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                f.write(0, MemorySegment.ofArray(filled(2 * BS, 0x44)), 0);
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        while (writer.getState() != Thread.State.WAITING) {
            Thread.sleep(5);
        }
        // A reader taking the lock shared would queue behind the waiting writer; this one takes none.
        byte[] seen = new byte[2 * BS];
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                f.read(0, MemorySegment.ofArray(seen));
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        reader.join(5_000);
        boolean readerDone = !reader.isAlive();
        letGo.countDown();
        writer.join(5_000);
        sharer.join(5_000);
        reader.join(5_000);
        assertNull(failed.get());
        assertTrue(readerDone, "the read of kept blocks waited for the lock");
        assertArrayEquals(filled(2 * BS, 0x33), seen,
                "the writer has not begun: the old bytes");
    }

    /**
     * A writer rewrites 16 blocks whole, all 1s or all 2s, pausing between writes so that reads
     * start without the lock and the next write begins during their copy; readers must see one or
     * the other, never a mix.
     */
    void readsNeverSeeAWriteHalfDone(LockingModel model) throws Exception {
        int len = 16 * BS;
        TestFile f = plainFile(model);
        f.write(0, MemorySegment.ofArray(filled(len, 1)), 0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            MemorySegment ones = MemorySegment.ofArray(filled(len, 1));
            MemorySegment twos = MemorySegment.ofArray(filled(len, 2));
            try {
                for (int i = 0; !stop.get(); i++) {
                    f.write(0, i % 2 == 0 ? twos : ones, 0);
                    long until = System.nanoTime() + 2_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        Thread[] readers = new Thread[2];
        long[] reads = new long[readers.length];
        for (int r = 0; r < readers.length; r++) {
            int me = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                byte[] b = new byte[len];
                MemorySegment seg = MemorySegment.ofArray(b);
                try {
                    while (!stop.get()) {
                        assertEquals(len, f.read(0, seg));
                        for (int i = 1; i < b.length; i++) {
                            if (b[i] != b[0]) {
                                throw new AssertionError("byte " + i + " is " + b[i] + ", byte 0 " + b[0] + ": a torn read");
                            }
                        }
                        reads[me]++;
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                    stop.set(true);
                }
            });
        }
        Thread.sleep(500);
        stop.set(true);
        writer.join();
        for (Thread r : readers) {
            r.join();
        }
        assertNull(failed.get(), () -> model + ": " + failed.get());
        assertTrue(reads[0] > 0 && reads[1] > 0);
    }

    /**
     * A lockless read that a truncate overtakes is done again under the lock and returns fewer
     * bytes; what its first attempt copied past them must not stay in the caller's buffer (the
     * truncated blocks may belong to another file by then). The buffer starts each read filled
     * with 0x7e: past the count a read may leave that or zeroes, never the file's 0x11. Not under
     * dioread_nolock: its counted reads ask this test's block map while truncate changes it, which
     * the test's ops, unlike a personality's (i_data_sem), do not allow.
     */
    @Test
    void aLocklessReadOvertakenByATruncateLeavesNothingPastItsCount() throws Exception {
        int len = 16 * BS;
        TestFile f = plainFile(LockingModel.INODE_RWSEM);
        MemorySegment data = MemorySegment.ofArray(filled(len, 0x11));
        f.write(0, data, 0);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread truncator = Thread.ofPlatform().start(() -> {
            try {
                while (!stop.get()) {
                    f.truncate(BS);
                    f.write(0, data, 0);
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        byte[] b = new byte[len];
        MemorySegment seg = MemorySegment.ofArray(b);
        long shortReads = 0;
        long until = System.nanoTime() + 700_000_000L;
        try {
            while (System.nanoTime() < until && failed.get() == null) {
                java.util.Arrays.fill(b, (byte) 0x7e);
                long n = f.read(0, seg);
                if (n < len) {
                    shortReads++;
                }
                for (int i = (int) n; i < len; i++) {
                    if (b[i] == 0x11) {
                        throw new AssertionError("read returned " + n + " bytes, byte " + i + " past them holds the file's data");
                    }
                }
            }
        } finally {
            stop.set(true);
            truncator.join();
        }
        assertNull(failed.get());
        assertTrue(shortReads > 0, "no read met the truncated file");
    }

    @Test
    void underTheInodeRwsemNoLocklessReadIsTorn() throws Exception {
        readsNeverSeeAWriteHalfDone(LockingModel.INODE_RWSEM);
    }

    @Test
    void underXfsIolockNoLocklessReadIsTorn() throws Exception {
        readsNeverSeeAWriteHalfDone(LockingModel.XFS_IOLOCK_MMAPLOCK);
    }
}
