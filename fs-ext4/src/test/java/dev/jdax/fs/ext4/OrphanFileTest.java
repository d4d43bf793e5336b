package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The orphan file (orphan_file, {@link OrphanFile}) on images mke2fs made: an inode unlinked while
 * open takes an entry of it, not a place on the superblock's list; orphan_present says so while
 * mounted; a crash leaves the entries, which e2fsck sees and the next mount frees; a full file falls
 * back to the list; many threads take distinct entries. e2fsck judges every image.
 */
class OrphanFileTest {
    @TempDir
    Path tmp;

    private Path image(String name, String... extra) throws Exception {
        Tools.require("mke2fs");
        Tools.require("e2fsck");
        Path img = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("-q", "-F", "-t", "ext4", "-O", "orphan_file"));
        args.addAll(List.of(extra));
        args.addAll(List.of(img.toString(), "64M"));
        Tools.Result mk = Tools.run("mke2fs", args.toArray(String[]::new));
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    /** The superblock as the device holds it. */
    static Ext4Superblock superblock(Path img) throws IOException {
        byte[] raw = new byte[Ext4Superblock.SIZE];
        try (var ch = Files.newByteChannel(img)) {
            ch.position(Ext4Superblock.OFFSET);
            ch.read(ByteBuffer.wrap(raw));
        }
        return new Ext4Superblock(raw);
    }

    /** The orphan file's entries that are taken, read from the image by debugfs (its blocks by its inode). */
    private static Set<Long> entries(Path img, Ext4Superblock sb) throws Exception {
        Path out = img.resolveSibling(img.getFileName() + ".orphans");
        Tools.Result r = Tools.run("debugfs", "-R", "dump <" + sb.s_orphan_file_inum() + "> " + out, img.toString());
        assertEquals(0, r.status(), r.output());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        int bs = sb.blockSize();
        Set<Long> taken = new HashSet<>();
        for (int block = 0; block < b.capacity() / bs; block++) {
            assertEquals(OrphanFile.MAGIC, b.getInt(block * bs + bs - 8), "block " + block + "'s magic");
            for (int j = 0; j < OrphanFile.entriesPerBlock(bs); j++) {
                long ino = b.getInt(block * bs + 4 * j) & 0xffffffffL;
                if (ino != 0) {
                    assertTrue(taken.add(ino), "inode " + ino + " has one entry");
                }
            }
        }
        return taken;
    }

