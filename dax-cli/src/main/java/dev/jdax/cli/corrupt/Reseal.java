package dev.jdax.cli.corrupt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Re-seals the checksum of the structure that holds a corrupted word, so that a crafted pointer is
 * judged by the file system's own checks rather than stopped at the checksum: what a fuzzer that
 * knows the format, or an attacker, hands to the kernel. Covered: ext4 inodes (crc32c seeded with the
 * file-system seed, inode number and generation; lo/hi halves) and XFS v3 inodes and long-format
 * btree blocks (standard CRC-32C, stored little-endian). Anything else stays unsealed.
 *
 * <p>The layouts are read from the clean image: ext4's superblock and group descriptors, XFS's
 * superblock. This is the campaign's own reading of the format, independent of the personality
 * under test, so a bug in the personality's checksum code cannot hide itself here.
 */
final class Reseal {
    private static final int BLOCK = 4096;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int CRC32C_REFLECTED = 0x82F63B78;
    private static final int XFS_BMAP_CRC_MAGIC = 0x424d4133; // "BMA3"
    private static final int XFS_BTREE_LBLOCK_CRC_OFF = 64;
    private static final int XFS_DINODE_CRC_OFF = 100;

    private final String type;
    private final MemorySegment image;

    Reseal(String type, MemorySegment image) {
        this.type = type;
        this.image = image;
    }

    /** What {@link #seal} would re-seal for a word at device {@code offset}, or empty when nothing. */
    Optional<String> structureAt(long offset) {
        return switch (type) {
            case "ext4" -> ext4InodeAt(offset).map(i -> "inode " + i.number + " checksum re-sealed");
            case "xfs" -> xfsStructureAt(offset).map(s -> s.label + " CRC re-sealed");
            default -> Optional.empty();
        };
    }

    /**
     * Recomputes, in {@code block} (device block {@code blockNo} with the corruption applied), the
     * checksum covering {@code offset}. Returns whether it did.
     */
    boolean seal(byte[] block, long blockNo, long offset) {
        ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case "ext4" -> {
                Optional<Ext4Inode> in = ext4InodeAt(offset);
                if (in.isEmpty()) {
                    return false;
                }
                int start = (int) (in.get().start - blockNo * BLOCK);
                int size = in.get().size;
                int lo = start + 0x7C;
                int hi = start + 0x82;
                boolean hasHi = size > 128 && (b.getShort(start + 0x80) & 0xffff) >= 4;
                b.putShort(lo, (short) 0);
                if (hasHi) {
                    b.putShort(hi, (short) 0);
                }
                int crc = crc32cRaw(ext4Seed(), le32((int) in.get().number));
                crc = crc32cRaw(crc, le32(b.getInt(start + 0x64)));
                crc = crc32cRaw(crc, java.util.Arrays.copyOfRange(block, start, start + size));
                b.putShort(lo, (short) crc);
                if (hasHi) {
                    b.putShort(hi, (short) (crc >>> 16));
                }
                return true;
            }
            case "xfs" -> {
                Optional<XfsStructure> s = xfsStructureAt(offset);
                if (s.isEmpty()) {
                    return false;
                }
                int start = (int) (s.get().start - blockNo * BLOCK);
                int crcAt = start + s.get().crcOffset;
                b.putInt(crcAt, 0);
                CRC32C crc = new CRC32C();
                crc.update(block, start, s.get().size);
                b.putInt(crcAt, (int) crc.getValue());
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private record Ext4Inode(long number, long start, int size) {
    }

    /** The ext4 inode whose bytes hold {@code offset}, from the group descriptors' inode tables. */
    private Optional<Ext4Inode> ext4InodeAt(long offset) {
        long sb = 1024;
        long inodesPerGroup = image.get(LE32, sb + 0x28) & 0xffffffffL;
        int inodeSize = image.get(LE16, sb + 0x58) & 0xffff;
        long inodesCount = image.get(LE32, sb) & 0xffffffffL;
        long firstDataBlock = image.get(LE32, sb + 0x14) & 0xffffffffL;
        boolean is64 = (image.get(LE32, sb + 0x60) & 0x80) != 0;
        int descSize = is64 ? image.get(LE16, sb + 0xFE) & 0xffff : 32;
        long groups = (inodesCount + inodesPerGroup - 1) / inodesPerGroup;
        long gdt = (firstDataBlock + 1) * BLOCK;
        for (long g = 0; g < groups; g++) {
            long d = gdt + g * descSize;
            long table = (image.get(LE32, d + 0x8) & 0xffffffffL)
                    | (descSize >= 64 ? (image.get(LE32, d + 0x28) & 0xffffffffL) << 32 : 0);
            long from = table * BLOCK;
            if (offset >= from && offset < from + inodesPerGroup * inodeSize) {
                long index = (offset - from) / inodeSize;
                return Optional.of(new Ext4Inode(g * inodesPerGroup + index + 1, from + index * inodeSize, inodeSize));
            }
        }
        return Optional.empty();
    }

    /** s_checksum_seed when metadata_csum_seed is set, else crc32c(~0, s_uuid): the seed of every ext4 checksum. */
    private int ext4Seed() {
        if ((image.get(LE32, 1024 + 0x60) & 0x2000) != 0) {
            return image.get(LE32, 1024 + 0x270);
        }
        byte[] uuid = new byte[16];
        MemorySegment.copy(image, ValueLayout.JAVA_BYTE, 1024 + 0x68, uuid, 0, 16);
        return crc32cRaw(~0, uuid);
    }

    private record XfsStructure(String label, long start, int size, int crcOffset) {
    }

    /** The v3 inode (magic "IN") or bmbt block ("BMA3") whose bytes hold {@code offset}. */
    private Optional<XfsStructure> xfsStructureAt(long offset) {
        int blockSize = image.get(BE32, 4);
        int inodeSize = image.get(BE16, 104) & 0xffff;
        long blockStart = offset - offset % blockSize;
        if (image.get(BE32, blockStart) == XFS_BMAP_CRC_MAGIC) {
            return Optional.of(new XfsStructure("bmbt block " + blockStart / blockSize, blockStart, blockSize, XFS_BTREE_LBLOCK_CRC_OFF));
        }
        long inodeStart = offset - offset % inodeSize;
        if (image.get(BE16, inodeStart) == 0x494e && image.get(ValueLayout.JAVA_BYTE, inodeStart + 4) == 3) {
            long ino = image.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), inodeStart + 152);
            return Optional.of(new XfsStructure("inode " + ino, inodeStart, inodeSize, XFS_DINODE_CRC_OFF));
        }
        return Optional.empty();
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** CRC-32C without the final inversion, from {@code crc}: the form ext4 chains its seeds in. */
    static int crc32cRaw(int crc, byte[] data) {
        for (byte x : data) {
            crc ^= x & 0xff;
            for (int k = 0; k < 8; k++) {
                crc = (crc >>> 1) ^ (CRC32C_REFLECTED & -(crc & 1));
            }
        }
        return crc;
    }
}
