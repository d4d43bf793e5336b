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
 * A crash while jdax writes the superblock home keeps any subset of its cache lines (pmem without
 * BTT tears at 8 bytes; Linux's in-place ext4_commit_super tears there too). jdax writes it home only
 * while the journal holds a committed copy, so every such state must mount, replaying the copy, and
 * e2fsck -fn must find it clean. Each superblock line is lost alone and kept alone.
 */
class TornSuperblockCrashTest {
    private static final long INCOMPAT_LINE = (Ext4Superblock.OFFSET + 0x60) & ~63L;

    /**
     * The state `jdax crash -t ext4 --seed 7` found: the mount's first transaction (needs_recovery
     * set) checkpointed, the line of s_feature_incompat lost, others kept: the torn copy has the
     * flag clear, as mkfs left it, and a failing checksum.
     */
    @Test
    void aSuperblockTornAtTheMountsCheckpointIsRepairedByTheJournal(@TempDir Path dir) throws Exception {
        Tools.require("e2fsck");
        try (CrashDevice dev = PmemDevices.crashSimulating(PmemDevices.memory(32 << 20))) {
            new Ext4FileSystemType().mkfs(dev, MkfsOptions.defaults().withBlockSize(4096));
            List<DaxDevice> states = tornSuperblockWrites(dev, true);
            Vfs.mount(new Ext4FileSystemType(), dev, MountOptions.parse("dax")).close();
            judge(states, dir);
        }
    }

    /** The recovery's own write of the superblock (needs_recovery cleared), torn: the journal still holds it. */
    @Test
    void aSuperblockTornWhileRecoveryClearsNeedsRecoveryIsRepairedByTheNextMount(@TempDir Path dir) throws Exception {
        Tools.require("e2fsck");
        DaxDevice pending = null;
        try (CrashDevice dev = PmemDevices.crashSimulating(PmemDevices.memory(32 << 20))) {
            new Ext4FileSystemType().mkfs(dev, MkfsOptions.defaults().withBlockSize(4096));
            List<DaxDevice> kept = new ArrayList<>();
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), dev, MountOptions.parse("dax"))) {
                dev.beforeFence(() -> {
                    try {
                        kept.add(dev.crashImage(CrashPolicy.allKept()));
                    } catch (FsException e) {
                        throw new IllegalStateException(e);
                    }
                });
                fs.mkdir(fs.rootIno(), "made", 0755, 0, 0);
                fs.sync();
                dev.beforeFence(() -> { });
            }
            for (DaxDevice img : kept) {
                Ext4Superblock sb = Ext4FileSystem.readSuperblock(img);
                Jbd2Journal j = Jbd2Journal.open(img, 4096, Ext4FileSystem.journalBlockMap(img, sb));
                // A state whose log holds a committed copy of the superblock: the log stays open for
                // the whole mount, as jbd2's, so a state may also name it with nothing in it to
                // replay, where a torn recovery write has no copy to be repaired from (nor on Linux).
                Jbd2Journal.Recovery r = j.needsRecovery() ? j.scan() : null;
                if (pending == null && r != null && r.logs(Ext4Superblock.OFFSET / 4096)) {
                    pending = img;
                } else {
                    img.close();
                }
            }
        }
        assertTrue(pending != null, "a state with a committed superblock in the journal to replay");
        try (CrashDevice dev = PmemDevices.crashSimulating(pending)) {
            // The replay's write of the logged superblock, then recovery's own (needs_recovery cleared).
            List<DaxDevice> states = tornSuperblockWrites(dev, false);
            Vfs.mount(new Ext4FileSystemType(), dev, MountOptions.parse("ro")).close(); // ro replays too
            judge(states, dir);
        }
    }

    /**
     * At each fence with the superblock's s_feature_incompat line pending (only the first when
     * {@code firstOnly}): each superblock line lost alone, kept alone.
     */
    private static List<DaxDevice> tornSuperblockWrites(CrashDevice dev, boolean firstOnly) {
        List<DaxDevice> states = new ArrayList<>();
        dev.beforeFence(() -> {
            long[] pending = dev.pendingLines();
            if (firstOnly && !states.isEmpty() || java.util.Arrays.stream(pending).noneMatch(l -> l == INCOMPAT_LINE)) {
                return;
            }
            try {
                for (int i = 0; i < pending.length; i++) {
                    if (pending[i] < Ext4Superblock.OFFSET || pending[i] >= Ext4Superblock.OFFSET + Ext4Superblock.SIZE) {
                        continue;
                    }
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
        return states;
    }

    /** Each state: saved as an image, mounted read-write (the replay) and unmounted, then e2fsck -fn. */
    private static void judge(List<DaxDevice> states, Path dir) throws Exception {
        assertFalse(states.isEmpty(), "the superblock was written home");
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
                    fs.sync();
                }
            }
            Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
            assertEquals(0, fsck.status(), "state " + s + ": e2fsck -fn says:\n" + fsck.output());
        }
        assertTrue(torn > 0, "some states have a torn superblock");
    }
}
