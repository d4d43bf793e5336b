package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ext family as mke2fs makes it, feature set by feature set (issue 22's table, alone and as
 * distributions combine them): an image made with {@code mke2fs -d} from a tree of small, large,
 * sparse and hard-linked files, symlinks and a 400-name directory (then hashed by {@code e2fsck -D}),
 * read byte for byte; where jdax writes it, a random workload follows, the image is read back
 * against the model and e2fsck -fn finds it clean; where it mounts read-only or refuses, the
 * answer names the feature.
 */
class FeatureMatrixTest {
    @TempDir
    static Path shared;
    private static Path tree;
    private static TreeModel original;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeTree() throws Exception {
        tree = shared.resolve("tree");
        original = TreeModel.populate(tree, 400);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("default ext4, 4 KiB", "rw", "-t", "ext4", "-b", "4096"),
                row("ext4, 1 KiB blocks", "rw", "-t", "ext4", "-b", "1024"),
                row("ext4, 2 KiB blocks", "rw", "-t", "ext4", "-b", "2048"),
                row("crc16 descriptors (uninit_bg)", "rw", "-t", "ext4", "-O", "^metadata_csum,uninit_bg"),
                row("crc16, 4 KiB, ^64bit (pre-2016 ext4)", "rw", "-t", "ext4", "-b", "4096", "-O", "^metadata_csum,uninit_bg,^64bit"),
                row("no checksums at all", "rw", "-t", "ext4", "-O", "^metadata_csum,^uninit_bg"),
                row("^64bit", "rw", "-t", "ext4", "-O", "^64bit"),
                row("^flex_bg", "rw", "-t", "ext4", "-O", "^flex_bg"),
                row("128-byte inodes", "rw", "-t", "ext4", "-I", "128"),
                row("no journal", "rw", "-t", "ext4", "-O", "^has_journal"),
                row("large_dir", "rw", "-t", "ext4", "-O", "large_dir"),
                row("sparse_super2", "rw", "-t", "ext4", "-O", "sparse_super2"),
                row("orphan_file", "rw", "-t", "ext4", "-O", "orphan_file"),
                row("bigalloc", "rw", "-t", "ext4", "-b", "4096", "-O", "bigalloc"),
                row("bigalloc, 64 KiB clusters", "rw", "-t", "ext4", "-b", "4096", "-C", "65536", "-O", "bigalloc"),
                row("bigalloc, ext3-style crc16", "rw", "-t", "ext4", "-b", "4096", "-O", "bigalloc,^metadata_csum,uninit_bg"),
                row("bigalloc, 1 KiB blocks in 16 KiB clusters", "rw", "-t", "ext4", "-b", "1024", "-C", "16384", "-O", "bigalloc"),
                row("quota", "rw", "-t", "ext4", "-O", "quota"),
                row("project,quota", "rw", "-t", "ext4", "-I", "256", "-O", "project,quota"),
                row("quota, ext3-style crc16", "rw", "-t", "ext4", "-O", "quota,^metadata_csum,uninit_bg"),
                row("verity", "rw", "-t", "ext4", "-b", "4096", "-O", "verity"),
                row("ext3", "rw", "-t", "ext3"),
                row("ext3, 4 KiB", "rw", "-t", "ext3", "-b", "4096"),
                row("ext3 upgraded with tune2fs -O extent", "rw", "-t", "ext3", "+tune2fs", "-O", "extent"),
                row("ext3 upgraded to ext4 features", "rw", "-t", "ext3", "-b", "4096", "+tune2fs", "-O",
                        "extent,huge_file,dir_nlink,extra_isize,uninit_bg"),
                row("meta_bg", "rw", "-t", "ext4", "-O", "meta_bg,^resize_inode"),
                row("meta_bg, 64 groups in 4 meta groups", "rw", "-t", "ext4", "-b", "1024", "-G", "4", "-g", "1024", "-O", "meta_bg,^resize_inode"),
                row("sparse_super2, 1 KiB", "rw", "-t", "ext4", "-b", "1024", "-O", "sparse_super2"),
                row("inline_data", "rw", "-t", "ext4", "-O", "inline_data"),
                row("inline_data, 4 KiB, 1 KiB inodes", "rw", "-t", "ext4", "-b", "4096", "-I", "1024", "-O", "inline_data"),
                row("ea_inode", "rw", "-t", "ext4", "-O", "ea_inode"),
                row("mmp", "rw", "-t", "ext4", "-O", "mmp", "-E", "mmp_update_interval=1"),
                row("casefold", "rw", "-t", "ext4", "-O", "casefold"),
                row("casefold, strict", "rw", "-t", "ext4", "-O", "casefold", "-E", "encoding_flags=strict"),
                row("encrypt", "rw", "-t", "ext4", "-O", "encrypt"));
    }

    private static Arguments row(String name, String expect, String... mke2fs) {
        return Arguments.of(name, expect, List.of(mke2fs));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("rows")
    void readThenWrittenThenCleanOrRefusedByName(String name, String expect, List<String> mke2fs) throws Exception {
        Path img = tmp.resolve("m.img");
        int tune = mke2fs.indexOf("+tune2fs");
        List<String> args = new ArrayList<>(List.of("-q", "-F"));
        args.addAll(tune < 0 ? mke2fs : mke2fs.subList(0, tune));
        args.addAll(List.of("-d", tree.toString(), img.toString(), "64M"));
        Tools.Result mk = Tools.run("mke2fs", args.toArray(String[]::new));
        assertEquals(0, mk.status(), mk.output());
        if (tune >= 0) {
            // Features added afterwards: the files mke2fs wrote keep their indirect maps.
            List<String> t = new ArrayList<>(mke2fs.subList(tune + 1, mke2fs.size()));
            t.add(img.toString());
            Tools.Result tuned = Tools.run("tune2fs", t.toArray(String[]::new));
            assertEquals(0, tuned.status(), tuned.output());
        }
        if (expect.startsWith("refused:")) {
            try (DaxDevice d = PmemDevices.open(img)) {
                FsException e = assertThrows(FsException.class, () -> Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none()).close());
                assertEquals(Errno.EOPNOTSUPP, e.errno(), e.getMessage());
                assertTrue(e.getMessage().contains(expect.substring(8)), e.getMessage());
            }
            return;
        }
        if (!mke2fs.contains("mmp")) { // e2fsck -y holds the MMP block for 2 * 5 + 1 seconds
            Tools.Result index = Tools.run("e2fsck", "-fyD", img.toString());
            assertTrue(index.status() <= 1, "e2fsck -D: " + index.output());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            original.verify(fs);
            if (expect.startsWith("ro:")) {
                assertTrue(fs.readOnly(), name + " mounts read-only");
                FsException e = assertThrows(FsException.class, () -> fs.mkdir(fs.rootIno(), "x", 0755, 0, 0));
                assertEquals(Errno.EROFS, e.errno());
                assertTrue(e.getMessage().contains(expect.substring(3)), e.getMessage());
                return;
            }
        }
        TreeModel model = original.copy();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            model.randomWorkload(fs, name.hashCode(), 100);
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            model.verify(fs);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), name + ": e2fsck -fn after the workload:\n" + fsck.output());
        Files.delete(img);
    }
}
