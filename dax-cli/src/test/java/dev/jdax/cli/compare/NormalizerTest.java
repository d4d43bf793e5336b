package dev.jdax.cli.compare;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** fiemap's physical blocks are compared for ext4 and xfs, whose placement follows Linux's, and hidden for ext2. */
class NormalizerTest {
    private static final List<String> LINUX = List.of(
            " EXT: FILE-OFFSET      BLOCK-RANGE      TOTAL FLAGS",
            "   0: [0..23]:         104..127            24   0x0",
            "   1: [24..31]:        hole                 8",
            "   2: [32..39]:        192..199             8   0x1");

    @Test
    void placedPersonalitiesKeepPhysicalBlocksButNotColumnWidths() {
        List<String> wider = List.of(
                " EXT: FILE-OFFSET      BLOCK-RANGE        TOTAL FLAGS",
                "   0: [0..23]:         104..127              24   0x0",
                "   1: [24..31]:        hole                   8",
                "   2: [32..39]:        192..199               8   0x1");
        assertEquals(Normalizer.normalize(LINUX, true), Normalizer.normalize(wider, true));
        assertTrue(Normalizer.normalize(LINUX, true).contains("0: [0..23]: 104..127 24 0x0"));
        List<String> elsewhere = List.of(LINUX.get(0), LINUX.get(1).replace("104..127", "80..103"), LINUX.get(2), LINUX.get(3));
        assertNotEquals(Normalizer.normalize(LINUX, true), Normalizer.normalize(elsewhere, true));
    }

    @Test
    void ext2HidesPhysicalBlocks() {
        List<String> elsewhere = List.of(LINUX.get(0), LINUX.get(1).replace("104..127", "80..103"), LINUX.get(2), LINUX.get(3));
        assertEquals(Normalizer.normalize(LINUX, false), Normalizer.normalize(elsewhere, false));
        assertTrue(Normalizer.normalize(LINUX, false).contains("0: [0..23]: * 24 0x0"));
        assertEquals(java.util.Set.of("ext4", "xfs"), Normalizer.PHYSICAL_COMPARED, "ext2 (fs/ext2's allocator, not mballoc) keeps hiding them");
    }
}
