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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mounts Linux 6.1 refuses are refused with its words (the dmesg line of ext4_fill_super, measured
 * with the oracle where it matters), and jdax's own refusals name the feature; either way a refused
 * mount leaves the image as it was, even with a journal waiting to be replayed, because the checks
 * come first, as in Linux.
 */
class MountRefusalsTest {
    @TempDir
    Path tmp;

    private Path image(String name, String... mke2fs) throws Exception {
        Path img = tmp.resolve(name + ".img");
        String[] args = new String[mke2fs.length + 4];
        args[0] = "-q";
        args[1] = "-F";
        System.arraycopy(mke2fs, 0, args, 2, mke2fs.length);
        args[args.length - 2] = img.toString();
        args[args.length - 1] = "32M";
        Tools.Result mk = Tools.run("mke2fs", args);
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    /** Leaves a committed transaction in the journal (debugfs logs it as the kernel would) and needs_recovery set. */
    private void dirtyJournal(Path img, long block) throws Exception {
        byte[] data = new byte[4096];
        new Random(block).nextBytes(data);
        Path bin = Files.write(tmp.resolve("block.bin"), data);
        Path script = Files.writeString(tmp.resolve("cmds"), "jo\njw -b " + block + " " + bin + "\njc\n");
        Tools.Result w = Tools.run("debugfs", "-w", "-f", script.toString(), img.toString());
        assertEquals(0, w.status(), w.output());
    }

    /** Sets (or clears) superblock feature bits and re-seals the checksum, as a foreign tool would have written them. */
    private static void feature(Path img, int offset, int set, int clear) throws Exception {
        try (DaxDevice d = PmemDevices.open(img)) {
            Ext4Superblock sb = Ext4FileSystem.readSuperblock(d);
            sb.b.putInt(offset, (sb.b.getInt(offset) | set) & ~clear);
            sb.updateChecksum();
            d.store(Ext4Superblock.OFFSET, MemorySegment.ofArray(sb.bytes()), 0, Ext4Superblock.SIZE);
        }
    }

    private static String digest(Path img) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(img)));
    }

    private static FsException refused(Path img, String options, Errno errno, String words) throws Exception {
        String before = digest(img);
        FsException e;
        try (DaxDevice d = PmemDevices.open(img)) {
            e = assertThrows(FsException.class, () -> Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse(options)).close());
        }
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertEquals(before, digest(img), "a refused mount wrote to the image: " + e.getMessage());
        return e;
    }

    @Test
    void featuresLinuxDoesNotKnowAreRefusedWithItsWordsAndTheJournalLeftAlone() throws Exception {
        Path img = image("dirdata", "-t", "ext4", "-b", "4096");
        dirtyJournal(img, 5000);
        feature(img, 0x60, 0x1000, 0); // dirdata: Linux never supported it
        FsException e = refused(img, "", Errno.EINVAL, "Couldn't mount because of unsupported optional features (1000)");
        assertTrue(e.getMessage().contains("dirdata"), e.getMessage());
        feature(img, 0x60, 0, 0x1000);
        feature(img, 0x64, 0x4000, 0); // shared_blocks: ro_compat Linux does not know
        refused(img, "", Errno.EINVAL, "couldn't mount RDWR because of unsupported optional features (4000)");
    }

    @Test
    void whatJdaxCannotDoIsNamedAndTheJournalLeftAlone() throws Exception {
        Path img = image("journalled", "-t", "ext4", "-b", "4096");
        dirtyJournal(img, 5000);
        refused(img, "data=journal", Errno.EOPNOTSUPP, "jdax does not journal file data");
        Path inline = image("inline", "-t", "ext4", "-b", "4096", "-O", "inline_data");
        dirtyJournal(inline, 5000);
        // Measured: "Cannot use DAX on a filesystem that may contain inline data", for -o dax and dax=always.
        refused(inline, "dax", Errno.EINVAL, "Cannot use DAX on a filesystem that may contain inline data");
        refused(inline, "dax=always", Errno.EINVAL, "Cannot use DAX on a filesystem that may contain inline data");
    }

    @Test
    void dataModesAsLinuxParsesThemAndJournalledDataNeverWithDax() throws Exception {
        Path img = image("data", "-t", "ext4", "-b", "4096");
        refused(img, "data=careful", Errno.EINVAL, "Bad value for 'data'");
        // Measured (jdax compare dax-data-journal-refused): "can't mount with both data=journal and dax".
        refused(img, "dax,data=journal", Errno.EINVAL, "can't mount with both data=journal and dax");
        refused(img, "dax=inode,data=journal", Errno.EOPNOTSUPP, "jdax does not journal file data");
        for (String mode : new String[] {"dax,data=ordered", "dax,data=writeback"}) {
            try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse(mode))) {
                assertFalse(fs.readOnly(), mode);
            }
        }
    }

    @Test
    void blocksLargerThanAPageAreABadBlockSizeAsOnX8664() throws Exception {
        Path img = image("b64k", "-t", "ext4", "-b", "65536");
        // Measured: "EXT4-fs (vda): bad block size 65536", read-write and read-only alike.
        refused(img, "", Errno.EINVAL, "bad block size 65536");
        refused(img, "ro", Errno.EINVAL, "bad block size 65536");
    }

    @Test
    void daxAndVerityNeedPageSizedBlocks() throws Exception {
        Path small = image("small", "-t", "ext4", "-b", "1024");
        dirtyJournal(small, 20000);
        // Measured: "unsupported blocksize for DAX", then "DAX unsupported by block device." (two log lines).
        refused(small, "dax", Errno.EINVAL, "unsupported blocksize for DAX\nDAX unsupported by block device.");
        Path verity = image("verity", "-t", "ext4", "-b", "1024", "-O", "verity");
        // Measured: "EXT4-fs (vdp): Unsupported blocksize for fs-verity", read-only too.
        refused(verity, "ro", Errno.EINVAL, "Unsupported blocksize for fs-verity");
        // dax=inode mounts, and no file is DAX (ext4_should_enable_dax without a DAX-capable device).
        try (DaxDevice d = PmemDevices.open(small); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax=inode"))) {
            assertEquals(0, fs.stat(fs.rootIno()).attributes() & dev.jdax.api.fs.StatInfo.STATX_ATTR_DAX);
        }
    }

    @Test
    void aVerityFileWithoutItsDescriptorIsNotOpened() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("vtree"));
        Files.writeString(root.resolve("plain"), "no verity");
        Files.writeString(root.resolve("sealed"), "as if fsverity had been enabled");
        Path img = tmp.resolve("verity.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-O", "verity", "-d", root.toString(),
                img.toString(), "32M").status());
        // EXT4_VERITY_FL on a file with no Merkle tree nor descriptor past its end (VerityFilesTest builds real ones).
        assertEquals(0, Tools.run("debugfs", "-w", "-R", "set_inode_field /sealed flags 0x180000", img.toString()).status());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            try (OpenFile f = fs.open("/plain", OpenFlags.O_RDONLY)) {
                assertEquals(9, f.size());
            }
            // ext4_get_verity_descriptor_location: "verity file corrupted; can't find descriptor", EFSCORRUPTED.
            FsException e = assertThrows(FsException.class, () -> fs.open("/sealed", OpenFlags.O_RDONLY));
            assertEquals(Errno.EUCLEAN, e.errno());
            assertTrue(e.getMessage().contains("can't find descriptor"), e.getMessage());
        }
    }
}
