package dev.jdax.cli.compare;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * xfs_io's file table (xfsprogs io/init.c {@code filetable_iterator}, libxcmd {@code iterate_command}):
 * a {@code -c} command that is not one-shot runs on every open file in table order, each made the
 * current one. The {@code multi-file} scenario was measured on Linux 6.1 (linux-6.1/CFG/multi-file.out).
 */
class FileTableTest {

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void everyCommandThatIsNotOneShotRunsOnEachOpenFileAsOnLinux(String label) throws Exception {
        Catalog catalog = Catalog.load();
        Scenario s = catalog.matching("multi-file").get(0);
        Comparison c = Comparison.run(catalog, List.of(s), PersonalityConfig.parseList(label), 1, p -> { });
        Map<String, Comparison.Cell> cells = c.tables().get(0).rows().stream()
                .collect(Collectors.toMap(Comparison.Row::key, r -> r.cells().get(label)));
        for (var e : cells.entrySet()) {
            assertEquals(Comparison.Status.EQUAL, e.getValue().status(),
                    () -> e.getKey() + ": jdax " + e.getValue().jdax() + " / Linux " + e.getValue().linux());
        }
        // #4 pwrite with /mnt/file and /mnt/b open: written twice, once into each file.
        assertEquals(2, count(cells.get("#4").jdax(), "wrote 4096/4096 bytes at offset 4096"));
        // #5 stat: /mnt/file (two blocks written) then /mnt/b (one), in table order.
        assertEquals(List.of("stat.size = 8192", "stat.blocks = 16", "stat.size = 8192", "stat.blocks = 8"),
                cells.get("#5").jdax().stream().filter(l -> l.startsWith("stat.size") || l.startsWith("stat.blocks")).toList());
        // #6 open alone is stat of the current file: the last one the loop made current (/mnt/b, empty at #3).
        assertEquals(cells.get("#6").linux(), cells.get("#6").jdax());
        // #7 `file 0` makes /mnt/file current and lists the table; #8 `open` then stats /mnt/file.
        String kind = label.equals("xfs") ? "xfs" : "foreign";
        assertEquals(List.of("[000] /mnt/file      (" + kind + ",non-sync,non-direct,read-write)",
                " 001  /mnt/b         (" + kind + ",non-sync,non-direct,read-write)"), cells.get("#7").jdax());
        // #9 pread -v 0 16: 'a' from /mnt/file, zeroes from /mnt/b.
        assertEquals(List.of("00000000:  61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61  aaaaaaaaaaaaaaaa",
                "00000000:  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................"),
                cells.get("#9").jdax().stream().filter(l -> l.startsWith("00000000:")).toList());
        // #13 mread runs once per open file on the one mapping; #14 the second munmap finds none.
        assertEquals(2, count(cells.get("#13").jdax(), "00000000:  63 63"));
        assertEquals(List.of("no mapped regions, try 'help mmap'"), cells.get("#14").jdax());
        // #16 close closes the current file (/mnt/b, made current by the last loop) and lists the rest.
        assertEquals(List.of("[000] /mnt/file      (" + kind + ",non-sync,non-direct,read-write)"), cells.get("#16").jdax());
        // Messages of init_check_command leave the exit status 0.
        assertEquals(List.of(), cells.get("$end").jdax());
    }

    /**
     * From the source (not measured): with no file open, filetable_iterator stops at once, so an
     * iterated command prints nothing; a one-shot one that needs a file says so; neither sets the
     * exit status. {@code file N} out of range prints the range (file_f).
     */
    @Test
    void withNoFileOpenAnIteratedCommandDoesNothing() throws Exception {
        Scenario s = Scenario.parse("no-files", """
                # fs-size: 64m
                open -f /mnt/b
                file 7
                close
                close
                pwrite 0 4k
                stat
                close
                open
                """, "test");
        ScenarioRunner.Run run = ScenarioRunner.run(s, PersonalityConfig.parseList("ext4").get(0));
        assertNull(run.error());
        Map<String, List<String>> rows = run.rows().stream().collect(Collectors.toMap(OutputRow::key, OutputRow::lines));
        assertEquals(List.of("value 7 is out of range (0-1)"), rows.get("#2"));
        assertEquals(List.of("[000] /mnt/file      (foreign,non-sync,non-direct,read-write)"), rows.get("#3"));
        assertEquals(List.of(), rows.get("#4"));
        assertEquals(List.of(), rows.get("#5"));
        assertEquals(List.of(), rows.get("#6"));
        assertEquals(List.of("no files are open, try 'help open'"), rows.get("#7"));
        assertEquals(List.of("no files are open, try 'help open'"), rows.get("#8"));
        assertEquals(List.of(), rows.get("$end"));
    }

    private static long count(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).count();
    }
}
