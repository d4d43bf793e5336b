package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A directory of a million names on ext4, filled and half emptied through the VFS, its hashed index
 * grown by jdax from one block; e2fsck -fn clean after, every other name still there. Slow (a minute
 * or more with e2fsck): runs with -Djdax.slow=true.
 */
class MillionNamesTest {
    static final int NAMES = 1_000_000;

    @TempDir
    Path tmp;
    private Path scratch;

    @BeforeEach
    void scratch() throws Exception {
        scratch = Tools.scratchDir(tmp, 2L << 30);
    }

    @AfterEach
    void cleanUp() throws Exception {
        Tools.deleteTree(scratch);
    }

    @Test
    @EnabledIfSystemProperty(named = "jdax.slow", matches = "true")
    void aMillionNamesFilledAndHalfEmptied() throws Exception {
        Path img = scratch.resolve("m.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-N", "" + (NAMES + 50_000), img.toString(), "2G");
        assertEquals(0, mk.status(), mk.output());
        long t0 = System.nanoTime();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long dir = fs.mkdir(fs.rootIno(), "million", 0755, 0, 0);
            for (int i = 0; i < NAMES; i++) {
                fs.create(dir, "file-" + i, 0644, 0, 0);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < NAMES; i += 2) {
                fs.unlink(dir, "file-" + i);
            }
            long t2 = System.nanoTime();
            System.out.printf("ext4: %,d creates in %.1f s, %,d unlinks in %.1f s%n", NAMES, (t1 - t0) / 1e9, NAMES / 2, (t2 - t1) / 1e9);
            for (int i = 0; i < NAMES; i += 99_999) {
                String kept = "file-" + (i | 1);
                String removed = "file-" + (i & ~1);
                fs.lookup(dir, kept);
                FsException gone = assertThrows(FsException.class, () -> fs.lookup(dir, removed));
                assertEquals(Errno.ENOENT, gone.errno());
            }
            assertEquals(NAMES / 2 + 2, fs.readdir(dir).size());
        }
        long t3 = System.nanoTime();
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        System.out.printf("ext4: e2fsck -fn of the million-name image %.1f s%n", (System.nanoTime() - t3) / 1e9);
    }
}
