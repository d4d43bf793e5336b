package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.SigBusException;
import dev.jdax.api.SigSegvException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.SyncFileRange;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** mincore, madvise, mremap and sync_file_range on the engine's mappings (reference scenario mapping-advice). */
class MappingAdviceTest extends OnMemoryDevice {
    static final int RW = FileMapping.PROT_READ | FileMapping.PROT_WRITE;
    static final int PAGE = 4096;

    static BitSet pages(int... indexes) {
        BitSet b = new BitSet();
        for (int i : indexes) {
            b.set(i);
        }
        return b;
    }

    @Test
    void mincoreShowsTheMappingsOwnEntriesAndDontneedDropsThem() throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[8 * PAGE]), 0);
        f.truncate(16 * PAGE);
        FileMapping m = f.mmap(0, 16 * PAGE, RW, FileMapping.MAP_SHARED);
        FileMapping other = f.mmap(0, 16 * PAGE, RW, FileMapping.MAP_SHARED);
        other.getByte(PAGE);
        assertEquals(new BitSet(), m.mincore(0, 16 * PAGE), "another mapping's faults are not this one's");
        m.getByte(0);
        m.putByte(3 * PAGE, (byte) 7);
        m.getByte(12 * PAGE); // a hole: the zero page is an entry too
        assertEquals(pages(0, 3, 12), m.mincore(0, 16 * PAGE));
        assertEquals(pages(1), m.mincore(2 * PAGE, 2 * PAGE), "bits count from the range's start");

        long faults = f.space.mount().counters().pteFaults();
        m.madvise(0, 4 * PAGE, FileMapping.MADV_DONTNEED);
        assertEquals(pages(12), m.mincore(0, 16 * PAGE));
        assertEquals(7, m.getByte(3 * PAGE), "the file keeps its data; the access faults again");
        assertEquals(faults + 1, f.space.mount().counters().pteFaults());
        m.madvise(0, 16 * PAGE, FileMapping.MADV_WILLNEED);
        m.madvise(0, 16 * PAGE, FileMapping.MADV_RANDOM);
        assertEquals(pages(3, 12), m.mincore(0, 16 * PAGE), "other advice changes nothing on a DAX file");
        assertEquals(pages(1), other.mincore(0, 16 * PAGE));
    }

    @Test
    void badRangesAndAdviceAreRefusedAsLinuxRefusesThem() throws Exception {
        f.truncate(4 * PAGE);
        FileMapping m = f.mmap(0, 4 * PAGE, RW, FileMapping.MAP_SHARED);
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> m.mincore(100, PAGE)).errno());
        assertEquals(Errno.ENOMEM, assertThrows(FsException.class, () -> m.mincore(0, 5 * PAGE)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> m.madvise(0, PAGE, 99)).errno());
        assertEquals(Errno.ENOMEM, assertThrows(FsException.class,
                () -> m.madvise(PAGE, 4 * PAGE, FileMapping.MADV_DONTNEED)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> m.mremap(0, 0, 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                () -> m.mremap(PAGE, FileMapping.MREMAP_FIXED, 0x7e00_0000_0000L)).errno(), "FIXED needs MAYMOVE");
        assertEquals(Errno.ENOMEM, assertThrows(FsException.class, () -> m.msync(0, 5 * PAGE)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> m.msync(100, PAGE)).errno());
        m.close();
        assertEquals(Errno.ENOMEM, assertThrows(FsException.class, () -> m.mincore(0, PAGE)).errno());
        assertEquals(Errno.EFAULT, assertThrows(FsException.class, () -> m.mremap(PAGE, 0, 0)).errno());
    }

    @Test
    void dontneedOfPartOfAPmdDropsTheWholePmd() throws Exception {
        f.node.nextFree = 512; // 2 MiB aligned on the device
        f.write(0, MemorySegment.ofArray(new byte[2 << 20]), 0);
        FileMapping m = f.mmap(0, 2 << 20, RW, FileMapping.MAP_SHARED);
        m.getByte(0);
        assertEquals(1, f.space.mount().counters().pmdFaults());
        assertEquals(512, m.mincore(0, 2 << 20).cardinality());
        m.madvise(PAGE, PAGE, FileMapping.MADV_DONTNEED);
        assertEquals(0, m.mincore(0, 2 << 20).cardinality(), "Linux clears a DAX PMD it would have to split");
    }

    @Test
    void mremapShrinksGrowsInPlaceAndMovesWithItsEntries() throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[8 * PAGE]), 0);
        FileMapping m = f.mmap(0, 4 * PAGE, RW, FileMapping.MAP_SHARED);
        long at = m.address();
        m.putByte(0, (byte) 1);
        m.putByte(3 * PAGE, (byte) 2);
        m.mremap(2 * PAGE, 0, 0);
        assertEquals(2 * PAGE, m.length());
        assertEquals(pages(0), m.mincore(0, 2 * PAGE));
        assertThrows(SigSegvException.class, () -> m.getByte(3 * PAGE));

        m.mremap(8 * PAGE, 0, 0);
        assertEquals(at, m.address(), "room after the mapping: it grows where it is");
        assertEquals(2, m.getByte(3 * PAGE));
        assertEquals(Errno.ENOMEM, assertThrows(FsException.class, () -> m.mremap(8 << 20, 0, 0)).errno(),
                "no room after it, and not allowed to move");
        m.mremap(8 << 20, FileMapping.MREMAP_MAYMOVE, 0);
        assertNotEquals(at, m.address());
        assertEquals(pages(0, 3), m.mincore(0, 8 * PAGE), "the entries moved with the mapping");
        assertEquals(1, m.getByte(0));
        SigBusException bus = assertThrows(SigBusException.class, () -> m.getByte(8 * PAGE), "past EOF");
        assertEquals(m.address() + 8 * PAGE, bus.address());
    }

    @Test
    void aMappingMovedToAnotherColourFaultsPagesNotPmds() throws Exception {
        f.node.nextFree = 512;
        f.write(0, MemorySegment.ofArray(new byte[2 << 20]), 0);
        FileMapping m = f.mmap(0, 2 << 20, RW, FileMapping.MAP_SHARED);
        m.getByte(0);
        assertEquals(1, f.space.mount().counters().pmdFaults());
        m.mremap(2 << 20, FileMapping.MREMAP_MAYMOVE | FileMapping.MREMAP_FIXED, 0x7e00_0000_1000L);
        assertEquals(0x7e00_0000_1000L, m.address());
        assertEquals(0, m.mincore(0, 2 << 20).cardinality(), "a PMD cannot move to another colour");
        m.getByte(PAGE);
        assertEquals(1, f.space.mount().counters().pmdFaults());
        assertEquals(1L, f.space.mount().counters().pmdFallbacks().get("mapping address not 2 MiB aligned with the file offset"));
    }

    @Test
    void droppedEntriesStayDirtyForMsyncAndSyncRangeWritesOnlyWithAllThreeFlags() throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[4 * PAGE]), 0);
        FileMapping m = f.mmap(0, 4 * PAGE, RW, FileMapping.MAP_SHARED);
        m.putByte(0, (byte) 1);
        long flushed = device.counters().linesFlushed();
        m.madvise(0, PAGE, FileMapping.MADV_DONTNEED);
        assertEquals(flushed, device.counters().linesFlushed(), "dropping the entry writes nothing back");
        m.msync(0, PAGE);
        assertEquals(flushed + PAGE / 64, device.counters().linesFlushed(), "the page stayed dirty for msync");
        m.msync(0, PAGE);
        assertEquals(flushed + PAGE / 64, device.counters().linesFlushed(), "and is clean after it");

        m.putByte(PAGE, (byte) 2);
        flushed = device.counters().linesFlushed();
        long commits = f.node.commits;
        f.syncRange(0, 0, SyncFileRange.WRITE);
        f.syncRange(0, 0, SyncFileRange.WAIT_AFTER);
        assertEquals(flushed, device.counters().linesFlushed(), "WB_SYNC_NONE writeback skips DAX mappings");
        f.syncRange(0, 0, SyncFileRange.WRITE_AND_WAIT);
        assertEquals(flushed + PAGE / 64, device.counters().linesFlushed());
        assertEquals(commits, f.node.commits, "sync_file_range commits no metadata");
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> f.syncRange(-1, 0, 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> f.syncRange(0, 0, 8)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> f.fadvise(0, -1, 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> f.fadvise(0, 0, 6)).errno());
        f.fadvise(0, 0, 4);
    }

    /**
     * Four threads each store to their own pages of one mapping, drop every thread's entries and
     * reload their page, while a fifth asks mincore about all of them: every load sees the last
     * store, and the file holds them after. (The blocks exist first: the test's format code is not
     * written for concurrent allocation, the personalities' is.)
     */
    @Test
    void concurrentDontneedFaultsAndMincoreKeepEveryStore() throws Exception {
        int threads = 4;
        int pagesEach = 8;
        f.write(0, MemorySegment.ofArray(new byte[threads * pagesEach * PAGE]), 0);
        FileMapping m = f.mmap(0, (long) threads * pagesEach * PAGE, RW, FileMapping.MAP_SHARED);
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * pagesEach;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int round = 1; round <= 300; round++) {
                        int page = first + round % pagesEach;
                        m.putByte((long) page * PAGE + 5, (byte) round);
                        m.madvise(0, (long) threads * pagesEach * PAGE, FileMapping.MADV_DONTNEED);
                        assertEquals((byte) round, m.getByte((long) page * PAGE + 5));
                    }
                    return null;
                }));
            }
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 300; i++) {
                    assertTrue(m.mincore(0, (long) threads * pagesEach * PAGE).cardinality() <= threads * pagesEach);
                }
                return null;
            }));
            for (Future<?> d : done) {
                d.get();
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] b = new byte[1];
        for (int t = 0; t < threads; t++) {
            int page = t * pagesEach + 300 % pagesEach;
            f.read((long) page * PAGE + 5, MemorySegment.ofArray(b));
            assertEquals((byte) 300, b[0], "the file holds each thread's last store");
        }
    }
}
