package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks freed in a transaction stay busy until it commits, and what waits for the commit is kept
 * per group and transaction, not per free: a loop of create, write, unlink leaves the running
 * transaction as many commit callbacks as groups it freed in, however many files it freed.
 */
class FreedBlocksTest {
    @Test
    void freesWaitForTheCommitInOneRecordPerGroup() throws Exception {
        try (DaxDevice d = PmemDevices.memory(256L << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
                Ext4FileSystem e = WhiteBox.format(fs);
                long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                e.commitRunning();
                MemorySegment block = Arena.ofAuto().allocate(4096);
                long freeBefore = fs.statfs().bfree();
                for (int i = 0; i < 2000; i++) {
                    long ino = fs.create(dir, "f" + (i & 7), 0644, 0, 0);
                    try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                        f.write(0, block, 0);
                    }
                    fs.unlink(dir, "f" + (i & 7));
                }
                assertTrue(e.allocator().anyBusy(), "freed blocks wait for the commit");
                assertTrue(e.journal().commitCallbacks() <= 2, "callbacks " + e.journal().commitCallbacks());
                e.commitRunning();
                assertFalse(e.allocator().anyBusy(), "the commit gave the freed blocks back");
                assertEquals(freeBefore, fs.statfs().bfree());
            }
        }
    }

    @Test
    void aCommitReleasesOnlyTheFreesOfItsOwnTransaction() {
        GroupBits bits = new GroupBits(new byte[4096], 32768);
        FreedBits freed = new FreedBits(32768);
        bits.busy(10, 200, true);
        assertTrue(freed.add(7, 10, 200), "the first free of transaction 7 in the group");
        assertFalse(freed.add(7, 10, 20), "a second free of the same transaction needs no second callback");
        bits.busy(300, 301, true);
        assertTrue(freed.add(8, 300, 301), "the next transaction frees while 7 commits");
        freed.release(7, bits);
        assertEquals(1, bits.busyCount());
        assertEquals(10, bits.firstFree(10, 32768));
        assertEquals(301, bits.firstFree(300, 32768));
        freed.release(8, bits);
        assertFalse(bits.anyBusy());
        assertTrue(freed.add(9, 10, 11), "transaction 9 reuses the mask transaction 7 had");
    }
}
