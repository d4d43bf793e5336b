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
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            for (int i = 0; i < 60; i++) {
                fs.create(dir, "name-" + i, 0644, 0, 0);
            }
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

    @Test
    void namesComeAndGoAcrossTheFormsAndXfsRepairAgrees() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("churn.img");
        Random rnd = new Random(2112);
        Map<String, Long> model = new TreeMap<>();
        long dir;
        long other;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            FileSystem fs = XfsImages.Mounted.rw(dev).fs();
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
