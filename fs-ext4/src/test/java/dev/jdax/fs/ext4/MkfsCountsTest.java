package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jdax's mkfs counts what mke2fs -t ext4 counts: free blocks, reserved GDT blocks and overhead, the
 * resize inode made even where there is nothing to reserve (8 MiB: its double indirect block alone,
 * as mke2fs makes it), lost+found grown to 16 KiB of small blocks, no journal below 2048 blocks
 * (the features say so); e2fsck finds it clean.
 */
class MkfsCountsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"256, 4096", "4096, 4096", "8192, 4096", "65536, 4096", "327680, 4096", "128, 1024",
            "512, 1024", "16384, 1024", "16384, 2048"})
    void freeBlocksReservedGdtAndOverheadAsMke2fs(long kib, int blockSize) throws Exception {
        Path theirs = mke2fs(kib, blockSize);
        Path ours = jdaxMkfs(kib, blockSize);
        Tools.Result fsck = Tools.run("e2fsck", "-fn", ours.toString());
        assertEquals(0, fsck.status(), fsck.output());
        for (String field : new String[] {"Free blocks:", "Reserved GDT blocks:", "Overhead clusters:", "Block count:",
                "Inode count:", "Filesystem features:", "Journal features:"}) {
            assertEquals(header(theirs, field), header(ours, field), field);
        }
        assertTrue(header(ours, "Filesystem features:").contains(" resize_inode "));
    }

    /**
     * The same places as mke2fs: every group's bitmaps and inode table (a lone last group's spaced
     * as a full flex group's, as ext2fs_allocate_group_table leaves them), and the blocks of the root
     * directory, lost+found, the resize inode and the journal.
     */
    @ParameterizedTest
    @CsvSource({"256, 4096", "4096, 4096", "65536, 4096", "327680, 4096", "128, 1024", "8192, 1024",
            "139264, 1024", "16384, 1024", "16384, 2048"})
    void placesWhatMke2fsPlaces(long kib, int blockSize) throws Exception {
        Path theirs = mke2fs(kib, blockSize);
        Path ours = jdaxMkfs(kib, blockSize);
        assertEquals(tables(theirs), tables(ours));
        for (int ino : new int[] {2, 7, 8, 11}) {
            assertEquals(blocksOf(theirs, ino), blocksOf(ours, ino), "inode " + ino);
        }
    }

    private Path mke2fs(long kib, int blockSize) throws Exception {
        Path img = tmp.resolve("mke2fs.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", Integer.toString(blockSize),
                img.toString(), kib + "K");
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    private Path jdaxMkfs(long kib, int blockSize) throws Exception {
        Path img = tmp.resolve("jdax.img");
        try (DaxDevice d = PmemDevices.create(img, kib << 10)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(blockSize));
        }
        return img;
    }

    private static String tables(Path img) throws Exception {
        StringBuilder out = new StringBuilder();
        Tools.run("dumpe2fs", img.toString()).output().lines()
                .filter(l -> l.contains("bitmap at") || l.contains("Inode table at"))
                .forEach(l -> out.append(l.replaceAll(", csum 0x[0-9a-f]+", "").strip()).append('\n'));
        return out.toString();
    }

    private static String blocksOf(Path img, int ino) throws Exception {
        List<String> lines = Tools.run("debugfs", "-R", "stat <" + ino + ">", img.toString()).output().lines().toList();
        int at = lines.indexOf("BLOCKS:") >= 0 ? lines.indexOf("BLOCKS:") : lines.indexOf("EXTENTS:");
        return at >= 0 && at + 1 < lines.size() ? lines.get(at + 1) : "(no blocks)";
    }

    private static String header(Path img, String field) throws Exception {
        return Tools.run("dumpe2fs", "-h", img.toString()).output().lines()
                .filter(l -> l.startsWith(field)).findFirst().orElse(field + " (none)");
    }
}
