package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The refcount adjustments keep the records canonical whatever order they come in: a run of equal
 * counts is one record (what xfs_repair recomputes from the block maps), a block used once has none,
 * and a decrease of a block used once frees it.
 */
class SharedExtentsTest {
    @Test
    void increasesMergeWithNeighboursOnBothSides() {
        SharedExtents s = new SharedExtents();
        apply(s, s.plan(10, 5, 1));     // [10, 15) x2
        apply(s, s.plan(20, 5, 1));     // [20, 25) x2
        SharedExtents.Change c = s.plan(15, 5, 1);   // fills the gap: one record [10, 25)
        assertEquals(List.of("10+5x2", "20+5x2"), show(c.removed()));
        assertEquals(List.of("10+15x2"), show(c.added()));
        apply(s, c);
        assertArrayEquals(new long[]{1, 15}, s.run(10, 100));
        assertArrayEquals(new long[]{0, 10}, s.run(0, 100));
    }

    @Test
    void aRecordEndingWhereTheRangeStartsMergesWhenAnotherStartsThere() {
        SharedExtents s = new SharedExtents();
        s.put(5, 5, 2);     // [5, 10) x2
        s.put(10, 3, 3);    // [10, 13) x3
        SharedExtents.Change c = s.plan(10, 3, -1);  // [10, 13) down to 2: continues [5, 10)
        assertEquals(List.of("5+8x2"), show(c.added()));
        assertEquals(List.of("5+5x2", "10+3x3"), show(c.removed()));
        assertTrue(c.freed().isEmpty());
    }

    @Test
    void decreasesFreeWhatNoMappingUsesAndDropRecordsOfOne() {
        SharedExtents s = new SharedExtents();
        s.put(100, 10, 2);
        SharedExtents.Change c = s.plan(95, 20, -1);   // [95,100) and [110,115) used once: freed
        assertEquals(List.of("95+5", "110+5"), c.freed().stream().map(r -> r[0] + "+" + r[1]).toList());
        assertEquals(List.of("100+10x2"), show(c.removed()));
        assertTrue(c.added().isEmpty());
        apply(s, c);
        assertTrue(s.isEmpty());
    }

    @Test
    void aPartOfARecordChangesAndTheRestStays() {
        SharedExtents s = new SharedExtents();
        s.put(0, 10, 2);
        SharedExtents.Change c = s.plan(3, 2, 1);
        assertEquals(List.of("0+3x2", "3+2x3", "5+5x2"), show(c.added()));
        apply(s, c);
        assertArrayEquals(new long[]{1, 10}, s.run(0, 10), "runs of different counts are all shared");
    }

    private static void apply(SharedExtents s, SharedExtents.Change c) {
        s.apply(c);
    }

    private static List<String> show(List<long[]> recs) {
        return recs.stream().map(r -> r[0] + "+" + r[1] + "x" + r[2]).toList();
    }
}
