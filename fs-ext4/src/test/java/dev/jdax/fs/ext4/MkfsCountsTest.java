package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jdax's mkfs counts what mke2fs -t ext4 counts: free blocks, reserved GDT blocks and overhead, the
 * resize inode made even where there is nothing to reserve (8 MiB: its double indirect block alone,
 * as mke2fs makes it); e2fsck finds it clean.
 */
class MkfsCountsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"8", "64", "320"})
    void freeBlocksReservedGdtAndOverheadAsMke2fs(String mib) throws Exception {
        Path theirs = tmp.resolve("mke2fs.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", theirs.toString(), mib + "M");
        assertEquals(0, mk.status(), mk.output());
        Path ours = tmp.resolve("jdax.img");
        try (DaxDevice d = PmemDevices.create(ours, Long.parseLong(mib) << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", ours.toString());
        assertEquals(0, fsck.status(), fsck.output());
        for (String field : new String[] {"Free blocks:", "Reserved GDT blocks:", "Overhead clusters:", "Block count:"}) {
            assertEquals(header(theirs, field), header(ours, field), field);
        }
        assertTrue(header(ours, "Filesystem features:").contains(" resize_inode "));
    }

    private static String header(Path img, String field) throws Exception {
        return Tools.run("dumpe2fs", "-h", img.toString()).output().lines()
                .filter(l -> l.startsWith(field)).findFirst().orElse(field + " (none)");
    }
}
