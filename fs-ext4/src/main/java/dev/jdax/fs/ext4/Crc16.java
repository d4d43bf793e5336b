package dev.jdax.fs.ext4;

/**
 * The CRC-16 of Linux's lib/crc16.c (polynomial x^16 + x^15 + x^2 + 1, bit-reversed 0xA001, no
 * final inversion): what group descriptors carry in {@code bg_checksum} with uninit_bg (GDT_CSUM)
 * and no metadata_csum, the layout of ext4 file systems made before 2016.
 */
final class Crc16 {
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0xA001 : c >>> 1;
            }
            TABLE[i] = c;
        }
    }

    private Crc16() {
    }

    /** {@code crc} (16 bits) run over {@code len} bytes of {@code b} from {@code off}. */
    static int update(int crc, byte[] b, int off, int len) {
        int c = crc & 0xffff;
        for (int i = off; i < off + len; i++) {
            c = (c >>> 8) ^ TABLE[(c ^ b[i]) & 0xff];
        }
        return c;
    }
}
