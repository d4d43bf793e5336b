package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No-key names without the kernel: directories of an mke2fs -O encrypt image flagged encrypted by
 * debugfs, so their stored names stand for ciphertext. What jdax lists must be what fscrypt's
 * format makes of those bytes — computed here with java.util.Base64 and SHA-256, the dirhash by
 * debugfs's own dx_hash — for the three ways ext4_readdir lists a directory: a one-block directory
 * (hashed with s_def_hash_version), a linear one of many blocks (no hash) and an indexed one (the
 * root's hash version). {@link LinuxEncryptedImagesTest} holds jdax to the kernel's own listing.
 */
class EncryptedNamesTest {
    private static final Pattern DX_HASH = Pattern.compile("is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)");

    @TempDir
    Path tmp;

    private static String name(String dir, int i) {
        return dir + "-ciphertext-name-" + i;
    }

    /** Linux's no-key name of stored bytes {@code disk}, with the dirhash debugfs computes (none when {@code hash} is false). */
    private static String expected(Path img, String seed, byte[] disk, boolean hash) throws Exception {
        int major = 0;
        int minor = 0;
        if (hash) {
            Tools.Result r = Tools.run("debugfs", "-R", "dx_hash -h half_md4 -s " + seed + " " + new String(disk, StandardCharsets.UTF_8),
                    img.toString());
            Matcher m = DX_HASH.matcher(r.output());
            assertTrue(m.find(), r.output());
            major = Integer.parseUnsignedInt(m.group(1), 16);
            minor = Integer.parseUnsignedInt(m.group(2), 16);
        }
        boolean longName = disk.length > 149;
        ByteBuffer raw = ByteBuffer.allocate(longName ? 189 : 8 + disk.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.putInt(major).putInt(minor).put(disk, 0, Math.min(149, disk.length));
        if (longName) {
            raw.put(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(disk, 149, disk.length)));
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.array());
    }

    @Test
    void noKeyNamesAreFscryptsForEveryKindOfDirectory() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        int[] counts = {12, 300, 300};
        String[] dirs = {"one-block", "linear", "indexed"};
        for (int d = 0; d < dirs.length; d++) {
            Path dir = Files.createDirectories(tree.resolve(dirs[d]));
            for (int i = 0; i < counts[d]; i++) {
                Files.writeString(dir.resolve(name(dirs[d], i)), "x");
            }
        }
        String longName = "L".repeat(200);
        Files.writeString(tree.resolve("one-block").resolve(longName), "long");
        Path img = tmp.resolve("e.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-O", "encrypt", "-d", tree.toString(), img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        // e2fsck -D indexes the big directories; then "linear" loses its index again, and all three are flagged encrypted.
        Tools.run("e2fsck", "-fyD", img.toString());
        Path cmds = Files.writeString(tmp.resolve("cmds"), String.join("\n",
                "set_inode_field /linear flags 0x80800", "set_inode_field /one-block flags 0x80800",
                "set_inode_field /indexed flags 0x81800", "") + "\n");
        Tools.Result w = Tools.run("debugfs", "-w", "-f", cmds.toString(), img.toString());
        assertEquals(0, w.status(), w.output());
        String seed = Tools.run("dumpe2fs", "-h", img.toString()).output().lines()
                .filter(l -> l.startsWith("Directory Hash Seed:")).findFirst().orElseThrow().split(":\\s+")[1].strip();
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            for (int kk = 0; kk < dirs.length; kk++) {
                int k = kk;
                long dir = fs.resolve("/" + dirs[k], true);
                assertEquals(k == 2, (WhiteBox.format(fs).iget(dir).i_flags() & Ext4Inode.INDEX_FL) != 0, dirs[k] + " indexed");
                TreeSet<String> want = new TreeSet<>();
                for (int i = 0; i < counts[k]; i++) {
                    want.add(expected(img, seed, name(dirs[k], i).getBytes(StandardCharsets.UTF_8), k != 1));
                }
                if (k == 0) {
                    want.add(expected(img, seed, longName.getBytes(StandardCharsets.UTF_8), true));
                }
                TreeSet<String> got = new TreeSet<>();
                for (DirEntry e : fs.readdir(dir)) {
                    if (!e.name().equals(".") && !e.name().equals("..")) {
                        got.add(e.name());
                    }
                }
                assertEquals(want, got, dirs[k]);
                for (String n : want) {
                    fs.lookup(dir, n); // each found again: short names by their ciphertext, the long one by its digest
                }
                FsException plain = assertThrows(FsException.class, () -> fs.lookup(dir, name(dirs[0], 0)));
                assertEquals(Errno.ENOENT, plain.errno(), "a name that is no no-key name is not found");
                StatInfo st = fs.stat(dir);
                assertEquals(StatInfo.STATX_ATTR_ENCRYPTED, st.attributes() & StatInfo.STATX_ATTR_ENCRYPTED);
                FsException create = assertThrows(FsException.class, () -> fs.open("/" + dirs[k] + "/new", OpenFlags.O_RDWR | OpenFlags.O_CREAT));
                assertEquals(Errno.ENOKEY, create.errno());
                String victim = want.first();
                fs.unlink(dir, victim);
                FsException gone = assertThrows(FsException.class, () -> fs.lookup(dir, victim));
                assertEquals(Errno.ENOENT, gone.errno());
            }
        }
    }
}
