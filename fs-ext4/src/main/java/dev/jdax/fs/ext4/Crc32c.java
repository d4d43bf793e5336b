package dev.jdax.fs.ext4;

import java.util.zip.CRC32C;

/**
 * crc32c as ext4 and jbd2 use it ({@code ext4_chksum}): the reflected Castagnoli polynomial with a
 * caller's seed and no final inversion, so seeds chain (superblock UUID → inode number → generation).
 *
 * <p>The bytes go through the JDK's {@link CRC32C}, which the JIT turns into the CPU's crc32
 * instruction (a table loop cost ext4 a third of a directory lookup). The JDK always starts from
 * {@code ~0} and inverts the result; a raw update is affine in its starting value, so
 * {@code raw(seed, d) = ~jdk(d) ^ shift(~seed, |d|)}, where {@code shift} runs a value through
 * {@code |d|} zero bytes — a product of precomputed GF(2) matrices, one per set bit of the length.
 */
final class Crc32c {
    private static final int POLY = 0x82F63B78;
    /** {@code ZEROS[k]}: the 32x32 matrix (one column per input bit) of a run through 2^k zero bytes. */
    private static final int[][] ZEROS = new int[32][];
    /** Shift tables of the lengths met so far (4 KiB each), up to {@link #MAX_LENGTHS} of them. */
    private static final java.util.concurrent.ConcurrentHashMap<Integer, int[]> BY_LENGTH = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_LENGTHS = 512;
    /** The same tables of lengths up to a block, found by index: no boxing and hashing per checksum. */
    private static final java.util.concurrent.atomic.AtomicReferenceArray<int[]> SHORT =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(4097);

    static {
        int[] oneByte = new int[32];
        for (int bit = 0; bit < 32; bit++) {
            int c = 1 << bit;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            oneByte[bit] = c;
        }
        ZEROS[0] = oneByte;
        for (int k = 1; k < 32; k++) {
            int[] prev = ZEROS[k - 1];
            int[] sq = new int[32];
            for (int bit = 0; bit < 32; bit++) {
                sq[bit] = apply(prev, prev[bit]);
            }
            ZEROS[k] = sq;
        }
    }

    private Crc32c() {
    }

    static int update(int crc, byte[] b, int off, int len) {
        CRC32C jdk = new CRC32C();
        jdk.update(b, off, len);
        return ~(int) jdk.getValue() ^ shift(~crc, len);
    }

    static int update(int crc, int le32) {
        byte[] b = {(byte) le32, (byte) (le32 >>> 8), (byte) (le32 >>> 16), (byte) (le32 >>> 24)};
        return update(crc, b, 0, 4);
    }

    /**
     * {@code value} run through {@code len} zero bytes of the raw (uninverted) update: four table
     * look-ups for a length seen before (the few lengths ext4 sums over and over: a directory leaf, an
     * inode, an index node of so many entries), else the matrix product.
     */
    private static int shift(int value, int len) {
        int[] t = len < SHORT.length() ? SHORT.getAcquire(len) : BY_LENGTH.get(len);
        if (t == null) {
            if (BY_LENGTH.size() >= MAX_LENGTHS) {
                return shiftSlowly(value, len);
            }
            t = BY_LENGTH.computeIfAbsent(len, Crc32c::tables);
            if (len < SHORT.length()) {
                SHORT.setRelease(len, t);
            }
        }
        return t[value & 0xff] ^ t[256 + (value >>> 8 & 0xff)] ^ t[512 + (value >>> 16 & 0xff)] ^ t[768 + (value >>> 24)];
    }

    /** For each byte of a value, what its 256 possible contents become after {@code len} zero bytes. */
    private static int[] tables(int len) {
        int[] t = new int[1024];
        for (int k = 0; k < 4; k++) {
            for (int b = 1; b < 256; b++) {
                int low = Integer.lowestOneBit(b);
                t[256 * k + b] = t[256 * k + (b ^ low)] ^ shiftSlowly(low << (8 * k), len);
            }
        }
        return t;
    }

    private static int shiftSlowly(int value, int len) {
        int v = value;
        for (int k = 0; len != 0 && v != 0; k++, len >>>= 1) {
            if ((len & 1) != 0) {
                v = apply(ZEROS[k], v);
            }
        }
        return v;
    }

    private static int apply(int[] matrix, int v) {
        int out = 0;
        for (int bit = 0; v != 0; bit++, v >>>= 1) {
            if ((v & 1) != 0) {
                out ^= matrix[bit];
            }
        }
        return out;
    }
}
