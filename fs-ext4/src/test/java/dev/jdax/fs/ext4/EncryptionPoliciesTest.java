package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.EncryptionPolicy;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fscrypt's policies on an mke2fs -O encrypt image, read from the contexts ext4 keeps in the
 * encryption index of an inode's extended attributes: the contexts are put there with debugfs
 * (under index 0, the only one its ea_set names, then moved to index 9 byte-wise and the inode's
 * checksum made again; e2fsck takes them), the directories flagged encrypted. Without keys jdax reads v1 and v2
 * policies as FS_IOC_GET_ENCRYPTION_POLICY_EX does, refuses the old ioctl for a v2 one, reports
 * every key absent, answers set_policy as fs/crypto's rules do up to the key it never has, and
 * stores a v1 policy (which needs none) on an empty directory, e2fsck clean.
 */
class EncryptionPoliciesTest {
    private static final Pattern IMAP = Pattern.compile("located at block (\\d+), offset 0x([0-9a-f]+)");
    /** In a 256-byte inode with i_extra_isize 32: the first in-inode entry, its name length and index bytes. */
    private static final int FIRST_ENTRY = 128 + 32 + 4;

    @TempDir
    Path tmp;

    private static byte[] descriptor() {
        return new byte[] {1, 2, 3, 4, 5, 6, 7, 8};
    }

    private static byte[] identifier() {
        byte[] id = new byte[16];
        for (int i = 0; i < id.length; i++) {
            id[i] = (byte) (0x10 + i);
        }
        return id;
    }

    /** fscrypt_context_v1: version 1, AES-256-XTS/CTS, flags PAD_16, the descriptor, a nonce. */
    private static byte[] contextV1() {
        byte[] c = new byte[28];
        c[0] = 1;
        c[1] = 1;
        c[2] = 4;
        c[3] = 2;
        System.arraycopy(descriptor(), 0, c, 4, 8);
        c[12] = 0x55;
        return c;
    }

    /** fscrypt_context_v2: version 2, Adiantum for both, flags DIRECT_KEY, 4 reserved bytes, the identifier, a nonce. */
    private static byte[] contextV2() {
        byte[] c = new byte[40];
        c[0] = 2;
        c[1] = 9;
        c[2] = 9;
        c[3] = 4;
        System.arraycopy(identifier(), 0, c, 8, 16);
        c[24] = 0x66;
        return c;
    }

