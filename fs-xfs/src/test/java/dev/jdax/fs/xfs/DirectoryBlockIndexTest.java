package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A directory's blocks looked up through the index kept beside its extent list answer what the
 * list answers, holes included; a list that is not the inode's own is never indexed, and a list
 * replaced is not answered from the old one's index.
 */
class DirectoryBlockIndexTest {
    private static List<BmapExtent> extents(SplittableRandom r, int n) {
        List<BmapExtent> out = new ArrayList<>();
        long off = r.nextInt(3);
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
                assertNotNull(dir.lookupIndex, "an index kept for " + n + " extents");
            }
            // A copy being changed is searched as it is, and never indexed.
            List<BmapExtent> copy = new ArrayList<>(ext);
            XfsIomap.Indexed before = dir.lookupIndex;
            for (int round = 0; round < 3; round++) {
                for (long off = 0; off < end; off++) {
                    assertEquals(DirWriter.mapped(copy, off), DirWriter.mapped(dir, copy, off));
                }
            }
            if (before == null) {
                assertNull(dir.lookupIndex);
            } else {
                assertSame(ext, dir.lookupIndex.list(), "the inode's own list keeps its index");
            }
        }
    }
}
