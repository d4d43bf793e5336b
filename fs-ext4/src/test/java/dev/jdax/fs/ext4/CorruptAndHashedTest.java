package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hashed directories written to stay e2fsck-clean; corrupt extent headers and checksums refused by name. */
class CorruptAndHashedTest {
    @TempDir
    Path tmp;

    @Test
    void aHashedDirectoryChangedByJdaxStaysClean() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree/many"));
        for (int i = 0; i < 400; i++) {
            Files.writeString(root.resolve("entry-" + i), "x" + i);
        }
        Path img = tmp.resolve("h.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-d", tmp.resolve("tree").toString(),
                img.toString(), "64M").status());
        // e2fsck -D indexes every directory of more than one block: a hashed directory to write into.
        Tools.Result index = Tools.run("e2fsck", "-fyD", img.toString());
        assertTrue(index.status() <= 1, index.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long many = fs.resolve("/many", true);
            Ext4FileSystem format = (Ext4FileSystem) new Ext4FileSystemType().mount(d, MountOptions.parse("ro"));
            Ext4Inode dir = format.iget(many);
            format.close();
            assertTrue((dir.i_flags() & Ext4Inode.INDEX_FL) != 0, "e2fsck -D hashed it");
            fs.create(many, "added", 0644, 0, 0);
            fs.unlink(many, "entry-7");
            assertEquals(400, fs.readdir(many).size() - 2);
            assertTrue((WhiteBox.format(fs).iget(many).i_flags() & Ext4Inode.INDEX_FL) != 0, "changed through its index, still hashed");
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    private long inodeOffset(DaxDevice d, FileSystem fs, long ino) throws FsException {
        byte[] gd = new byte[64];
        d.load(4096, MemorySegment.ofArray(gd), 0, 64);
        long table = java.nio.ByteBuffer.wrap(gd).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(8) & 0xffffffffL;
        return table * 4096 + (ino - 1) * 256;
    }

    @Test
    void aBadExtentHeaderAndABadInodeChecksumAreRefusedByName() throws Exception {
        try (DaxDevice d = PmemDevices.memory(32 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
            long ino;
            long off;
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
                 OpenFile f = fs.open("/f", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[8192], 0, 8192);
                ino = f.ino();
                off = inodeOffset(d, fs, ino);
            }
            byte[] inode = new byte[256];
            d.load(off, MemorySegment.ofArray(inode), 0, 256);
            byte[] bad = inode.clone();
            bad[0x28] = 0x0b; // eh_magic 0xf30a -> 0xf30b
            d.store(off, MemorySegment.ofArray(bad), 0, 256);
            FsException csum = assertThrows(FsException.class, () -> read(d));
            assertEquals(Errno.EBADMSG, csum.errno(), csum.getMessage());
            assertTrue(csum.getMessage().contains("inode " + ino), csum.getMessage());
            // Re-seal the checksum over the bad header: now the header itself is what is refused.
            Ext4Inode sealed = new Ext4Inode(null, ino, bad);
            Ext4FileSystem format = (Ext4FileSystem) new Ext4FileSystemType().mount(d, MountOptions.parse("ro"));
            sealed.updateChecksum(format.csumSeed());
            format.close();
            d.store(off, MemorySegment.ofArray(sealed.b.array()), 0, 256);
            FsException magic = assertThrows(FsException.class, () -> read(d));
            assertEquals(Errno.EUCLEAN, magic.errno(), magic.getMessage());
            assertTrue(magic.getMessage().contains("magic 0xf30b"), magic.getMessage());
        }
    }

    private static void read(DaxDevice d) throws FsException {
        try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"));
             OpenFile f = fs.open("/f", OpenFlags.O_RDONLY)) {
            f.read(0, new byte[10], 0, 10);
        }
    }
}
