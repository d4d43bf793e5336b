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
        return new ExtentChoice(byBno, byCnt, busy, goal, AllocArgs.of(minlen, maxlen, true), lastLeaf);
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
        assertEquals(13, ExtentChoice.computeDiffStart(16, 1, 1, 13, 3, true), "user data: the start of an extent before the goal");
        assertEquals(15, ExtentChoice.computeDiffStart(16, 1, 1, 13, 3, false), "metadata: as near the goal as it fits");
        assertEquals(29, ExtentChoice.computeDiffStart(29, 1, 1, 24, 100, true), "the goal itself when free");
        assertEquals(24, ExtentChoice.computeDiffStart(16, 8, 1, 24, 100, true), "the start of an extent after the goal");
    }

    @Test
    void alignedPlacementRoundsUpAndPrefersTheLongerThenTheNearerBoundary() {
        assertEquals(32, ExtentChoice.computeDiffStart(16, 8, 16, 24, 100, true), "after the goal: its first boundary");
        assertEquals(-1, ExtentChoice.computeDiffStart(16, 8, 16, 17, 10, true), "no boundary inside the free extent");
        // Both boundaries around goal 38 give all 16 blocks: the nearer, 32 (6 away) over 48 (10).
        assertEquals(32, ExtentChoice.computeDiffStart(38, 16, 16, 30, 100, false));
        assertEquals(48, ExtentChoice.computeDiffStart(40, 16, 16, 30, 100, false), "as near: the one above");
        // The free extent ends at 60, before the goal's 16 blocks would: the last boundary that fits.
        assertEquals(32, ExtentChoice.computeDiffStart(46, 16, 16, 30, 30, false));
    }

    @Test
    void aStripeAlignedSearchStartsOnABoundary() {
        free(10, 6);      // blocks 10-15: 6 blocks, no 16-aligned start inside
        free(24, 40);     // blocks 24-63: aligned start 32 holds 32 blocks
        AllocArgs a = new AllocArgs(16, 16, 16, 0, 1, 0, true);
        ExtentChoice c = new ExtentChoice(byBno, byCnt, busy, 16, a, Long.MIN_VALUE);
        assertArrayEquals(new long[]{32, 16}, c.near());
        assertArrayEquals(new long[]{32, 16}, new ExtentChoice(byBno, byCnt, busy, -1, a, Long.MIN_VALUE).size());
    }

    @Test
    void theExactSearchTakesTheGoalOrNothing() {
        free(20, 10);
        AllocArgs a = AllocArgs.of(4, 8, true);
        assertArrayEquals(new long[]{22, 8}, new ExtentChoice(byBno, byCnt, busy, 22, a, Long.MIN_VALUE).exact());
        assertArrayEquals(new long[]{26, 4}, new ExtentChoice(byBno, byCnt, busy, 26, a, Long.MIN_VALUE).exact(), "to the free extent's end");
        assertNull(new ExtentChoice(byBno, byCnt, busy, 27, a, Long.MIN_VALUE).exact(), "less than minlen left");
        assertNull(new ExtentChoice(byBno, byCnt, busy, 31, a, Long.MIN_VALUE).exact(), "the goal is not free");
    }

    @Test
    void anExtentSizeHintCutsTheLengthToEndOnItsBoundary() {
        AllocArgs hint = new AllocArgs(1, 40, 1, 0, 16, 15, true);    // starting at file block 1 of a 16-block hint
        assertEquals(31, hint.fixLen(33), "33 blocks from block 1 cut to end at block 32");
        assertEquals(15, hint.fixLen(20));
        assertEquals(40, hint.fixLen(40), "all of maxlen stays");
        assertEquals(10, hint.fixLen(10), "too short to cut");
        assertThrows(IllegalArgumentException.class, () -> new AllocArgs(1, 8, 1, 0, 16, 16, true));
    }
}
