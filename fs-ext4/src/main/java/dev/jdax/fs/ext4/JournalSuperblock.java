package dev.jdax.fs.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The jbd2 journal superblock (version 2, big-endian, as jbd2 writes every journal structure): a
 * clean, empty journal (s_start 0) with crc32c checksums (JBD2_FEATURE_INCOMPAT_CSUM_V3).
 */
final class JournalSuperblock {
    static final int MAGIC = 0xC03B3998;
    static final int SUPERBLOCK_V2 = 4;
    static final int INCOMPAT_64BIT = 0x2;
    static final int INCOMPAT_CSUM_V3 = 0x10;
    static final int CRC32C = 4;

    private JournalSuperblock() {
    }

    static byte[] create(int blockSize, long maxlen, byte[] uuid, boolean is64) {
        ByteBuffer j = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
        j.putInt(0x0, MAGIC);
        j.putInt(0x4, SUPERBLOCK_V2);
        j.putInt(0xC, blockSize);
        j.putInt(0x10, (int) maxlen);
        j.putInt(0x14, 1);
        j.putInt(0x18, 1);
        j.putInt(0x28, INCOMPAT_CSUM_V3 | (is64 ? INCOMPAT_64BIT : 0));
        j.put(0x30, uuid);
        j.putInt(0x40, 1);
        j.put(0x50, (byte) CRC32C);
        j.putInt(0xFC, Crc32c.update(~0, j.array(), 0, 1024));
        return j.array();
    }
}
