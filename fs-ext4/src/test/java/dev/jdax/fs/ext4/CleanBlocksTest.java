package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The clean buffers {@link Disk#readShared} keeps: a block read from home is served again without
 * a copy, and every way its home changes after that (a write without a journal, zeroing, the block
 * given back to the allocator and written as file data, a checkpoint) is what the next read sees.
 */
class CleanBlocksTest {
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    @Test
    void aKeptBlockIsServedInPlaceUntilItsHomeChanges() throws Exception {
        try (DaxDevice d = PmemDevices.memory(1 << 20)) {
            Disk disk = new Disk(d, BS, 256);
            store(d, 10, (byte) 1);
            ByteBuffer first = disk.readShared(10, "test", 0, null);
            assertSame(first.array(), disk.readShared(10, "test", 0, null).array(), "kept: no second copy");

            store(d, 10, (byte) 2); // file data written straight to a block the allocator was given back
            disk.released(10, 1);
            assertEquals(2, disk.readShared(10, "test", 0, null).get(0), "a released block is read from home again");

            disk.write(10, ByteBuffer.wrap(fill((byte) 3)), "test");
            assertEquals(3, disk.readShared(10, "test", 0, null).get(0), "a write home without a journal drops it");

            disk.zero(10, 1);
            assertEquals(0, disk.readShared(10, "test", 0, null).get(0), "zeroing drops it");
        }
    }

    @Test
    void releasingARangeDropsOnlyItsBlocks() {
        CleanBlocks c = new CleanBlocks();
        byte[] a = new byte[1];
        ByteBuffer b = ByteBuffer.wrap(new byte[1]);
        c.keep(5, ByteBuffer.wrap(a));
        c.keep(100_000, b);
        c.drop(0, 50_000); // more blocks than slots: a scan of the table
        assertNull(c.get(5));
        assertSame(b, c.get(100_000));
        c.replace(7, a);
        assertNull(c.get(7), "a checkpoint keeps nothing that was not kept");
        c.replace(100_000, a);
        assertSame(a, c.get(100_000).array(), "a checkpoint's bytes replace a kept copy");
    }

    @Test
    void hashedDirectoryBlocksStayTrueAcrossCheckpointsAndReuse() throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("c.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax"))) {
            long big = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
            for (int i = 0; i < 3000; i++) {
                fs.create(big, "name-" + i, 0644, 0, 0);
            }
            fs.sync(); // the index and leaves go home and leave the journal's buffers
            for (int i = 0; i < 3000; i += 7) {
                assertEquals(fs.lookup(big, "name-" + i), fs.lookup(big, "name-" + i)); // kept now
            }
            for (int i = 3000; i < 4000; i++) {
                fs.create(big, "name-" + i, 0644, 0, 0); // leaves split, kept copies replaced at the checkpoint
            }
            fs.sync();
            long other = fs.mkdir(fs.rootIno(), "other", 0755, 0, 0);
            for (int i = 0; i < 4000; i++) {
                fs.unlink(big, "name-" + i);
            }
            fs.rmdir(fs.rootIno(), "big");
            fs.sync();
            // The freed directory blocks become file data, then a new directory's blocks.
            byte[] junk = new byte[BS];
            Arrays.fill(junk, (byte) 0x5a);
            MemorySegment seg = MemorySegment.ofArray(junk);
            for (int i = 0; i < 64; i++) {
                long f = fs.create(other, "data-" + i, 0644, 0, 0);
                try (var of = fs.open(f, dev.jdax.api.fs.OpenFlags.O_RDWR)) {
                    for (int k = 0; k < 8; k++) {
                        of.write((long) k * BS, seg, 0);
                    }
                }
            }
            for (int i = 0; i < 64; i++) {
                fs.unlink(other, "data-" + i);
            }
            fs.sync();
            long again = fs.mkdir(fs.rootIno(), "again", 0755, 0, 0);
            for (int i = 0; i < 3000; i++) {
                fs.create(again, "n-" + i, 0644, 0, 0);
            }
            fs.sync();
            for (int i = 0; i < 3000; i++) {
                fs.lookup(again, "n-" + i);
            }
            assertEquals(3002, fs.readdir(again).size());
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
            long again = fs.resolve("/again", true);
            for (int i = 0; i < 3000; i++) {
                fs.lookup(again, "n-" + i);
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "e2fsck -fn says:\n" + fsck.output());
    }

    private static void store(DaxDevice d, long block, byte v) throws Exception {
        d.store(block * BS, MemorySegment.ofArray(fill(v)), 0, BS);
    }

    private static byte[] fill(byte v) {
        byte[] b = new byte[BS];
        Arrays.fill(b, v);
        return b;
    }
}
