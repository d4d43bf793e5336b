package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * xfs_alloc_vextent goes round the AGs twice, the first time with XFS_ALLOC_FLAG_TRYLOCK: a writer
 * whose goal is in an AG another thread holds takes its blocks in the next AG instead of waiting
 * (two files written in one directory have their blocks in its AG). Here the test holds the file's
 * AG while another thread extends the file: the write finishes while the AG is still held, with
 * its blocks in another AG; with nothing held, the next write goes near its goal again.
 */
class AllocationPassesOverAHeldAgTest {
    @Test
    void aWriteWhoseAgIsHeldTakesTheNextAg() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            MemorySegment sb = Arena.ofAuto().allocate(4);
            dev.load(84, sb, 0, 4); // sb_agblocks, big-endian
            long agBytes = (sb.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0) & 0xffffffffL) * 4096;
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            XfsSpace space = m.format().mutations().space();
            MemorySegment buf = Arena.ofAuto().allocate(4096, 4096);
            long ino = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.write(0, buf, 0);
                long home = f.fiemap(0, 4096).getFirst().physical() / agBytes;
                AtomicReference<Throwable> failed = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try {
                        f.write(1 << 20, buf, 0);
                    } catch (Throwable t) {
                        failed.set(t);
                    }
                });
                space.locked(home, ag -> {
                    writer.start();
                    // Liveness, not speed: a writer that waited for the held AG would never end here.
                    try {
                        writer.join(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
                assertFalse(writer.isAlive(), "the write waited for the AG the test holds");
                assertNull(failed.get());
                long elsewhere = f.fiemap(1 << 20, 4096).getFirst().physical() / agBytes;
                assertNotEquals(home, elsewhere, "blocks of the write made while AG " + home + " was held");
                f.write(2 << 20, buf, 0);
                assertEquals(elsewhere, f.fiemap(2 << 20, 4096).getFirst().physical() / agBytes,
                        "with nothing held, near the extent before it (xfs_bmap_btalloc's goal)");
            }
            fs.close();
        }
    }
}
