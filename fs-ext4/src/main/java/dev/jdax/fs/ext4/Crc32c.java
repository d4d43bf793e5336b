package dev.jdax.fs.ext4;

import java.util.zip.CRC32C;

/**
 * crc32c as ext4 and jbd2 use it ({@code ext4_chksum}): the reflected Castagnoli polynomial with a
 * caller's seed and no final inversion, so seeds chain (superblock UUID → inode number → generation).
 *
 * <p>The bytes go through the JDK's {@link CRC32C}, which the JIT turns into the CPU's crc32
 * instruction (a table loop cost ext4 a third of a directory lookup). The JDK always starts its
 * register at {@code ~0} and inverts the result. Four bytes run through the register act on it as
 * an invertible linear map {@code M} of (register xor the bytes), so four bytes {@code p} with
 * {@code M(~0 ^ p) = seed} leave the JDK's register at {@code seed}: {@link #start} feeds them,
 * and every byte after that is summed from the seed: a seed costs four byte steps, where summing
 * from zero and moving the seed over the length took a table of 4 KiB per length, out of the
 * caches between two creates.
 */
final class Crc32c {
    private static final int POLY = 0x82F63B78;
    /** {@code M}'s inverse as four tables, one per byte of its argument. */
    private static final int[] UNRUN = new int[1024];

    static {
        int[] inverse = invert(runOfFourBytes());
        for (int k = 0; k < 4; k++) {
            for (int b = 1; b < 256; b++) {
                int low = Integer.lowestOneBit(b);
                UNRUN[256 * k + b] = UNRUN[256 * k + (b ^ low)] ^ inverse[Integer.numberOfTrailingZeros(low) + 8 * k];
            }
        }
    }

    private Crc32c() {
    }

    /** A JDK register holding {@code seed}: what it is then given is summed from that seed. */
    static CRC32C start(int seed) {
        int p = ~(UNRUN[seed & 0xff] ^ UNRUN[256 + (seed >>> 8 & 0xff)] ^ UNRUN[512 + (seed >>> 16 & 0xff)]
                ^ UNRUN[768 + (seed >>> 24)]);
        CRC32C jdk = new CRC32C();
        feedLe32(jdk, p);
        return jdk;
    }

    /** The four bytes of {@code le32}, low first, into {@code jdk}. */
    private static void feedLe32(CRC32C jdk, int le32) {
        jdk.update(le32);
        jdk.update(le32 >>> 8);
        jdk.update(le32 >>> 16);
        jdk.update(le32 >>> 24);
    }

    /** The raw register of {@code jdk} (no inversion): the seed of the next link of a chain. */
    static int value(CRC32C jdk) {
        return ~(int) jdk.getValue();
    }

    static int update(int crc, byte[] b, int off, int len) {
        CRC32C jdk = start(crc);
        jdk.update(b, off, len);
        return value(jdk);
    }

    static int update(int crc, int le32) {
        CRC32C jdk = start(crc);
        feedLe32(jdk, le32);
        return value(jdk);
    }

    /** {@code M} as its columns: column {@code i} is the register after four zero bytes from bit {@code i} alone. */
    private static int[] runOfFourBytes() {
        int[] m = new int[32];
        for (int bit = 0; bit < 32; bit++) {
            int c = 1 << bit;
            for (int k = 0; k < 32; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ POLY : c >>> 1;
            }
            m[bit] = c;
        }
        return m;
    }

    /**
     * The inverse of an invertible GF(2) matrix given by columns, by elimination over the columns:
     * each column carries the combination of original columns that makes it, and once a column is
     * the unit vector of bit {@code j}, its combination is the inverse's column {@code j}.
     */
    private static int[] invert(int[] columns) {
        int[] c = columns.clone();
        int[] comb = new int[32];
        for (int i = 0; i < 32; i++) {
            comb[i] = 1 << i;
        }
        for (int j = 0; j < 32; j++) {
            int k = j;
            while ((c[k] >>> j & 1) == 0) {
                k++;   // M is invertible: some column from j on has bit j
            }
            int t = c[k]; c[k] = c[j]; c[j] = t;
            t = comb[k]; comb[k] = comb[j]; comb[j] = t;
            for (int m = 0; m < 32; m++) {
                if (m != j && (c[m] >>> j & 1) != 0) {
                    c[m] ^= c[j];
                    comb[m] ^= comb[j];
                }
            }
        }
        return comb;
    }
}
