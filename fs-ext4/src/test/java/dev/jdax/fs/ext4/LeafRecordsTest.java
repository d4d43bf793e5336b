package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is kept of a leaf ({@link LeafRecords}) answers as the walks over the block answer: the first
 * record with room for a name of each length ({@link Dirents#findRoom}) and the record of each
 * name, live or absent, with the record before it. A leaf of 4 KiB takes random names put in where
 * the first record with room is and taken out again ({@code ext4_insert_dentry},
 * {@code ext4_delete_entry}), the kept records brought up to date by each change; after each, they
 * equal records built afresh from the block, and both answer as the walks do.
 */
class LeafRecordsTest {
    private static final int BS = 4096;
    private static final int END = BS - 12;

    @Test
    void keptRecordsAnswerAsTheWalks() {
        SplittableRandom r = new SplittableRandom(7);
        ByteBuffer b = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
        Dirents.put(b, 0, 12, 2, bytes("."), 2);
        Dirents.put(b, 12, END - 12, 2, bytes(".."), 2);
        LeafRecords kept = LeafRecords.of(b, END);
        List<String> live = new ArrayList<>();
        int inserts = 0;
        int removes = 0;
        for (int step = 0; step < 20_000; step++) {
            if (live.isEmpty() || r.nextInt(5) < 3) {
                String name = "n" + step + "-" + "x".repeat(r.nextInt(40));
                byte[] nm = bytes(name);
                int at = Dirents.findRoom(b, 0, END, nm.length);
                assertEquals(at, kept.firstRoom(nm.length), "room for " + nm.length + " bytes, step " + step);
                if (at < 0) {
                    continue;
                }
                int placed = Dirents.insert(b, at, 1000 + step, nm, 1);
                assertTrue(kept.inserted(at, placed, nm.length, LeafRecords.tag(nm, 0, nm.length)));
                live.add(name);
                inserts++;
            } else {
                String name = live.remove(r.nextInt(live.size()));
                int[] found = walk(b, bytes(name));
                int i = kept.find(b.array(), bytes(name), tag(name));
                assertEquals(found[0], kept.offset(i), name);
                assertEquals(found[1], kept.prevOffset(i), name);
                int recLen = b.getShort(found[0] + 4) & 0xffff;
                if (found[1] >= 0) {
                    b.putShort(found[1] + 4, (short) ((b.getShort(found[1] + 4) & 0xffff) + recLen));
                } else {
                    b.putInt(found[0], 0);
                }
                assertTrue(kept.removed(found[0], recLen));
                removes++;
            }
            assertTrue(kept.sameAs(LeafRecords.of(b, END)), "step " + step);
            for (int len = 1; len <= 255; len += 17) {
                assertEquals(Dirents.findRoom(b, 0, END, len), kept.firstRoom(len), len + " bytes, step " + step);
            }
            assertEquals(-1, kept.find(b.array(), bytes("absent-" + step), tag("absent-" + step)));
        }
        for (String name : live) {
            int[] found = walk(b, bytes(name));
            int i = kept.find(b.array(), bytes(name), tag(name));
            assertEquals(found[0], kept.offset(i));
            assertEquals(found[1], kept.prevOffset(i));
        }
        assertTrue(inserts > 5000 && removes > 5000, inserts + " inserts, " + removes + " removes");
    }

    @Test
    void aBlockWhoseRecordsCannotBeWalkedIsNotKept() {
        ByteBuffer b = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
        Dirents.put(b, 0, 12, 2, bytes("."), 2);
        Dirents.put(b, 12, 30, 2, bytes(".."), 2); // rec_len not a multiple of 4
        assertNull(LeafRecords.of(b, END));
        Dirents.put(b, 12, 12, 5, bytes("a-long-name"), 1); // a name longer than its record
        assertNull(LeafRecords.of(b, END));
    }

    /** The record of {@code want} and the one before it, as search_dirblock walks the block. */
    private static int[] walk(ByteBuffer b, byte[] want) {
        int prev = -1;
        for (int off = 0; off < END; ) {
            int recLen = b.getShort(off + 4) & 0xffff;
            int len = b.get(off + 6) & 0xff;
            if (b.getInt(off) != 0 && len == want.length) {
                byte[] got = new byte[len];
                b.get(off + 8, got);
                if (java.util.Arrays.equals(got, want)) {
                    return new int[] {off, prev};
                }
            }
            prev = off;
            off += recLen;
        }
        throw new AssertionError("not in the block: " + new String(want, StandardCharsets.UTF_8));
    }

    private static int tag(String name) {
        byte[] nm = bytes(name);
        return LeafRecords.tag(nm, 0, nm.length);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
