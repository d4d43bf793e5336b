package dev.jdax.fs.xfs;

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

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images of a tebibyte, sparse files made at test time: one made by mkfs.xfs (four AGs of 256 GiB,
 * a 512 MiB log) and one by jdax's mkfs, which writes only what mkfs.xfs writes, so it takes about
 * a second and memory that does not grow with the size. jdax mounts each, writes files and a tree,
 * reads them back after a remount, and xfs_repair -n finds nothing.
 */
class BigImagesTest {
    private static final long TIB = 1L << 40;

    @TempDir
    Path tmp;

    @Test
    void aOneTebibyteImageOfMkfsXfsTakesWrites() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = sparse("mkfs-xfs.img");
        XfsImages.Result r = XfsImages.run(List.of(XfsImages.tool("mkfs.xfs").toString(), "-q", "-f", img.toString()));
        assertEquals(0, r.exit(), r.output());
        writeAndJudge(img);
    }

    @Test
    void jdaxMkfsOfOneTebibyteWritesLittleAndTakesWrites() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = sparse("jdax-mkfs.img");
        long t0 = System.nanoTime();
        try (DaxDevice d = PmemDevices.open(img)) {
            new XfsFileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("jdax mkfs -t xfs of 1 TiB: %d ms%n", ms);
        assertTrue(ms < 60_000, "it wrote only what mkfs.xfs writes: " + ms + " ms");
        writeAndJudge(img);
    }

    private Path sparse(String name) throws IOException {
        Path img = tmp.resolve(name);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[1]), TIB - 1);
        }
        return img;
    }

    /** Sixteen files of 1 MiB, one of 64 MiB, a tree; read back after a remount; xfs_repair judges. */
    private static void writeAndJudge(Path img) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(17).nextBytes(data);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new XfsFileSystemType(), d, MountOptions.parse("dax"))) {
            long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
            for (int i = 0; i < 16; i++) {
                try (OpenFile f = fs.open(fs.create(dir, "f" + i, 0644, 0, 0), OpenFlags.O_RDWR)) {
                    assertEquals(data.length, f.write(0, data, 0, data.length));
                }
            }
            try (OpenFile f = fs.open(fs.create(dir, "big", 0644, 0, 0), OpenFlags.O_RDWR)) {
                for (int i = 0; i < 64; i++) {
                    f.write((long) i << 20, data, 0, data.length);
                }
            }
            long sub = fs.mkdir(dir, "sub", 0755, 0, 0);
            fs.mkdir(sub, "deeper", 0755, 0, 0);
            fs.unlink(dir, "f3");
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new XfsFileSystemType(), d, MountOptions.parse("ro"))) {
            long dir = fs.lookup(fs.rootIno(), "d");
            byte[] back = new byte[data.length];
            try (OpenFile f = fs.open(fs.lookup(dir, "f15"), OpenFlags.O_RDONLY)) {
                assertEquals(data.length, f.read(0, back, 0, back.length));
            }
            assertArrayEquals(data, back);
            try (OpenFile f = fs.open(fs.lookup(dir, "big"), OpenFlags.O_RDONLY)) {
                assertEquals(64L << 20, f.size());
                assertEquals(data.length, f.read(63L << 20, back, 0, back.length));
            }
            assertArrayEquals(data, back);
            assertEquals(List.of(".", "..", "big", "f0", "f1", "f10", "f11", "f12", "f13", "f14", "f15", "f2", "f4", "f5",
                    "f6", "f7", "f8", "f9", "sub"), fs.readdir(dir).stream().map(e -> e.name()).sorted().toList());
        }
        XfsImages.assertRepairClean(img);
    }
}
