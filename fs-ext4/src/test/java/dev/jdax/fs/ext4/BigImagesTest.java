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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Images as big as mkfs.ext4 makes them, as sparse files made at test time: 1 TiB (a 1 GiB
 * journal whose extent tree has an index level, 8,192 groups, most of them uninitialised) and, where
 * a file system can hold the sparse file, 17 TiB (block numbers past 2^32, 64bit descriptors). jdax
 * mounts them, writes files and directories, unmounts, and e2fsck -fn finds them clean. jdax's own
 * mkfs of 1 TiB leaves groups uninitialised as mke2fs does, and its image passes the same way.
 */
class BigImagesTest {
    @TempDir
    Path tmp;

    @Test
    void aOneTebibyteImageOfMkfsExt4TakesWrites() throws Exception {
        Path img = tmp.resolve("one-tib.img");
        makeSparse(img, 1L << 40);
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", img.toString()).status());
        assertTrue(Tools.run("debugfs", "-R", "stat <8>", img.toString()).output().contains("(ETB0)"),
                "the journal's extent tree has an index level");
        writeAndJudge(img);
    }

    @Test
    void aSeventeenTebibyteImageWithBlocksPastTwoToThe32TakesWrites() throws Exception {
        // The test's own directory is on a file system that may not hold a 17 TiB sparse file (ext4
        // stops at 16 TiB); tmpfs does, and mkfs.ext4 writes only ~300 MiB into it.
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.getFileStore(shm).getUsableSpace() > (2L << 30),
                "no /dev/shm with 2 GiB free for a 17 TiB sparse image");
        Path img = Files.createTempFile(shm, "jdax-17t-", ".img");
        try {
            makeSparse(img, 17L << 40);
            assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", img.toString()).status());
            Matcher m = Pattern.compile("Block count:\\s+(\\d+)").matcher(Tools.run("dumpe2fs", "-h", img.toString()).output());
            assertTrue(m.find());
            assertTrue(Long.parseLong(m.group(1)) > 0xffffffffL, "block numbers past 2^32: " + m.group(1));
            writeAndJudge(img);
        } finally {
            Files.delete(img);
        }
    }

    @Test
    void jdaxMkfsOfOneTebibyteIsLazyAsMke2fsAndTakesWrites() throws Exception {
        Path img = tmp.resolve("jdax-one-tib.img");
        makeSparse(img, 1L << 40);
        long t0 = System.nanoTime();
        try (DaxDevice d = PmemDevices.open(img)) {
            new Ext4FileSystemType().mkfs(d, new MkfsOptions(0, List.of(), "", null, Map.of(Ext4Mkfs.ZEROED, "true")));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("jdax mkfs -t ext4 of 1 TiB: %d ms%n", ms);
        assertTrue(ms < 60_000, "it wrote only what mke2fs writes: " + ms + " ms");
        String groups = Tools.run("dumpe2fs", img.toString()).output();
        assertEquals(8191, count(groups, "INODE_UNINIT"), "every group but the first");
        assertTrue(count(groups, "BLOCK_UNINIT") > 7000, "groups holding nothing of their own are left for the kernel to build");
        String journal = Tools.run("debugfs", "-R", "stat <8>", img.toString()).output();
        assertTrue(journal.contains("(ETB0)") && journal.contains("Size: 1073741824"), "a 1 GiB journal under an index: " + journal);
        writeAndJudge(img);
    }

    private static int count(String text, String word) {
        return text.split(java.util.regex.Pattern.quote(word), -1).length - 1;
    }

    private static void makeSparse(Path img, long size) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), size - 1);
        }
    }

    /** Files of 1 MiB in a new directory, one of 64 MiB, a tree; read back after a remount; e2fsck judges. */
    private static void writeAndJudge(Path img) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(17).nextBytes(data);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
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
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            byte[] back = new byte[data.length];
            try (OpenFile f = fs.open("/d/big", OpenFlags.O_RDONLY)) {
                assertEquals(back.length, f.read(63L << 20, back, 0, back.length));
            }
            assertArrayEquals(data, back);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }
}
