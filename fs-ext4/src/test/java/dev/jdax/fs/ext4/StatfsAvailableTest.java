package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.StatFs;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What df calls available on a mke2fs image, as Linux 6.1's ext4_statfs counts it: the free blocks
 * less root's reserve and, with extents, the clusters ext4 keeps back for punching and unwritten
 * conversion (2% of the blocks, at most 4096); an ext3 image keeps none back. (The scenario
 * {@code statfs} holds Linux's own figures for a 320 MiB ext4.)
 */
class StatfsAvailableTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "ext3"})
    void availableLeavesOutRootsReserveAndTheReservedClusters(String format) throws Exception {
        Path img = tmp.resolve(format + ".img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", format, "-b", "4096", img.toString(), "320M").status());
        Matcher reserved = Pattern.compile("Reserved block count:\\s+(\\d+)")
                .matcher(Tools.run("dumpe2fs", "-h", img.toString()).output());
        assertTrue(reserved.find(), "dumpe2fs names root's reserve");
        long rootReserve = Long.parseLong(reserved.group(1));
        long keptBack = format.equals("ext4") ? Math.min(81920 / 50, 4096) : 0;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            StatFs st = fs.statfs();
            assertEquals(st.bfree() - rootReserve - keptBack, st.bavail(), format);
            assertEquals(StatFs.ST_VALID | StatFs.ST_RELATIME, st.flags(), "a read-write mount, relatime by default");
        }
    }
}
