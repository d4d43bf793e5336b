package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Group layouts beyond the default: meta_bg (descriptor blocks in the first, second and last group of
 * each meta group, descriptor_loc) and sparse_super2 (superblock copies only in the two groups
 * s_backup_bgs names). A file filling most of the file system is written across every group, so the
 * groups' uninitialised bitmaps are built from the layout; e2fsck -fn must agree with all of it.
 */
class GroupLayoutsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"meta_bg,^resize_inode", "sparse_super2"})
    void aFileAcrossEveryGroupLeavesTheLayoutClean(String features) throws Exception {
        Path img = tmp.resolve("g.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-G", "4", "-g", "1024", "-O", features,
                img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        byte[] data = new byte[40 << 20];
        new Random(5).nextBytes(data);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             OpenFile f = fs.open("/big", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            for (int at = 0; at < data.length; at += 1 << 20) {
                f.write(at, data, at, 1 << 20);
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        byte[] back = Tools.runBytes("debugfs", "-R", "cat /big", img.toString());
        assertArrayEquals(data, Arrays.copyOf(back, back.length), "debugfs reads what jdax wrote");
    }
}
