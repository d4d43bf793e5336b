package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrashDeviceTest {
    static byte[] line(int v) {
        byte[] b = new byte[64];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }

    static byte[] read(DaxDevice d, long off) throws Exception {
        byte[] b = new byte[64];
        d.load(off, MemorySegment.ofArray(b), 0, 64);
        return b;
    }

    @Test
    void aFencedLineAlwaysSurvivesAndAnUnfencedOneCanBeLost() throws Exception {
        try (CrashDevice d = PmemDevices.crashSimulating(PmemDevices.memory(1 << 20))) {
            d.store(0, MemorySegment.ofArray(line(1)), 0, 64);
            d.fence();
            d.store(4096, MemorySegment.ofArray(line(2)), 0, 64);
            assertEquals(1, d.pendingLines().length);
            try (DaxDevice lost = d.crashImage(CrashPolicy.allLost()); DaxDevice kept = d.crashImage(CrashPolicy.allKept())) {
                assertArrayEquals(line(1), read(lost, 0));
                assertArrayEquals(line(0), read(lost, 4096));
                assertArrayEquals(line(1), read(kept, 0));
                assertArrayEquals(line(2), read(kept, 4096));
            }
        }
    }

    @Test
    void subsetsAreEnumeratedAndEachKeepsExactlyItsLines() throws Exception {
        try (CrashDevice d = PmemDevices.crashSimulating(PmemDevices.memory(1 << 20))) {
            d.store(0, MemorySegment.ofArray(line(7)), 0, 64);
            d.store(128, MemorySegment.ofArray(line(8)), 0, 64);
            d.store(256, MemorySegment.ofArray(line(9)), 0, 64);
            List<CrashPolicy> all = d.allSubsets(8);
            assertEquals(8, all.size());
            Set<String> seen = new HashSet<>();
            for (CrashPolicy p : all) {
                try (DaxDevice img = d.crashImage(p)) {
                    BitSet kept = ((CrashPolicy.Subset) p).kept();
                    assertArrayEquals(kept.get(1) ? line(8) : line(0), read(img, 128));
                    seen.add(read(img, 0)[0] + "," + read(img, 128)[0] + "," + read(img, 256)[0]);
                }
            }
            assertEquals(8, seen.size());
        }
    }

    @Test
    void randomCrashesTearLinesOnlyAtEightBytes() throws Exception {
        try (CrashDevice d = PmemDevices.crashSimulating(PmemDevices.memory(1 << 20))) {
            d.store(0, MemorySegment.ofArray(line(0x5a)), 0, 64);
            boolean torn = false;
            for (long seed = 0; seed < 50; seed++) {
                try (DaxDevice img = d.crashImage(CrashPolicy.random(seed))) {
                    byte[] b = read(img, 0);
                    for (int w = 0; w < 8; w++) {
                        for (int i = 1; i < 8; i++) {
                            assertEquals(b[w * 8], b[w * 8 + i], "an 8-byte word is never torn");
                        }
                        torn |= b[w * 8] != b[0];
                    }
                }
            }
            assertTrue(torn, "some seed tears the line between words");
        }
    }

    @Test
    void mappedStoresCountOnlyOnceFlushed() throws Exception {
        try (CrashDevice d = PmemDevices.crashSimulating(PmemDevices.memory(1 << 20))) {
            MemorySegment w = d.directAccess(1, 1, dev.jdax.api.DaxAccessMode.ACCESS).segment();
            w.asSlice(0, 64).copyFrom(MemorySegment.ofArray(line(3)));
            assertEquals(0, d.pendingLines().length);
            d.flush(4096, 64);
            int[] fences = {0};
            d.onFence(() -> fences[0]++);
            d.fence();
            assertEquals(1, fences[0]);
            try (DaxDevice img = d.crashImage(CrashPolicy.allLost())) {
                assertArrayEquals(line(3), read(img, 4096));
            }
        }
    }

    @Test
    void aDataBlockStoredAroundTheCacheIsPendingUntilTheFenceAsALineIs() throws Exception {
        // 4 KiB of data: libpmem's non-temporal copy where the machine has it, else a copy through the cache.
        try (CrashDevice d = PmemDevices.crashSimulating(PmemDevices.memory(1 << 20))) {
            byte[] block = new byte[4096];
            java.util.Arrays.fill(block, (byte) 6);
            d.storeData(8192, MemorySegment.ofArray(block), 0, block.length);
            assertEquals(64, d.pendingLines().length, "every line written back, none durable yet");
            try (DaxDevice lost = d.crashImage(CrashPolicy.allLost()); DaxDevice kept = d.crashImage(CrashPolicy.allKept())) {
                assertArrayEquals(line(0), read(lost, 8192 + 4032));
                assertArrayEquals(line(6), read(kept, 8192 + 4032));
            }
            d.fence();
            try (DaxDevice img = d.crashImage(CrashPolicy.allLost())) {
                assertArrayEquals(line(6), read(img, 8192));
                assertArrayEquals(line(6), read(img, 8192 + 4032));
            }
        }
    }
}
