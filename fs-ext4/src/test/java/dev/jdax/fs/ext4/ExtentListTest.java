package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The extent list keeps three things besides its map so that a file of 100,000 extents costs what
 * one change costs: the mapped block count, the records from the first change on, and a flat index
 * for lookups made after many of them. After every kind of change each must equal what a list made
 * afresh from the same extents gives.
 */
class ExtentListTest {
    @Test
    void countsRecordsAndLookupsAgreeWithAFreshListAfterEveryChange() {
        SplittableRandom r = new SplittableRandom(11);
        ExtentList list = new ExtentList(List.of());
        long pblk = 1000;
        for (int op = 0; op < 4000; op++) {
            long lblk = r.nextLong(20_000);
            switch (r.nextInt(10)) {
                case 0 -> list.remove(lblk, lblk + 1 + r.nextLong(300));
                case 1 -> list.setState(lblk, lblk + 1 + r.nextLong(300), r.nextBoolean());
                case 2 -> {
                    if (r.nextBoolean()) {
                        list.shift(lblk, 3); // insert range
                    } else if (lblk >= 3) {
                        list.remove(lblk - 3, lblk); // collapse range: unmap, then move the tail down
                        list.shift(lblk, -3);
                    }
                }
                case 3 -> {
                    // longer than one record holds: split into several records
                    list.put(lblk, 40_000, pblk, false);
                    pblk += 40_000;
                }
                default -> {
                    long len = 1 + r.nextLong(3);
                    list.put(lblk, len, pblk, r.nextInt(4) == 0);
                    pblk += len + 1; // not contiguous: many extents
                }
            }
            if (op % 97 == 0) {
                checkAgainstFresh(list, r);
            }
        }
        checkAgainstFresh(list, r);
    }

    private static void checkAgainstFresh(ExtentList list, SplittableRandom r) {
        ExtentList fresh = new ExtentList(list.all());
        assertEquals(fresh.blocks(), list.blocks(), "mapped blocks");
        assertEquals(fresh.records(), list.records(), "records");
        long end = list.end() + 10;
        // More lookups than extents: the flat index is made part way and used for the rest.
        List<Long> probes = new ArrayList<>();
        for (int i = 0; i < 3 * list.size() + 200; i++) {
            probes.add(r.nextLong(end));
        }
        probes.add(0L);
        probes.add(end);
        for (long p : probes) {
            assertEquals(fresh.floor(p), list.floor(p), "floor " + p);
            assertEquals(fresh.find(p), list.find(p), "find " + p);
            assertEquals(fresh.nextMapped(p), list.nextMapped(p), "nextMapped " + p);
        }
    }
}
