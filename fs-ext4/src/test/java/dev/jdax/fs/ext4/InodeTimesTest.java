package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ext4's inode times as Linux keeps them: nanoseconds and two epoch bits in the large inode's extra
 * words (what debugfs prints after the colon), whole seconds from 1901 to 2038 in a 128-byte
 * inode; e2fsck -fn judges both images.
 */
class InodeTimesTest {
    private static final Instant SET_ATIME = Instant.ofEpochSecond(1000, 5);
    /** 2100-01-01: past 2038, so the seconds need the first epoch bit. */
    private static final Instant SET_MTIME = Instant.ofEpochSecond(4_102_444_800L, 999_999_999);

    @TempDir
    Path tmp;

    @Test
    void largeInodesKeepNanosecondsAndEpochBits() throws Exception {
        Path img = mkfs("big.img", "256");
        long ino;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            ino = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            fs.setattr(ino, SetAttr.times(SET_ATIME, SET_MTIME));
            StatInfo st = fs.stat(ino);
            assertEquals(SET_ATIME, st.atime());
            assertEquals(SET_MTIME, st.mtime());
            assertNotNull(st.btime(), "a 256-byte inode has i_crtime");
        }
        // debugfs reads the words as Linux wrote them: 5 ns << 2, and 999999999 ns << 2 | epoch 1.
        String stat = Tools.run("debugfs", "-R", "stat /f", img.toString()).output();
        assertEquals("0x000003e8:00000014", word(stat, "atime"), stat);
        assertEquals("0xf4865700:ee6b27fd", word(stat, "mtime"), stat);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            StatInfo st = fs.stat(ino);
            assertEquals(SET_ATIME, st.atime(), "read back after a mount");
            assertEquals(SET_MTIME, st.mtime());
            // Writes take the clock at nanoseconds (a tick of it), as ext4's s_time_gran of 1.
            try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                f.write(0, new byte[4096], 0, 4096);
            }
            Instant written = fs.stat(ino).mtime();
            assertTrue(written.isAfter(Instant.now().minusSeconds(60)) && written.isBefore(SET_MTIME), written.toString());
        }
        fsckClean(img);
    }

    @Test
    void smallInodesKeepWholeSecondsWithin1901To2038() throws Exception {
        Path img = mkfs("small.img", "128");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long ino = fs.create(fs.rootIno(), "f", 0644, 0, 0);
            fs.setattr(ino, SetAttr.times(SET_ATIME, SET_MTIME));
            StatInfo st = fs.stat(ino);
            assertEquals(Instant.ofEpochSecond(1000), st.atime(), "timestamp_truncate: whole seconds");
            assertEquals(Instant.ofEpochSecond(Integer.MAX_VALUE), st.mtime(), "clamped to 2038, its nanoseconds gone");
            assertNull(st.btime(), "a 128-byte inode has no i_crtime");
            fs.setattr(ino, SetAttr.times(Instant.parse("1800-01-01T00:00:00.5Z"), null));
            assertEquals(Instant.ofEpochSecond(Integer.MIN_VALUE), fs.stat(ino).atime(), "clamped to 1901");
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            StatInfo st = fs.stat(fs.lookup(fs.rootIno(), "f"));
            assertEquals(Instant.ofEpochSecond(Integer.MIN_VALUE), st.atime(), "read back signed, as ext4 reads i_atime");
            assertEquals(Instant.ofEpochSecond(Integer.MAX_VALUE), st.mtime());
        }
        fsckClean(img);
    }

    /** Four threads setting the times of their own files while writing them: each file ends with its own times. */
    @Test
    void concurrentSetattrsKeepEachFilesTimes() throws Exception {
        Path img = mkfs("threads.img", "256");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            Future<?>[] done = new Future<?>[4];
            for (int t = 0; t < 4; t++) {
                int id = t;
                done[t] = pool.submit(() -> {
                    long ino = fs.create(fs.rootIno(), "t" + id, 0644, 0, 0);
                    try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                        for (int i = 0; i < 200; i++) {
                            f.write((long) i * 4096, new byte[4096], 0, 4096);
                            fs.setattr(ino, SetAttr.times(Instant.ofEpochSecond(id, i), Instant.ofEpochSecond(id + 10, i)));
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            for (int t = 0; t < 4; t++) {
                StatInfo st = fs.stat(fs.lookup(fs.rootIno(), "t" + t));
                assertEquals(Instant.ofEpochSecond(t, 199), st.atime());
                assertEquals(Instant.ofEpochSecond(t + 10, 199), st.mtime());
            }
        }
        fsckClean(img);
    }

    private Path mkfs(String name, String inodeSize) throws Exception {
        Path img = tmp.resolve(name);
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", inodeSize, img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    private static void fsckClean(Path img) throws Exception {
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    /** debugfs stat's {@code " atime: 0xSSSSSSSS:EEEEEEEE -- ..."}: the seconds and the extra word. */
    private static String word(String stat, String which) {
        Matcher m = Pattern.compile("(?m)^\\s*" + which + ": (0x[0-9a-f]{8}:[0-9a-f]{8})").matcher(stat);
        assertTrue(m.find(), which + " in " + stat);
        return m.group(1);
    }
}
