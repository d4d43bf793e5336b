package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Refcount and bmap update intents (CUI, BUI) a crash left without their done items, as Linux's
 * reflink leaves them when it stops between the transactions of one remap, are finished by the next
 * mount in log order (xlog_recover_process_intents): blocks mapped and counted, unmapped and given
 * back, and xfs_repair -n finds the result clean. The logs are written here in Linux's format after
 * a clean unmount, holding the intents of a remap's first transaction and nothing else, which is
 * what the log holds when Linux crashes right after that transaction's commit.
 */
class IntentsFinishedAtMountTest {
    @TempDir
    Path tmp;

    private static final int LEN = 64 << 10;

    @Test
    void aCloneCutAfterItsIntentsIsFinishedByTheNextMount() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = random(LEN, 3);
        long dstIno;
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile seed = fs.open("/seed", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                src.write(0, data, 0, LEN);
                seed.write(0, data, 0, 4096);
                // Linux marks both files reflink inodes, and sets the destination's size, before it remaps.
                seed.remapRange(0, dst, LEN, 4096, 0);
                src.remapRange(0, seed, 8192, 4096, 0);
                dstIno = fs.resolve("/dst", true);
            }
            long[] run = onlyExtent(dev, "src");
            // xfs_reflink_remap_extent's first transaction: the source's count goes up, the mapping goes in.
            crashWithIntents(dev, List.of(
                    cui(1, new long[]{run[0], run[1], 1}),
                    bui(2, dstIno, false, 0, run[0], run[1])));
            // What jdax info says of the image before a mount replays it.
            assertTrue(new XfsFileSystemType().probe(dev).orElseThrow()
                    .contains(", log dirty: 1 transaction to replay, intents to finish: 1 BUI 1 CUI, "));
            XfsFileSystem format = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
            assertTrue(format.opened().dirty());
            try (FileSystem fs = Vfs.over(format);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR, 0, 0, 0)) {
                assertArrayEquals(data, read(dst, 0, LEN));
                assertNotEquals(0, dst.fiemap(0, LEN).getFirst().flags() & FiemapExtent.SHARED);
                assertEquals(LEN / 512 + 8, dst.stat().blocks());
                // The blocks are shared: a write copies on write and leaves the source's bytes.
                byte[] x = new byte[4096];
                Arrays.fill(x, (byte) 'x');
                dst.write(4096, x, 0, x.length);
                try (OpenFile src = fs.open("/src", OpenFlags.O_RDONLY, 0, 0, 0)) {
                    assertArrayEquals(data, read(src, 0, LEN));
                }
            }
            assertTrue(new XfsFileSystemType().probe(dev).orElseThrow().contains(", log clean, "));
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    @Test
    void unmapsAndDecreasesCutByACrashGiveBlocksBackWithTheirLastCount() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = random(LEN, 4);
        long free;
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                free = fs.statfs().bfree();
            }
            long[] inos = cloned(dev, data);
            long srcIno = inos[0];
            long dstIno = inos[1];
            long[] run = onlyExtent(dev, "src");
            // The destination's mapping goes and its count with it: the source keeps the blocks.
            crashWithIntents(dev, List.of(
                    bui(5, dstIno, true, 0, run[0], run[1]),
                    cui(6, new long[]{run[0], run[1], 2})));
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDONLY, 0, 0, 0);
                 OpenFile src = fs.open("/src", OpenFlags.O_RDONLY, 0, 0, 0)) {
                assertArrayEquals(new byte[LEN], read(dst, 0, LEN));
                assertEquals(0, dst.stat().blocks());
                assertArrayEquals(data, read(src, 0, LEN));
                assertEquals(0, src.fiemap(0, LEN).getFirst().flags() & FiemapExtent.SHARED, "no longer shared");
                assertEquals(free - LEN / 4096, fs.statfs().bfree());
            }
            XfsImages.save(dev, img);
            XfsImages.assertRepairClean(img);
            // Then the source's: the last count goes, and the blocks are free.
            crashWithIntents(dev, List.of(
                    bui(7, srcIno, true, 0, run[0], run[1]),
                    cui(8, new long[]{run[0], run[1], 2})));
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                assertEquals(free, fs.statfs().bfree(), "the blocks are free once no file maps them");
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /**
     * The end of a copy on write cut after its first transaction (xfs_reflink_end_cow_extent): the
     * shared block unmapped and its count dropped, the CoW fork's block unstaged and mapped in its
     * place. The CoW fork's other blocks, still staged, go back to the free space (xfs_reflink_recover_cow).
     */
    @Test
    void aCopyOnWriteCutBeforeItsRemapIsFinished() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = random(LEN, 6);
        byte[] x = new byte[4096];
        Arrays.fill(x, (byte) 'x');
        long dstIno;
        try (DaxDevice dev = XfsImages.load(img)) {
            dstIno = cloned(dev, data)[1];
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR, 0, 0, 0)) {
                dst.write(0, x, 0, x.length);   // a CoW fork of a hint's worth; block 0 remapped, the rest staged
                dst.fsync(false);
                XfsImages.save(dev, img);       // the crash, the fork's blocks staged in the refcount B+tree
            }
        }
        byte[] y = new byte[4096];
        Arrays.fill(y, (byte) 'y');
        try (DaxDevice dev = XfsImages.load(img)) {
            long cow;
            long old;
            XfsFileSystem ro = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.parse("ro"));
            try {
                List<BmapExtent> ext = ro.extents(ro.iget(dstIno));
                assertEquals(1, ext.get(1).startoff(), ext.toString());
                cow = ext.get(0).startblock() + 1;    // the fork's block for file block 1
                old = ext.get(1).startblock();
                // The data Linux's write put into the CoW block before the remap.
                dev.store(ro.disk().fsbToByte(cow), java.lang.foreign.MemorySegment.ofArray(y), 0, y.length);
            } finally {
                ro.close();
            }
            crashWithIntents(dev, List.of(
                    bui(11, dstIno, true, 1, old, 1),
                    cui(12, new long[]{old, 1, 2}, new long[]{cow, 1, 4}),
                    bui(13, dstIno, false, 1, cow, 1)));
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDONLY, 0, 0, 0);
                 OpenFile src = fs.open("/src", OpenFlags.O_RDONLY, 0, 0, 0)) {
                byte[] want = data.clone();
                System.arraycopy(x, 0, want, 0, 4096);
                System.arraycopy(y, 0, want, 4096, 4096);
                assertArrayEquals(want, read(dst, 0, LEN));
                assertArrayEquals(data, read(src, 0, LEN));
                assertEquals(0, dst.fiemap(4096, 4096).getFirst().flags() & FiemapExtent.SHARED);
                assertEquals(0, src.fiemap(4096, 4096).getFirst().flags() & FiemapExtent.SHARED);
                assertNotEquals(0, src.fiemap(8192, 4096).getFirst().flags() & FiemapExtent.SHARED);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /**
     * A read-only mount finishes them too (Linux 6.1 runs xfs_log_mount_finish for it, then
     * xfs_log_clean), so that it never shows half a remap; it leaves the log clean.
     */
    @Test
    void aReadOnlyMountFinishesThemToo() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = random(LEN, 5);
        try (DaxDevice dev = XfsImages.load(img)) {
            long dstIno = cloned(dev, data)[1];
            long[] run = onlyExtent(dev, "src");
            crashWithIntents(dev, List.of(
                    bui(9, dstIno, true, 0, run[0], run[1]),
                    cui(10, new long[]{run[0], run[1], 2})));
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("ro"));
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDONLY, 0, 0, 0)) {
                assertTrue(fs.readOnly());
                assertArrayEquals(new byte[LEN], read(dst, 0, LEN));
                assertEquals(0, dst.stat().blocks());
            }
            XfsFileSystem again = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.parse("ro"));
            assertFalse(again.opened().dirty(), "the read-only mount left the log clean");
            again.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /** /src written with {@code data} and cloned whole to /dst (FICLONE); their inode numbers. */
    private static long[] cloned(DaxDevice dev, byte[] data) throws Exception {
        try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
            try (OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                src.write(0, data, 0, data.length);
                src.remapRange(0, dst, 0, 0, 0);
            }
            return new long[]{fs.resolve("/src", true), fs.resolve("/dst", true)};
        }
    }

    /** The log after a clean unmount, then one checkpoint holding only {@code items}: a crash right after it. */
    static void crashWithIntents(DaxDevice dev, List<byte[]> items) throws Exception {
        XfsDisk disk = new XfsDisk(dev, XfsSuperblock.wrap(sector0(dev)));
        XfsLog log = new XfsLog(disk);
        log.writer(log.reader().find()).checkpoint(41, items);
    }

    /** The extent of the one-extent file {@code name} in the root: {fsbno, blocks}. */
    private static long[] onlyExtent(DaxDevice dev, String name) throws Exception {
        XfsFileSystem fs = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.parse("ro"));
        try {
            List<BmapExtent> ext = fs.extents(fs.iget(XfsImages.lookup(fs, fs.rootIno(), name)));
            assertEquals(1, ext.size(), ext.toString());
            return new long[]{ext.getFirst().startblock(), ext.getFirst().blockcount()};
        } finally {
            fs.close();
        }
    }

    /** A CUI as Linux logs it (struct xfs_cui_log_format): extents {fsbno, length, type}. */
    static byte[] cui(long id, long[]... extents) {
        byte[] b = new byte[16 + 16 * extents.length];
        Buf.putLe16(b, 0, LogIntent.XFS_LI_CUI);
        Buf.putLe16(b, 2, 1);
        Buf.putLe32(b, 4, extents.length);
        Buf.putLe64(b, 8, id);
        for (int i = 0; i < extents.length; i++) {
            Buf.putLe64(b, 16 + 16 * i, extents[i][0]);
            Buf.putLe32(b, 16 + 16 * i + 8, extents[i][1]);
            Buf.putLe32(b, 16 + 16 * i + 12, extents[i][2]);
        }
        return b;
    }

    /** A BUI as Linux logs it (struct xfs_bui_log_format with one struct xfs_map_extent). */
    static byte[] bui(long id, long owner, boolean unmap, long startoff, long startblock, long len) {
        byte[] b = new byte[48];
        Buf.putLe16(b, 0, LogIntent.XFS_LI_BUI);
        Buf.putLe16(b, 2, 1);
        Buf.putLe32(b, 4, 1);
        Buf.putLe64(b, 8, id);
        Buf.putLe64(b, 16, owner);
        Buf.putLe64(b, 24, startblock);
        Buf.putLe64(b, 32, startoff);
        Buf.putLe32(b, 40, len);
        Buf.putLe32(b, 44, unmap ? 2 : 1);
        return b;
    }

    private static byte[] sector0(DaxDevice dev) throws Exception {
        byte[] b = new byte[512];
        dev.load(0, java.lang.foreign.MemorySegment.ofArray(b), 0, b.length);
        return b;
    }

    private static byte[] read(OpenFile f, long off, int len) throws Exception {
        byte[] b = new byte[len];
        assertEquals(len, f.read(off, b, 0, len));
        return b;
    }

    private static byte[] random(int len, long seed) {
        byte[] b = new byte[len];
        new Random(seed).nextBytes(b);
        return b;
    }
}
