package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linear ext2 directories of many names, kept as Linux keeps them, changed without reading them
 * whole: a name goes into the first record with room of the first block with room, exactly where
 * ext2_add_link would put it (checked against the blocks themselves before every add), a lookup,
 * create or unlink in a directory of 20,000 names loads a block or two, and e2fsck -fn is clean.
 */
class BigDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aNameGoesIntoTheFirstBlockWithRoomAsLinuxPutsIt() throws Exception {
        try (DaxDevice d = PmemDevices.memory(64 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
                Ext2FileSystem format = (Ext2FileSystem) Vfs.superBlock(fs);
                long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                Random r = new Random(21);
                List<String> live = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    String n = "name-" + i + "-" + "y".repeat(r.nextInt(40));
                    fs.create(dir, n, 0644, 0, 0);
                    live.add(n);
                }
                for (int step = 0; step < 600; step++) {
                    if (r.nextInt(3) == 0) {
                        fs.unlink(dir, live.remove(r.nextInt(live.size())));
                        continue;
                    }
                    String n = "new-" + step + "-" + "q".repeat(r.nextInt(60));
                    Ext2Inode in = format.iget(dir);
                    long expected = firstBlockWithRoom(format.dir().entries(in), Dir.recLenFor(n.getBytes(StandardCharsets.UTF_8).length));
                    if (expected < 0) {
                        expected = in.i_size() / 4096; // none: a new block at the end
                    }
                    fs.create(dir, n, 0644, 0, 0);
                    live.add(n);
                    Dir.Entry e = format.dir().find(format.iget(dir), n);
                    assertEquals(expected, e.index(), n + ": the first block with room");
                }
            }
        }
    }

    /**
     * The room the index keeps per block is changed by each add and remove without reading the
     * block again: after thousands of both — removals of a block's first record (emptied in place)
     * and of records after others (merged into the one before) — it is still the room the blocks
     * themselves show (none below the smallest record), and no record before the one where the
     * block's walks for room start has any.
     */
    @Test
    void theRoomKeptPerBlockIsTheRoomItsRecordsLeave() throws Exception {
        try (DaxDevice d = PmemDevices.memory(64 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
                Ext2FileSystem format = (Ext2FileSystem) Vfs.superBlock(fs);
                long file = fs.create(fs.rootIno(), "f", 0644, 0, 0);
                // One in-core directory, changed through Dir itself, so its index is the one checked.
                Ext2Inode in = format.iget(fs.mkdir(fs.rootIno(), "d", 0755, 0, 0));
                Dir dir = format.dir();
                Random r = new Random(7);
                List<String> live = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    String n = "n" + i + "-" + "x".repeat(r.nextInt(50));
                    dir.add(in, n, file, 1);
                    live.add(n);
                }
                for (int step = 0; step < 4000; step++) {
                    if (r.nextBoolean() && !live.isEmpty()) {
                        // Half of the removals take a block's first name, which is emptied rather than merged.
                        String victim = live.get(r.nextInt(live.size()));
                        if (r.nextBoolean()) {
                            for (Dir.Entry e : dir.entries(in)) {
                                if (e.offset() == 0 && e.ino() != 0 && e.index() > 0) {
                                    victim = e.name();
                                    break;
                                }
                            }
                        }
                        dir.remove(in, dir.find(in, victim));
                        live.remove(victim);
                    } else {
                        String n = "m" + step + "-" + "z".repeat(r.nextInt(80));
                        dir.add(in, n, file, 1);
                        live.add(n);
                    }
                }
                List<Dir.Entry> records = dir.entries(in);
                for (long block = 0; block < in.i_size() / 4096; block++) {
                    int room = 0;
                    int from = in.dirIndex.scanFrom(block);
                    boolean fromIsARecord = false;
                    for (Dir.Entry e : records) {
                        if (e.index() == block) {
                            int used = e.ino() == 0 ? 0 : Dir.recLenFor(e.name().getBytes(StandardCharsets.UTF_8).length);
                            room = Math.max(room, e.recLen() - used);
                            fromIsARecord |= e.offset() == from;
                            // Walks for room start at scanFrom: no record before it may have any.
                            assertTrue(e.offset() >= from || e.recLen() - used < DirIndex.MIN_RECORD,
                                    "block " + block + ": record at " + e.offset() + " has room before scanFrom " + from);
                        }
                    }
                    assertEquals(room < DirIndex.MIN_RECORD ? 0 : room, in.dirIndex.roomOf(block), "block " + block);
                    assertTrue(fromIsARecord, "block " + block + ": scanFrom " + from + " is no record's offset");
                }
                assertTrue(in.i_size() / 4096 > 20, in.i_size() + " bytes");
            }
        }
    }

    /** What ext2_add_link finds by reading the directory: the first block with a record that has room, or -1. */
    private static long firstBlockWithRoom(List<Dir.Entry> records, int need) {
        for (Dir.Entry e : records) {
            int used = e.ino() == 0 ? 0 : Dir.recLenFor(e.name().getBytes(StandardCharsets.UTF_8).length);
            if (e.recLen() - used >= need) {
                return e.index();
            }
        }
        return -1;
    }

    private static String name(String prefix, int i) {
        return prefix + i + "-with-a-name-long-enough-to-fill-blocks";
    }

    @Test
    void aDirectoryOfTwentyThousandNamesIsChangedByTheBlockAndStaysClean() throws Exception {
        Set<String> model = new TreeSet<>();
        // In memory (ext2 writes in place, and on an image file every metadata store is an msync),
        // then written out for e2fsck.
        try (DaxDevice d = PmemDevices.memory(128 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
                long dir = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
                for (int i = 0; i < 20000; i++) {
                    fs.create(dir, name("f", i), 0644, 0, 0);
                    model.add(name("f", i));
                }
                long blocks = fs.stat(dir).size() / 4096;
                long before = d.counters().bytesLoaded();
                for (int i = 0; i < 20000; i += 5) {
                    fs.unlink(dir, name("f", i));
                    model.remove(name("f", i));
                    fs.create(dir, name("g", i), 0644, 0, 0);
                    model.add(name("g", i));
                }
                long perOp = (d.counters().bytesLoaded() - before) / 8000;
                assertTrue(blocks > 200, blocks + " blocks");
                assertTrue(perOp < 4 * 4096, "a create or unlink loads " + perOp + " bytes of a directory of " + blocks + " blocks");
                FsException none = assertThrows(FsException.class, () -> fs.lookup(dir, name("f", 5)));
                assertEquals(Errno.ENOENT, none.errno());
            }
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("ro"))) {
                long dir = fs.resolve("/big", true);
                Set<String> listed = new TreeSet<>();
                for (DirEntry e : fs.readdir(dir)) {
                    listed.add(e.name());
                }
                listed.removeAll(Set.of(".", ".."));
                assertEquals(model, listed);
            }
            Path img = tmp.resolve("d.img");
            byte[] all = new byte[(int) d.size()];
            d.load(0, MemorySegment.ofArray(all), 0, all.length);
            Files.write(img, all);
            Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
            assertEquals(0, fsck.status(), fsck.output());
        }
    }
}
