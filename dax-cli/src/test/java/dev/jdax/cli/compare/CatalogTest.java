package dev.jdax.cli.compare;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogTest {
    private static final Path RESOURCES = Path.of("src/main/resources/dev/jdax/cli/compare");

    @Test
    void everyScenarioFileIsInTheCatalogAndEveryCatalogEntryHasOne() throws Exception {
        Set<String> files;
        try (Stream<Path> s = Files.list(RESOURCES.resolve("scenarios"))) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".xfsio"))
                    .map(n -> n.substring(0, n.length() - 6)).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> listed = Catalog.load().scenarios().stream().map(Scenario::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(files, listed);
    }

    @Test
    void theReferenceScenariosAndOutputsAreCopiedVerbatim() throws Exception {
        Path shared = Path.of("../../shared/reference");
        if (!Files.isDirectory(shared)) {
            shared = Path.of("/work/shared/reference");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shared),
                "the project's shared reference is not beside this checkout; nothing to compare the copy with");
        int compared = 0;
        try (Stream<Path> s = Files.walk(shared.resolve("xfs_io"))) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                Path mine = RESOURCES.resolve("linux-6.1").resolve(shared.resolve("xfs_io").relativize(p));
                assertTrue(Files.exists(mine), "missing copy of " + p);
                assertEquals(Files.readString(p), Files.readString(mine), "edited copy: " + mine);
                compared++;
            }
        }
        assertTrue(compared >= 132, "compared " + compared + " reference outputs");
    }

    @Test
    void scenarioHeadersAreRead() throws Exception {
        Scenario s = Catalog.load().matching("odirect-aligned").get(0);
        assertEquals(320L << 20, s.fsSize());
        assertEquals("-d", s.openFlags());
        assertEquals("O_DIRECT aligned and unaligned reads of written data on a DAX file.", s.description());
        assertEquals("none", Catalog.load().matching("map-sync-not-dax").get(0).mountOptions());
    }
}
