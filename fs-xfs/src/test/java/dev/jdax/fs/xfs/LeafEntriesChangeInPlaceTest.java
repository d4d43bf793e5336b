package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A LEAFN block takes a new hash entry in place, as xfs_dir3_leaf_find_entry places it: after
 * the entries of the same hash, in hash order; with stale entries, the nearest one is used (the
 * one below on a tie) and only the entries between move; the count grows only when none is stale.
 */
class LeafEntriesChangeInPlaceTest {
    private static final int HDR = DirWriter.LEAF_HDR;

    private static DaBlock leaf(long... ents) {
        byte[] b = new byte[4096];
        Buf.put16(b, 56, ents.length);
        int stale = 0;
        for (int i = 0; i < ents.length; i++) {
            Buf.put32(b, HDR + 8 * i, ents[i] >>> 32);
            Buf.put32(b, HDR + 8 * i + 4, ents[i] & 0xffffffffL);
            stale += (ents[i] & 0xffffffffL) == 0 ? 1 : 0;
        }
        Buf.put16(b, 58, stale);
        return new DaBlock(1, 1, b);
    }

    private static long e(long hash, long value) {
        return hash << 32 | value;
    }

    private static List<Long> entries(DaBlock d) {
        List<Long> out = new ArrayList<>();
        for (long x : d.entries(false)) {
            out.add(x);
        }
        return out;
    }

    @Test
    void withoutStaleEntriesTheLaterOnesMoveUpAndTheCountGrows() throws Exception {
        DaBlock d = leaf(e(10, 1), e(20, 2), e(20, 3), e(30, 4));
        d.leafAdd(20, 9);
        assertEquals(List.of(e(10, 1), e(20, 2), e(20, 3), e(20, 9), e(30, 4)), entries(d));
        assertEquals(0, d.stale());
        d.leafAdd(5, 7);
        d.leafAdd(0xfffffff0, 8);   // unsigned order: above every other hash
        assertEquals(e(5, 7), entries(d).getFirst());
        assertEquals(e(0xfffffff0L, 8), entries(d).getLast());
        assertEquals(0xfffffff0, d.lastHash());
    }

    @Test
    void theNearestStaleSlotIsUsedAndTheCountStays() throws Exception {
        DaBlock d = leaf(e(10, 0), e(20, 2), e(30, 3), e(40, 4), e(50, 0), e(60, 6));
        d.leafAdd(45, 9);           // place 4: the stale slot above (4) is nearer than the one below (0)
        assertEquals(List.of(e(10, 0), e(20, 2), e(30, 3), e(40, 4), e(45, 9), e(60, 6)), entries(d));
        assertEquals(1, d.stale());
        d.leafAdd(25, 8);           // place 2: only the stale slot below is left; 20 moves down into it
        assertEquals(List.of(e(20, 2), e(25, 8), e(30, 3), e(40, 4), e(45, 9), e(60, 6)), entries(d));
        assertEquals(0, d.stale());
        assertEquals(6, d.count());
    }

    @Test
    void onATieTheStaleSlotBelowIsUsed() throws Exception {
        DaBlock d = leaf(e(10, 1), e(20, 0), e(30, 3), e(40, 0), e(50, 5));
        d.leafAdd(35, 9);           // place 3 is itself stale: used at once
        assertEquals(List.of(e(10, 1), e(20, 0), e(30, 3), e(35, 9), e(50, 5)), entries(d));
        d = leaf(e(10, 1), e(20, 0), e(30, 3), e(40, 4), e(50, 0), e(60, 6));
        d.leafAdd(35, 9);           // place 3: slot 1 is 2 below, slot 4 is 1 above
        assertEquals(List.of(e(10, 1), e(20, 0), e(30, 3), e(35, 9), e(40, 4), e(60, 6)), entries(d));
        d = leaf(e(10, 1), e(20, 0), e(30, 3), e(40, 0), e(50, 5));
        d.leafAdd(30, 9);           // place 3 stale too: distance 0 above beats 1 below
        assertEquals(List.of(e(10, 1), e(20, 0), e(30, 3), e(30, 9), e(50, 5)), entries(d));
        d = leaf(e(10, 1), e(20, 0), e(30, 3), e(40, 4), e(50, 0));
        d.leafAdd(35, 9);           // place 3: slot 1 is 2 below, slot 4 is 1 above
        assertEquals(List.of(e(10, 1), e(20, 0), e(30, 3), e(35, 9), e(40, 4)), entries(d));
        d = leaf(e(10, 1), e(20, 0), e(30, 3), e(40, 4), e(50, 5), e(60, 0));
        d.leafAdd(35, 9);           // place 3: slot 1 is 2 below, slot 5 is 2 above: below wins
        assertEquals(List.of(e(10, 1), e(30, 3), e(35, 9), e(40, 4), e(50, 5), e(60, 0)), entries(d));
    }

    @Test
    void randomAddsKeepTheLiveEntriesInHashOrderAndCountTheStaleOnes() throws Exception {
        Random r = new Random(5);
        DaBlock d = leaf();
        List<Long> live = new ArrayList<>();
        for (int step = 0; step < 3000; step++) {
            if (!live.isEmpty() && r.nextInt(3) == 0) {
                // a remove as DirEditor makes it: the entry goes stale where it is
                long gone = live.remove(r.nextInt(live.size()));
                List<Long> now = entries(d);
                int at = now.indexOf(gone);
                Buf.put32(d.b(), HDR + 8 * at + 4, 0);
                Buf.put16(d.b(), 58, d.stale() + 1);
            } else if (d.count() < 400 || d.stale() > 0) {
                long x = e(r.nextInt(64), step + 1);
                d.leafAdd((int) (x >>> 32), x & 0xffffffffL);
                live.add(x);
            }
            List<Long> now = entries(d);
            for (int i = 1; i < now.size(); i++) {
                assertTrue(Long.compareUnsigned(now.get(i - 1) >>> 32, now.get(i) >>> 32) <= 0, "hash order at " + i);
            }
            assertEquals(live.size(), now.stream().filter(x -> (x & 0xffffffffL) != 0).count());
            assertEquals(now.size() - live.size(), d.stale());
        }
    }
}
