package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.CrashDevice;
import dev.jdax.pmem.CrashPolicy;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One operation is one jbd2 transaction: a power failure at any fence of a mkdir leaves either no
 * directory or the whole directory, never half of one, once the remount has replayed the journal.
 */
class JournalRecoveryTest {
    @Test
    void aCrashAtEveryFenceOfAnOperationLeavesItAllOrNothing() throws Exception {
        try (CrashDevice dev = PmemDevices.crashSimulating(PmemDevices.memory(32 << 20))) {
            new Ext4FileSystemType().mkfs(dev, MkfsOptions.defaults());
            List<DaxDevice> states = new ArrayList<>();
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), dev, MountOptions.parse("dax"))) {
                dev.beforeFence(() -> {
                    try {
                        states.add(dev.crashImage(CrashPolicy.allLost()));
                        states.add(dev.crashImage(CrashPolicy.allKept()));
                    } catch (FsException e) {
                        throw new IllegalStateException(e);
                    }
                });
                fs.mkdir(fs.rootIno(), "made", 0755, 0, 0);
            }
            int with = 0;
            int without = 0;
            int replayed = 0;
            for (DaxDevice img : states) {
                Ext4Superblock before = Ext4FileSystem.readSuperblock(img);
                boolean pending = Jbd2Journal.open(img, 4096, Ext4FileSystem.journalBlockMap(img, before)).needsRecovery();
                String probed = new Ext4FileSystemType().probe(img).orElseThrow();
                assertEquals(pending, probed.contains("journal needs recovery: "), probed);
                assertEquals(!pending, probed.contains("journal clean"), probed);
                try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), img, MountOptions.parse("ro"))) {
                    boolean present;
                    try {
                        long d = fs.lookup(fs.rootIno(), "made");
                        assertTrue(fs.stat(d).isDirectory());
                        assertEquals(2, fs.readdir(d).size(), "a replayed directory has its . and ..");
                        present = true;
                    } catch (FsException e) {
                        present = false;
                    }
                    with += present ? 1 : 0;
                    without += present ? 0 : 1;
                    replayed += pending ? 1 : 0;
                }
                img.close();
            }
            assertTrue(with > 0 && without > 0, with + " states with the directory, " + without + " without");
            assertTrue(replayed > 0, "some states needed the journal replayed");
        }
    }
}
