package dev.jdax.fs.ext4;

/**
 * crc32c as ext4 and jbd2 use it ({@code ext4_chksum}): the reflected Castagnoli polynomial with a
 * caller's seed and no final inversion, so seeds chain (superblock UUID → inode number → generation).
 */
final class Crc32c {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc32c() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c = TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
        }
        return c;
    }

    static int update(int crc, int le32) {
        byte[] b = {(byte) le32, (byte) (le32 >>> 8), (byte) (le32 >>> 16), (byte) (le32 >>> 24)};
        return update(crc, b, 0, 4);
    }
}
