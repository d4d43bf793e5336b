package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A checkpoint's inodes are frozen after the next checkpoint has opened, while that one's
 * transactions run: a transaction that changes an inode the first checkpoint has not frozen yet
 * freezes it first, so the first checkpoint logs and sends home the inode as its own transactions
 * left it, never with a change of the next one (which may never reach the log).
 */
class InodesFrozenAfterTheNextCheckpointOpensTest {

    @Test
    void aChangeOfTheNextCheckpointStaysOutOfTheOneBeingFrozen() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            long ino = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            long other = fs.create(fs.rootIno(), "g", 0644, 0, 0);
            m.format().log().quiesce();
            MetaCache cache = m.format().log().cache();
            Checkpoint first = new Checkpoint(1_000_001);
            Checkpoint next = new Checkpoint(1_000_002);

            byte[] inFirst = withMtimeNanos(cache.readInode(ino), 111);
            byte[] otherInFirst = withMtimeNanos(cache.readInode(other), 222);
            cache.writeInode(first, ino, inFirst, true, false);
            cache.writeInode(first, other, otherInFirst, true, true);
            Freezer.Locked locked = cache.freezeLocked(first);
            // The next checkpoint's transaction changes one of the two before the freeze reaches it.
            byte[] inNext = withMtimeNanos(inFirst, 333);
            cache.writeInode(next, ino, inNext, true, false);
            Freezer.Frozen frozen = cache.freezeInodes(first, locked);

            assertArrayEquals(summed(inFirst), imageOf(frozen, ino), "the changed inode as the first checkpoint left it");
            assertArrayEquals(summed(otherInFirst), imageOf(frozen, other), "the inode the freeze reached itself");
            assertEquals(2, frozen.regions().stream().filter(r -> r.length == LogFormat.LOG_DINODE_SIZE).count(),
                    "two log dinodes, one per inode");
            assertTrue(frozen.regions().stream().anyMatch(r -> Arrays.equals(r, LogDinode.fromDisk(summed(inFirst)))),
                    "the first checkpoint's log dinode of the changed inode");
            assertFalse(frozen.regions().stream().anyMatch(r -> Arrays.equals(r, LogDinode.fromDisk(summed(inNext)))),
                    "no log dinode with the next checkpoint's change");
            assertArrayEquals(summed(inNext), cache.readInode(ino), "readers see the next checkpoint's change");
            assertTrue(next.inodes.stream().anyMatch(e -> e.key == ino), "the change is the next checkpoint's to log");

            fs.close();
        }
    }

    private static byte[] withMtimeNanos(byte[] raw, int nanos) {
        byte[] b = raw.clone();
        Buf.put32(b, 44, nanos); // di_mtime's nanoseconds (without bigtime; with it, some low bits of the time)
        return b;
    }

    private static byte[] summed(byte[] raw) {
        byte[] b = raw.clone();
        XfsCrc.update(b, 0, b.length, XfsInode.DI_CRC_OFF);
        return b;
    }

    private static byte[] imageOf(Freezer.Frozen f, long ino) {
        for (Map.Entry<MetaEntry, byte[]> e : f.images().entrySet()) {
            if (e.getKey().inode && e.getKey().key == ino) {
                return e.getValue();
            }
        }
        throw new AssertionError("inode " + ino + " was not frozen");
    }
}
