package dev.jdax.cli.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** fiemap's physical blocks are compared for xfs, whose placement follows Linux's, and hidden for the others. */
class NormalizerTest {
    private static final List<String> LINUX = List.of(
            " EXT: FILE-OFFSET      BLOCK-RANGE      TOTAL FLAGS",
            "   0: [0..23]:         104..127            24   0x0",
            "   1: [24..31]:        hole                 8",
            "   2: [32..39]:        192..199             8   0x1");

    @Test
    void xfsKeepsPhysicalBlocksButNotColumnWidths() {
        List<String> wider = List.of(
                " EXT: FILE-OFFSET      BLOCK-RANGE        TOTAL FLAGS",
                "   0: [0..23]:         104..127              24   0x0",
                "   1: [24..31]:        hole                   8",
                "   2: [32..39]:        192..199               8   0x1");
        assertEquals(Normalizer.normalize(LINUX, "xfs"), Normalizer.normalize(wider, "xfs"));
        assertTrue(Normalizer.normalize(LINUX, "xfs").contains("0: [0..23]: 104..127 24 0x0"));
        List<String> elsewhere = List.of(LINUX.get(0), LINUX.get(1).replace("104..127", "80..103"), LINUX.get(2), LINUX.get(3));
        assertNotEquals(Normalizer.normalize(LINUX, "xfs"), Normalizer.normalize(elsewhere, "xfs"));
    }

    @Test
    void otherPersonalitiesHidePhysicalBlocks() {
        List<String> elsewhere = List.of(LINUX.get(0), LINUX.get(1).replace("104..127", "80..103"), LINUX.get(2), LINUX.get(3));
        for (String cfg : List.of("ext2", "ext4", "ext4:dioread_nolock")) {
            assertEquals(Normalizer.normalize(LINUX, cfg), Normalizer.normalize(elsewhere, cfg), cfg);
        }
        assertTrue(Normalizer.normalize(LINUX, "ext4").contains("0: [0..23]: * 24 0x0"));
    }
}
