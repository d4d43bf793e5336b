package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.CrashDevice;
import dev.jdax.pmem.CrashPolicy;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A crash while the mount's first transaction writes the superblock home (its checkpoint) may keep
 * any subset of the superblock's cache lines. The state `jdax crash -t ext4 --seed 7` found: the
 * line holding s_feature_incompat lost (needs_recovery still clear, as mkfs left it), others kept,
 * so the checksum fails and the torn copy does not say a replay is due. The journal holds the whole
 * superblock, committed: every such state must mount (replaying it) and e2fsck -fn must find it clean.
 */
class TornSuperblockCrashTest {
    private static final long SB_LINES = Ext4Superblock.OFFSET;
    private static final long INCOMPAT_LINE = (Ext4Superblock.OFFSET + 0x60) & ~63L;

    @Test
    void aSuperblockTornAtItsCheckpointIsRepairedByTheJournal(@TempDir Path dir) throws Exception {
        Tools.require("e2fsck");
        List<DaxDevice> states = new ArrayList<>();
        try (CrashDevice dev = PmemDevices.crashSimulating(PmemDevices.memory(32 << 20))) {
            new Ext4FileSystemType().mkfs(dev, MkfsOptions.defaults().withBlockSize(4096));
            dev.beforeFence(() -> {
                long[] pending = dev.pendingLines();
                int incompat = indexOf(pending, INCOMPAT_LINE);
                if (!states.isEmpty() || incompat < 0) {
                    return;
                }
                try {
                    for (int i = 0; i < pending.length; i++) {
                        if (pending[i] < SB_LINES || pending[i] >= SB_LINES + Ext4Superblock.SIZE) {
                            continue;
                        }
                        // Every superblock line but this one kept, and this one alone kept.
                        BitSet allBut = new BitSet();
                        allBut.set(0, pending.length);
                        allBut.clear(i);
                        BitSet only = new BitSet();
                        only.set(i);
                        states.add(dev.crashImage(CrashPolicy.subset(allBut)));
                        states.add(dev.crashImage(CrashPolicy.subset(only)));
                    }
                } catch (FsException e) {
                    throw new IllegalStateException(e);
                }
            });
            Vfs.mount(new Ext4FileSystemType(), dev, MountOptions.parse("dax")).close();
        }
        assertFalse(states.isEmpty(), "the mount wrote the superblock home");
        int torn = 0;
        for (int s = 0; s < states.size(); s++) {
            Path img = dir.resolve("state-" + s + ".img");
            try (DaxDevice state = states.get(s); DaxDevice file = PmemDevices.create(img, state.size())) {
                Ext4Superblock sb = Ext4FileSystem.readSuperblock(state);
                torn += sb.b.getInt(0x3FC) != sb.computeChecksum() ? 1 : 0;
                byte[] buf = new byte[1 << 20];
                for (long off = 0; off < state.size(); off += buf.length) {
                    state.load(off, MemorySegment.ofArray(buf), 0, buf.length);
                    file.store(off, MemorySegment.ofArray(buf), 0, buf.length);
                }
                file.fence();
                try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), file, MountOptions.none())) {
                    fs.sync(); // the remount after the power failure replays the journal
                }
            }
            Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
            assertEquals(0, fsck.status(), "state " + s + ": e2fsck -fn says:\n" + fsck.output());
        }
        assertTrue(torn > 0, "some states have a torn superblock");
    }

    private static int indexOf(long[] lines, long line) {
        for (int i = 0; i < lines.length; i++) {
            if (lines[i] == line) {
                return i;
            }
        }
        return -1;
    }
}
