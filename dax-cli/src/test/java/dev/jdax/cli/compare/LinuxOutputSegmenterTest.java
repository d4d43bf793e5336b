package dev.jdax.cli.compare;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinuxOutputSegmenterTest {
    private static final Pattern PROCESS_END = Pattern.compile("exit \\d+|Bus error");
    private static final List<String> CONFIGS = List.of("ext2", "ext4", "ext4-dioread_nolock", "xfs");

    @Test
    void everyLineOfEveryReferenceOutputLandsOnACommandThatCanPrintIt() throws Exception {
        Catalog catalog = Catalog.load();
        int files = 0;
        java.util.List<String> unmeasured = new java.util.ArrayList<>();
        int jdaxOnly = 0;
        int notApplicable = 0;
        for (Scenario s : catalog.scenarios()) {
            if (s.source().startsWith("jdax-only")) {
                // Options Linux does not have (media_errors=): nothing was measured, by design.
                jdaxOnly++;
                assertTrue(CONFIGS.stream().allMatch(c -> {
                    try {
                        return catalog.linuxOutput(c, s.name()).isEmpty();
                    } catch (dev.jdax.api.FsException e) {
                        return false;
                    }
                }), s.name() + " is jdax-only but has Linux output");
                continue;
            }
            for (String cfg : CONFIGS) {
                var out = catalog.linuxOutput(cfg, s.name());
                if (!s.appliesTo(cfg.split("-")[0])) {
                    // "# mke2fs:" scenarios were measured on the ext4 configurations only.
                    assertTrue(out.isEmpty(), s.name() + " is for ext4 but has " + cfg + " output");
                    notApplicable++;
                    continue;
                }
                if (out.isEmpty()) {
                    unmeasured.add(cfg + "/" + s.name());
                    continue;
                }
                files++;
                List<OutputRow> rows = LinuxOutputSegmenter.segment(s, out.get());
                int placed = rows.stream().mapToInt(r -> r.lines().size()).sum();
                assertEquals(out.get().size(), placed, s.name() + "/" + cfg + ": every line placed once");
                for (OutputRow r : rows) {
                    if (r.isProcessEnd()) {
                        for (String l : r.lines()) {
                            assertTrue(PROCESS_END.matcher(l).matches(),
                                    s.name() + "/" + cfg + ": " + r.key() + " holds a line no command claimed: " + l);
                        }
                    }
                }
            }
        }
        // Linux's ext2 configuration cannot mount with dax=never or dax=inode (linux-6.1/SOURCES.md).
        assertEquals(List.of("ext2/statx-dax-never", "ext2/per-file-dax", "ext2/per-file-dax-dir"), unmeasured);
        assertEquals((catalog.scenarios().size() - jdaxOnly) * CONFIGS.size() - unmeasured.size() - notApplicable, files);
    }

    @Test
    void aFailedReadIsItsOwnRowAndTheExitStatusEndsTheProcess() throws Exception {
        Catalog catalog = Catalog.load();
        Scenario s = catalog.matching("badblock-read").get(0);
        List<OutputRow> rows = LinuxOutputSegmenter.segment(s, catalog.linuxOutput("ext4", s.name()).orElseThrow());
        // #1 pwrite, #2 fsync, $3 process end, #3 badblock, #4 pread 0 16k, #5 pread 0 4k, #6 pread 4k 512, #7, $end
        assertEquals("#4", rows.get(4).key());
        assertEquals(List.of("pread: Input/output error"), rows.get(4).lines());
        assertEquals("read 4096/4096 bytes at offset 0", rows.get(5).lines().get(0));
        assertEquals(List.of("pread: Input/output error"), rows.get(6).lines());
        assertEquals(List.of("exit 1"), rows.get(rows.size() - 1).lines());
        assertEquals("$3", rows.get(2).key(), "the badblock at command 3 ends the first process");
        assertEquals(List.of(), rows.get(2).lines());
    }

    @Test
    void aBusErrorEndsTheProcessAndLaterCommandsPrintNothing() throws Exception {
        Catalog catalog = Catalog.load();
        Scenario s = catalog.matching("truncate-while-mapped").get(0);
        List<OutputRow> rows = LinuxOutputSegmenter.segment(s, catalog.linuxOutput("xfs", s.name()).orElseThrow());
        assertEquals(List.of("00000ff0:  61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61  aaaaaaaaaaaaaaaa"),
                rows.get(3).lines(), "mread -v 4080 16");
        assertEquals(List.of(), rows.get(4).lines(), "mread 8192 16 died");
        assertEquals(List.of("Bus error"), rows.get(5).lines());
    }

    @Test
    void consecutiveStatsAreSplitAtTheirFirstLine() throws Exception {
        Catalog catalog = Catalog.load();
        Scenario s = catalog.matching("falloc-then-read").get(0);
        List<OutputRow> rows = LinuxOutputSegmenter.segment(s, catalog.linuxOutput("xfs", s.name()).orElseThrow());
        assertEquals("stat", rows.get(3).command());
        assertEquals("fd.path = \"/mnt/file\"", rows.get(3).lines().get(0));
        assertEquals("dioattr.maxiosz = 2147483136", rows.get(3).lines().get(rows.get(3).lines().size() - 1));
        assertEquals("stat", rows.get(5).command());
        assertTrue(rows.get(5).lines().contains("stat.blocks = 4096"));
    }

    @Test
    void aRefusedMountIsTheMountRowAndNoCommandPrintsAfterIt() throws Exception {
        Catalog catalog = Catalog.load();
        Scenario s = catalog.matching("inline-data-dax-refused").get(0);
        assertTrue(s.recordsMount() && s.appliesTo("ext4") && !s.appliesTo("xfs"), "a # mke2fs: scenario, for ext4");
        List<OutputRow> rows = LinuxOutputSegmenter.segment(s, catalog.linuxOutput("ext4", s.name()).orElseThrow());
        assertEquals(OutputRow.MOUNT_KEY, rows.get(0).key());
        assertEquals(List.of("mount: Invalid argument", "EXT4-fs: Cannot use DAX on a filesystem that may contain inline data"),
                rows.get(0).lines());
        assertTrue(rows.subList(1, rows.size()).stream().allMatch(r -> r.lines().isEmpty()));

        Scenario mounted = catalog.matching("ext3-indirect-dax").get(0);
        rows = LinuxOutputSegmenter.segment(mounted, catalog.linuxOutput("ext4", mounted.name()).orElseThrow());
        assertEquals(List.of(), rows.get(0).lines(), "it mounted: the mount row is empty");
        assertEquals("falloc 0 1m", rows.get(3).command());
        assertEquals(List.of("fallocate: Operation not supported"), rows.get(3).lines(), "falloc on an indirect file");
        assertEquals("fpunch 0 4k", rows.get(5).command());
        assertEquals(List.of(), rows.get(5).lines(), "a punch works on one");
    }
}
