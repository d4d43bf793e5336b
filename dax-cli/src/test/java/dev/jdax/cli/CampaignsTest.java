package dev.jdax.cli;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The short, seeded runs of jdax's campaigns that CI makes on every personality. */
class CampaignsTest {
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void fsxFindsNoDivergence(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("fsx", "-t", type, "--ops", "4000", "--seed", "11");
        assertEquals(0, c.status(), c.out());
        assertTrue(c.out().contains("All 4000 operations completed A-OK"), c.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void corruptImagesNeverEndInAnUncheckedExceptionNorWriteIntoMetadata(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("corrupt", "-t", type, "--cases", "150", "--seed", "5");
        System.out.print(c.out());
        assertEquals(0, c.status(), c.out());
        assertTrue(c.out().matches("(?s).*150 random cases and [1-9][0-9]* crafted redirects.*"), c.out());
        assertTrue(c.out().matches("(?s).*write workloads run: [1-9][0-9]*.*"), c.out());
        assertTrue(c.out().contains("no case failed"), c.out());
        if (!type.equals("ext2")) {
            // Checksummed formats: the crafted pointers must also be tried with their checksums re-sealed.
            assertTrue(c.out().matches("(?s).*with checksums re-sealed: \\{[a-z_]+=[1-9].*"), c.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void mediaErrorsFollowTheRecoveryWriteRules(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("media", "-t", type, "--cases", "600", "--seed", "2");
        System.out.print(c.out());
        assertEquals(0, c.status(), c.out());
        assertTrue(c.out().contains(" 0 violations"), c.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void poisonAnywhereInAPopulatedTreeNeverReadsAsWrongBytes(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("media", "--tree", "-t", type, "--cases", "40", "--seed", "3");
        System.out.print(c.out());
        assertEquals(0, c.status(), c.out());
        // The poison must have landed in metadata and made reads fail, or the run proves nothing.
        assertTrue(c.out().matches("(?s).*40 rounds, [0-9]+ sectors poisoned \\([1-9][0-9]* in metadata\\).*"), c.out());
        assertTrue(c.out().matches("(?s).* [1-9][0-9]* plain reads refused or short, [1-9][0-9]* mapped reads.*"), c.out());
        assertTrue(c.out().contains(" 0 violations"), c.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void readsAreTornOnlyWhereTheLockingModelAllowsIt(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("race", "-t", type, "--ops", "1500");
        System.out.print(c.out());
        assertEquals(0, c.status(), c.out());
        assertTrue(c.out().matches("(?s).*inode_rwsem +[0-9]+ reads, +0 torn.*range +[0-9]+ reads, +0 torn.*"), c.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void threadsOfRandomOperationsMatchTheirModelsWithoutDeadlockOrInversion(String type) {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)));
        Console c = Console.run("stress", "-t", type, "--threads", "4", "--ops", "8000", "--seed", "17");
        System.out.print(c.out());
        assertEquals(0, c.status(), c.out());
        assertTrue(c.out().contains("operations: 8000"), c.out());
        assertTrue(c.out().contains("0 deadlocks, 0 lock-order violations"), c.out());
    }
}
