package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hashed directories grown by the Linux 6.1 kernel itself, made by
 * {@code src/test/oracle/make-htree-image.sh OUTDIR} (it boots the kernel, so it is not part of the
 * build) and checked here when {@code -Djdax.htreeImages=OUTDIR} names them: jdax's readdir lists
 * what the kernel's listed, and every name is found through the index. Skipped otherwise.
 */
class LinuxHtreeImagesTest {
    @Test
    void jdaxReadsEveryNameTheKernelWrote() throws Exception {
        String dir = System.getProperty("jdax.htreeImages");
        assumeTrue(dir != null, "no -Djdax.htreeImages=DIR (made by src/test/oracle/make-htree-image.sh)");
        int checked = 0;
        try (Stream<Path> imgs = Files.list(Path.of(dir))) {
            for (Path img : imgs.filter(p -> p.toString().endsWith(".img")).sorted().toList()) {
                String base = img.getFileName().toString().replace(".img", "");
                Set<String> linux = new TreeSet<>(Files.readAllLines(img.resolveSibling("names-" + base + ".txt")));
                assertFalse(linux.isEmpty(), base);
                try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
                    long big = fs.resolve("/big", true);
                    assertTrue((WhiteBox.format(fs).iget(big).i_flags() & Ext4Inode.INDEX_FL) != 0, base + ": Linux hashed /big");
                    Set<String> jdax = new TreeSet<>();
                    for (DirEntry e : fs.readdir(big)) {
                        jdax.add(e.name());
                    }
                    assertEquals(linux, jdax, base + ": readdir");
                    for (String n : linux) {
                        fs.lookup(big, n);
                    }
                    System.out.printf("%s: %d names read and looked up%n", base, linux.size());
                    checked++;
                }
                // Changed by jdax through the kernel's index (names added, splitting leaves, and removed), a copy stays clean and hashed.
                Path copy = Files.copy(img, img.resolveSibling(base + ".jdax-copy"), StandardCopyOption.REPLACE_EXISTING);
                try (DaxDevice d = PmemDevices.open(copy); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
                    long big = fs.resolve("/big", true);
                    for (int i = 0; i < 500; i++) {
                        fs.create(big, "added-by-jdax-" + i, 0644, 0, 0);
                    }
                    List<String> some = linux.stream().filter(n -> !n.startsWith(".")).limit(300).toList();
                    for (String n : some) {
                        fs.unlink(big, n);
                    }
                    assertEquals(linux.size() + 500 - 300, fs.readdir(big).size());
                    assertTrue((WhiteBox.format(fs).iget(big).i_flags() & Ext4Inode.INDEX_FL) != 0, base + ": still hashed");
                }
                Tools.Result fsck = Tools.run("e2fsck", "-fn", copy.toString());
                Files.delete(copy);
                assertEquals(0, fsck.status(), base + ": " + fsck.output());
            }
        }
        assertTrue(checked > 0, "no images in " + dir);
    }
}
