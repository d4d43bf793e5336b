package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A directory of tens of thousands of names (node form: data blocks, a da node over LEAFN blocks,
 * a free index) is changed in place as Linux changes it: a removed name frees its bytes in one
 * data block and leaves the others as they were; names come and go in random order, leaves split,
 * empty data blocks are freed and their holes filled again. Every name is found through the hash
 * index, readdir lists exactly the model, and xfs_repair -n finds nothing.
 */
class NodeDirectoriesChangeInPlaceTest {
    @TempDir
    Path tmp;

    @Test
    void namesComeAndGoInRandomOrderAndXfsRepairAgrees() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("dirs.img");
        Random rnd = new Random(21);
        Map<String, Long> model = new HashMap<>();
        long[] dir = new long[1];
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir[0] = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                String name = name(rnd, i);
                model.put(name, fs.create(dir[0], name, 0644, 0, 0));
                order.add(name);
            }
            long full = m.onDisk(dir[0]).di_nblocks();
            // The first names filled the first data blocks: removing them empties those blocks, which go.
            for (String gone : order.subList(0, 8_000)) {
                fs.unlink(dir[0], gone);
                model.remove(gone);
            }
            assertTrue(m.onDisk(dir[0]).di_nblocks() < full - 30, "blocks of the directory after 8,000 of 20,000 names"
                    + " went: " + m.onDisk(dir[0]).di_nblocks() + " of " + full);
            List<String> names = new ArrayList<>(model.keySet());
            // Random churn: adds fill the holes; renames within the directory (onto a name or not) and
            // into it from a small one go name by name.
            long small = fs.mkdir(fs.rootIno(), "small", 0755, 0, 0);
            for (int round = 0; round < 30_000; round++) {
                int op = rnd.nextInt(10);
                if (op < 5 && names.size() > 1) {
                    String gone = names.remove(rnd.nextInt(names.size()));
                    fs.unlink(dir[0], gone);
                    model.remove(gone);
                } else if (op < 8 || names.size() < 2) {
                    String name = name(rnd, 20_000 + round);
                    model.put(name, fs.create(dir[0], name, 0644, 0, 0));
                    names.add(name);
                } else if (op == 8) {
                    String from = names.remove(rnd.nextInt(names.size()));
                    String to = rnd.nextBoolean() ? names.get(rnd.nextInt(names.size())) : name(rnd, 20_000 + round);
                    fs.rename(dir[0], from, dir[0], to, 0);
                    if (!model.containsKey(to)) {
                        names.add(to);
                    }
                    model.put(to, model.remove(from));
                } else {
                    String name = name(rnd, 20_000 + round);
                    long ino = fs.create(small, name, 0644, 0, 0);
                    fs.rename(small, name, dir[0], name, 0);
                    model.put(name, ino);
                    names.add(name);
                }
            }
            // A node directory moved into it: its ".." follows, in place.
            long sub = fs.mkdir(fs.rootIno(), "sub", 0755, 0, 0);
            for (int i = 0; i < 3_000; i++) {
                fs.create(sub, "s" + i, 0644, 0, 0);
            }
            fs.rename(fs.rootIno(), "sub", dir[0], "sub", 0);
            model.put("sub", sub);
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            for (var e : model.entrySet()) {
                assertEquals(e.getValue(), fs.lookup(dir[0], e.getKey()), e.getKey());
            }
            assertEquals(dir[0], fs.lookup(model.get("sub"), ".."), "the moved directory's parent");
            FsException absent = assertThrows(FsException.class, () -> fs.lookup(dir[0], "never-made"));
            assertEquals(Errno.ENOENT, absent.errno());
            Map<String, Long> listed = new TreeMap<>();
            model.put(".", dir[0]);
            model.put("..", fs.rootIno());
            for (DirEntry e : fs.readdir(dir[0])) {
                listed.put(e.name(), e.ino());
            }
            Map<String, Long> missing = new TreeMap<>(model);
            missing.keySet().removeAll(listed.keySet());
            Map<String, Long> extra = new TreeMap<>(listed);
            extra.entrySet().removeAll(model.entrySet());
            assertEquals("{}{}", missing + "" + extra, "readdir: names missing, then names not in the model");
            assertEquals(model.size(), listed.size());
            fs.close();
        }
    }

    /**
     * 35,000 names of 255 bytes fill more data blocks than one free index block can name (a second
     * free index block); when the names past the first 25,000 go, the data blocks they filled go
     * and the second free index block with them.
     */
    @Test
    void theFreeIndexGrowsAndShrinksByWholeBlocks() throws Exception {
        growAndShrink(35_000, 255, 25_000, 1);
    }

    /**
     * 200,000 names: more leaves than one da node can name, so the root splits and the tree gains
     * a level (about two minutes on a loaded machine: -Djdax.slow=true).
     */
    @Test
    @EnabledIfSystemProperty(named = "jdax.slow", matches = "true")
    void theDaTreeGrowsALevel() throws Exception {
        growAndShrink(200_000, 40, 20_000, 2);
    }

    private void growAndShrink(int names, int nameLength, int kept, int rootLevel) throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("deep.img");
        long dir;
        try (DaxDevice dev = PmemDevices.memory(1L << 30)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            dir = fs.mkdir(fs.rootIno(), "deep", 0755, 0, 0);
            for (int i = 0; i < names; i++) {
                fs.create(dir, longName(i, nameLength), 0644, 0, 0);
            }
            XfsDisk disk = m.format().disk();
            List<BmapExtent> ext = XfsBmap.read(disk, m.onDisk(dir));
            long leaf = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
            long free = XfsDirs.FREE_OFFSET_BYTES >>> disk.blockLog();
            byte[] root = disk.readBlock(DirWriter.mapped(ext, leaf), "root");
            assertEquals(rootLevel, Buf.be16(root, 58), "da root level of " + names + " names; root entries "
                    + Buf.be16(root, 56));
            assertTrue(DirWriter.mapped(ext, free + 1) >= 0, "a second free index block");
            // The names were placed in order, so the last ones fill the last data blocks alone.
            for (int i = kept; i < names; i++) {
                fs.unlink(dir, longName(i, nameLength));
            }
            assertTrue(DirWriter.mapped(XfsBmap.read(disk, m.onDisk(dir)), free + 1) < 0,
                    "the second free index block went with the data blocks it named");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
            for (int i = 0; i < kept; i++) {
                fs.lookup(dir, longName(i, nameLength));
            }
            assertEquals(kept + 2, fs.readdir(dir).size());
            FsException gone = assertThrows(FsException.class, () -> fs.lookup(dir, longName(kept, nameLength)));
            assertEquals(Errno.ENOENT, gone.errno());
            fs.close();
        }
    }

    private static String longName(int i, int length) {
        String n = String.format("%08d-", i);
        return n + "x".repeat(length - n.length());
    }

    @Test
    void aRemovedNameChangesOneDataBlockAndLeavesTheOthers() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            long dir = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
            for (int i = 0; i < 5_000; i++) {
                fs.create(dir, "file-" + i, 0644, 0, 0);
            }
            XfsInode in = m.onDisk(dir);
            List<BmapExtent> ext = XfsBmap.read(m.format().disk(), in);
            List<byte[]> before = dataBlocks(m, ext);
            assertTrue(before.size() > 20, "a directory of 5,000 names has " + before.size() + " data blocks");
            fs.unlink(dir, "file-3");           // in data block 0, ahead of every other name
            List<byte[]> after = dataBlocks(m, ext);
            int changed = 0;
            for (int i = 0; i < before.size(); i++) {
                changed += java.util.Arrays.equals(before.get(i), after.get(i)) ? 0 : 1;
            }
            assertEquals(1, changed, "data blocks changed by one unlink");
            fs.close();
        }
    }

    private static List<byte[]> dataBlocks(XfsImages.Mounted m, List<BmapExtent> ext) throws FsException {
        XfsDisk disk = m.format().disk();
        long leaf = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        List<byte[]> out = new ArrayList<>();
        for (BmapExtent e : ext) {
            for (long i = 0; i < e.blockcount() && e.startoff() + i < leaf; i++) {
                out.add(disk.readBlock(e.startblock() + i, "data block"));
            }
        }
        return out;
    }

    private static String name(Random rnd, int i) {
        return "n" + Long.toString(rnd.nextLong() & 0xffffffffffL, 36) + "-" + i;
    }
}
