package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A block directory (one block: entries, hash-sorted leaf, tail) is changed in place as Linux
 * changes it: a removed name turns into free space and a stale leaf entry, a new one takes a free
 * region and a leaf slot, and the rest of the block stays as it was. Names come and go in random
 * order around the sizes where the directory changes form (shortform, block, leaf), and
 * xfs_repair -n, lookups and readdir agree with the model.
 */
class BlockDirectoriesChangeInPlaceTest {
    @TempDir
    Path tmp;

    @Test
    void aRemovedNameLeavesAStaleLeafEntryAndTheRestOfTheBlock() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("block.img");
        long dir;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir = directoryOf(fs, 60);
            XfsDisk disk = m.format().disk();
            byte[] before = block(m, disk, dir);
            assertEquals(DataBlock.XFS_DIR3_BLOCK_MAGIC, Buf.be32(before, 0), "60 names make a block directory");
            assertEquals(0, Buf.be32(before, disk.blockSize() - 4), "stale leaf entries after the fill");

            fs.unlink(dir, "name-17");
            byte[] after = block(m, disk, dir);
            assertEquals(62, Buf.be32(after, disk.blockSize() - 8), "leaf entries: 59 names, '.', '..', one stale");
            assertEquals(1, Buf.be32(after, disk.blockSize() - 4), "stale leaf entries");
            // The entry (24 bytes), the header's bestfree table and CRC, one leaf slot and the tail.
            assertTrue(changedChunks(before, after) <= 4, changedChunks(before, after) + " chunks of 128 bytes changed");

