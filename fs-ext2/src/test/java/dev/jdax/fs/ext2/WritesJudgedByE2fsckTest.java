package dev.jdax.fs.ext2;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Everything jdax writes, judged by e2fsck -fn, and read back by debugfs byte for byte. */
class WritesJudgedByE2fsckTest {
    @TempDir
    Path tmp;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void write(FileSystem fs, String path, byte[] data) throws FsException {
        try (OpenFile f = fs.open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC)) {
            assertEquals(data.length, f.write(0, data, 0, data.length));
        }
    }

    private void assertClean(Path img) throws Exception {
        Tools.Result r = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, r.status(), "e2fsck -fn says:\n" + r.output());
    }

    /**
     * jdax's mkfs lays out what mke2fs -t ext2 does, reserved descriptor blocks and the resize inode
     * included: the same free blocks and reserved GDT blocks at every block size, from a file system
     * too small to reserve any (mke2fs still makes the resize inode's double indirect block) to one
     * of many groups; the resize inode maps the same blocks; e2fsck finds it clean.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1024 1m", "1024 64m", "2048 100m", "4096 8m", "4096 320m", "4096 1001m"})
    void mkfsLaysOutWhatMke2fsDoes(String spec) throws Exception {
        int bs = Integer.parseInt(spec.split(" ")[0]);
        String size = spec.split(" ")[1];
        long bytes = Long.parseLong(size.substring(0, size.length() - 1)) << 20;
        Path theirs = tmp.resolve("mke2fs.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext2", "-b", Integer.toString(bs), theirs.toString(), size).status());
        Path ours = tmp.resolve("jdax.img");
        try (DaxDevice d = PmemDevices.create(ours, bytes)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(bs));
        }
        assertClean(ours);
        for (String field : new String[] {"Free blocks:", "Reserved GDT blocks:", "Block count:", "Inode count:"}) {
            assertEquals(header(theirs, field), header(ours, field), field);
        }
        assertTrue(header(ours, "Filesystem features:").contains("resize_inode"));
        assertEquals(blocksOf(theirs, 7), blocksOf(ours, 7), "the resize inode's blocks");
    }

    private static String header(Path img, String field) throws Exception {
        return Tools.run("dumpe2fs", "-h", img.toString()).output().lines()
                .filter(l -> l.startsWith(field)).findFirst().orElse(field + " (none)");
    }

    private static String blocksOf(Path img, long ino) throws Exception {
        String stat = Tools.run("debugfs", "-R", "stat <" + ino + ">", img.toString()).output();
        int at = stat.indexOf("BLOCKS:");
        return at < 0 ? stat : stat.substring(at);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdax", "mke2fs"})
    void aWorkloadOfEveryOperationLeavesACleanImage(String maker) throws Exception {
        Path img = tmp.resolve("w.img");
        if (maker.equals("mke2fs")) {
            assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", img.toString(), "64M").status());
        } else {
            Tools.require("e2fsck");
            try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
                new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
            }
        }
        byte[] big = random((7 << 20) + 5, 1);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("dax"))) {
            long a = fs.mkdir(fs.rootIno(), "a", 0755, 0, 0);
            fs.mkdir(a, "b", 0700, 1000, 1000);
            write(fs, "/big", big);
            for (int i = 0; i < 300; i++) {
                write(fs, "/a/f" + i, random(i * 7, i));
            }
            for (int i = 0; i < 300; i += 2) {
                fs.unlink(a, "f" + i);
            }
            write(fs, "/a/b/target", random(10, 2));
            fs.rename(a, "f1", fs.resolve("/a/b", true), "target", 0);
            fs.rename(fs.rootIno(), "a", fs.rootIno(), "moved", 0);
            fs.link(fs.resolve("/moved/f3", true), fs.rootIno(), "hard");
            fs.symlink(fs.rootIno(), "fast", "moved/f3", 0, 0);
            fs.symlink(fs.rootIno(), "slow", "/moved/" + "z".repeat(300), 0, 0);
            fs.mkdir(fs.rootIno(), "gone", 0755, 0, 0);
            fs.rmdir(fs.rootIno(), "gone");
            fs.setattr(fs.resolve("/hard", true), SetAttr.mode(0600));
            try (OpenFile f = fs.open("/sparse", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.truncate(10 << 20);
                f.write(5 << 20, new byte[] {1, 2, 3}, 0, 3);
                f.truncate(6 << 20);
                f.truncate(100);
                f.truncate(9000);
                assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class, () -> f.fallocate(Falloc.KEEP_SIZE, 0, 4096)).errno());
            }
            try (OpenFile f = fs.open("/big", OpenFlags.O_RDWR)) {
                f.truncate(5 << 20); // frees a double indirect subtree
            }
            assertEquals("moved/f3", fs.readlink(fs.resolve("/fast", false)));
            assertEquals("/moved/" + "z".repeat(300), fs.readlink(fs.resolve("/slow", false)));
        }
        assertClean(img);
        byte[] back = Tools.runBytes("debugfs", "-R", "cat /big", img.toString());
        byte[] want = java.util.Arrays.copyOf(big, 5 << 20);
        assertArrayEquals(want, back);
        assertArrayEquals(random(7, 1), Tools.runBytes("debugfs", "-R", "cat /moved/b/target", img.toString()));
    }

    @Test
    void fillingTheFileSystemEndsInAShortWriteThenEnospcAndStaysClean() throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("full.img");
        try (DaxDevice d = PmemDevices.create(img, 8 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("dax"));
                 OpenFile f = fs.open("/fill", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                byte[] chunk = new byte[16 << 20];
                long n = f.write(0, chunk, 0, chunk.length);
                assertTrue(n > 0 && n < chunk.length, "short write of " + n);
                assertEquals(n, f.size());
                FsException e = assertThrows(FsException.class, () -> f.write(f.size(), new byte[4096], 0, 4096));
                assertEquals(Errno.ENOSPC, e.errno());
            }
        }
        assertClean(img);
    }

    /** A number resolved before the last name went (a handle, the stress campaign's link) is stale, as ext2_iget says. */
    @Test
    void theNumberOfAFreedInodeIsStaleAndNothingIsFreedTwice() throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("s.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
            write(fs, "/gone", random(8192, 5));
            long ino = fs.lookup(fs.rootIno(), "gone");
            fs.unlink(fs.rootIno(), "gone");          // the last name and the last reference: freed
            long freeInodes = fs.statfs().ffree();
            long freeBlocks = fs.statfs().bfree();
            assertEquals(Errno.ESTALE, assertThrows(FsException.class, () -> fs.link(ino, fs.rootIno(), "back")).errno());
            assertEquals(Errno.ESTALE, assertThrows(FsException.class, () -> fs.open(ino, OpenFlags.O_RDONLY)).errno());
            assertEquals(freeInodes, fs.statfs().ffree());
            assertEquals(freeBlocks, fs.statfs().bfree());
        }
        assertClean(img);
    }

    /**
     * find_group_orlov: top-level directories spread over the groups with at least the average free
     * inodes and blocks, the one with the fewest directories first; files and subdirectories stay
     * with their parent. Of 8 groups, those holding a superblock copy (0, 1, 3, 5, 7: the descriptor
     * table and its reserved blocks) have fewer free blocks than the average, so the three land in
     * 2, 4 and 6.
     */
    @Test
    void directoriesAreSpreadAsOrlovSpreadsThem() throws Exception {
        Path img = tmp.resolve("o.img");
        try (DaxDevice d = PmemDevices.create(img, 1L << 30)) {      // 8 groups of 128 MiB
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
            long ipg = fs.statfs().files() / 8;
            java.util.Set<Long> groups = new java.util.HashSet<>();
            long[] top = new long[3];
            for (int i = 0; i < top.length; i++) {
                top[i] = fs.mkdir(fs.rootIno(), "top-" + i, 0755, 0, 0);
                groups.add((top[i] - 1) / ipg);
            }
            assertEquals(java.util.Set.of(2L, 4L, 6L), groups, "three top-level directories in three groups: " + java.util.Arrays.toString(top));
            long file = fs.create(top[1], "file", 0644, 0, 0);
            long sub = fs.mkdir(top[1], "sub", 0755, 0, 0);
            assertEquals((top[1] - 1) / ipg, (file - 1) / ipg, "a file in its directory's group");
            assertEquals((top[1] - 1) / ipg, (sub - 1) / ipg, "a subdirectory in its parent's group while it has room");
        }
        assertClean(img);
    }
}
