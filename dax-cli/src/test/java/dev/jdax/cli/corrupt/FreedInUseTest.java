package dev.jdax.cli.corrupt;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The blocks a corruption of an ext2 block bitmap frees while in use, read from the image's own descriptors. */
class FreedInUseTest {
    private static final int BLOCK = 4096;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void aClearedBitOfGroupZerosBitmapNamesItsBlockAndNothingElseDoes() throws Exception {
        long size = 64L << 20;
        try (DaxDevice dev = PmemDevices.memory(size); Arena arena = Arena.ofConfined()) {
            FileSystemTypes.byName("ext2").mkfs(dev, MkfsOptions.defaults().withBlockSize(BLOCK));
            MemorySegment image = arena.allocate(size);
            dev.load(0, image, 0, size);
            long bitmap = (image.get(LE32, BLOCK) & 0xffffffffL) * BLOCK; // group 0's bg_block_bitmap
            byte first = image.get(ValueLayout.JAVA_BYTE, bitmap);
            assertEquals((byte) 0xff, first, "the superblock and the descriptors are in use");

            BitSet freed = FreedInUse.of("ext2", image, bitmap, new byte[] {(byte) 0xfb, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            assertEquals(BitSet.valueOf(new long[] {1L << 2}), freed, "bit 2 cleared: block 2");

            long freeByte = bitmap + 1900; // blocks 15200-15207 of 16384: free after mkfs
            assertEquals((byte) 0, image.get(ValueLayout.JAVA_BYTE, freeByte));
            assertTrue(FreedInUse.of("ext2", image, freeByte, new byte[] {0}).isEmpty(), "a free bit cleared frees nothing");
            assertTrue(FreedInUse.of("ext2", image, freeByte, new byte[] {-1}).isEmpty(), "set bits free nothing");
            long padding = bitmap + 16384 / 8; // the bits past the last block, set by mkfs
            assertTrue(FreedInUse.of("ext2", image, padding, new byte[] {0}).isEmpty(), "no block past the device");
            assertTrue(FreedInUse.of("ext2", image, bitmap + BLOCK, new byte[] {0}).isEmpty(), "not in a bitmap");
            assertTrue(FreedInUse.of("ext4", image, bitmap, new byte[] {0}).isEmpty(), "ext4's bitmaps carry a checksum");
        }
    }
}
