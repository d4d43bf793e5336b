package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * New inodes in the groups Linux 6.1 puts them in (find_group_orlov, find_group_other): on an 8 GiB
 * file system of jdax's mkfs (4 flex groups) with the directory hash seed below, Linux 6.1
 * (linux-mount, 2026-12-02) gave these names these inode numbers — top-level directories spread
 * over the flex groups their names hash to, the rest beside their parent.
 */
class OrlovTest {
    private static final String SEED = "d1464b5c-1584-a939-6fbe-e778175e7d8e";

    @TempDir
    Path tmp;

    @Test
    void topLevelDirectoriesSpreadAsOnLinux() throws Exception {
        Path img = tmp.resolve("o.img");
        try (DaxDevice d = PmemDevices.create(img, 8L << 30)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
        }
        assertEquals(0, Tools.run("debugfs", "-w", "-R", "ssv hash_seed " + SEED, img.toString()).status());
        Map<String, Long> got = new LinkedHashMap<>();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            long root = fs.rootIno();
            for (String n : new String[] {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}) {
                got.put(n, fs.mkdir(root, n, 0755, 0, 0));
            }
            got.put("alpha/sub1", fs.mkdir(got.get("alpha"), "sub1", 0755, 0, 0));
            got.put("alpha/sub2", fs.mkdir(got.get("alpha"), "sub2", 0755, 0, 0));
            got.put("beta/sub", fs.mkdir(got.get("beta"), "sub", 0755, 0, 0));
            for (String f : new String[] {"f1", "alpha/f2", "alpha/sub1/f3"}) {
                try (OpenFile o = fs.open("/" + f, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                    got.put(f, o.ino());
                }
            }
        }
        assertEquals("{alpha=393217, beta=131073, gamma=393218, delta=131074, epsilon=131075, zeta=393219, eta=393220, "
                + "theta=131076, alpha/sub1=393221, alpha/sub2=393222, beta/sub=131077, f1=12, alpha/f2=393223, "
                + "alpha/sub1/f3=393224}", got.toString());
        assertEquals(0, Tools.run("e2fsck", "-fn", img.toString()).status());
    }
}
