package dev.jdax.fs.ext2;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images made by the machine's mke2fs, populated with -d, read by jdax byte for byte. */
class MkeFsImagesTest {
    @TempDir
    Path tmp;

    private Path tree() throws Exception {
        Path root = tmp.resolve("tree");
        Random r = new Random(11);
        Files.createDirectories(root.resolve("a/b/c"));
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[r.nextInt(5000)];
            r.nextBytes(b);
            Files.write(root.resolve("a/b/f" + i), b);
        }
        byte[] big = new byte[(6 << 20) + 123]; // beyond the first indirect block's 4 MiB: double indirect
        r.nextBytes(big);
        Files.write(root.resolve("big"), big);
        Files.createSymbolicLink(root.resolve("fast"), Path.of("a/b/f1"));
        Files.createSymbolicLink(root.resolve("slow"), Path.of("a/b/" + "y".repeat(120)));
        Files.createLink(root.resolve("a/hard"), root.resolve("a/b/f2"));
        return root;
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 4096})
    void everyFileOfAPopulatedImageReadsByteIdentical(int blockSize) throws Exception {
        Path root = tree();
        Path img = tmp.resolve("m.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext2", "-b", Integer.toString(blockSize), "-d", root.toString(),
                img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        try (DaxDevice d = PmemDevices.open(img);
             FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("ro"))) {
            int checked = 0;
            try (var walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String inImage = "/" + root.relativize(p).toString().replace('\\', '/');
                    if (Files.isSymbolicLink(p)) {
                        assertEquals(Files.readSymbolicLink(p).toString(), fs.readlink(fs.resolve(inImage, false)));
                    } else if (Files.isRegularFile(p)) {
                        byte[] want = Files.readAllBytes(p);
                        byte[] got = new byte[want.length];
                        try (OpenFile f = fs.open(inImage, OpenFlags.O_RDONLY)) {
                            assertEquals(want.length, f.read(0, got, 0, got.length == 0 ? 0 : got.length));
                        }
                        assertArrayEquals(want, got, inImage);
                        checked++;
                    }
                }
            }
            assertEquals(42, checked);
            assertEquals(fs.stat(fs.resolve("/a/hard", true)).ino(), fs.stat(fs.resolve("/a/b/f2", true)).ino());
        }
    }

    @Test
    void unknownIncompatFeaturesAreRefusedByName() throws Exception {
        Path img = tmp.resolve("e4.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext2", "-O", "extent", img.toString(), "16M");
        assertEquals(0, mk.status(), mk.output());
        try (DaxDevice d = PmemDevices.open(img)) {
            FsException e = assertThrows(FsException.class, () -> Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none()));
            assertEquals(Errno.EOPNOTSUPP, e.errno());
            assertTrue(e.getMessage().contains("extent"), e.getMessage());
        }
    }

    @Test
    void daxNeedsFourKilobyteBlocks() throws Exception {
        Path img = tmp.resolve("k.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", img.toString(), "8M").status());
        try (DaxDevice d = PmemDevices.open(img)) {
            assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                    () -> Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("dax"))).errno());
        }
    }
}
