package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images made by the machine's mkfs.ext4 with its defaults, populated with -d, read by jdax; and what it refuses. */
class MkfsExt4ImagesTest {
    @TempDir
    Path tmp;

    @Test
    void everyFileOfAPopulatedImageReadsByteIdentical() throws Exception {
        Path root = tmp.resolve("tree");
        Random r = new Random(5);
        Files.createDirectories(root.resolve("a/b"));
        Files.createDirectories(root.resolve("many"));
        for (int i = 0; i < 400; i++) { // enough names for a hashed (dir_index) directory
            byte[] b = new byte[r.nextInt(3000)];
            r.nextBytes(b);
            Files.write(root.resolve("many/entry-" + i), b);
        }
        byte[] big = new byte[(9 << 20) + 77];
        r.nextBytes(big);
        Files.write(root.resolve("a/big"), big);
        Files.createSymbolicLink(root.resolve("fast"), Path.of("a/big"));
        Files.createSymbolicLink(root.resolve("slow"), Path.of("a/" + "q".repeat(100)));
        Path img = tmp.resolve("m.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-d", root.toString(), img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        int checked = 0;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            try (var walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String inImage = "/" + root.relativize(p).toString();
                    if (Files.isSymbolicLink(p)) {
                        assertEquals(Files.readSymbolicLink(p).toString(), fs.readlink(fs.resolve(inImage, false)));
                    } else if (Files.isRegularFile(p)) {
                        byte[] want = Files.readAllBytes(p);
                        byte[] got = new byte[want.length];
                        try (OpenFile f = fs.open(inImage, OpenFlags.O_RDONLY)) {
                            assertEquals(want.length, f.read(0, got, 0, got.length));
                        }
                        assertArrayEquals(want, got, inImage);
                        checked++;
                    }
                }
            }
        }
        assertEquals(401, checked);
    }

    @Test
    void writingIntoAnMke2fsImageKeepsItClean() throws Exception {
        Path img = tmp.resolve("w.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", img.toString(), "64M").status());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            for (int i = 0; i < 200; i++) {
                try (OpenFile f = fs.open("/d/f" + i, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                    f.write(0, new byte[i * 100], 0, i * 100);
                }
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    @Test
    void aJournalNeedingRecoveryIsJudgedByTheSuperblockChecksum() throws Exception {
        Path j = tmp.resolve("j.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", j.toString(), "16M").status());
        try (DaxDevice d = PmemDevices.open(j)) {
            byte[] incompat = new byte[4];
            d.load(1024 + 0x60, MemorySegment.ofArray(incompat), 0, 4);
            incompat[0] |= 0x4; // needs_recovery
            d.store(1024 + 0x60, MemorySegment.ofArray(incompat), 0, 4);
            FsException e = assertThrows(FsException.class, () -> Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none()));
            assertEquals(Errno.EBADMSG, e.errno(), "the superblock checksum no longer matches: " + e.getMessage());
        }
    }
}
