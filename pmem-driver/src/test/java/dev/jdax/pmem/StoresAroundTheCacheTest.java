package dev.jdax.pmem;

import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A memory device's data stores and zeroing ({@code storeData}, {@code zeroData}), around the cache
 * (libpmem's non-temporal copy and fill, from 256 bytes on) and through it: the same bytes land
 * either way, from a Java array or native memory, at any alignment and length, and are counted
 * alike, as the metadata's stores (through the cache always) count.
 */
class StoresAroundTheCacheTest {
    private static final long SIZE = 8L << 20;

    private static Libpmem libpmem() {
        assumeTrue(Libpmem.get().isPresent(), "libpmem.so.1 is not installed: no stores around the cache to check");
        return Libpmem.get().get();
    }

    @Test
    void storesAroundTheCacheLandAsStoresThroughItDo() throws Exception {
        try (MemoryDevice around = MemoryDevice.allocate(SIZE, false, libpmem());
             MemoryDevice through = MemoryDevice.allocate(SIZE, false, null);
             Arena arena = Arena.ofConfined()) {
            SplittableRandom r = new SplittableRandom(7);
            // Below, at and past libpmem's threshold; unaligned heads and tails; more than one critical call.
            long[] lengths = {1, 63, 255, 256, 257, 4096, 4096 + 13, 65_536 - 5, 3L << 20};
            long stored = 0;
            for (long length : lengths) {
                for (boolean heap : new boolean[] {true, false}) {
                    byte[] data = new byte[(int) length + 11];
                    r.nextBytes(data);
                    MemorySegment src = heap ? MemorySegment.ofArray(data) : arena.allocate(data.length).copyFrom(MemorySegment.ofArray(data));
                    long offset = r.nextLong(SIZE - length) & ~(heap ? 0 : 63); // native ones line-aligned, heap ones not
                    around.storeData(offset, src, 11, length);
                    through.store(offset, src, 11, length);
                    stored += length;
                    assertEquals(-1L, window(around).asSlice(offset, length).mismatch(MemorySegment.ofArray(data).asSlice(11, length)),
                            length + " bytes from " + (heap ? "a Java array" : "native memory") + " at " + offset);
                }
            }
            assertEquals(-1L, window(around).mismatch(window(through)), "the two devices hold the same bytes");
            assertEquals(stored, around.counters().bytesStored());
            assertEquals(through.counters(), around.counters(), "counted alike, the lines written back included");
        }
    }

    @Test
    void zeroingAroundTheCacheZeroesExactlyTheRange() throws Exception {
        try (MemoryDevice d = MemoryDevice.allocate(SIZE, false, libpmem())) {
            MemorySegment all = window(d);
            all.fill((byte) 0x5a);
            d.zeroData(4096 + 7, 8192 - 9);
            assertEquals(0x5a, all.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4096 + 6));
            assertEquals(-1L, all.asSlice(4096 + 7, 8192 - 9).mismatch(MemorySegment.ofArray(new byte[8192 - 9])));
            assertEquals(0x5a, all.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4096 + 7 + 8192 - 9));
            assertEquals(8192 - 9, d.counters().bytesZeroed());
        }
    }

    @Test
    void aStorePastTheEndOrIntoAClosedDeviceIsAnErrorEitherWay() throws Exception {
        MemoryDevice d = MemoryDevice.allocate(SIZE, false, libpmem());
        MemorySegment block = MemorySegment.ofArray(new byte[4096]);
        assertEquals(Errno.ENXIO, assertThrows(FsException.class, () -> d.storeData(SIZE - 2048, block, 0, 4096)).errno());
        assertEquals(Errno.ENXIO, assertThrows(FsException.class, () -> d.zeroData(SIZE - 2048, 4096)).errno());
        assertThrows(IndexOutOfBoundsException.class, () -> d.storeData(0, block, 1024, 4096), "past the source's end, as a copy says it");
        d.close();
        assertEquals(Errno.EBADF, assertThrows(FsException.class, () -> d.storeData(0, block, 0, 4096)).errno());
    }

    @Test
    void theDeviceSaysHowItStores() throws Exception {
        try (MemoryDevice around = MemoryDevice.allocate(SIZE, false, libpmem());
             MemoryDevice through = MemoryDevice.allocate(SIZE, false, null)) {
            assertTrue(around.info().flushMethod().contains("around the cache (libpmem"), around.info().flushMethod());
            assertTrue(through.info().flushMethod().contains("data stores through the cache"), through.info().flushMethod());
        }
    }

    private static MemorySegment window(DaxDevice d) throws FsException {
        return d.directAccess(0, d.size() / DaxDevice.PAGE_SIZE, DaxAccessMode.ACCESS).segment();
    }
}