    /** Moves {@code path}'s first in-inode attribute to index 9 (EXT4_XATTR_INDEX_ENCRYPTION). */
    private static void toEncryptionIndex(Path img, String path) throws Exception {
        Tools.Result r = Tools.run("debugfs", "-R", "imap " + path, img.toString());
        Matcher m = IMAP.matcher(r.output());
        assertEquals(true, m.find(), r.output());
        long at = Long.parseLong(m.group(1)) * 4096 + Long.parseLong(m.group(2), 16) + FIRST_ENTRY;
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(at);
            assertEquals(1, f.read(), "the entry's name length");
            assertEquals(0, f.read(), "the entry's index, as debugfs set it");
            f.seek(at + 1);
            f.write(9);
        }
    }

    private static void fails(Errno errno, Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    @Test
    void policiesAreReadFromTheContextsAndKeysAreAbsent() throws Exception {
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        for (String d : new String[] {"v1", "v2", "empty", "full", "labelled"}) {
            Files.createDirectories(tree.resolve(d));
        }
        Files.writeString(tree.resolve("full").resolve("f"), "x");
        Files.writeString(tree.resolve("file"), "x");
        Path img = tmp.resolve("e.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-O", "encrypt", "-d",
                tree.toString(), img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        Path v1 = Files.write(tmp.resolve("v1.ctx"), contextV1());
        Path v2 = Files.write(tmp.resolve("v2.ctx"), contextV2());
        Path cmds = Files.writeString(tmp.resolve("cmds"), String.join("\n", "ea_set -f " + v1 + " /v1 c",
                "ea_set -f " + v2 + " /v2 c", "ea_set /labelled user.tag hello", "set_inode_field /v1 flags 0x80800", "set_inode_field /v2 flags 0x80800", ""));
        Tools.Result w = Tools.run("debugfs", "-w", "-f", cmds.toString(), img.toString());
        assertEquals(0, w.status(), w.output());
        toEncryptionIndex(img, "/v1");
        toEncryptionIndex(img, "/v2");
        Path sums = Files.writeString(tmp.resolve("sums"), "set_inode_field /v1 checksum calc\nset_inode_field /v2 checksum calc\n");
        // -n: debugfs would not touch an inode whose checksum the byte moved no longer matches.
        assertEquals(0, Tools.run("debugfs", "-w", "-n", "-f", sums.toString(), img.toString()).status());
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "the contexts are ones e2fsck takes: " + fsck.output());

        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long dir1 = fs.resolve("/v1", true);
            long dir2 = fs.resolve("/v2", true);
            EncryptionPolicy p1 = fs.encryptionPolicy(dir1, false);
            assertEquals(new EncryptionPolicy(EncryptionPolicy.V1, 1, 4, 2, descriptor()), p1);
            assertEquals(p1, fs.encryptionPolicy(dir1, true), "the old ioctl reads a v1 policy too");
            EncryptionPolicy p2 = fs.encryptionPolicy(dir2, false);
            assertEquals(new EncryptionPolicy(EncryptionPolicy.V2, 9, 9, 4, identifier()), p2);
            assertArrayEquals(identifier(), p2.masterKey());
            fails(Errno.EINVAL, () -> fs.encryptionPolicy(dir2, true));
            fails(Errno.ENODATA, () -> fs.encryptionPolicy(fs.resolve("/file", true), false));

            assertEquals(1, fs.encryptionKeyStatus(descriptor()), "absent");
            assertEquals(1, fs.encryptionKeyStatus(identifier()), "absent");
            fails(Errno.ENOKEY, () -> fs.removeEncryptionKey(identifier(), false));
            fails(Errno.EOPNOTSUPP, () -> fs.addEncryptionKey(identifier(), new byte[64]));
            fails(Errno.EINVAL, () -> fs.encryptionKeyStatus(new byte[3]));

            fs.setEncryptionPolicy(dir1, p1); // the policy it has: nothing to do
            fails(Errno.EEXIST, () -> fs.setEncryptionPolicy(dir1, p2));
            fails(Errno.ENOTDIR, () -> fs.setEncryptionPolicy(fs.resolve("/file", true), p1));
            fails(Errno.ENOTEMPTY, () -> fs.setEncryptionPolicy(fs.resolve("/full", true), p1));
            long empty = fs.resolve("/empty", true);
            fails(Errno.EINVAL, () -> fs.setEncryptionPolicy(empty, new EncryptionPolicy(EncryptionPolicy.V1, 1, 1, 2, descriptor())));
            fails(Errno.EINVAL, () -> fs.setEncryptionPolicy(empty, new EncryptionPolicy(3, 1, 4, 2, descriptor())));
            fails(Errno.ENOKEY, () -> fs.setEncryptionPolicy(empty, p2));
            fails(Errno.ENODATA, () -> fs.encryptionPolicy(empty, false));
            // A v1 policy needs no key: the empty directory takes it, and is then as encrypted as /v1.
            EncryptionPolicy mine = new EncryptionPolicy(EncryptionPolicy.V1, 5, 6, 0, new byte[] {9, 9, 9, 9, 1, 2, 3, 4});
            fs.setEncryptionPolicy(empty, mine);
            assertEquals(mine, fs.encryptionPolicy(empty, true));
            assertEquals(StatInfo.STATX_ATTR_ENCRYPTED, fs.stat(empty).attributes() & StatInfo.STATX_ATTR_ENCRYPTED);
            fails(Errno.ENOKEY, () -> fs.create(empty, "plain", 0644, 0, 0));
            fails(Errno.EEXIST, () -> fs.setEncryptionPolicy(empty, p1));
            // Beside an attribute the body keeps already: the context is added after it.
            long labelled = fs.resolve("/labelled", true);
            fs.setEncryptionPolicy(labelled, mine);
            assertEquals(mine, fs.encryptionPolicy(labelled, false));
        }
        Tools.Result after = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, after.status(), "e2fsck after the policy was set: " + after.output());
        Tools.Result tag = Tools.run("debugfs", "-R", "ea_get /labelled user.tag", img.toString());
        assertTrue(tag.output().contains("hello"), "the attribute kept beside the context: " + tag.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertEquals(new EncryptionPolicy(EncryptionPolicy.V1, 5, 6, 0, new byte[] {9, 9, 9, 9, 1, 2, 3, 4}),
                    fs.encryptionPolicy(fs.resolve("/empty", true), false), "kept across a mount");
        }
    }

    @Test
    void withoutTheFeatureEveryIoctlIsRefused() throws Exception {
        Path img = tmp.resolve("plain.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", img.toString(), "32M").status());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long root = fs.rootIno();
            fails(Errno.EOPNOTSUPP, () -> fs.encryptionPolicy(root, false));
            fails(Errno.EOPNOTSUPP, () -> fs.setEncryptionPolicy(root, new EncryptionPolicy(EncryptionPolicy.V1, 1, 4, 2, descriptor())));
            fails(Errno.EOPNOTSUPP, () -> fs.encryptionKeyStatus(descriptor()));
            fails(Errno.EOPNOTSUPP, () -> fs.removeEncryptionKey(descriptor(), true));
        }
    }
}
