package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hashed directories as e2fsck -D builds them (the index Linux's own code reads), one and two
 * levels deep, with and without metadata_csum, every hash version: every name is found through
 * the index and listed by readdir; a damaged leaf costs only the names in it, which shows the
 * lookups follow the index instead of reading every block; a damaged dx_tail is refused by name.
 */
class HtreeDirectoriesTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}-byte blocks, features {1}, hash {2}, {3} names")
    @CsvSource({
            "4096, ^has_journal, half_md4, 3000",
            "1024, metadata_csum, half_md4, 6000",
            "1024, ^metadata_csum, tea, 6000",
            "4096, metadata_csum, legacy, 2000",
    })
    void everyNameIsFoundThroughTheIndex(int blockSize, String features, String hash, int count) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree/many"));
        Set<String> names = new TreeSet<>();
        for (int i = 0; i < count; i++) {
            String n = "entry-" + i + "-" + "é".repeat(i % 5) + "q".repeat(i % 23);
            names.add(n);
            Files.writeString(root.resolve(n), n);
        }
        Path img = tmp.resolve("h.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "" + blockSize, "-O", features,
                "-d", tmp.resolve("tree").toString(), img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        // s_def_hash_version: the hash e2fsck -D indexes with.
        assertEquals(0, Tools.run("tune2fs", "-E", "hash_alg=" + hash, img.toString()).status());
        Tools.Result index = Tools.run("e2fsck", "-fyD", img.toString());
        assertTrue(index.status() <= 1, index.output());
        int levels = indirectLevels(img);
        if (blockSize == 1024) {
            assertEquals(1, levels, "a two-level index");
        }
        long leaf;
        Set<String> inLeaf;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            long many = fs.resolve("/many", true);
            assertTrue((WhiteBox.format(fs).iget(many).i_flags() & Ext4Inode.INDEX_FL) != 0, "e2fsck -D hashed it");
            Set<String> listed = new TreeSet<>();
            for (DirEntry e : fs.readdir(many)) {
                listed.add(e.name());
            }
            listed.removeAll(Set.of(".", ".."));
            assertEquals(names, listed, "readdir lists every name once");
            for (String n : names) {
                long ino = fs.lookup(many, n);
                assertEquals(ino, fs.resolve("/many/" + n, true));
            }
            for (String n : new String[] {"entry-" + count, "missing", "entry-1-"}) {
                FsException e = assertThrows(FsException.class, () -> fs.lookup(many, n));
                assertEquals(Errno.ENOENT, e.errno());
            }
            // A leaf in the middle of the directory, and the names it holds.
            leaf = physical(img, "/many", 7 + levels);
            inLeaf = namesIn(d, leaf * blockSize, blockSize);
        }
        assertTrue(inLeaf.size() > 3, "the leaf holds names: " + inLeaf);
        if (!features.contains("^metadata_csum")) {
            damageLeafAndDxTail(img, blockSize, leaf, names, inLeaf);
        } else {
            damageRecLen(img, blockSize, leaf, inLeaf);
        }
    }

    /**
     * Without checksums a damaged rec_len is found by the walk itself: a lookup in that leaf and a
     * create whose name the index sends there answer EUCLEAN (naming the directory, block and
     * offset), where a walk stepping by 0 would never end.
     */
    private void damageRecLen(Path img, int blockSize, long leaf, Set<String> inLeaf) throws Exception {
        try (DaxDevice d = PmemDevices.open(img)) {
            d.store(leaf * blockSize + 4, MemorySegment.ofArray(new byte[2]), 0, 2); // the first record's rec_len: 0
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
                long many = fs.resolve("/many", true);
                String n = inLeaf.iterator().next();
                FsException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(FsException.class, () -> fs.lookup(many, n)));
                assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
                assertTrue(e.getMessage().contains("offset 0: rec_len 0"), e.getMessage());
                FsException refused = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                    for (int i = 0; i < 20_000; i++) {
                        try {
                            fs.create(many, "new-" + i, 0644, 0, 0);
                        } catch (FsException x) {
                            return x;
                        }
                    }
                    return null;
                });
                assertTrue(refused != null, "some new name hashes into the damaged leaf");
                assertEquals(Errno.EUCLEAN, refused.errno(), refused.getMessage());
                assertTrue(refused.getMessage().contains("rec_len"), refused.getMessage());
            }
        }
    }

    private void damageLeafAndDxTail(Path img, int blockSize, long leaf, Set<String> names, Set<String> inLeaf) throws Exception {
        try (DaxDevice d = PmemDevices.open(img)) {
            byte[] one = new byte[1];
            d.load(leaf * blockSize + 20, MemorySegment.ofArray(one), 0, 1);
            one[0] ^= 0x20; // a name byte: the leaf's checksum no longer matches
            d.store(leaf * blockSize + 20, MemorySegment.ofArray(one), 0, 1);
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
                long many = fs.resolve("/many", true);
                int refused = 0;
                for (String n : names) {
                    if (inLeaf.contains(n)) {
                        FsException e = assertThrows(FsException.class, () -> fs.lookup(many, n), n);
                        assertEquals(Errno.EBADMSG, e.errno(), e.getMessage());
                        refused++;
                    } else {
                        fs.lookup(many, n); // found without reading the damaged leaf
                    }
                }
                assertEquals(inLeaf.size(), refused);
            }
            one[0] ^= 0x20;
            d.store(leaf * blockSize + 20, MemorySegment.ofArray(one), 0, 1);
            long rootBlock = physical(img, "/many", 0);
            d.load(rootBlock * blockSize + 40, MemorySegment.ofArray(one), 0, 1);
            one[0] ^= 1; // a dx_entry's hash in the root
            d.store(rootBlock * blockSize + 40, MemorySegment.ofArray(one), 0, 1);
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
                long many = fs.resolve("/many", true);
                FsException e = assertThrows(FsException.class, () -> fs.lookup(many, names.iterator().next()));
                assertEquals(Errno.EBADMSG, e.errno());
                assertTrue(e.getMessage().contains("dt_checksum"), e.getMessage());
            }
        }
    }

    static int indirectLevels(Path img) throws Exception {
        Matcher m = Pattern.compile("Indirect levels: (\\d+)").matcher(Tools.run("debugfs", "-R", "htree_dump /many", img.toString()).output());
        assertTrue(m.find(), "debugfs shows the index");
        return Integer.parseInt(m.group(1));
    }

    static long physical(Path img, String path, long lblk) throws Exception {
        String out = Tools.run("debugfs", "-R", "bmap " + path + " " + lblk, img.toString()).output().strip();
        return Long.parseLong(out.substring(out.lastIndexOf('\n') + 1).strip());
    }

    /** The live names of one directory leaf block, parsed here as the judge sees them. */
    static Set<String> namesIn(DaxDevice d, long offset, int blockSize) throws FsException {
        byte[] raw = new byte[blockSize];
        d.load(offset, MemorySegment.ofArray(raw), 0, blockSize);
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        Set<String> out = new HashSet<>();
        for (int off = 0; off < blockSize; ) {
            int recLen = b.getShort(off + 4) & 0xffff;
            if (b.getInt(off) != 0 && (b.get(off + 7) & 0xff) != 0xDE) {
                out.add(new String(raw, off + 8, b.get(off + 6) & 0xff, StandardCharsets.UTF_8));
            }
            if (recLen < 8) {
                break;
            }
            off += recLen;
        }
        return out;
    }
}
