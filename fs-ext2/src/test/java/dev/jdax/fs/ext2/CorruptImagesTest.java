package dev.jdax.fs.ext2;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Corrupt structures end in EUCLEAN naming what is wrong, never in an unchecked exception. */
class CorruptImagesTest {
    DaxDevice d;
    long fileIno;

    @BeforeEach
    void setUp() throws Exception {
        d = PmemDevices.memory(16 << 20);
        new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults());
        try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
            fs.mkdir(fs.rootIno(), "dir", 0755, 0, 0);
            try (OpenFile f = fs.open("/dir/file", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[200_000], 0, 200_000);
                fileIno = f.ino();
            }
        }
    }

    void poke32(long offset, int value) throws FsException {
        d.store(offset, MemorySegment.ofArray(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value).array()), 0, 4);
    }

    void poke16(long offset, int value) throws FsException {
        d.store(offset, MemorySegment.ofArray(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) value).array()), 0, 2);
    }

    FsException mountAndRead() {
        return assertThrows(FsException.class, () -> {
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("ro"));
                 OpenFile f = fs.open("/dir/file", OpenFlags.O_RDONLY)) {
                f.read(0, new byte[200_000], 0, 200_000);
            }
        });
    }

    long inodeOffset(long ino) throws FsException {
        Ext2FileSystem e = (Ext2FileSystem) new Ext2FileSystemType().mount(d, MountOptions.parse("ro"));
        try {
            Ext2Superblock sb = e.superblock();
            byte[] gd = new byte[32];
            d.load(4096, MemorySegment.ofArray(gd), 0, 32);
            long table = ByteBuffer.wrap(gd).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
            return table * 4096 + (ino - 1) * sb.s_inode_size();
        } finally {
            e.close();
        }
    }

    @Test
    void badMagic() throws Exception {
        poke16(1024 + 56, 0x1234);
        FsException e = mountAndRead();
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("s_magic 0x1234"), e.getMessage());
    }

    @Test
    void impossibleCounts() throws Exception {
        poke32(1024 + 40, 0x7fffffff); // s_inodes_per_group
        FsException e = mountAndRead();
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("s_inodes_per_group"), e.getMessage());
    }

    @Test
    void blockPointerOutsideTheDevice() throws Exception {
        poke32(inodeOffset(fileIno) + 40, 999_999); // i_block[0]
        FsException e = mountAndRead();
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("999999"), e.getMessage());
    }

    @Test
    void blockPointerIntoMetadata() throws Exception {
        poke32(inodeOffset(fileIno) + 40, 1); // the group descriptor table
        FsException e = mountAndRead();
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("metadata"), e.getMessage());
    }

    @Test
    void directoryEntryWithABadLength() throws Exception {
        long rootBlock = ByteBuffer.wrap(loadBytes(inodeOffset(2) + 40, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        poke16(rootBlock * 4096 + 12 + 4, 3); // ".."'s rec_len
        FsException e = mountAndRead();
        assertEquals(Errno.EUCLEAN, e.errno());
        assertTrue(e.getMessage().contains("rec_len 3"), e.getMessage());
    }

    @Test
    void aDirectoryLoopIsRefusedNotFollowedForever() throws Exception {
        long sub;
        try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
            long dir = fs.resolve("/dir", true);
            sub = fs.mkdir(dir, "sub", 0755, 0, 0);
            fs.mkdir(fs.rootIno(), "other", 0755, 0, 0);
        }
        Ext2FileSystem e = (Ext2FileSystem) new Ext2FileSystemType().mount(d, MountOptions.parse("ro"));
        long block;
        int offset;
        try {
            var entries = new Dir(e, new Disk(d, 4096, e.superblock().s_blocks_count())).entries(e.iget(sub));
            block = entries.get(1).block();
            offset = entries.get(1).offset();
        } finally {
            e.close();
        }
        // Point sub's ".." at itself: walking up from it on the disk never reaches the root.
        poke32(block * 4096 + offset, (int) sub);
        try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
            FsException x = assertThrows(FsException.class, () -> fs.rename(fs.rootIno(), "other", sub, "x", 0));
            assertEquals(Errno.EUCLEAN, x.errno());
            assertTrue(x.getMessage().contains("does not reach the root"), x.getMessage());
        }
    }

    byte[] loadBytes(long off, int n) throws FsException {
        byte[] b = new byte[n];
        d.load(off, MemorySegment.ofArray(b), 0, n);
        return b;
    }
}