    /** e2fsck -fn finds the image clean. */
    static void assertClean(Path img) throws Exception {
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, r.status(), r.output());
    }

    @Test
    void anInodeUnlinkedWhileOpenTakesAnEntryAndACrashLeavesItForTheNextMountToFree() throws Exception {
        Path img = image("o.img");
        long free;
        long doomed;
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            free = fs.statfs().bfree();
            OpenFile f = fs.open("/doomed", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
            f.write(0, new byte[1 << 20], 0, 1 << 20);
            doomed = fs.lookup(fs.rootIno(), "doomed");
            fs.unlink(fs.rootIno(), "doomed");
            fs.sync();
            // The power fails here: no close, no unmount.
        }
        Ext4Superblock sb = superblock(img);
        assertEquals(0, sb.s_last_orphan(), "the list is not used");
        assertNotEquals(0, sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_ORPHAN_PRESENT, "orphan_present while mounted");
        assertEquals(Set.of(doomed), entries(img, sb));
        Tools.Result before = Tools.run("e2fsck", "-fn", img.toString());
        assertNotEquals(0, before.status(), "e2fsck sees the orphan left: " + before.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertEquals(free, fs.statfs().bfree(), "the orphan's blocks are free again after the mount");
        }
        sb = superblock(img);
        assertEquals(Set.of(), entries(img, sb));
        assertEquals(0, sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_ORPHAN_PRESENT, "orphan_present cleared at unmount");
        assertClean(img);
    }

    /** A line of dumpe2fs -h or debugfs's stat, from its label on. */
    private static String field(String output, String label) {
        return output.lines().filter(l -> l.startsWith(label)).findFirst().orElse(label + " (missing)");
    }

    @Test
    void jdaxMkfsMakesTheOrphanFileAsMke2fsDoesAndUsesIt() throws Exception {
        Path ours = tmp.resolve("ours.img");
        Path theirs = image("theirs.img", "-b", "4096");
        try (DaxDevice d = PmemDevices.create(ours, Files.size(theirs))) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withFeatures(List.of("orphan_file")));
        }
        Tools.Result a = Tools.run("dumpe2fs", "-h", ours.toString());
        Tools.Result b = Tools.run("dumpe2fs", "-h", theirs.toString());
        for (String label : List.of("Filesystem features:", "Orphan file inode:", "Free blocks:", "Free inodes:", "Overhead clusters:")) {
            assertEquals(field(b.output(), label), field(a.output(), label), a.output());
        }
        Tools.Result sa = Tools.run("debugfs", "-R", "stat <12>", ours.toString());
        Tools.Result sb = Tools.run("debugfs", "-R", "stat <12>", theirs.toString());
        for (String label : List.of("Inode: 12", "Links:", "(0-")) {
            assertEquals(field(sb.output(), label), field(sa.output(), label), sa.output());
        }
        assertClean(ours);
        try (DaxDevice d = PmemDevices.open(ours)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            OpenFile f = fs.open("/doomed", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
            f.write(0, new byte[8192], 0, 8192);
            long ino = fs.lookup(fs.rootIno(), "doomed");
            fs.unlink(fs.rootIno(), "doomed");
            fs.sync();
            assertEquals(Set.of(ino), entries(ours, superblock(ours)));
        }
        try (DaxDevice d = PmemDevices.open(ours); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fs.lookup(fs.rootIno(), "doomed")).errno());
        }
        assertEquals(Set.of(), entries(ours, superblock(ours)));
        assertClean(ours);
    }

    @Test
    void theLastCloseGivesTheEntryBackAndACleanUnmountLeavesNoneTaken() throws Exception {
        Path img = image("c.img");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            for (int i = 0; i < 50; i++) {
                try (OpenFile f = fs.open("/f" + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                    f.write(0, new byte[4096], 0, 4096);
                    fs.unlink(fs.rootIno(), "f" + i);
                }
            }
            fs.sync();
            assertEquals(Set.of(), entries(img, superblock(img)), "every entry given back at its last close");
        }
        assertClean(img);
    }

    @Test
    void aFullOrphanFileFallsBackToTheListAndTheMountFreesBoth() throws Exception {
        // 1 KiB blocks, two of them (mke2fs reads the size in KiB): 2 * 254 entries; 600 orphans put the rest on the list.
        Path img = image("full.img", "-b", "1024", "-E", "orphan_file_size=2");
        int n = 600;
        long free;
        long freeInodes;
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            free = fs.statfs().bfree();
            freeInodes = fs.statfs().ffree();
            List<OpenFile> open = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                OpenFile f = fs.open("/h" + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
                f.write(0, new byte[1024], 0, 1024);
                fs.unlink(fs.rootIno(), "h" + i);
                open.add(f);
            }
            fs.sync();
        }
        Ext4Superblock sb = superblock(img);
        assertEquals(2 * OrphanFile.entriesPerBlock(1024), entries(img, sb).size(), "every entry taken");
        assertNotEquals(0, sb.s_last_orphan(), "the rest on the list");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertEquals(free, fs.statfs().bfree());
            assertEquals(freeInodes, fs.statfs().ffree());
        }
        sb = superblock(img);
        assertEquals(0, sb.s_last_orphan());
        assertEquals(Set.of(), entries(img, sb));
        assertClean(img);
    }

    @Test
    void threadsTakeDistinctEntriesAndACrashAmongThemLeavesNothingBehind() throws Exception {
        Path img = image("t.img");
        int threads = 4;
        int each = 300;
        int held = 20;
        long free;
        Set<Long> kept = new HashSet<>();
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
            free = fs.statfs().bfree();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<Long>>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int me = t;
                    done.add(pool.submit(() -> {
                        long dir = fs.mkdir(fs.rootIno(), "d" + me, 0755, 0, 0);
                        List<Long> mine = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            OpenFile f = fs.open("/d" + me + "/f" + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT);
                            f.write(0, new byte[4096], 0, 4096);
                            long ino = fs.lookup(dir, "f" + i);
                            fs.unlink(dir, "f" + i);
                            if (i < held) {
                                mine.add(ino); // stays open: an orphan at the crash
                            } else {
                                f.close();
                            }
                        }
                        return mine;
                    }));
                }
                for (Future<List<Long>> f : done) {
                    kept.addAll(f.get());
                }
            } finally {
                pool.shutdown();
            }
            fs.sync();
        }
        assertEquals(kept, entries(img, superblock(img)), "the open orphans, each with one entry");
        assertEquals(0, superblock(img).s_last_orphan());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            // The four directories stay, each with its one block.
            assertEquals(free - threads, fs.statfs().bfree());
        }
        assertFalse(entries(img, superblock(img)).iterator().hasNext());
        assertClean(img);
    }

    @Test
    void aBlockOfTheOrphanFileWithoutItsMagicRefusesAReadWriteMountByName() throws Exception {
        Path img = image("bad.img", "-b", "4096");
        Tools.Result bmap = Tools.run("debugfs", "-R", "bmap <12> 0", img.toString());
        assertEquals(0, bmap.status(), bmap.output());
        long block = Long.parseLong(bmap.output().lines().filter(l -> l.matches("\\d+")).findFirst().orElseThrow());
        try (var ch = Files.newByteChannel(img, java.nio.file.StandardOpenOption.WRITE)) {
            ch.position(block * 4096 + 4096 - 8);
            ch.write(ByteBuffer.wrap(new byte[4]));
        }
        try (DaxDevice d = PmemDevices.open(img)) {
            FsException e = assertThrows(FsException.class, () -> Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none()).close());
            assertEquals(Errno.EUCLEAN, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("orphan file (inode 12) block 0 (at " + block + "): bad magic 0x0"), e.getMessage());
        }
    }
}
