package dev.jdax.fs.xfs;

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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Blocks a delete frees stay busy until their checkpoint is in the log, and a loop that creates,
 * writes and deletes changes the same few metadata blocks, so no checkpoint fills: the busy blocks
 * pile up past the whole free space between two timed commits. An operation short of blocks only
 * because of them forces the log and gets them back, as Linux's allocator does
 * (xfs_extent_busy_flush): it never fails with ENOSPC while the file system is nearly empty.
 * Nor does it leave its AG: a file written and truncated over and over walks through its AG, and
 * once the AG's free space is mostly busy the log is forced before the next operation, where the
 * allocator went on to the other AGs (and took their locks, which other threads were using).
 */
class BusyExtentsDoNotRunOutOfSpaceTest {
    @Test
    void freeingTwiceTheFreeSpaceBetweenCommitsNeverRunsOut() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, MkfsOptions.defaults());
            FileSystem fs = Vfs.mount(type, dev, MountOptions.parse("dax"));
            long free = fs.statfs().bfree();
            int chunk = 1 << 20;
            MemorySegment buf = Arena.ofAuto().allocate(chunk, 4096);
            long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            long rounds = 2 * free / (chunk / 4096);
            for (long i = 0; i < rounds; i++) {
                long ino = fs.create(dir, "tmp", 0644, 0, 0);
                try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                    assertEquals(chunk, f.write(0, buf, 0), "round " + i);
                }
                fs.unlink(dir, "tmp");
            }
            assertEquals(free, fs.statfs().bfree(), "every block freed is counted free again");
            fs.close();
        }
    }

    @Test
    void aFileWrittenAndTruncatedOverAndOverKeepsItsBlocksInItsAg() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, MkfsOptions.defaults());
            MemorySegment sb = Arena.ofAuto().allocate(4);
            dev.load(84, sb, 0, 4); // sb_agblocks, big-endian
            long agblocks = sb.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0) & 0xffffffffL;
            FileSystem fs = Vfs.mount(type, dev, MountOptions.parse("dax"));
            MemorySegment buf = Arena.ofAuto().allocate(4096, 4096);
            long ino = fs.create(fs.mkdir(fs.rootIno(), "d", 0755, 0, 0), "f", 0644, 0, 0);
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                long home = -1;
                for (long i = 0; i < 2 * agblocks + 1000; i++) {
                    f.write(0, buf, 0);
                    if (i % 64 == 0) {
                        long ag = f.fiemap(0, 4096).getFirst().physical() / 4096 / agblocks;
                        if (home < 0) {
                            home = ag;
                        }
                        assertEquals(home, ag, "write " + i + " of a file whose blocks started in AG " + home);
                    }
                    f.truncate(0);
                }
            }
            fs.close();
        }
    }
}
