package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory just past what one LEAF1 block indexes is a node directory of one LEAFN block, which
 * is the root of the leaf space itself: Linux converts the LEAF1 block in place
 * (xfs_dir2_leaf_to_node) and puts no da node over a single leaf, and xfs_repair calls a da node
 * of one child a hash inconsistency. Directories of every size across that boundary, made by
 * mkfs.xfs from a protofile and by jdax, are read, changed both ways and judged.
 */
class OneLeafNodeDirectoriesTest {
    /** Names per directory around the boundary: 4 KiB blocks, names of 4 bytes, 2 or 3 data blocks. */
    private static final int FEWEST = 490;
    private static final int MOST = 520;

    @TempDir
    Path tmp;

    private static String name(int i) {
        return String.format("f%03d", i);
    }

    private static Set<String> names(int n) {
        Set<String> s = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            s.add(name(i));
        }
        return s;
    }

    private static Set<String> listed(FileSystem fs, long dir) throws Exception {
        return fs.readdir(dir).stream().map(e -> e.name()).filter(n -> !n.equals(".") && !n.equals(".."))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** How many of the directories d{FEWEST}..d{MOST} are node directories of one LEAFN block, by xfs_db. */
    private static int oneLeafDirectories(Path img) throws Exception {
        int n = 0;
        for (int d = FEWEST; d <= MOST; d++) {
            String out = XfsImages.db(img, "path /d" + d, "dblock 8388608", "print").output();
            n += out.contains("magic = 0x3dff") ? 1 : 0;
        }
        return n;
    }

    @Test
    void linuxMadeDirectoriesOfOneLeafAreFoundAndChanged() throws Exception {
        XfsImages.assumeXfsprogs();
        Path empty = Files.createFile(tmp.resolve("empty"));
        StringBuilder proto = new StringBuilder("/dev/null\n0 0\nd--755 0 0\n");
        for (int n = FEWEST; n <= MOST; n++) {
            proto.append(" d").append(n).append(" d--755 0 0\n");
            for (String f : names(n)) {
                proto.append("  ").append(f).append(" ---644 0 0 ").append(empty).append('\n');
            }
            proto.append(" $\n");
        }
        proto.append("$\n");
        Path protoFile = tmp.resolve("proto");
        Files.writeString(protoFile, proto);
        Path img = XfsImages.mkfs(tmp, protoFile);
        int oneLeaf = oneLeafDirectories(img);
        assertTrue(oneLeaf > 0, "mkfs.xfs made no directory of one LEAFN block");
        XfsImages.change(img, (fs, m) -> {
            for (int n = FEWEST; n <= MOST; n++) {
                long dir = fs.lookup(fs.rootIno(), "d" + n);
                for (String f : names(n)) {
                    fs.lookup(dir, f);
                }
                assertEquals(names(n), listed(fs, dir));
                // One name more and two fewer: across the boundary both ways.
                fs.create(dir, name(n), 0644, 0, 0);
                fs.unlink(dir, name(0));
                fs.unlink(dir, name(1));
            }
        });
        XfsImages.assertRepairClean(img);
    }

    @Test
    void jdaxMadeDirectoriesOfOneLeafPassXfsRepair() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("jdax.img");
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            for (int n = FEWEST; n <= MOST; n++) {
                long dir = fs.mkdir(fs.rootIno(), "d" + n, 0755, 0, 0);
                for (String f : names(n)) {
                    fs.create(dir, f, 0644, 0, 0);
                }
            }
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        assertTrue(oneLeafDirectories(img) > 0, "jdax made no directory of one LEAFN block");
        XfsImages.change(img, (fs, m) -> {
            for (int n = FEWEST; n <= MOST; n++) {
                long dir = fs.lookup(fs.rootIno(), "d" + n);
                assertEquals(names(n), listed(fs, dir));
                fs.unlink(dir, name(n - 1));
                fs.unlink(dir, name(n - 2));
            }
        });
        XfsImages.assertRepairClean(img);
    }

    /**
     * A directory of one LEAFN block is changed in place, as Linux changes it: a removed name that
     * lets the leaf's entries and the free index's bests fit one block makes it a leaf directory
     * again (xfs_dir2_node_to_leaf: the stale entries squeezed out, the LEAFN block turned LEAF1 and
     * the free index block gone), and the names that overfill the leaf make it a node directory and
     * split it as a root (xfs_da3_root_split): the block at the leaf offset becomes a da node of
     * level 1 over two leaves. Judged by xfs_repair at each step.
     */
    @Test
    void aDirectoryOfOneLeafIsChangedInPlaceAndItsLeafSplitsAsARoot() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("grow.img");
        int made = 502;
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            long dir = m.fs().mkdir(m.fs().rootIno(), "d", 0755, 0, 0);
            for (String f : names(made)) {
                m.fs().create(dir, f, 0644, 0, 0);
            }
            m.fs().close();
            XfsImages.save(dev, img);
        }
        String leaf = XfsImages.db(img, "path /d", "dblock 8388608", "print").output();
        assertTrue(leaf.contains("magic = 0x3dff") && leaf.contains("lhdr.info.hdr.forw = 0"), "one LEAFN block:\n" + leaf);

        XfsImages.change(img, (fs, m) -> fs.unlink(fs.lookup(fs.rootIno(), "d"), name(7)));
        XfsImages.assertRepairClean(img);
        leaf = XfsImages.db(img, "path /d", "dblock 8388608", "print").output();
        // Linux 6.1, the same 502 creates and rm f007: LEAF1, 503 entries, none stale, no free index block.
        assertTrue(leaf.contains("magic = 0x3df1") && leaf.contains("lhdr.count = 503") && leaf.contains("lhdr.stale = 0"),
                "a leaf directory again (xfs_dir2_node_to_leaf):\n" + leaf);
        String map = XfsImages.db(img, "path /d", "bmap").output();
        assertTrue(!map.contains("offset 16777216"), "its free index block went:\n" + map);

        XfsImages.change(img, (fs, m) -> {
            long dir = fs.lookup(fs.rootIno(), "d");
            for (int i = made; i < 1100; i++) {
                fs.create(dir, name(i), 0644, 0, 0);
            }
        });
        XfsImages.assertRepairClean(img);
        String root = XfsImages.db(img, "path /d", "dblock 8388608", "print").output();
        assertTrue(root.contains("magic = 0x3ebe") && root.contains("nhdr.level = 1"), "a da node over the leaves:\n" + root);
        Set<String> want = names(1100);
        want.remove(name(7));
        XfsImages.change(img, (fs, m) -> assertEquals(want, listed(fs, fs.lookup(fs.rootIno(), "d"))));
    }
}
