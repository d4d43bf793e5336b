package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The extent size hint's and the stripe's arithmetic, as xfs_bmap_extsize_align and xfs_eof_alignment do it. */
class DataAllocTest {
    private static BmapExtent ext(long off, long len) {
        return new BmapExtent(off, 1000 + off, len, false);
    }

    @Test
    void aHoleIsRoundedOutToWholeHints() {
        assertArrayEquals(new long[]{0, 16}, DataAlloc.extsizeAlign(List.of(), 1, 1, 16));
        assertArrayEquals(new long[]{16, 32}, DataAlloc.extsizeAlign(List.of(), 20, 20, 16));
    }

    @Test
    void theRoundingStopsAtTheNeighbours() {
        // The previous extent ends at 4: the start moves forward to it, the length kept.
        assertArrayEquals(new long[]{4, 16}, DataAlloc.extsizeAlign(List.of(ext(0, 4)), 5, 1, 16));
        // The next extent starts at 12: the start moves back so the end meets it...
        assertArrayEquals(new long[]{0, 12}, DataAlloc.extsizeAlign(List.of(ext(12, 4)), 3, 2, 16));
        // ...and between both, the hole is filled.
        assertArrayEquals(new long[]{4, 8}, DataAlloc.extsizeAlign(List.of(ext(0, 4), ext(12, 4)), 5, 1, 16));
    }

    @Test
    void anAllocationIsAtEofPastTheLastExtent() {
        assertTrue(DataAlloc.atEof(List.of(), 7));
        assertTrue(DataAlloc.atEof(List.of(ext(0, 4)), 4));
        assertFalse(DataAlloc.atEof(List.of(ext(0, 4), ext(10, 2)), 5), "a hole before the last extent");
    }

    @Test
    void writesPastEofEndOnTheStripeOnceTheFileHoldsOne() {
        DataAlignment su16 = new DataAlignment(16, 32, false);
        assertEquals(0, su16.eofAlign(60 << 10, 12, 0), "a 60 KiB file: smaller than a stripe unit");
        assertEquals(16, su16.eofAlign(64 << 10, 12, 0));
        assertEquals(32, new DataAlignment(16, 32, true).eofAlign(128 << 10, 12, 0), "swalloc: the width");
        assertEquals(24, su16.eofAlign(1 << 20, 12, 12), "the stripe rounded up to a multiple of the hint");
        assertEquals(24, new DataAlignment(0, 0, false).eofAlign(0, 12, 24), "no stripe: the hint");
    }
}
