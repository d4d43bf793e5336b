package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The choices of xfs_alloc_ag_vextent_near and _size over free extents laid out as on a fresh
 * mkfs.xfs file system on pmem (blocks 13-15 free below the root inode chunk, then from 24 on).
 */
class ExtentChoiceTest {
    private final TreeMap<Long, Long> byBno = new TreeMap<>();
    private final TreeSet<Long> byCnt = new TreeSet<>();
    private final TreeMap<Long, long[]> busy = new TreeMap<>();

    private void free(long start, long len) {
        byBno.put(start, len);
        byCnt.add(len << 32 | start);
    }

    private ExtentChoice choice(long goal, long minlen, long maxlen, long lastLeaf) {
        return new ExtentChoice(byBno, byCnt, busy, goal, minlen, maxlen, true, lastLeaf);
    }

    @Test
    void userDataStartsAtTheNearestFreeExtentEvenBeforeTheGoal() {
        free(13, 3);
        free(24, 20456);
        assertArrayEquals(new long[]{13, 1}, choice(16, 1, 1, Long.MIN_VALUE).near());
        // Longer beats nearer: 16 blocks fit only from 24.
        assertArrayEquals(new long[]{24, 16}, choice(16, 16, 16, Long.MIN_VALUE).near());
        // An exact hit inside a free extent.
        assertArrayEquals(new long[]{29, 1}, choice(29, 1, 1, Long.MIN_VALUE).near());
    }

    @Test
    void outsideTheLastLeafTheLocalitySearchStopsAtTheFirstBnobtHit() {
        free(13, 3);
        free(24, 20456);
        // With minlen 1 and the lookup for 16 blocks outside the cntbt's last leaf, the left bnobt
        // neighbour of the goal is a hit and the right one is farther: 3 blocks at 13.
        assertArrayEquals(new long[]{13, 3}, choice(16, 1, 16, Long.MAX_VALUE).near());
        // In the last leaf the first algorithm weighs only extents that hold all 16.
        assertArrayEquals(new long[]{24, 16}, choice(16, 1, 16, Long.MIN_VALUE).near());
    }

    @Test
    void busyBlocksArePassedOver() {
        free(37, 16);
        free(85, 20000);
        busy.put(37L, new long[]{16, 1});
        assertArrayEquals(new long[]{85, 1}, choice(37, 1, 1, Long.MIN_VALUE).near());
        // Busy in the middle of a long extent: the left part when it holds maxlen...
        busy.clear();
        busy.put(90L, new long[]{2, 1});
        assertArrayEquals(new long[]{85, 4}, choice(90, 4, 4, Long.MIN_VALUE).near());
        // ...else the right part when it holds four times maxlen.
        busy.clear();
        busy.put(86L, new long[]{2, 1});
        assertArrayEquals(new long[]{88, 4}, choice(86, 4, 4, Long.MIN_VALUE).near());
    }

    @Test
    void bySizeTakesTheSmallestExtentThatHoldsTheRequestFromItsStart() {
        free(13, 3);
        free(100, 50);
        free(200, 10);
        assertArrayEquals(new long[]{200, 8}, choice(-1, 8, 8, Long.MIN_VALUE).size());
        assertArrayEquals(new long[]{100, 50}, choice(-1, 1, 64, Long.MIN_VALUE).size(), "none holds 64: the largest");
        assertNull(choice(-1, 51, 64, Long.MIN_VALUE).size());
    }

    @Test
    void computeDiffPlacesAsXfsAllocComputeDiff() {
        assertEquals(13, ExtentChoice.computeDiffStart(16, 1, 13, 3, true), "user data: the start of an extent before the goal");
        assertEquals(15, ExtentChoice.computeDiffStart(16, 1, 13, 3, false), "metadata: as near the goal as it fits");
        assertEquals(29, ExtentChoice.computeDiffStart(29, 1, 24, 100, true), "the goal itself when free");
        assertEquals(24, ExtentChoice.computeDiffStart(16, 8, 24, 100, true), "the start of an extent after the goal");
    }
}
