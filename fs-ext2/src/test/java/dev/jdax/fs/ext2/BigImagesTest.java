package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ext2 of 1 TiB, made by jdax's mkfs on a sparse image made at test time (on /dev/shm: ext2 has no
 * uninitialised groups, so mkfs writes a bitmap into every one of its 8,192 groups and e2fsck reads
 * every inode table, which tmpfs serves from holes quickly): jdax's mkfs writes no inode table of a
 * discarded image, the file system mounts and takes writes, and e2fsck -fn finds it clean.
 */
class BigImagesTest {
    @Test
    void jdaxMkfsOfOneTebibyteTakesWrites() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.getFileStore(shm).getUsableSpace() > (1L << 30),
                "no /dev/shm with 1 GiB free for a 1 TiB sparse image");
        Tools.require("e2fsck");
        Path img = Files.createTempFile(shm, "jdax-ext2-1t-", ".img");
        try {
            try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[1]), (1L << 40) - 1);
            }
            long t0 = System.nanoTime();
            try (DaxDevice d = PmemDevices.open(img)) {
                new Ext2FileSystemType().mkfs(d, new MkfsOptions(0, List.of(), "", null, Map.of(Ext2Mkfs.ZEROED, "true")));
            }
            System.out.printf("jdax mkfs -t ext2 of 1 TiB: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertTrue(Files.size(img) == 1L << 40);
            byte[] data = new byte[1 << 20];
            new Random(3).nextBytes(data);
            try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("dax"))) {
                long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                for (int i = 0; i < 8; i++) {
                    try (OpenFile f = fs.open(fs.create(dir, "f" + i, 0644, 0, 0), OpenFlags.O_RDWR)) {
                        assertEquals(data.length, f.write((long) i << 30, data, 0, data.length));
                    }
                }
                fs.unlink(dir, "f2");
            }
            try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("ro"))) {
                byte[] back = new byte[data.length];
                try (OpenFile f = fs.open("/d/f7", OpenFlags.O_RDONLY)) {
                    assertEquals(back.length, f.read(7L << 30, back, 0, back.length));
                }
                assertArrayEquals(data, back);
            }
            Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
            assertEquals(0, fsck.status(), fsck.output());
        } finally {
            Files.delete(img);
        }
    }
}
