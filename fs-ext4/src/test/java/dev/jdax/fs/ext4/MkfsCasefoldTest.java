package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jdax's mkfs makes casefold file systems as mke2fs -O casefold does: the feature, s_encoding
 * utf8-12.1 and the strict flag in the superblock, which e2fsck accepts and jdax then serves (a
 * directory given EXT4_CASEFOLD_FL finds every spelling of a name). Linux 6.1 mounting such an
 * image is measured by src/test/oracle/judge-jdax-mkfs-casefold.sh.
 */
class MkfsCasefoldTest {
    @TempDir
    Path tmp;

    private Path make(List<String> features, Map<String, String> extra) throws Exception {
        Path img = tmp.resolve("m.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, new MkfsOptions(4096, features, "", null, extra));
        }
        return img;
    }

    @Test
    void aCasefoldFileSystemE2fsckAcceptsAndJdaxServes() throws Exception {
        Path img = make(List.of("casefold"), Map.of(MkfsFeatures.ENCODING_FLAGS, "strict"));
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        String sb = Tools.run("dumpe2fs", "-h", img.toString()).output();
        assertTrue(sb.contains("Character encoding:       utf8-12.1"), sb);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            fs.mkdir(fs.rootIno(), "cf", 0755, 0, 0);
        }
        // chattr +F needs a kernel: the flag set by debugfs on the empty directory.
        assertEquals(0, Tools.run("debugfs", "-w", "-R", "set_inode_field cf flags 0x40080000", img.toString()).status());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long cf = fs.resolve("/cf", true);
            long file = fs.create(cf, "Straße", 0644, 0, 0);
            assertEquals(file, fs.lookup(cf, "STRASSE"), "full case folding, as utf8_casefold");
            for (int i = 0; i < 300; i++) {
                fs.create(cf, "Name-" + i, 0644, 0, 0);
            }
            assertEquals(fs.lookup(cf, "name-299"), fs.lookup(cf, "NAME-299"));
            FsException strict = assertThrows(FsException.class, () -> fs.create(cf, "bad\ud800", 0644, 0, 0));
            assertEquals(Errno.EINVAL, strict.errno(), "strict mode refuses a name that is not UTF-8");
        }
        fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "after jdax's writes:\n" + fsck.output());
    }

    @Test
    void whatJdaxDoesNotMakeIsRefusedByName() {
        FsException quota = assertThrows(FsException.class, () -> make(List.of("quota"), Map.of()));
        assertEquals(Errno.EINVAL, quota.errno());
        assertTrue(quota.getMessage().contains("\"quota\""), quota.getMessage());
        FsException enc = assertThrows(FsException.class, () -> make(List.of(), Map.of(MkfsFeatures.ENCODING, "utf16")));
        assertTrue(enc.getMessage().contains("Invalid encoding: utf16"), enc.getMessage());
        FsException flags = assertThrows(FsException.class, () -> make(List.of(), Map.of(MkfsFeatures.ENCODING_FLAGS, "strict")));
        assertTrue(flags.getMessage().contains("needs the casefold feature"), flags.getMessage());
    }
}
