package dev.jdax.fs.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The jbd2 journal superblock (version 2, big-endian, as jbd2 writes every journal structure): a
 * clean, empty journal (s_start 0) as mke2fs makes it, with no features; the first read-write mount
 * gives it checksums and 64-bit tags ({@link Jbd2Journal#withMountFeatures}), as ext4_fill_super does.
 */
final class JournalSuperblock {
    static final int MAGIC = 0xC03B3998;
    static final int SUPERBLOCK_V2 = 4;

    private JournalSuperblock() {
    }

    static byte[] create(int blockSize, long maxlen, byte[] uuid) {
        ByteBuffer j = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
        j.putInt(0x0, MAGIC);
        j.putInt(0x4, SUPERBLOCK_V2);
        j.putInt(0xC, blockSize);
        j.putInt(0x10, (int) maxlen);
        j.putInt(0x14, 1);
        j.putInt(0x18, 1);
        j.put(0x30, uuid);
        j.putInt(0x40, 1);
        return j.array();
    }
}
