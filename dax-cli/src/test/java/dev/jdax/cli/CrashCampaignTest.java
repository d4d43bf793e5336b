package dev.jdax.cli;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The crash campaign: on every personality data promised by fsync survives and no file shows another
 * file's bytes; ext2 (no journal) can be left with metadata e2fsck must repair, ext4 and XFS never.
 */
class CrashCampaignTest {
    @org.junit.jupiter.api.Test
    void ext4WithItsJournalLeavesNoViolationAtAnyFenceJudgedByE2fsck() {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals("ext4")));
        assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/e2fsck")), "e2fsck is not installed");
        Console c = Console.run("crash", "-t", "ext4", "--states", "15", "--seed", "4");
        System.out.print(c.out()); // the states checked, per workload, for the test report
        assertTrue(c.out().contains(" 0 violations"), c.out());
        assertTrue(c.status() == 0, c.out());
    }

    /**
     * XFS with its log: every state replayed by the next mount keeps what was fsync'd, and xfs_repair
     * -n finds it clean after that mount's unmount. A short run (three states a workload, spread over
     * its fences); `jdax crash -t xfs --states 300` is the long one.
     */
    @org.junit.jupiter.api.Test
    void xfsWithItsLogLeavesNoViolationAtAnyFenceJudgedByXfsRepair() {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals("xfs")));
        assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/xfs_repair")), "xfs_repair is not installed");
        Console c = Console.run("crash", "-t", "xfs", "--states", "3", "--seed", "4");
        System.out.print(c.out());
        assertTrue(c.out().contains("crash: xfs, seed 4: 24 states, 0 violations"), c.out());
        assertTrue(c.status() == 0, c.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4"})
    void fsyncedDataSurvivesEveryCrashStateAndNoFileShowsAnotherFilesBytes(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("crash", "-t", type, "--states", "12", "--no-fsck");
        assertTrue(c.out().matches("(?s).*crash: " + type + ", seed 1: [1-9][0-9]+ states.*"), c.out());
        assertFalse(c.out().contains("was fsync'd"), c.out());
        assertFalse(c.out().contains("another file's data"), c.out());
    }
}
