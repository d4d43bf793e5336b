package dev.jdax.fs.ext4;

/**
 * The name hashes of hashed (htree) directories, as Linux's fs/ext4/hash.c computes them
 * ({@code ext4fs_dirhash}): the legacy hash, half-MD4 and TEA, each in a signed-char and an
 * unsigned-char variant (which one a file system uses is {@code s_flags}' EXT2_FLAGS_UNSIGNED_HASH,
 * added to the root's version as {@code s_hash_unsigned}), seeded with {@code s_hash_seed}.
 */
final class DirHash {
    static final int LEGACY = 0;
    static final int HALF_MD4 = 1;
    static final int TEA = 2;
    static final int LEGACY_UNSIGNED = 3;
    static final int HALF_MD4_UNSIGNED = 4;
    static final int TEA_UNSIGNED = 5;
    static final int SIPHASH = 6;

    /** A name's hash: {@code major} orders the index (its low bit is always clear), {@code minor} breaks ties. */
    record Hash(int major, int minor) {
    }

    /** EXT4_HTREE_EOF_32BIT: the major hash no name may have (readdir's end marker). */
    private static final int EOF_32 = 0x7fffffff;
    private static final int[] DEFAULT_SEED = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

    private DirHash() {
    }

    /** Whether {@code version} (after the unsigned adjustment) is one this class computes. */
    static boolean known(int version) {
        return version >= LEGACY && version <= TEA_UNSIGNED;
    }

    /**
     * The hash of {@code name} with hash {@code version} and {@code seed} (the four words of
     * s_hash_seed; all zero means the default seed, as Linux treats it).
     */
    static Hash of(byte[] name, int version, int[] seed) {
        int[] buf = DEFAULT_SEED.clone();
        if (seed != null && (seed[0] | seed[1] | seed[2] | seed[3]) != 0) {
            System.arraycopy(seed, 0, buf, 0, 4);
        }
        int major;
        int minor = 0;
        switch (version) {
            case LEGACY, LEGACY_UNSIGNED -> major = legacy(name, version == LEGACY_UNSIGNED);
            case HALF_MD4, HALF_MD4_UNSIGNED -> {
                mix(name, new int[8], version == HALF_MD4_UNSIGNED, buf, DirHash::halfMd4);
                major = buf[1];
                minor = buf[2];
            }
            case TEA, TEA_UNSIGNED -> {
                mix(name, new int[4], version == TEA_UNSIGNED, buf, DirHash::tea);
                major = buf[0];
                minor = buf[1];
            }
            default -> throw new IllegalArgumentException("hash version " + version);
        }
        major &= ~1;
        if (major == EOF_32 << 1) {
            major = (EOF_32 - 1) << 1;
        }
        return new Hash(major, minor);
    }

    private interface Transform {
        void apply(int[] buf, int[] in);
    }

    /** Runs the name through {@code t} in pieces of {@code in.length} words (none for an empty name). */
    private static void mix(byte[] name, int[] in, boolean unsigned, int[] buf, Transform t) {
        for (int at = 0; at < name.length; at += in.length * 4) {
            words(name, at, unsigned, in);
            t.apply(buf, in);
        }
    }

    /** dx_hack_hash: the hash of the first htree directories, bytes taken as signed or unsigned chars. */
    private static int legacy(byte[] name, boolean unsigned) {
        int hash0 = 0x12a3fe2d;
        int hash1 = 0x37abe8f9;
        for (byte c : name) {
            int ch = unsigned ? c & 0xff : c;
            int hash = hash1 + (hash0 ^ (ch * 7152373));
            if ((hash & 0x80000000) != 0) {
                hash -= 0x7fffffff;
            }
            hash1 = hash0;
            hash0 = hash;
        }
        return hash0 << 1;
    }

