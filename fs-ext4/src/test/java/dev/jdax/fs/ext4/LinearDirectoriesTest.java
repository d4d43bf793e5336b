package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A directory of many blocks without an index (a file system without dir_index), as mke2fs -d
 * fills one: every name is found in the block that holds it, absent names are not, and names
 * unlinked, renamed and made again go where the first block with room is; readdir lists what a
 * model holds, and e2fsck finds the image clean.
 */
class LinearDirectoriesTest {
    @TempDir
    Path tmp;

    @Test
    void aLinearDirectoryOfManyBlocksFindsChangesAndStaysClean() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/big"));
        Set<String> model = new TreeSet<>();
        for (int i = 0; i < 2000; i++) {
            String n = "file-" + i + "-" + "x".repeat(i % 23);
            Files.writeString(src.resolve(n), "" + i);
            model.add(n);
        }
        Path img = tmp.resolve("linear.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-O", "^dir_index", "-d", tmp.resolve("src").toString(),
                img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long dir = fs.resolve("/big", true);
            Ext4Inode big = WhiteBox.format(fs).iget(dir);
            assertEquals(0, big.i_flags() & Ext4Inode.INDEX_FL, "not hashed");
            assertTrue(big.i_size() > 8 * 4096, "many blocks: " + big.i_size());
            for (String n : model) {
                assertNotEquals(0, fs.lookup(dir, n));
            }
            Set<String> gone = new TreeSet<>();
            int i = 0;
            for (String n : new TreeSet<>(model)) {
                switch (i++ % 6) {
                    case 0 -> {
                        fs.unlink(dir, n);
                        model.remove(n);
                        gone.add(n);
                    }
                    case 1 -> {
                        fs.rename(dir, n, dir, n + "-moved", 0);
                        model.remove(n);
                        gone.add(n);
                        model.add(n + "-moved");
                    }
                    case 2 -> {
                        fs.create(dir, n + "-new", 0644, 0, 0);
                        model.add(n + "-new");
                    }
                    default -> { }
                }
            }
            for (String n : model) {
                assertNotEquals(0, fs.lookup(dir, n), n);
            }
            for (String n : gone) {
                FsException e = assertThrows(FsException.class, () -> fs.lookup(dir, n), n);
                assertEquals(Errno.ENOENT, e.errno());
            }
            Set<String> listed = new TreeSet<>();
            for (DirEntry e : fs.readdir(dir)) {
                listed.add(e.name());
            }
            listed.removeAll(Set.of(".", ".."));
            assertEquals(model, listed);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }
}
