package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ext2 has no journal: whether it was unmounted cleanly is s_state's EXT2_VALID_FS, which a
 * writable mount takes off and its unmount puts back (ext2_setup_super, ext2_put_super), and which
 * {@code jdax info} reports: an image a crash left reads as not cleanly unmounted, as Linux's mount
 * of it warns "mounting unchecked fs, running e2fsck is recommended".
 */
class CleanStateTest {
    @Test
    void theProbeSaysWhetherTheLastMountEndedCleanly() throws Exception {
        Ext2FileSystemType type = new Ext2FileSystemType();
        try (DaxDevice d = PmemDevices.memory(32 << 20)) {
            type.mkfs(d, MkfsOptions.defaults());
            assertTrue(type.probe(d).orElseThrow().contains(", cleanly unmounted, "), type.probe(d).orElseThrow());
            try (FileSystem fs = Vfs.mount(type, d, MountOptions.none())) {
                fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                String mounted = type.probe(d).orElseThrow();
                assertTrue(mounted.contains(", not cleanly unmounted: mounted now, or left by a crash"), mounted);
            }
            assertTrue(type.probe(d).orElseThrow().contains(", cleanly unmounted, "));
            try (FileSystem fs = Vfs.mount(type, d, MountOptions.parse("ro"))) {
                assertTrue(type.probe(d).orElseThrow().contains(", cleanly unmounted, "), "a read-only mount changes nothing");
            }
        }
    }
}
