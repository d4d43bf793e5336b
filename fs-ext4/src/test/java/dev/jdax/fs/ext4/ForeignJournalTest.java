package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A journal jdax did not write: debugfs's journal_write logs a transaction with e2fsprogs' jbd2 code
 * (the kernel's format, here without checksums, 64-bit tags) and leaves needs_recovery set; mounting
 * in jdax replays it, clears needs_recovery, and e2fsck -fn finds the file system clean. mke2fs's
 * featureless journal gets the features Linux's mount gives it.
 */
class ForeignJournalTest {
    @TempDir
    Path tmp;

    @Test
    void aTransactionLoggedByDebugfsIsReplayedAtMount() throws Exception {
        Path img = tmp.resolve("j.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", img.toString(), "64M").status());
        byte[] block = new byte[4096];
        new Random(3).nextBytes(block);
        Path data = Files.write(tmp.resolve("block.bin"), block);
        Path script = Files.writeString(tmp.resolve("cmds"), "jo\njw -b 9000 " + data + "\njc\n");
        Tools.Result w = Tools.run("debugfs", "-w", "-f", script.toString(), img.toString());
        assertEquals(0, w.status(), w.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            assertFalse((Ext4FileSystem.readSuperblock(d).s_feature_incompat() & Ext4Superblock.INCOMPAT_RECOVER) != 0,
                    "needs_recovery cleared after the replay");
        }
        byte[] all = Files.readAllBytes(img);
        assertArrayEquals(block, Arrays.copyOfRange(all, 9000 * 4096, 9001 * 4096));
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    /**
     * mke2fs makes the journal without features; Linux 6.1's ext4_fill_super gives it 64-bit tags
     * and crc32c checksums at the first mount (measured with the linux-mount oracle: dumpe2fs says
     * "(none)" before, "journal_64bit journal_checksum_v3" and "crc32c" after). jdax's read-write
     * mount does the same, its read-only one leaves the journal as it is.
     */
    @Test
    void aReadWriteMountGivesMke2fsJournalChecksumsAndWideTags() throws Exception {
        Path img = tmp.resolve("f.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", img.toString(), "64M").status());
        assertEquals("(none)", journalHeader(img, "Journal features:"));
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            fs.rootIno();
        }
        assertEquals("(none)", journalHeader(img, "Journal features:"));
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            fs.mkdir(fs.rootIno(), "x", 0755, 0, 0);
        }
        assertEquals("journal_64bit journal_checksum_v3", journalHeader(img, "Journal features:"));
        assertEquals("crc32c", journalHeader(img, "Journal checksum type:"));
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    private static String journalHeader(Path img, String field) throws Exception {
        return Tools.run("dumpe2fs", "-h", img.toString()).output().lines()
                .filter(l -> l.startsWith(field)).map(l -> l.substring(field.length()).strip())
                .findFirst().orElse("(no " + field + ")");
    }
}
