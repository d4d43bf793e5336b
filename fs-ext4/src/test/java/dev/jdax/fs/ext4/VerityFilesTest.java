package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fs-verity files as ext4 keeps them ({@link VerityImage}: built as the format says, e2fsck the
 * judge): a verity file system mounts read-write, every block of a verity file is read checked
 * against its Merkle tree (SHA-256 and SHA-512, with and without salt, empty, one block, two tree
 * levels), a block that does not match is EIO while the others still read, and a verity file is
 * never opened for writing nor truncated (EPERM, as __fsverity_file_open and
 * __fsverity_prepare_setattr refuse it). {@code LinuxVerityImagesTest} reads files the kernel sealed.
 */
class VerityFilesTest {
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    private Path image(Map<String, byte[]> sealed) throws Exception {
        Path root = tmp.resolve("tree");
        Files.createDirectories(root);
        Files.writeString(root.resolve("plain"), "not sealed");
        for (var e : sealed.entrySet()) {
            int alg = e.getKey().contains("512") ? 2 : 1;
            byte[] salt = e.getKey().contains("salt") ? "a pinch of salt".getBytes() : new byte[0];
            Files.write(root.resolve(e.getKey()), VerityImage.build(e.getValue(), BS, alg, salt));
        }
        Path img = tmp.resolve("verity.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-O", "verity", "-d", root.toString(),
                img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        StringBuilder cmds = new StringBuilder();
        for (var e : sealed.entrySet()) {
            cmds.append("sif /").append(e.getKey()).append(" size ").append(e.getValue().length).append('\n');
            cmds.append("sif /").append(e.getKey()).append(" flags 0x180000\n"); // EXTENTS_FL | VERITY_FL
        }
        Path script = Files.writeString(tmp.resolve("seal.cmds"), cmds);
        Tools.Result seal = Tools.run("debugfs", "-w", "-f", script.toString(), img.toString());
        assertEquals(0, seal.status(), seal.output());
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "e2fsck judges the verity files as built\n" + fsck.output());
        return img;
    }

    private static Map<String, byte[]> files() {
        Random r = new Random(9);
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (var e : Map.of("empty", 0, "one-block", 3000, "two-levels", (1 << 20) + 123, "sha512-salt", 600_000,
                "salt-block", BS).entrySet()) {
            byte[] b = new byte[e.getValue()];
            r.nextBytes(b);
            m.put(e.getKey(), b);
        }
        return m;
    }

    @Test
    void verityFilesReadVerifiedAndAreNeverWritten() throws Exception {
        Map<String, byte[]> sealed = files();
        Path img = image(sealed);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            assertFalse(fs.readOnly(), "verity is served read-write, as Linux serves it");
            for (var e : sealed.entrySet()) {
                long ino = fs.resolve("/" + e.getKey(), true);
                assertArrayEquals(e.getValue(), read(fs, ino), e.getKey());
                assertFalse(fs.stat(ino).isDax(), e.getKey() + ": ext4_should_enable_dax says no to a verity file");
                for (int flags : new int[] {OpenFlags.O_RDWR, OpenFlags.O_WRONLY, OpenFlags.O_RDONLY | OpenFlags.O_TRUNC}) {
                    FsException no = assertThrows(FsException.class, () -> fs.open(ino, flags).close(), e.getKey());
                    assertEquals(Errno.EPERM, no.errno(), no.getMessage());
                }
                try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
                    // chattr +x: dax_compatible refuses the DAX flag to a verity file (EXT4_DAX_MUT_EXCL).
                    FsException no = assertThrows(FsException.class, () -> f.setDaxFlag(true), e.getKey());
                    assertEquals(Errno.EOPNOTSUPP, no.errno(), no.getMessage());
                    // Linux maps a verity file through its checked page cache; jdax maps device blocks, so it does not.
                    FsException map = assertThrows(FsException.class, () -> f.mmap(0, 4096, dev.jdax.api.fs.FileMapping.PROT_READ, dev.jdax.api.fs.FileMapping.MAP_SHARED), e.getKey());
                    assertEquals(Errno.EOPNOTSUPP, map.errno(), map.getMessage());
                }
            }
            assertTrue(fs.stat(fs.resolve("/plain", true)).isDax());
            long f = fs.create(fs.rootIno(), "written", 0644, 0, 0);
            try (OpenFile of = fs.open(f, OpenFlags.O_RDWR)) {
                of.write(0, new byte[70_000], 0, 70_000);
            }
            fs.unlink(fs.rootIno(), "sha512-salt"); // its tree and descriptor past EOF go with it
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    @Test
    void aBlockThatDoesNotMatchItsHashIsEio() throws Exception {
        Map<String, byte[]> sealed = files();
        Path img = image(sealed);
        long dataBlock;
        long treeBlock;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            Ext4Inode in = WhiteBox.format(fs).iget(fs.resolve("/two-levels", true));
            dataBlock = in.extents.find(100).pblkOf(100);
            long firstLevel0 = 65536L * 17 / BS + 1; // metadata at 17 x 64 KiB; the root level's one block, then level 0
            treeBlock = in.extents.find(firstLevel0 + 2).pblkOf(firstLevel0 + 2);
        }
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            raf.seek(dataBlock * BS + 77);
            int b = raf.read();
            raf.seek(dataBlock * BS + 77);
            raf.write(b ^ 1);
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            byte[] want = sealed.get("two-levels");
            try (OpenFile f = fs.open(fs.resolve("/two-levels", true), OpenFlags.O_RDONLY)) {
                byte[] buf = new byte[BS];
                FsException e = assertThrows(FsException.class, () -> f.read(100L * BS + 5, buf, 0, 10));
                assertEquals(Errno.EIO, e.errno(), e.getMessage());
                assertTrue(e.getMessage().contains("data block 100"), e.getMessage());
                assertEquals(BS, f.read(99L * BS, buf, 0, BS));
                assertArrayEquals(Arrays.copyOfRange(want, 99 * BS, 100 * BS), buf, "the block before still reads");
            }
        }
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            raf.seek(treeBlock * BS + 1000);
            raf.write(0x55);
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            try (OpenFile f = fs.open(fs.resolve("/two-levels", true), OpenFlags.O_RDONLY)) {
                byte[] buf = new byte[BS];
                // Level-0 block 2 holds the hashes of data blocks 256..; a read there fails on the tree block.
                FsException e = assertThrows(FsException.class, () -> f.read(256L * BS, buf, 0, BS));
                assertTrue(e.getMessage().contains("Merkle tree block"), e.getMessage());
                assertEquals(BS, f.read(0, buf, 0, BS));
            }
        }
    }

    private static byte[] read(FileSystem fs, long ino) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            byte[] out = new byte[(int) f.size()];
            for (int done = 0; done < out.length; ) {
                done += (int) f.read(done, out, done, Math.min(10_000, out.length - done));
            }
            return out;
        }
    }
}
