package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory's blocks looked up through the blocks kept beside its extent list ({@link DirBlocks})
 * answer what the list answers, holes included, in a directory's three sections; a list that is not
 * the inode's own is never kept, a list replaced is not answered from the old one's blocks, and a
 * list whose holes would make the arrays large is searched as it is.
 */
class DirectoryBlockIndexTest {
    private static List<BmapExtent> extents(SplittableRandom r, int n) {
        return extents(r, n, r.nextInt(3), new ArrayList<>());
    }

    private static List<BmapExtent> extents(SplittableRandom r, int n, long from, List<BmapExtent> out) {
        long off = from;
        for (int i = 0; i < n; i++) {
            long len = 1 + r.nextInt(4);
            out.add(new BmapExtent(off, 1000 + r.nextInt(1_000_000), len, false));
            off += len + r.nextInt(3); // holes between some
        }
        return List.copyOf(out);
    }

    @Test
    void indexedLookupsAnswerAsTheListAndFollowItsReplacement() {
        SplittableRandom r = new SplittableRandom(3);
        XfsInode dir = new XfsInode(128, new byte[512]);
        for (int n : new int[] {1, DirWriter.DIR_INDEX_FROM - 1, DirWriter.DIR_INDEX_FROM, 40, 700}) {
            List<BmapExtent> ext = extents(r, n);
            dir.extents = ext;
            long end = ext.getLast().endoff() + 3;
            for (int round = 0; round < 3; round++) { // the first round builds the index
                for (long off = 0; off < end; off++) {
                    assertEquals(DirWriter.mapped(ext, off), DirWriter.mapped(dir, ext, off), n + " extents, block " + off);
                }
            }
            if (n >= DirWriter.DIR_INDEX_FROM) {
                assertNotNull(dir.dirBlocks, "blocks kept for " + n + " extents");
                assertTrue(dir.dirBlocks.usable());
            }
            // A copy being changed is searched as it is, and never kept.
            List<BmapExtent> copy = new ArrayList<>(ext);
            DirBlocks before = dir.dirBlocks;
            for (int round = 0; round < 3; round++) {
                for (long off = 0; off < end; off++) {
                    assertEquals(DirWriter.mapped(copy, off), DirWriter.mapped(dir, copy, off));
                }
            }
            assertSame(before, dir.dirBlocks, "the inode's own list keeps its blocks");
            if (before != null) {
                assertSame(ext, before.list());
            }
        }
    }

    /** A node directory's shape: data blocks from 0, leaves from 32 GiB, the free index from 64 GiB (4 KiB blocks). */
    @Test
    void aDirectorysThreeSectionsAnswerAsTheList() {
        SplittableRandom r = new SplittableRandom(5);
        List<BmapExtent> ext = new ArrayList<>();
        extents(r, 300, 0, ext);
        long leaf = XfsDirs.LEAF_OFFSET_BYTES >>> 12;
        long free = XfsDirs.FREE_OFFSET_BYTES >>> 12;
        extents(r, 40, leaf, ext);
        extents(r, 2, free, ext);
        List<BmapExtent> list = List.copyOf(ext);
        DirBlocks blocks = DirBlocks.of(list);
        assertTrue(blocks.usable());
        for (long base : new long[] {0, leaf, free}) {
            for (long off = Math.max(0, base - 5); off < base + 1500; off++) {
                assertEquals(DirWriter.mapped(list, off), blocks.fsb(off), "block " + off);
            }
        }
        assertEquals(-1, blocks.fsb(leaf - 1_000_000));
        assertEquals(-1, blocks.fsb(free + 1_000_000));
    }

    @Test
    void sparseOrUnsortedListsAreNotKept() {
        List<BmapExtent> sparse = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sparse.add(new BmapExtent(i * 30_000L, 100 + i, 1, false)); // gaps below a section's, but mostly holes
        }
        assertFalse(DirBlocks.of(sparse).usable());
        List<BmapExtent> sections = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sections.add(new BmapExtent(i * (1L << 30), 100 + i, 1, false)); // five sections: no directory has them
        }
        assertFalse(DirBlocks.of(sections).usable());
        assertFalse(DirBlocks.of(List.of(new BmapExtent(10, 1, 5, false), new BmapExtent(12, 9, 5, false))).usable());
    }
}
