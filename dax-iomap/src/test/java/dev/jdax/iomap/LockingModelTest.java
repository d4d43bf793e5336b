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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What each locking model lets through, made deterministic: a writer is stopped half way through
 * a write (between its first and second block) while a reader or a second writer tries to run.
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

    /** Starts a writer of 0x55 over [0, 8 KiB) (was 0xAA), stops it half way, reads meanwhile. */
    byte[] readDuringHalfDoneWrite(LockingModel model) throws Exception {
        SteppedOps[] ops = new SteppedOps[1];
        TestFile f = file(model, ops);
        f.write(0, MemorySegment.ofArray(filled(2 * BS, 0xAA)), 0);
        Thread writer = new Thread(() -> {
            try {
                f.write(0, MemorySegment.ofArray(filled(2 * BS, 0x55)), 0);
            } catch (FsException e) {
                throw new IllegalStateException(e);
            }
        });
        ops[0].stopped = writer;
        writer.start();
        assertTrue(ops[0].halfWay.await(5, TimeUnit.SECONDS));
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

    @Test
    void disjointWritersRunInParallelUnderTheRangeLockOnly() throws Exception {
        assertTrue(disjointWriterRunsDuring(LockingModel.RANGE_LOCK));
        assertFalse(disjointWriterRunsDuring(LockingModel.INODE_RWSEM));
        assertFalse(disjointWriterRunsDuring(LockingModel.XFS_IOLOCK_MMAPLOCK));
    }
}
