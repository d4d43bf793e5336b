package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
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
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
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
            // Random churn: removes empty whole data blocks (the first names went in order), adds fill holes.
            for (int round = 0; round < 30_000; round++) {
                if (rnd.nextInt(3) > 0 && !names.isEmpty()) {
                    String gone = names.remove(rnd.nextInt(names.size()));
                    fs.unlink(dir[0], gone);
                    model.remove(gone);
                } else {
                    String name = name(rnd, 20_000 + round);
                    model.put(name, fs.create(dir[0], name, 0644, 0, 0));
                    names.add(name);
                }
            }
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

    @Test
    void aRemovedNameChangesOneDataBlockAndLeavesTheOthers() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
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
