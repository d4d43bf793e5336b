package dev.jdax.api.fs;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paths taken apart once: the components a walk visits, hashed as the dentry cache hashes whole names. */
class PathNameTest {
    @Test
    void componentsAreTheWalksWithTheirHashesAndPacking() {
        PathName p = PathName.of("//d/name-12345//1234567890abcdef/1234567890abcdefg/grün/€uro/");
        assertTrue(p.hashed());
        assertTrue(p.trailingSlash());
        List<String> expected = List.of("d", "name-12345", "1234567890abcdef", "1234567890abcdefg", "grün", "€uro");
        assertEquals(expected.size(), p.components());
        for (int k = 0; k < expected.size(); k++) {
            String name = expected.get(k);
            assertEquals(name, p.path().substring(p.from(k), p.to(k)));
            assertEquals(PathName.spread(name.hashCode()), p.hash(k), name);
            assertEquals(PathName.hash(name, 0, name.length()), p.hash(k), name);
            boolean packs = name.length() <= PathName.PACKED && name.chars().allMatch(c -> c < 0x100);
            assertEquals(packs, p.packed(k), name);
            if (packs) {
                for (int c = 0; c < PathName.PACKED; c++) {
                    long word = c < 8 ? p.low(k) : p.high(k);
                    long expectedChar = c < name.length() ? name.charAt(c) : 0;
                    assertEquals(expectedChar, word >>> (8 * (c % 8)) & 0xFF, name + " at " + c);
                }
            }
        }
        assertFalse(PathName.of("/a/b").trailingSlash());
        assertEquals(0, PathName.of("/").components());
        assertEquals(0, PathName.of("///").components());
    }

    @Test
    void whatAHashedWalkCannotTakeIsKeptAsAString() {
        for (String path : List.of("/a/./b", "/a/..", "/..", "/.", "relative/path", "")) {
            PathName p = PathName.of(path);
            assertFalse(p.hashed(), path);
            assertEquals(path, p.path());
        }
        assertTrue(PathName.of("/.a/..b/...").hashed(), "names that only start with dots are names");
        assertEquals(64, PathName.of("/x".repeat(64)).components());
        assertFalse(PathName.of("/x".repeat(65)).hashed());
        assertTrue(PathName.of("/x".repeat(64) + "//").hashed());
    }
}
