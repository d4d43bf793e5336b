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

import static org.junit.jupiter.api.Assertions.*;

/**
 * Blocks a delete frees stay busy until their checkpoint is in the log, and a loop that creates,
 * writes and deletes changes the same few metadata blocks, so no checkpoint fills: the busy blocks
 * pile up past the whole free space between two timed commits. An operation short of blocks only
 * because of them forces the log and gets them back, as Linux's allocator does
 * (xfs_extent_busy_flush): it never fails with ENOSPC while the file system is nearly empty.
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
}
