package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hashed directories that jdax grows itself, as Linux's namei.c grows them: a directory that
 * outgrows its block becomes indexed with the superblock's default hash, leaves split by hash, index
 * nodes split, the root gains levels (two with large_dir); names removed leave the index as it is.
 * Judged by e2fsck -fn, which checks every leaf's hashes against the index ranges above it, the
 * limits, counts and dx_tail checksums, and by debugfs htree_dump. Each hash in its signed and
 * unsigned form (names with bytes above 0x7f hash differently). A create in a big directory reads a
 * few blocks, not the directory.
 */
class HtreeGrowthTest {
    @TempDir
    Path tmp;
    private Path scratch;

    @BeforeEach
    void scratch() throws Exception {
        scratch = Tools.scratchDir(tmp, 400L << 20);
    }

    @AfterEach
    void cleanUp() throws Exception {
        Tools.deleteTree(scratch);
    }

    @ParameterizedTest(name = "{0}-byte blocks, {1}, hash {2}, s_flags {3}: {4} names of {5}+ bytes, {6} index levels")
    @CsvSource({
            "4096, ^large_dir,  half_md4, 1, 20000,   0, 1",
            "1024, ^large_dir,  tea,      2,  8000,  60, 2",
            "1024, ^large_dir,  legacy,   1,  6000,  60, 2",
            "2048, ^large_dir,  half_md4, 2, 12000,  40, 2",
            "1024, large_dir,   half_md4, 1, 50000, 200, 3",
    })
    void namesAddedAndRemovedKeepTheIndexClean(int blockSize, String features, String hash, int flags, int count, int pad,
                                               int levels) throws Exception {
        Path img = scratch.resolve("g.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "" + blockSize, "-O", features, "-N", "" + (count + 1000),
                img.toString(), "400M");
        assertEquals(0, mk.status(), mk.output());
        assertEquals(0, Tools.run("tune2fs", "-E", "hash_alg=" + hash, img.toString()).status());
        assertEquals(0, Tools.run("debugfs", "-w", "-R", "ssv flags " + flags, img.toString()).status());
        Set<String> model = new TreeSet<>();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long dir = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
            for (int i = 0; i < count; i++) {
                String n = name(i, pad);
                fs.create(dir, n, 0644, 0, 0);
                model.add(n);
            }
            for (int i = 0; i < count; i += 7) {
                fs.unlink(dir, name(i, pad));
                model.remove(name(i, pad));
            }
            for (int i = 0; i < count; i += 21) {
                fs.create(dir, name(i, pad) + "-again", 0644, 0, 0); // into leaves with gaps
                model.add(name(i, pad) + "-again");
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        String dump = Tools.run("debugfs", "-R", "htree_dump /big", img.toString()).output();
        Matcher m = Pattern.compile("Indirect levels: (\\d+)").matcher(dump);
        assertTrue(m.find(), dump.substring(0, Math.min(400, dump.length())));
        assertEquals(levels - 1, Integer.parseInt(m.group(1)), "index levels below the root");
        Matcher v = Pattern.compile("Hash Version: (\\d+)").matcher(dump);
        assertTrue(v.find());
        assertEquals(hash.equals("legacy") ? 0 : hash.equals("half_md4") ? 1 : 2, Integer.parseInt(v.group(1)), "s_def_hash_version");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            long dir = fs.resolve("/big", true);
            assertTrue((WhiteBox.format(fs).iget(dir).i_flags() & Ext4Inode.INDEX_FL) != 0, "hashed");
            Set<String> listed = new TreeSet<>();
            for (DirEntry e : fs.readdir(dir)) {
                listed.add(e.name());
            }
            listed.removeAll(Set.of(".", ".."));
            assertEquals(model, listed);
            for (String n : model) {
                fs.lookup(dir, n);
            }
            FsException gone = assertThrows(FsException.class, () -> fs.lookup(dir, name(7, pad)));
            assertEquals(Errno.ENOENT, gone.errno());
            assertFlatIndexLeadsWhereDescentsLead(WhiteBox.format(fs), dir, model, pad);
        }
    }