            fs.create(dir, "name-x7", 0644, 0, 0);
            byte[] again = block(m, disk, dir);
            assertEquals(0, Buf.be32(again, disk.blockSize() - 4), "the stale slot was taken again");
            assertEquals(62, Buf.be32(again, disk.blockSize() - 8));
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            assertTrue(fs.lookup(dir, "name-x7") > 0);
            FsException gone = assertThrows(FsException.class, () -> fs.lookup(dir, "name-17"));
            assertEquals(Errno.ENOENT, gone.errno());
            assertEquals(62, fs.readdir(dir).size());
            fs.close();
        }
    }

    /**
     * A leaf directory (data blocks and one LEAF1 block) loses a name as xfs_dir2_leaf_removename
     * takes it out: its bytes become free space in its own data block, the other data blocks stay as
     * they were, its leaf entry goes stale in place and the block's best-free slot in the leaf's tail
     * follows; a new name then takes the first data block with room and the stale slot, as
     * xfs_dir2_leaf_addname does. (jdax rewrote such a directory whole before: every data block
     * repacked, no stale entry.) The counts and bests are Linux 6.1's after the same steps.
     */
    @Test
    void aLeafDirectoryChangesInItsOwnBlocks() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("leaf.img");
        long dir;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir = directoryOf(fs, 300);
            XfsDisk disk = m.format().disk();
            int bs = disk.blockSize();
            List<BmapExtent> ext = XfsBmap.read(disk, m.onDisk(dir));
            long leafFsb = DirWriter.mapped(ext, XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog());
            byte[] leaf = disk.readBlock(leafFsb, "leaf block");
            assertEquals(DirWriter.LEAF1_MAGIC, Buf.be16(leaf, 8), "300 names make a leaf directory");
            int bestCount = (int) Buf.be32(leaf, bs - 4);
            List<byte[]> before = new ArrayList<>();
            for (int db = 0; db < bestCount; db++) {
                before.add(disk.readBlock(DirWriter.mapped(ext, db), "data block"));
            }

            // Linux 6.1 (fs-xfs/src/test/oracle/leaf-remove.sh: the same 300 creates, rm name-150, then
            // name-x made; xfs_db's lhdr, ltail and lbests after each): 302 leaf entries, none stale,
            // bests 0x10 and 0x330; then one stale, bests 0x18 and 0x330; then none stale, 0x10 and 0x330.
            assertEquals(List.of(302, 0, 2, 0x10, 0x330), leafShape(leaf, bs));
            fs.unlink(dir, "name-150");
            byte[] leafAfter = disk.readBlock(leafFsb, "leaf block");
            assertEquals(Buf.be16(leaf, 56), Buf.be16(leafAfter, 56), "leaf entries: the name's goes stale where it is");
            assertEquals(Buf.be16(leaf, 58) + 1, Buf.be16(leafAfter, 58), "stale leaf entries");
            int changed = -1;
            for (int db = 0; db < bestCount; db++) {
                byte[] now = disk.readBlock(DirWriter.mapped(ext, db), "data block");
                if (!java.util.Arrays.equals(before.get(db), now)) {
                    assertEquals(-1, changed, "a second data block changed: " + db);
                    changed = db;
                    assertEquals(Buf.be16(now, 50), Buf.be16(leafAfter, bs - 4 - 2 * bestCount + 2 * db),
                            "the leaf's best-free slot for the data block is its longest free region");
                }
            }
            assertTrue(changed >= 0, "the name's data block changed");
            assertEquals(List.of(302, 1, 2, 0x18, 0x330), leafShape(leafAfter, bs), "as Linux 6.1 leaves it");
            assertEquals(0, changed, "name-150 is in the first data block");
            assertEquals(ext, XfsBmap.read(disk, m.onDisk(dir)), "the directory keeps its blocks");

            byte[] second = disk.readBlock(DirWriter.mapped(ext, 1), "data block");
            fs.create(dir, "name-x", 0644, 0, 0);
            assertEquals(List.of(302, 0, 2, 0x10, 0x330), leafShape(disk.readBlock(leafFsb, "leaf block"), bs),
                    "name-x took the freed bytes of the first data block and the stale slot, as on Linux 6.1");
            assertArrayEquals(second, disk.readBlock(DirWriter.mapped(ext, 1), "data block"), "the second data block");
            assertEquals(ext, XfsBmap.read(disk, m.onDisk(dir)), "the directory keeps its blocks");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fs.lookup(dir, "name-150")).errno());
            assertTrue(fs.lookup(dir, "name-151") > 0);
            assertTrue(fs.lookup(dir, "name-x") > 0);
            assertEquals(300 + 2, fs.readdir(dir).size());
            fs.close();
        }
    }

    /**
     * Removals that empty data blocks of a leaf directory give the blocks back in place, as
     * xfs_dir2_leaf_removename and xfs_dir2_shrink_inode do: the block is unmapped, its best-free
     * slot turns null, or, for the last data block, the bests table loses it and the null slots
     * before it, and the directory's size ends at its last data block; leaf entries only go stale.
     * (jdax rewrote the directory whole instead.) Every shape below is Linux 6.1's after the same
     * steps (fs-xfs/src/test/oracle/leaf-blocks.sh, measured 2026-12-04): 400 names of 24 bytes in
     * four data blocks, then the second block's names removed, then the fourth's, then the third's;
     * then, in the one data block left, removals stay in place until its free end holds the leaf,
     * and the removal that makes it so turns the directory into a block directory.
     */
    @Test
    void aLeafDirectoryGivesBackTheDataBlocksItsRemovalsEmpty() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("shrink.img");
        long dir;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir = directoryOfLongNames(fs, 400);
            assertEquals(List.of(16384L, List.of(0L, 1L, 2L, 3L), 402, 0, List.of(0, 0x20, 0x20, 0x20)), leafDirShape(m, dir));
            removeNames(fs, dir, 100, 200);
            assertEquals(List.of(16384L, List.of(0L, 2L, 3L), 402, 100, List.of(0, 0xffff, 0x20, 0x20)), leafDirShape(m, dir),
                    "the second data block unmapped, its slot null");
            removeNames(fs, dir, 300, 400);
            assertEquals(List.of(12288L, List.of(0L, 2L), 402, 200, List.of(0, 0xffff, 0x20)), leafDirShape(m, dir),
                    "the last data block unmapped, its slot dropped, the size at the third block's end");
            removeNames(fs, dir, 200, 300);
            assertEquals(List.of(4096L, List.of(0L), 402, 300, List.of(0)), leafDirShape(m, dir),
                    "one data block left, with no room for the leaf: still a leaf directory, as on Linux 6.1");
            removeNames(fs, dir, 83, 100);
            assertEquals(List.of(4096L, List.of(0L), 402, 317, List.of(0x2a8)), leafDirShape(m, dir),
                    "17 names fewer in the one data block: 680 bytes free at its end, too few for 85 leaf entries");
            removeNames(fs, dir, 82, 83);
            XfsDisk disk = m.format().disk();
            assertEquals(List.of(new BmapExtent(0, DirWriter.mapped(XfsBmap.read(disk, m.onDisk(dir)), 0), 1, false)),
                    XfsBmap.read(disk, m.onDisk(dir)), "one block left, the leaf's gone");
            assertEquals(DataBlock.XFS_DIR3_BLOCK_MAGIC, Buf.be32(block(m, disk, dir), 0),
                    "and with room for the leaf entries a block directory, as xfs_dir2_leaf_to_block makes it on Linux 6.1");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            assertTrue(fs.lookup(dir, longName(81)) > 0);
            assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fs.lookup(dir, longName(82))).errno());
            assertEquals(82 + 2, fs.readdir(dir).size());
            fs.create(dir, "again", 0644, 0, 0);
            assertEquals(82 + 3, fs.readdir(dir).size());
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /** A new directory "d" of {@code names} empty files of 24-byte names ({@link #longName}), 40-byte entries. */
    private static long directoryOfLongNames(FileSystem fs, int names) throws FsException {
        long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
        for (int i = 0; i < names; i++) {
            fs.create(dir, longName(i), 0644, 0, 0);
        }
        return dir;
    }

    /**
     * A leaf directory none of whose data blocks has room for a name gets a new data block in
     * place, as xfs_dir2_leaf_addname does: in the first hole of the data space, whose null
     * best-free slot it fills, and then at the end, the bests table one slot longer and the size
     * with it. The shapes are Linux 6.1's after the same steps (fs-xfs/src/test/oracle/leaf-blocks.sh,
     * measured 2026-12-04): 400 names of 24 bytes in four data blocks, the second block's names
     * removed, then 101 new names of 24 bytes. (jdax rewrote the directory whole at the first of them.)
     */
    @Test
    void aLeafDirectoryAddsTheDataBlocksItsNamesNeed() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("grow.img");
        long dir;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir = directoryOfLongNames(fs, 400);
            removeNames(fs, dir, 100, 200);
            assertEquals(List.of(16384L, List.of(0L, 2L, 3L), 402, 100, List.of(0, 0xffff, 0x20, 0x20)), leafDirShape(m, dir));
            fs.create(dir, "g" + longName(0).substring(1), 0644, 0, 0);
            assertEquals(List.of(16384L, List.of(0L, 1L, 2L, 3L), 402, 99, List.of(0, 0xf98, 0x20, 0x20)), leafDirShape(m, dir),
                    "a new second data block, in the hole, a stale leaf slot taken");
            for (int i = 1; i < 100; i++) {
                fs.create(dir, "g" + longName(i).substring(1), 0644, 0, 0);
            }
            assertEquals(List.of(16384L, List.of(0L, 1L, 2L, 3L), 402, 0, List.of(0, 0x20, 0x20, 0x20)), leafDirShape(m, dir));
            fs.create(dir, "g" + longName(100).substring(1), 0644, 0, 0);
            assertEquals(List.of(20480L, List.of(0L, 1L, 2L, 3L, 4L), 403, 0, List.of(0, 0x20, 0x20, 0x20, 0xf98)),
                    leafDirShape(m, dir), "a fifth data block at the end, one best-free slot more");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            assertTrue(fs.lookup(dir, "g" + longName(100).substring(1)) > 0);
            assertTrue(fs.lookup(dir, longName(399)) > 0);
            assertEquals(401 + 2, fs.readdir(dir).size());
            fs.close();
        }
    }

    private static String longName(int i) {
        return String.format("f%023d", i);
    }

    private static void removeNames(FileSystem fs, long dir, int from, int to) throws FsException {
        for (int i = from; i < to; i++) {
            fs.unlink(dir, longName(i));
        }
    }

    /** A leaf directory's size, mapped data blocks, and its LEAF1 block's count, stale count and bests. */
    private static List<Object> leafDirShape(XfsImages.Mounted m, long dir) throws FsException {
        XfsDisk disk = m.format().disk();
        int bs = disk.blockSize();
        long leafDablk = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        List<BmapExtent> ext = XfsBmap.read(disk, m.onDisk(dir));
        List<Long> data = new ArrayList<>();
        for (BmapExtent e : ext) {
            for (long off = e.startoff(); off < e.endoff() && off < leafDablk; off++) {
                data.add(off);
            }
        }
        byte[] leaf = disk.readBlock(DirWriter.mapped(ext, leafDablk), "leaf block");
        assertEquals(DirWriter.LEAF1_MAGIC, Buf.be16(leaf, 8), "a leaf directory");
        int bestCount = (int) Buf.be32(leaf, bs - 4);
        List<Integer> bests = new ArrayList<>();
        for (int db = 0; db < bestCount; db++) {
            bests.add(Buf.be16(leaf, bs - 4 - 2 * bestCount + 2 * db));
        }
        return List.of(m.onDisk(dir).di_size(), data, Buf.be16(leaf, 56), Buf.be16(leaf, 58), bests);
    }

    /**
     * A node directory gives a new name the last data block with room: xfs_dir2_node_find_freeblk
     * scans the free index from its last slot back (Linux 5.5 on), where jdax took the first data
     * block with room. 1,000 names of 24 bytes fill ten data blocks, each left with 32 bytes; a
     * 16-byte entry fits in every one, and Linux 6.1 (fs-xfs/src/test/oracle/node-add.sh, the same
     * steps, measured 2026-12-04) lists "tmp" last in readdir order, after the last block's names
     * (line 1001 of 1001 names); jdax put it in the third data block (index 202 here).
     */
    @Test
    void aNodeDirectoryGivesANewNameItsLastDataBlockWithRoom() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("node.img");
        long dir;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir = directoryOfLongNames(fs, 1000);
            XfsDisk disk = m.format().disk();
            List<BmapExtent> ext = XfsBmap.read(disk, m.onDisk(dir));
            assertTrue(DirWriter.mapped(ext, XfsDirs.FREE_OFFSET_BYTES >>> disk.blockLog()) >= 0,
                    "1,000 names make a node directory (it has a free index block)");
            fs.create(dir, "tmp", 0644, 0, 0);
            List<String> order = fs.readdir(dir).stream().map(DirEntry::name).toList();
            assertEquals(1003, order.size());
            assertEquals(1002, order.indexOf("tmp"), "tmp comes last in readdir order, in the last data block, as on Linux 6.1");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            assertTrue(fs.lookup(dir, "tmp") > 0);
            assertEquals(1003, fs.readdir(dir).size());
            fs.close();
        }
    }

    @Test
    void namesComeAndGoAcrossTheFormsAndXfsRepairAgrees() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("churn.img");
        Random rnd = new Random(2112);
        Map<String, Long> model = new TreeMap<>();
        long dir;
        long other;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            FileSystem fs = XfsImages.Mounted.made(dev).fs();
            dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            other = fs.mkdir(fs.rootIno(), "other", 0755, 0, 0);
            List<String> names = new ArrayList<>();
            for (int round = 0; round < 6_000; round++) {
                // The size drifts between shortform and leaf form: up to about 200 names.
                int target = 100 + (int) (100 * Math.sin(round / 400.0));
                int op = rnd.nextInt(10);
                if (op < 4 && names.size() > target) {
                    String gone = names.remove(rnd.nextInt(names.size()));
                    fs.unlink(dir, gone);
                    model.remove(gone);
                } else if (op < 7 || names.size() < 2) {
                    String name = name(rnd, round);
                    if (!model.containsKey(name)) {
                        model.put(name, fs.create(dir, name, 0644, 0, 0));
                        names.add(name);
                    }
                } else if (op == 7) {
                    String from = names.remove(rnd.nextInt(names.size()));
                    String to = rnd.nextBoolean() ? names.get(rnd.nextInt(names.size())) : name(rnd, round);
                    fs.rename(dir, from, dir, to, 0);
                    if (!model.containsKey(to)) {
                        names.add(to);
                    }
                    model.put(to, model.remove(from));
                } else if (op == 8) {
                    String name = name(rnd, round);
                    if (!model.containsKey(name)) {
                        long ino = fs.create(other, name, 0644, 0, 0);
                        fs.rename(other, name, dir, name, 0);
                        model.put(name, ino);
                        names.add(name);
                    }
                } else {
                    // A directory moves out and back: its ".." is pointed at each parent in turn.
                    String name = "sub" + round;
                    long sub = fs.mkdir(dir, name, 0755, 0, 0);
                    for (int i = 0; i < rnd.nextInt(80); i++) {
                        fs.create(sub, "s" + i, 0644, 0, 0);
                    }
                    fs.rename(dir, name, other, name, 0);
                    assertEquals(other, fs.lookup(sub, ".."));
                    fs.rename(other, name, dir, name, 0);
                    assertEquals(dir, fs.lookup(sub, ".."));
                    model.put(name, sub);   // kept: not in names, which unlink and rename pick from
                }
                if (round % 500 == 499) {
                    assertEquals(model, listing(fs, dir), "readdir after round " + round);
                }
            }
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            for (var e : model.entrySet()) {
                assertEquals(e.getValue(), fs.lookup(dir, e.getKey()), e.getKey());
            }
            assertEquals(model, listing(fs, dir));
            fs.close();
        }
    }

    private static Map<String, Long> listing(FileSystem fs, long dir) throws FsException {
        Map<String, Long> out = new TreeMap<>();
        for (DirEntry e : fs.readdir(dir)) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                out.put(e.name(), e.ino());
            }
        }
        return out;
    }

    /** Names of 1 to 40 bytes, so entries of every size leave holes of every size. */
    private static String name(Random rnd, int round) {
        String n = Integer.toString(round, 36);
        return n + "x".repeat(rnd.nextInt(40));
    }

    private static byte[] block(XfsImages.Mounted m, XfsDisk disk, long dir) throws FsException {
        List<BmapExtent> ext = XfsBmap.read(disk, m.onDisk(dir));
        return disk.readBlock(DirWriter.mapped(ext, 0), "directory block");
    }

    /** A new directory "d" of {@code names} empty files name-0, name-1, ... */
    private static long directoryOf(FileSystem fs, int names) throws FsException {
        long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
        for (int i = 0; i < names; i++) {
            fs.create(dir, "name-" + i, 0644, 0, 0);
        }
        return dir;
    }

    /** A LEAF1 block's count, stale count, bestcount and its first two bests. */
    private static List<Integer> leafShape(byte[] leaf, int bs) {
        int bestCount = (int) Buf.be32(leaf, bs - 4);
        int bests = bs - 4 - 2 * bestCount;
        return List.of(Buf.be16(leaf, 56), Buf.be16(leaf, 58), bestCount, Buf.be16(leaf, bests), Buf.be16(leaf, bests + 2));
    }

    private static int changedChunks(byte[] a, byte[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i += 128) {
            if (java.util.Arrays.mismatch(a, i, i + 128, b, i, i + 128) >= 0) {
                n++;
            }
        }
        return n;
    }
}
