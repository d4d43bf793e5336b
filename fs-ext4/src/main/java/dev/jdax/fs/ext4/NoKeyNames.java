package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The names of an encrypted directory as Linux 6.1 shows them without the key (fs/crypto/fname.c):
 * the base64url (RFC 4648, no padding) of {@code struct fscrypt_nokey_name} — the name's dirhash
 * (two little-endian u32, zero where the directory provides none), up to 149 bytes of the ciphertext,
 * and for a longer ciphertext the SHA-256 of the rest. A lookup decodes such a name back: a short
 * one gives the whole ciphertext, a long one a prefix and a digest to match. jdax never has a key.
 */
final class NoKeyNames {
    /** EXT4_ENCRYPT_FL: the inode's names (a directory) or contents (a file, a symlink) are encrypted. */
    static final int ENCRYPT_FL = 0x800;
    /** FSCRYPT_FNAME_MIN_MSG_LEN: no ciphertext name is shorter. */
    static final int MIN_CIPHERTEXT = 16;
    private static final int HASHES = 8;
    private static final int BYTES = 149;
    private static final int DIGEST = 32;
    /** FSCRYPT_NOKEY_NAME_MAX: the decoded size of a name abbreviated with its digest. */
    private static final int MAX = HASHES + BYTES + DIGEST;
    private static final String TABLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /** A no-key name decoded: the whole ciphertext ({@code digest} null) or its first 149 bytes and the digest of the rest. */
    record Wanted(int hash, int minorHash, byte[] bytes, byte[] digest) {
        boolean matches(byte[] b, int off, int len) {
            if (digest == null) {
                return len == bytes.length && Arrays.equals(b, off, off + len, bytes, 0, len);
            }
            return len > BYTES && Arrays.equals(b, off, off + BYTES, bytes, 0, BYTES)
                    && Arrays.equals(sha256(b, off + BYTES, len - BYTES), digest);
        }
    }

    private NoKeyNames() {
    }

    static boolean encrypted(Ext4Inode in) {
        return (in.i_flags() & ENCRYPT_FL) != 0;
    }

    /** fscrypt_fname_disk_to_usr without the key: "." and ".." as they are, EUCLEAN for a ciphertext too short to be one. */
    static String encode(long dirIno, byte[] b, int off, int len, int hash, int minorHash) throws FsException {
        if (len == 1 && b[off] == '.' || len == 2 && b[off] == '.' && b[off + 1] == '.') {
            return new String(b, off, len, StandardCharsets.US_ASCII);
        }
        if (len < MIN_CIPHERTEXT) {
            throw FsException.of(Errno.EUCLEAN, "ext4: encrypted inode %d: a ciphertext name of %d bytes (at least %d)",
                    dirIno, len, MIN_CIPHERTEXT);
        }
        byte[] raw = new byte[len <= BYTES ? HASHES + len : MAX];
        putLe(raw, 0, hash);
        putLe(raw, 4, minorHash);
        System.arraycopy(b, off, raw, HASHES, Math.min(len, BYTES));
        if (len > BYTES) {
            System.arraycopy(sha256(b, off + BYTES, len - BYTES), 0, raw, HASHES + BYTES, DIGEST);
        }
        return base64url(raw);
    }

    /** fscrypt_setup_filename's decoding for a lookup without the key; null where Linux answers ENOENT. */
    static Wanted decode(String name) {
        if (name.length() > (MAX * 4 + 2) / 3) {
            return null;
        }
        byte[] raw = unbase64url(name);
        if (raw == null || raw.length < HASHES + 1 || raw.length > HASHES + BYTES && raw.length != MAX) {
            return null;
        }
        int hash = getLe(raw, 0);
        int minor = getLe(raw, 4);
        if (raw.length == MAX) {
            return new Wanted(hash, minor, Arrays.copyOfRange(raw, HASHES, HASHES + BYTES), Arrays.copyOfRange(raw, HASHES + BYTES, MAX));
        }
        return new Wanted(hash, minor, Arrays.copyOfRange(raw, HASHES, raw.length), null);
    }

    /** A symlink's target without the key (fscrypt_get_symlink): the no-key name of its ciphertext, no dirhash. */
    static String symlinkTarget(long ino, byte[] b, int off, int size) throws FsException {
        // struct fscrypt_symlink_data: a little-endian u16 length, then the ciphertext.
        int len = size < 2 ? 0 : (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
        if (len == 0 || len + 2 > size) {
            throw FsException.of(Errno.EUCLEAN, "ext4: encrypted symlink %d: ciphertext of %d bytes in %d", ino, len, size);
        }
        return encode(ino, b, off + 2, len, 0, 0);
    }

    private static String base64url(byte[] raw) {
        StringBuilder out = new StringBuilder((raw.length * 4 + 2) / 3);
        int acc = 0;
        int bits = 0;
        for (byte x : raw) {
            acc = acc << 8 | (x & 0xff);
            bits += 8;
            while (bits >= 6) {
                bits -= 6;
                out.append(TABLE.charAt(acc >>> bits & 0x3f));
            }
        }
        if (bits > 0) {
            out.append(TABLE.charAt(acc << (6 - bits) & 0x3f));
        }
        return out.toString();
    }

    /** fscrypt_base64url_decode: null for a character outside the alphabet or set bits left over. */
    private static byte[] unbase64url(String s) {
        byte[] out = new byte[s.length() * 3 / 4];
        int n = 0;
        int acc = 0;
        int bits = 0;
        for (int i = 0; i < s.length(); i++) {
            int v = TABLE.indexOf(s.charAt(i));
            if (v < 0) {
                return null;
            }
            acc = acc << 6 | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (acc >>> bits);
            }
        }
        if ((acc & ((1 << bits) - 1)) != 0) {
            return null;
        }
        return Arrays.copyOf(out, n);
    }

    private static byte[] sha256(byte[] b, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    private static void putLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int getLe(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
