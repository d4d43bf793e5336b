package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The seeded raw crc32c ext4 chains must equal the bit-by-bit definition for any seed and length. */
class Crc32cTest {
    /** The definition, one bit at a time: reflected Castagnoli, caller's seed, no inversion. */
    private static int bitwise(int crc, byte[] b, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
        }
        return c;
    }

    @Test
    void theStandardCheckValueComesOutWithTheUsualInversions() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xE3069283, ~Crc32c.update(~0, check, 0, check.length));
    }

    @Test
    void anySeedAndLengthMatchesTheBitwiseDefinition() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] data = new byte[70_000];
        r.nextBytes(data);
        for (int i = 0; i < 2_000; i++) {
            int seed = r.nextInt();
            int len = i < 100 ? i : r.nextInt(i < 1_900 ? 5_000 : data.length);
            int off = r.nextInt(data.length - len + 1);
            assertEquals(bitwise(seed, data, off, len), Crc32c.update(seed, data, off, len),
                    "seed " + Integer.toHexString(seed) + " off " + off + " len " + len);
        }
        assertEquals(bitwise(0x1234_5678, new byte[] {1, 2, 3, 4}, 0, 4), Crc32c.update(0x1234_5678, 0x0403_0201));
    }

    @Test
    void aPrimedRegisterSumsPiecesFromTheSeed() {
        SplittableRandom r = new SplittableRandom(11);
        byte[] data = new byte[4096];
        r.nextBytes(data);
        for (int i = 0; i < 500; i++) {
            int seed = i < 3 ? new int[] {0, -1, 0x8000_0000}[i] : r.nextInt();
            int cut = r.nextInt(data.length + 1);
            java.util.zip.CRC32C c = Crc32c.start(seed);
            c.update(data, 0, cut);
            c.update(data, cut, data.length - cut);
            assertEquals(bitwise(seed, data, 0, data.length), Crc32c.value(c), "seed " + Integer.toHexString(seed) + " cut " + cut);
        }
    }
}
