package dev.jdax.cli.xfsio;

import dev.jdax.api.fs.FiemapExtent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected lines are Linux's xfs_io output from the reference (xfs_io/CFG/*.out). */
class FiemapTableTest {
    private static List<String> print(List<FiemapExtent> extents, long fileSize) {
        List<String> lines = new ArrayList<>();
        XfsIoOutput out = new XfsIoOutput() {
            @Override
            public void out(String line) {
                lines.add(line);
            }

            @Override
            public void err(String line) {
                lines.add(line);
            }
        };
        new FiemapTable(out, true, false, -1).print("/mnt/file", extents, 0, Long.MAX_VALUE, fileSize);
        return lines;
    }

    @Test
    void oneExtentThenTheHoleToEof() {
        // write-into-hole.out, ext4
        List<String> lines = print(List.of(new FiemapExtent(0, 41392L * 512, 4096, FiemapExtent.LAST)), 4194304);
        assertEquals(List.of("/mnt/file:",
                " EXT: FILE-OFFSET      BLOCK-RANGE      TOTAL FLAGS",
                "   0: [0..7]:          41392..41399         8   0x1",
                "   1: [8..8191]:       hole              8184"), lines);
    }

    @Test
    void unwrittenExtentsAndFlagColumnWidth() {
        // unwritten-split.out, xfs
        List<String> lines = print(List.of(
                new FiemapExtent(0, 192L * 512, 262144, FiemapExtent.UNWRITTEN),
                new FiemapExtent(262144, 704L * 512, 4096, 0),
                new FiemapExtent(266240, 712L * 512, 782336, FiemapExtent.UNWRITTEN | FiemapExtent.LAST)), 1048576);
        assertEquals(List.of("/mnt/file:",
                " EXT: FILE-OFFSET      BLOCK-RANGE      TOTAL FLAGS",
                "   0: [0..511]:        192..703           512 0x800",
                "   1: [512..519]:      704..711             8   0x0",
                "   2: [520..2047]:     712..2239         1528 0x801"), lines);
    }

    @Test
    void holesBetweenExtentsAreRowsOfTheirOwn() {
        // falloc-beyond-eof.out (ext2 config): the extent, then the hole up to EOF
        List<String> lines = print(List.of(new FiemapExtent(0, 13888L * 512, 4096,
                FiemapExtent.LAST | FiemapExtent.MERGED)), 8192);
        assertEquals("   0: [0..7]:          13888..13895         8 0x1001", lines.get(2));
        assertEquals("   1: [8..15]:         hole                 8", lines.get(3));
    }

    @Test
    void noExtentsPrintsOnlyTheName() {
        assertEquals(List.of("/mnt/file:"), print(List.of(), 0));
    }
}
