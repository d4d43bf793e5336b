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

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * fs-verity files the Linux 6.1 kernel sealed itself (FS_IOC_ENABLE_VERITY), made by
 * {@code src/test/oracle/make-verity-image.sh OUTDIR} (it boots the kernel, so it is not part of the
 * build) and checked here when {@code -Djdax.verityImages=OUTDIR} names them: jdax reads every file
 * as the kernel read it (md5), measures it as FS_IOC_MEASURE_VERITY did, finds past EOF exactly the
 * tree and descriptor {@link VerityImage} builds from the format (so the images VerityFilesTest
 * builds are what Linux writes), refuses writes as the kernel did (EPERM), and fails the block the
 * kernel failed (EIO) while reading the one before it.
 */
class LinuxVerityImagesTest {
    private static final int BS = 4096;
    private static final List<String> SALTED = List.of("salt-block", "salted");

    @TempDir
    Path tmp;

    @Test
    void jdaxReadsWhatTheKernelSealedAsTheKernelReadsIt() throws Exception {
        String dir = System.getProperty("jdax.verityImages");
        assumeTrue(dir != null, "no -Djdax.verityImages=DIR (made by src/test/oracle/make-verity-image.sh)");
        Map<String, String> digests = section(Path.of(dir, "linux.txt"), "@@measure");
        Map<String, String> md5s = new TreeMap<>();
        section(Path.of(dir, "linux.txt"), "@@md5").forEach((md5, name) -> md5s.put(name, md5));
        assertFalse(digests.isEmpty() || md5s.isEmpty(), "linux.txt has the kernel's measurements and md5s");
        Path img = Files.copy(Path.of(dir, "verity.img"), tmp.resolve("verity.img"));
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            Ext4FileSystem x = WhiteBox.format(fs);
            for (var e : md5s.entrySet()) {
                long ino = fs.resolve("/" + e.getKey(), true);
                byte[] data = read(fs, ino);
                assertEquals(e.getValue(), HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)), e.getKey());
                if (!digests.containsKey(e.getKey())) {
                    continue;
                }
                Ext4Inode in = x.iget(ino);
                assertEquals(digests.get(e.getKey()), VerityFile.of(x, in).measure(), e.getKey() + ": FS_IOC_MEASURE_VERITY");
                byte[] built = VerityImage.build(data, BS, 1, SALTED.contains(e.getKey()) ? "a pinch of salt".getBytes() : new byte[0]);
                long metadata = (data.length + 65535L) / 65536 * 65536;
                assertArrayEquals(Arrays.copyOfRange(built, (int) metadata, built.length), pastEof(x, in, metadata, built.length),
                        e.getKey() + ": the tree and descriptor Linux wrote are the ones the format gives");
                FsException no = assertThrows(FsException.class, () -> fs.open(ino, OpenFlags.O_WRONLY | OpenFlags.O_APPEND).close());
                assertEquals(Errno.EPERM, no.errno(), "Linux: \"can't create one-block: Operation not permitted\"");
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());

        String block99 = section(Path.of(dir, "corrupt.txt"), "@@block 99").keySet().iterator().next();
        Path bad = Files.copy(Path.of(dir, "corrupt.img"), tmp.resolve("corrupt.img"));
        try (DaxDevice d = PmemDevices.open(bad); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"));
             OpenFile f = fs.open(fs.resolve("/two-levels", true), OpenFlags.O_RDONLY)) {
            byte[] buf = new byte[BS];
            FsException e = assertThrows(FsException.class, () -> f.read(100L * BS, buf, 0, BS));
            assertEquals(Errno.EIO, e.errno(), "Linux: \"dd: /mnt/two-levels: Input/output error\"");
            assertEquals(BS, f.read(99L * BS, buf, 0, BS));
            assertEquals(block99, HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(buf)));
        }
    }

    /** The lines after {@code marker} up to the next "@@" line, as first word to second. */
    private static Map<String, String> section(Path file, String marker) throws Exception {
        Map<String, String> out = new TreeMap<>();
        boolean in = false;
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("@@")) {
                in = line.equals(marker);
            } else if (in && line.split("\\s+").length == 2) {
                String[] w = line.split("\\s+");
                out.put(w[0], w[1]);
            }
        }
        return out;
    }

    private static byte[] pastEof(Ext4FileSystem x, Ext4Inode in, long from, long to) throws FsException {
        byte[] out = new byte[(int) (to - from)];
        for (long pos = from; pos < to; pos += BS) {
            Extent e = in.extents.find(pos / BS);
            if (e != null && !e.unwritten()) {
                x.device().load(e.pblkOf(pos / BS) * BS, MemorySegment.ofArray(out), pos - from, Math.min(BS, to - pos));
            }
        }
        return out;
    }

    private static byte[] read(FileSystem fs, long ino) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            byte[] out = new byte[(int) f.size()];
            for (int done = 0; done < out.length; ) {
                done += (int) f.read(done, out, done, out.length - done);
            }
            return out;
        }
    }
}
