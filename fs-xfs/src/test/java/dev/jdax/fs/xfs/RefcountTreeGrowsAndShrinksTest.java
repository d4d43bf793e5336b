package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MountOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.jdax.fs.xfs.Buf.put32;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The refcount B+tree splits and joins as the other AG trees do, its blocks from the AG's
 * metadata reservation. jdax shares no extents itself, so the records here are put in through
 * the tree: xfs_db reads the three levels they grow to, and once they are gone again the tree is
 * its one empty root, every block given back, and xfs_repair -n finds the file system clean. Read
 * again at mount, the records are the index of shared blocks on a writable and a read-only mount.
 */
class RefcountTreeGrowsAndShrinksTest {
    @TempDir
    Path tmp;

    /** 1 KiB blocks: 80 records to a leaf, 121 children to a node; 11,000 records make three levels. */
    static final int RECORDS = 11_000;

    @Test
    void recordsGrowTheTreeToThreeLevelsAndTheirRemovalShrinksItToOneEmptyRoot() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 300L << 20, "-b", "size=1024");
        long freeBefore;
        Path grown = tmp.resolve("grown.img");
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem fs = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
            XfsAg ag = fs.mutations().space().ag(1);
            freeBefore = ag.freeBlocks() + ag.agflCount();
            for (int i = 0; i < RECORDS; i++) {
                long start = 1000 + 3L * i;
                fs.log().run(h -> {
                    ag.addRefcount(rec(start, 2, 2));
                    return null;
                });
            }
            fs.log().quiesce();
            XfsImages.save(dev, grown);
            try (DaxDevice copy = XfsImages.load(grown)) {
                // Mounted again, the records are the allocator's index of shared blocks, on either kind of mount.
                XfsFileSystem rw = (XfsFileSystem) new XfsFileSystemType().mount(copy, MountOptions.none());
                assertEquals(RECORDS, rw.mutations().space().ag(1).shared().size());
                assertArrayEquals(new long[]{1, 2}, rw.sharedRun(rw.disk().fsb(1, 1000), 5));
                rw.close();
                XfsFileSystem ro = (XfsFileSystem) new XfsFileSystemType().mount(copy, MountOptions.parse("ro"));
                assertArrayEquals(new long[]{0, 1}, ro.sharedRun(ro.disk().fsb(1, 1002), 5));
                ro.close();
            }
            // Taken out in an order of their own: joins left and right, borrows from both sides.
            for (int i = 0; i < RECORDS; i += 2) {
                remove(fs, ag, 1000 + 3L * i);
            }
            for (int i = RECORDS - 1; i > 0; i -= 2) {
                remove(fs, ag, 1000 + 3L * i);
            }
            assertEquals(freeBefore, ag.freeBlocks() + ag.agflCount());
            fs.close();
            XfsImages.save(dev, img);
        }
        assertEquals(3, XfsImages.field(grown, "agf 1", "refcntlevel"));
        assertTrue(XfsImages.field(grown, "agf 1", "refcntblocks") > 130);
        String root = XfsImages.db(grown, "agf 1", "addr refcntroot", "print").output();
        assertTrue(root.contains("level = 2") && root.contains("numrecs = 2"), root);
        XfsImages.assertRepairClean(img);
        assertEquals(1, XfsImages.field(img, "agf 1", "refcntlevel"));
        assertEquals(1, XfsImages.field(img, "agf 1", "refcntblocks"));
        try (DaxDevice dev = XfsImages.load(img)) {
            new XfsFileSystemType().mount(dev, MountOptions.none()).close();
        }
    }

    private static void remove(XfsFileSystem fs, XfsAg ag, long start) throws FsException {
        fs.log().run(h -> {
            ag.removeRefcount(rec(start, 2, 2));
            return null;
        });
    }

    /** struct xfs_refcount_rec: rc_startblock, rc_blockcount, rc_refcount. */
    private static byte[] rec(long start, long count, long refcount) {
        byte[] b = new byte[12];
        put32(b, 0, start);
        put32(b, 4, count);
        put32(b, 8, refcount);
        return b;
    }
}
