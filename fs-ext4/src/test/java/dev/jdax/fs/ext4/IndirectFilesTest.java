package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files mapped by indirect blocks (ext3, and ext4 files tune2fs left as they were), served as Linux
 * 6.1's ext4 driver serves them, as measured with src/test/oracle/measure-ext-family.sh
 * (measured/ext-family-linux-6.1.txt): DAX and MAP_SYNC allowed, hole punching allowed and every
 * other fallocate mode EOPNOTSUPP, EFBIG from s_bitmap_maxbytes; the direct, indirect, double and
 * triple indirect ranges written, punched and truncated, e2fsck -fn clean and debugfs reading the
 * same bytes.
 */
class IndirectFilesTest {
    @TempDir
    Path tmp;

    private Path ext3(String blockSize) throws Exception {
        Path img = tmp.resolve("ext3.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext3", "-b", blockSize, img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    @Test
    void aDaxFileWithoutExtentsMapsSyncPunchesAndRefusesTheOtherFallocateModes() throws Exception {
        Path img = ext3("4096");
        byte[] image = Files.readAllBytes(img);
        // In memory, the emulated persistence domain: MAP_SYNC needs flushes that reach it.
        try (DaxDevice d = PmemDevices.memory(image.length)) {
            d.store(0, MemorySegment.ofArray(image), 0, image.length);
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
                daxFileWithoutExtents(fs);
            }
            d.load(0, MemorySegment.ofArray(image), 0, image.length);
        }
        Files.write(img, image);
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    private static void daxFileWithoutExtents(FileSystem fs) throws Exception {
        try (OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            f.write(0, new byte[64 << 10], 0, 64 << 10);
            assertFalse(WhiteBox.format(fs).iget(f.ino()).usesExtents(), "ext3 has no extents");
            assertTrue((f.stat().attributes() & StatInfo.STATX_ATTR_DAX) != 0, "Linux: stat.attributes = 0x200000");
            for (int mode : new int[] {0, Falloc.KEEP_SIZE, Falloc.ZERO_RANGE, Falloc.COLLAPSE_RANGE, Falloc.INSERT_RANGE}) {
                FsException e = assertThrows(FsException.class, () -> f.fallocate(mode, 0, 1 << 20));
                assertEquals(Errno.EOPNOTSUPP, e.errno(), "mode " + mode + ": " + e.getMessage());
            }
            f.fallocate(Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, 0, 4096);
            assertEquals(4096, f.seekData(0));
            FileMapping m = f.mmap(0, 64 << 10, 3, FileMapping.MAP_SHARED_VALIDATE | FileMapping.MAP_SYNC);
            m.putByte(10, (byte) 5);
            m.msync(0, 4096);
            m.close();
            f.write(1L << 40, new byte[4096], 0, 4096);
            // s_bitmap_maxbytes of 4 KiB blocks without huge_file: 536,346,110 blocks (ext4_max_bitmap_size);
            // Linux measured: EFBIG at 2198889005056 and at 3t, for writes and truncate.
            long max = 536_346_110L * 4096;
            assertEquals(max, IndirectMap.maxBytes(4096, false));
            f.write(max - 4096, new byte[4096], 0, 4096);
            assertEquals(Errno.EFBIG, assertThrows(FsException.class, () -> f.write(max, new byte[1], 0, 1)).errno());
            assertEquals(Errno.EFBIG, assertThrows(FsException.class, () -> f.truncate(3L << 40)).errno());
            f.truncate(1L << 20);
        }
    }

    @Test
    void directIndirectDoubleAndTripleRangesAreWrittenPunchedAndTruncated() throws Exception {
        Path img = ext3("1024");
        // 1 KiB blocks: 12 direct, then 256, 65,536 and 16,777,216 blocks behind the three trees.
        long[] blocks = {0, 11, 12, 267, 268, 5000, 65803, 65804, 65805, 70000, 200000};
        Random r = new Random(7);
        long size = (200001L << 10);
        byte[] model = new byte[(int) size];
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            try (OpenFile f = fs.open("/sparse", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                for (long b : blocks) {
                    byte[] data = new byte[1024 + r.nextInt(2048)];
                    r.nextBytes(data);
                    int at = (int) (b << 10) + r.nextInt(100);
                    int len = (int) Math.min(data.length, size - at);
                    f.write(at, data, 0, len);
                    System.arraycopy(data, 0, model, at, len);
                }
                Ext4Inode in = WhiteBox.format(fs).iget(f.ino());
                assertTrue(in.b.getInt(0x28 + 14 * 4) != 0, "a triple indirect tree");
                // ext4_ind_map_blocks' holes: one block under an existing indirect block, a whole missing subtree.
                IndirectMap map = WhiteBox.format(fs).indirectMap();
                assertEquals(1, map.holeBlocks(in, 5));
                assertEquals(1, map.holeBlocks(in, 100));
                assertEquals(5388 - 5300, map.holeBlocks(in, 5300), "to the end of a missing double-indirect child");
                assertEquals(100108 - 100000, map.holeBlocks(in, 100000), "to the end of a missing leaf under the triple tree");
                assertEquals(196876 - 150000, map.holeBlocks(in, 150000), "to the end of a missing second-level subtree");
                f.fallocate(Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, 268L << 10, 1L << 10);
                Arrays.fill(model, 268 << 10, 269 << 10, (byte) 0);
                f.fallocate(Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, 65804L << 10, 2L << 10);
                Arrays.fill(model, 65804 << 10, 65806 << 10, (byte) 0);
            }
            try (OpenFile f = fs.open("/cut", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(70000L << 10, new byte[] {1}, 0, 1);
                f.truncate(300L << 10); // the double and triple trees go, their blocks freed
                assertEquals(0, WhiteBox.format(fs).iget(f.ino()).b.getInt(0x28 + 14 * 4), "no triple indirect block left");
            }
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"));
             OpenFile f = fs.open("/sparse", OpenFlags.O_RDONLY)) {
            byte[] got = new byte[model.length];
            assertEquals(model.length, f.read(0, got, 0, got.length));
            assertArrayEquals(model, got);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        assertArrayEquals(model, Tools.runBytes("debugfs", "-R", "cat /sparse", img.toString()));
    }

    @Test
    void afterTune2fsOldFilesStayIndirectAndNewOnesGetExtents() throws Exception {
        Path root = tmp.resolve("tree");
        byte[] old = Tools.randomFile(root.resolve("old"), 300_000, 1);
        Path img = tmp.resolve("up.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext3", "-b", "4096", "-d", root.toString(), img.toString(), "64M").status());
        assertEquals(0, Tools.run("tune2fs", "-O", "extent", img.toString()).status());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            Ext4FileSystem e = WhiteBox.format(fs);
            try (OpenFile f = fs.open("/old", OpenFlags.O_RDWR)) {
                f.write(old.length, new byte[100_000], 0, 100_000);
                assertFalse(e.iget(f.ino()).usesExtents(), "an old file keeps its indirect map");
                assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class, () -> f.fallocate(0, 0, 4096)).errno());
            }
            try (OpenFile f = fs.open("/new", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[100_000], 0, 100_000);
                assertTrue(e.iget(f.ino()).usesExtents(), "a new file has extents");
                f.fallocate(0, 0, 1 << 20);
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        assertArrayEquals(old, Arrays.copyOf(Tools.runBytes("debugfs", "-R", "cat /old", img.toString()), old.length));
    }
}
