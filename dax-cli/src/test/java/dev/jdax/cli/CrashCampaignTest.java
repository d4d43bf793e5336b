package dev.jdax.cli;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The crash campaign on the personalities without a journal yet: what a crash can tear is their
 * metadata (reported as violations), never data promised by fsync, never another file's bytes.
 */
class CrashCampaignTest {
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4"})
    void fsyncedDataSurvivesEveryCrashStateAndNoFileShowsAnotherFilesBytes(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("crash", "-t", type, "--states", "12", "--no-fsck");
        assertTrue(c.out().contains("crash: " + type + ", seed 1: 60 states"), c.out());
        assertFalse(c.out().contains("was fsync'd"), c.out());
        assertFalse(c.out().contains("another file's data"), c.out());
    }
}
