package dev.jdax.api.fs;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An fscrypt policy as {@code FS_IOC_GET_ENCRYPTION_POLICY_EX} reports it and
 * {@code FS_IOC_SET_ENCRYPTION_POLICY} takes it ({@code struct fscrypt_policy_v1} and
 * {@code _v2}): the version ({@link #V1} is 0 in the ioctls' numbering, {@link #V2} is 2), the
 * contents and filenames encryption modes, the flags, and the master key's descriptor (8 bytes, v1)
 * or identifier (16 bytes, v2).
 *
 * @param version       {@link #V1}, {@link #V2}, or another number a caller gave
 * @param contentsMode  FSCRYPT_MODE_* of the contents
 * @param filenamesMode FSCRYPT_MODE_* of the names
 * @param flags         FSCRYPT_POLICY_FLAG* bits
 * @param masterKey     the key's descriptor (v1) or identifier (v2)
 */
public record EncryptionPolicy(int version, int contentsMode, int filenamesMode, int flags, byte[] masterKey) {
    /** FSCRYPT_POLICY_V1: version 0 in the ioctls (the context on disk says 1). */
    public static final int V1 = 0;
    /** FSCRYPT_POLICY_V2. */
    public static final int V2 = 2;
    /** FSCRYPT_KEY_DESCRIPTOR_SIZE: a v1 policy's key. */
    public static final int DESCRIPTOR_SIZE = 8;
    /** FSCRYPT_KEY_IDENTIFIER_SIZE: a v2 policy's key. */
    public static final int IDENTIFIER_SIZE = 16;

    public EncryptionPolicy {
        masterKey = masterKey.clone();
    }

    @Override
    public byte[] masterKey() {
        return masterKey.clone();
    }

    /** fscrypt_policies_equal: the same version, modes, flags and key (the key's bytes, not the array). */
    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptionPolicy p && version == p.version && contentsMode == p.contentsMode
                && filenamesMode == p.filenamesMode && flags == p.flags && Arrays.equals(masterKey, p.masterKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(masterKey) ^ version ^ contentsMode << 8 ^ filenamesMode << 16 ^ flags << 24;
    }

    @Override
    public String toString() {
        return "EncryptionPolicy[v" + version + ", modes " + contentsMode + "/" + filenamesMode + ", flags 0x"
                + Integer.toHexString(flags) + ", key " + HexFormat.of().formatHex(masterKey) + "]";
    }
}