    /**
     * The index read as one list ({@link FlatIndex}) gives, for every name and for names that are
     * not there, the leaves that a descent from the root and its moves to the next leaves give.
     */
    private static void assertFlatIndexLeadsWhereDescentsLead(Ext4FileSystem ext4, long ino, Set<String> names, int pad)
            throws FsException {
        Ext4Inode dir = ext4.iget(ino);
        DxIndex dx = new DxIndex(ext4.superblock());
        DxIndex.Blocks blocks = ext4.directories().lookupBlocks(dir);
        FlatIndex flat = dx.flatten(dir, blocks);
        assertTrue(flat != null && flat.leaves().length > 1, "an index of several leaves read as one list");
        Set<String> asked = new TreeSet<>(names);
        for (int i = 0; i < 3000; i++) {
            asked.add(name(i, pad) + "-absent");
        }
        for (String n : asked) {
            byte[] b = n.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(dx.leavesFor(dir, b, blocks), flat.leavesFor(dx.hash(dir, flat.version(), b).major()), n);
        }
    }

    /** Names with bytes above 0x7f, so the signed and unsigned hashes differ. */
    private static String name(int i, int pad) {
        return "n" + i + "-" + "é".repeat(i % 3) + "z".repeat(pad + i % 11);
    }

    @Test
    void anIndexFullWithoutLargeDirIsEnospcAndLeaksNothing() throws Exception {
        Path img = scratch.resolve("full.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-N", "60000", img.toString(), "256M").status());
        int made = 0;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long dir = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
            FsException full = null;
            for (int i = 0; i < 60000 && full == null; i++) {
                try {
                    fs.create(dir, name(i, 230), 0644, 0, 0);
                    made++;
                } catch (FsException e) {
                    full = e;
                }
            }
            assertTrue(full != null, "two levels of 1 KiB index blocks hold fewer than 60000 names this long");
            assertEquals(Errno.ENOSPC, full.errno(), full.getMessage());
            assertTrue(full.getMessage().contains("index full"), full.getMessage());
            assertEquals(made, fs.readdir(dir).size() - 2);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "the refused name's inode was given back: " + fsck.output());
        assertTrue(fsck.output().contains((made + 12) + "/"), fsck.output());
    }

    @Test
    void aCreateInABigDirectoryReadsAFewBlocksNotTheDirectory() throws Exception {
        try (DaxDevice d = PmemDevices.memory(256 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
                long dir = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
                for (int i = 0; i < 30000; i++) {
                    fs.create(dir, "name-" + i, 0644, 0, 0);
                }
                fs.sync(); // every block home: from here on a block read is a load from the device
                long dirBlocks = fs.stat(dir).size() / 4096;
                long before = d.counters().bytesLoaded();
                for (int i = 0; i < 100; i++) {
                    fs.create(dir, "more-" + i, 0644, 0, 0);
                    fs.unlink(dir, "name-" + (i * 97));
                }
                long perOp = (d.counters().bytesLoaded() - before) / 200;
                assertTrue(dirBlocks > 200, "a directory of " + dirBlocks + " blocks");
                assertTrue(perOp < 8 * 4096, "a create or unlink loads " + perOp + " bytes: a few blocks of " + dirBlocks);
            }
        }
    }

    @Test
    void theKernelsOwnHashedDirectoryStaysHashedWhenJdaxWritesIt() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree/many"));
        for (int i = 0; i < 3000; i++) {
            Files.writeString(root.resolve("entry-" + i), "x");
        }
        Path img = tmp.resolve("d.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", tmp.resolve("tree").toString(),
                img.toString(), "64M").status());
        Tools.Result index = Tools.run("e2fsck", "-fyD", img.toString());
        assertTrue(index.status() <= 1, index.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long many = fs.resolve("/many", true);
            for (int i = 0; i < 3000; i++) {
                fs.create(many, "added-" + i, 0644, 0, 0);
                fs.unlink(many, "entry-" + i);
            }
            long sub = fs.mkdir(many, "sub", 0755, 0, 0);
            fs.rename(many, "sub", fs.rootIno(), "moved", 0); // ".." of a one-block directory; "many" loses a link
            long other = fs.mkdir(fs.rootIno(), "other", 0755, 0, 0);
            fs.rename(fs.rootIno(), "many", other, "many", 0); // ".." in the dx_root: resealed with the index
            assertTrue((WhiteBox.format(fs).iget(many).i_flags() & Ext4Inode.INDEX_FL) != 0, "still hashed");
            assertEquals(sub, fs.resolve("/moved", true));
            assertEquals(other, fs.lookup(many, ".."));
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }
}