    /**
     * str2hashbuf: up to {@code in.length * 4} bytes of the name from {@code at} as big-endian words
     * (chars signed or unsigned), the last partial word and the unused words filled from a pad made
     * of the remaining length.
     */
    private static void words(byte[] name, int at, boolean unsigned, int[] in) {
        int len = name.length - at;
        int pad = len | len << 8;
        pad |= pad << 16;
        int n = Math.min(len, in.length * 4);
        int w = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int v = 0;
            for (int k = 0; k < 4; k++) {
                v = (v << 8) + ch(name[at + i + k], unsigned);
            }
            in[w++] = v;
        }
        int v = pad;
        for (; i < n; i++) {
            v = (v << 8) + ch(name[at + i], unsigned);
        }
        if (w < in.length) {
            in[w++] = v;
        }
        while (w < in.length) {
            in[w++] = pad;
        }
    }

    private static int ch(byte b, boolean unsigned) {
        return unsigned ? b & 0xff : b;
    }

    private static int f(int x, int y, int z) {
        return z ^ (x & (y ^ z));
    }

    private static int g(int x, int y, int z) {
        return (x & y) + ((x ^ y) & z);
    }

    private static int h(int x, int y, int z) {
        return x ^ y ^ z;
    }

    private static final int K2 = 013240474631;
    private static final int K3 = 015666365641;

    /**
     * Half-MD4: three rounds of eight MD4 steps over eight words, added into {@code buf}. Written
     * out step by step: as a loop over tables of word orders and rotations, with the round's
     * function chosen per step, a short name's hash took 77 ns where it takes 57 now (the 24 steps'
     * dependent chain is most of that); a create and an unlink in a hashed directory hash a name each.
     */
    private static void halfMd4(int[] buf, int[] in) {
        int a = buf[0];
        int b = buf[1];
        int c = buf[2];
        int d = buf[3];
        // Round 1: F, the words in order, rotations 3, 7, 11, 19.
        a = Integer.rotateLeft(a + f(b, c, d) + in[0], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[1], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[2], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[3], 19);
        a = Integer.rotateLeft(a + f(b, c, d) + in[4], 3);
        d = Integer.rotateLeft(d + f(a, b, c) + in[5], 7);
        c = Integer.rotateLeft(c + f(d, a, b) + in[6], 11);
        b = Integer.rotateLeft(b + f(c, d, a) + in[7], 19);
        // Round 2: G plus K2, the odd words then the even, rotations 3, 5, 9, 13.
        a = Integer.rotateLeft(a + g(b, c, d) + in[1] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[3] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[5] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[7] + K2, 13);
        a = Integer.rotateLeft(a + g(b, c, d) + in[0] + K2, 3);
        d = Integer.rotateLeft(d + g(a, b, c) + in[2] + K2, 5);
        c = Integer.rotateLeft(c + g(d, a, b) + in[4] + K2, 9);
        b = Integer.rotateLeft(b + g(c, d, a) + in[6] + K2, 13);
        // Round 3: H plus K3, words 3, 7, 2, 6, 1, 5, 0, 4, rotations 3, 9, 11, 15.
        a = Integer.rotateLeft(a + h(b, c, d) + in[3] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[7] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[2] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[6] + K3, 15);
        a = Integer.rotateLeft(a + h(b, c, d) + in[1] + K3, 3);
        d = Integer.rotateLeft(d + h(a, b, c) + in[5] + K3, 9);
        c = Integer.rotateLeft(c + h(d, a, b) + in[0] + K3, 11);
        b = Integer.rotateLeft(b + h(c, d, a) + in[4] + K3, 15);
        buf[0] += a;
        buf[1] += b;
        buf[2] += c;
        buf[3] += d;
    }

    /** TEA: 16 cycles over the first two words of {@code buf}, keyed by four words of the name. */
    private static void tea(int[] buf, int[] in) {
        int sum = 0;
        int b0 = buf[0];
        int b1 = buf[1];
        for (int n = 0; n < 16; n++) {
            sum += 0x9E3779B9;
            b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >>> 5) + in[1]);
            b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >>> 5) + in[3]);
        }
        buf[0] += b0;
        buf[1] += b1;
    }
}
