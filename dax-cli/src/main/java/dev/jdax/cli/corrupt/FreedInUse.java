package dev.jdax.cli.corrupt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * The blocks a corruption marked free in ext2's block bitmaps while a file holds them, read the
 * campaign's own way (the clean image's superblock and group descriptors, not the personality's
 * code). ext2's bitmaps carry no checksum: fs/ext2 allocates such a block to the next write as it
 * allocates any free one, jdax does the same, and only a full scan (e2fsck's pass 5) finds it. ext4's
 * bitmaps and XFS's free-space btrees carry checksums the file system must check, so there the
 * same damage stays a failure (a re-sealed ext4 bitmap is not among the cases).
 */
final class FreedInUse {
    private static final int BLOCK = 4096;
    private static final int DESC_SIZE = 32;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FreedInUse() {
    }

    /**
     * The blocks whose bits in a block bitmap of {@code pristine} (an ext2 image of 4 KiB blocks) are
     * set there and cleared by {@code replacement} stored at device offset {@code offset}; empty for
     * other types, or when the corruption is not in a block bitmap.
     */
    static BitSet of(String type, MemorySegment pristine, long offset, byte[] replacement) {
        BitSet freed = new BitSet();
        if (!type.equals("ext2")) {
            return freed;
        }
        long sb = 1024;
        long blocks = pristine.get(LE32, sb + 0x4) & 0xffffffffL;
        long first = pristine.get(LE32, sb + 0x14) & 0xffffffffL;
        long perGroup = pristine.get(LE32, sb + 0x20) & 0xffffffffL;
        if (1024 << pristine.get(LE32, sb + 0x18) != BLOCK || perGroup == 0) {
            return freed;
        }
        long groups = (blocks - first + perGroup - 1) / perGroup;
        long table = (first + 1) * BLOCK;
        for (long g = 0; g < groups; g++) {
            long bitmap = (pristine.get(LE32, table + g * DESC_SIZE) & 0xffffffffL) * BLOCK;
            for (int i = 0; i < replacement.length; i++) {
                long at = offset + i - bitmap;
                if (at < 0 || at >= BLOCK) {
                    continue;
                }
                int cleared = pristine.get(ValueLayout.JAVA_BYTE, offset + i) & ~replacement[i] & 0xff;
                for (int bit = 0; bit < 8; bit++) {
                    long block = first + g * perGroup + at * 8 + bit;
                    if ((cleared & (1 << bit)) != 0 && block < blocks) {
                        freed.set((int) block);
                    }
                }
            }
        }
        return freed;
    }
}
