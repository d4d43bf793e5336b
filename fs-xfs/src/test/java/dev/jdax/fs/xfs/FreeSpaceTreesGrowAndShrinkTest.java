package dev.jdax.fs.xfs;

import dev.jdax.api.fs.Falloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The free-space B+trees (bnobt, cntbt) split as free space fragments and join as it comes back,
 * through three levels and back to one, with the AGFL feeding the splits and taking the freed
 * blocks: xfs_repair -n finds every state clean and xfs_db reads the heights jdax wrote.
 */
class FreeSpaceTreesGrowAndShrinkTest {
    @TempDir
    Path tmp;

    /** 1 KiB blocks: 121 free extents to a leaf, 80 children to a node, so 3 levels take some 10,000 extents. */
    static final int BLOCKS = 20_000;

    @Test
    void fragmentedFreeSpaceGrowsBothTreesToThreeLevelsAndShrinksThemBackToOne() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 300L << 20, "-b", "size=1024");
        byte[] data = new byte[BLOCKS * 1024];
        new Random(11).nextBytes(data);
        long[] ino = new long[1];
        XfsImages.change(img, (fs, m) -> {
            ino[0] = fs.create(fs.rootIno(), "sieve", 0644, 0, 0);
            for (int b = 0; b < BLOCKS; b += 1000) {
                XfsImages.write(fs, ino[0], b * 1024L, Arrays.copyOfRange(data, b * 1024, (b + 1000) * 1024));
            }
            for (int b = 0; b < BLOCKS; b += 2) {     // every other block back to the free space: 10,000 extents
                XfsImages.fallocate(fs, ino[0], Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, b * 1024L, 1024);
                Arrays.fill(data, b * 1024, (b + 1) * 1024, (byte) 0);
            }
            XfsAg ag = m.ag(0);
            assertEquals(ag.freeSpace().minFreelist(), ag.agflCount(), "the AGFL holds what the trees' heights need");
            assertEquals(XfsInode.FMT_BTREE, m.onDisk(ino[0]).di_format());
            assertEquals(BLOCKS / 2, m.onDisk(ino[0]).di_nextents());
        });
        XfsImages.assertRepairClean(img);
        assertEquals(3, XfsImages.field(img, "agf 0", "bnolevel"));
        assertEquals(3, XfsImages.field(img, "agf 0", "cntlevel"));
        assertEquals(6, XfsImages.field(img, "agf 0", "flcount"), "xfs_alloc_min_freelist: (3 + 1) capped at 3, twice");

        // Mounted again: the three-level trees load and take further changes.
        XfsImages.change(img, (fs, m) -> {
            assertArrayEquals(data, XfsImages.readAll(fs, ino[0]));
            // Writing the holes again takes the very blocks punched (the allocator looks next to the
            // extent before): free extents vanish one by one and the trees join their blocks.
            byte[] fill = new byte[1024];
            for (int b = 0; b < BLOCKS / 2; b += 2) {
                Arrays.fill(fill, (byte) b);
                XfsImages.write(fs, ino[0], b * 1024L, fill);
                System.arraycopy(fill, 0, data, b * 1024, 1024);
            }
            assertArrayEquals(data, XfsImages.readAll(fs, ino[0]));
        });
        XfsImages.assertRepairClean(img);
        assertEquals(2, XfsImages.field(img, "agf 0", "bnolevel"), "half the free extents gone: one level less");

        // Cut down to its first 16 blocks (16 extents: the holes were filled from elsewhere), which
        // fit in the inode again: the bmbt of three levels goes, as xfs_bmap_btree_to_extents
        // takes a file back to extents.
        XfsImages.change(img, (fs, m) -> {
            assertEquals(XfsInode.FMT_BTREE, m.onDisk(ino[0]).di_format());
            XfsImages.truncate(fs, ino[0], 16 * 1024);
            XfsInode in = m.onDisk(ino[0]);
            assertEquals(XfsInode.FMT_EXTENTS, in.di_format());
            assertEquals(16, in.di_nextents());
            assertEquals(16, in.di_nblocks(), "no bmbt block left");
            assertArrayEquals(Arrays.copyOf(data, 16 * 1024), XfsImages.readAll(fs, ino[0]));
        });
        XfsImages.assertRepairClean(img);

        XfsImages.change(img, (fs, m) -> fs.unlink(fs.rootIno(), "sieve"));
        XfsImages.assertRepairClean(img);
        assertEquals(1, XfsImages.field(img, "agf 0", "bnolevel"));
        assertEquals(1, XfsImages.field(img, "agf 0", "cntlevel"));
        assertEquals(0, XfsImages.field(img, "agf 0", "btreeblks"), "every block the trees grew by went back");
        assertEquals(4, XfsImages.field(img, "agf 0", "flcount"));
    }

    /** The figure: this failed around the 500th unlink with a bnobt that could not split. */
    @Test
    void deletingEveryOtherOfFourThousandSmallFilesLeavesTwoLevelTrees() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        XfsImages.change(img, (fs, m) -> {
            byte[] data = new byte[4096];
            // The rotor spreads new directories over the AGs, a file goes to its directory's AG:
            // the files go into the directories that landed in AG 0.
            long[] dirs = new long[40];
            for (int d = 0, made = 0; d < dirs.length; made++) {
                long dir = fs.mkdir(fs.rootIno(), "d" + made, 0755, 0, 0);
                if (m.format().disk().inoAgno(dir) == 0) {
                    dirs[d++] = dir;
                }
            }
            for (int i = 0; i < 4000; i++) {
                XfsImages.write(fs, fs.create(dirs[i % 40], "f" + i, 0644, 0, 0), 0, data);
            }
            for (int i = 0; i < 4000; i += 2) {
                fs.unlink(dirs[i % 40], "f" + i);
            }
        });
        XfsImages.assertRepairClean(img);
        assertEquals(2, XfsImages.field(img, "agf 0", "bnolevel"));
        assertEquals(2, XfsImages.field(img, "agf 0", "cntlevel"));
    }
}
