package dev.jdax.fs.xfs;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Allocation stops where Linux's does: at the free counter less the set-aside, the per-AG
 * reservations and the reserve pool; an allocation larger than what is left fails whole (a short
 * write), a small one after it still succeeds, and statfs says what is left.
 */
class EnospcFollowsXfsReservationsTest {
    @TempDir
    Path tmp;

    @Test
    void largeAllocationFailsWhileASmallOneStillFits() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, MkfsOptions.defaults());
            XfsFileSystem fs = XfsImages.formatRw(dev);
            XfsInode in = XfsImages.create(fs, "fill");
            XfsIomap iomap = new XfsIomap(fs);
            long before = fs.statfs().bfree();
            long pos = 0;
            long chunk = 64L << 20;
            FsException enospc = null;
            while (enospc == null) {
                try {
                    Iomap m = iomap.begin(in, pos, chunk, IomapOps.WRITE);
                    pos = m.end();
                } catch (FsException e) {
                    enospc = e;
                }
            }
            assertEquals(Errno.ENOSPC, enospc.errno());
            long left = fs.statfs().bfree();
            assertTrue(left < chunk / 4096 && left > 4, "left " + left);
            assertEquals(before - pos / 4096, left + (in.di_nblocks() - pos / 4096),
                    "statfs counts every allocated block, bmbt blocks included");
            Iomap small = iomap.begin(in, pos, 4096, IomapOps.WRITE);
            assertEquals(4096, small.length());
            fs.fileOps().setSize(in, pos + 4096, java.time.Instant.now(), java.time.Instant.now());
            fs.close();
            if (XfsImages.tool("xfs_repair") != null) {
                Path img = tmp.resolve("full.img");
                XfsImages.save(dev, img);
                XfsImages.assertRepairClean(img);
            }
        }
    }
}
