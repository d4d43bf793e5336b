package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.EncryptionPolicy;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;

import java.util.Arrays;

/**
 * fscrypt's ioctls as fs/crypto answers them for every format (policy.c, keyring.c), over what the
 * format keeps: whether it has them ({@link SuperBlock#fscryptRefusal}) and an inode's stored
 * context ({@link Vnode#encryptionContext}). jdax decrypts nothing and holds no keys, so every key
 * is absent, none can be removed, and none is taken; a policy is read from the context, and a v1
 * policy, which needs no key, set on an empty directory ({@link Vnode#setEncryptionContext}).
 */
final class Fscrypt {
    /** FSCRYPT_CONTEXT_V1 and _V2: the first byte of a stored context. */
    private static final int CONTEXT_V1 = 1;
    private static final int CONTEXT_V2 = 2;
    /** The sizes of fscrypt_context_v1 and _v2 (the key, then a 16-byte nonce). */
    private static final int CONTEXT_V1_SIZE = 28;
    private static final int CONTEXT_V2_SIZE = 40;
    /** FSCRYPT_KEY_STATUS_ABSENT. */
    static final int KEY_ABSENT = 1;
    /** FSCRYPT_POLICY_FLAGS_PAD_MASK, _DIRECT_KEY, _IV_INO_LBLK_64, _IV_INO_LBLK_32. */
    private static final int PAD_MASK = 0x03;
    private static final int DIRECT_KEY = 0x04;
    private static final int IV_INO_LBLK_64 = 0x08;
    private static final int IV_INO_LBLK_32 = 0x10;

    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    private final VfsMount mount;
    private final SuperBlock sb;

    Fscrypt(VfsMount mount, SuperBlock sb) {
        this.mount = mount;
        this.sb = sb;
    }

    /** The format's refusal of every fscrypt ioctl (ext4_ioctl's feature check, or no such ioctl). */
    private void requireSupport(String ioctl) throws FsException {
        Errno refusal = sb.fscryptRefusal();
        if (refusal == Errno.ENOTTY) {
            throw FsException.of(Errno.ENOTTY, "%s: %s has no fscrypt", ioctl, sb.type().name());
        }
        if (refusal != null) {
            throw FsException.of(refusal, "%s: the file system was made without the encrypt feature", ioctl);
        }
    }

    /** fscrypt_ioctl_get_policy_ex, or fscrypt_ioctl_get_policy with {@code v1Ioctl}. */
    EncryptionPolicy policy(VfsInode i, boolean v1Ioctl) throws FsException {
        String ioctl = v1Ioctl ? "FS_IOC_GET_ENCRYPTION_POLICY" : "FS_IOC_GET_ENCRYPTION_POLICY_EX";
        requireSupport(ioctl);
        EncryptionPolicy p;
        // Shared, so that a policy being set (under the lock exclusive) is read whole or not at all.
        i.rwsem().lockShared(LockClass.CHILD);
        try {
            p = stored(i.vnode(), ioctl);
        } finally {
            i.rwsem().unlockShared();
        }
        if (v1Ioctl && p.version() != EncryptionPolicy.V1) {
            throw FsException.of(Errno.EINVAL, "%s: inode %d has a v%d policy; the old ioctl gives only v1", ioctl, i.ino,
                    p.version());
        }
        return p;
    }

    /** fscrypt_get_policy: ENODATA unless the inode is encrypted, then its context read as a policy. */
    private static EncryptionPolicy stored(Vnode v, String ioctl) throws FsException {
        if ((v.stat().attributes() & StatInfo.STATX_ATTR_ENCRYPTED) == 0) {
            throw FsException.of(Errno.ENODATA, "%s: inode %d is not encrypted", ioctl, v.ino());
        }
        byte[] c = v.encryptionContext();
        if (c == null) {
            throw FsException.of(Errno.ENODATA, "%s: inode %d is flagged encrypted but has no fscrypt context", ioctl, v.ino());
        }
        // fscrypt_policy_from_context: the version says the size, and a v1 context is a "version 0" policy.
        if (c.length == CONTEXT_V1_SIZE && c[0] == CONTEXT_V1) {
            return new EncryptionPolicy(EncryptionPolicy.V1, c[1] & 0xff, c[2] & 0xff, c[3] & 0xff, Arrays.copyOfRange(c, 4, 12));
        }
        if (c.length == CONTEXT_V2_SIZE && c[0] == CONTEXT_V2) {
            return new EncryptionPolicy(EncryptionPolicy.V2, c[1] & 0xff, c[2] & 0xff, c[3] & 0xff, Arrays.copyOfRange(c, 8, 24));
        }
        throw FsException.of(Errno.EINVAL, "%s: inode %d: an fscrypt context of %d bytes, version %d", ioctl, v.ino(),
                c.length, c.length == 0 ? -1 : c[0] & 0xff);
    }

    /**
     * fscrypt_ioctl_set_policy: the version, then the mount, then under the inode's lock the policy
     * it has (the same one: nothing to do; another, or one that cannot be read: EEXIST) or what it
     * must be to take one (an empty, live directory), then fscrypt_supported_policy. A v2 policy's
     * key was never added (ENOKEY, as Linux answers then); a v1 policy is stored.
     */
    void setPolicy(VfsInode i, EncryptionPolicy p) throws FsException {
        String ioctl = "FS_IOC_SET_ENCRYPTION_POLICY";
        requireSupport(ioctl);
        if (p.version() != EncryptionPolicy.V1 && p.version() != EncryptionPolicy.V2) {
            throw FsException.of(Errno.EINVAL, "%s: unknown policy version %d", ioctl, p.version());
        }
        int keySize = p.version() == EncryptionPolicy.V1 ? EncryptionPolicy.DESCRIPTOR_SIZE : EncryptionPolicy.IDENTIFIER_SIZE;
        if (p.masterKey().length != keySize) {
            throw FsException.of(Errno.EINVAL, "%s: a v%d policy's key has %d bytes, not %d", ioctl, p.version(),
                    p.masterKey().length, keySize);
        }
        mount.requireWritable(ioctl);
        i.rwsem().lockExclusive(LockClass.CHILD);
        try {
            Vnode v = i.vnode();
            EncryptionPolicy existing = null;
            boolean none = false;
            try {
                existing = stored(v, ioctl);
            } catch (FsException e) {
                if (e.errno() == Errno.ENODATA) {
                    none = true;
                } else if (e.errno() != Errno.EINVAL) {
                    throw e; // EINVAL: a context that cannot be read is another policy
                }
            }
            if (!none) {
                if (p.equals(existing)) {
                    return;
                }
                throw FsException.of(Errno.EEXIST, "%s: inode %d already has another encryption policy", ioctl, i.ino);
            }
            if (!i.isDir()) {
                throw FsException.of(Errno.ENOTDIR, "%s: inode %d is not a directory", ioctl, i.ino);
            }
            if (i.deadDir) {
                throw FsException.of(Errno.ENOENT, "%s: directory %d was removed", ioctl, i.ino);
            }
            for (DirEntry e : v.readdir()) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    throw FsException.of(Errno.ENOTEMPTY, "%s: directory %d is not empty", ioctl, i.ino);
                }
            }
            requireSupported(p, ioctl);
            if (p.version() == EncryptionPolicy.V2) {
                throw FsException.of(Errno.ENOKEY, "%s: the key %s was never added", ioctl, hex(p.masterKey()));
            }
            // A v1 policy needs no key to be set (fs/crypto checks it only for v2): the context,
            // with a nonce of its own, as fscrypt_new_context makes it.
            byte[] c = new byte[CONTEXT_V1_SIZE];
            c[0] = CONTEXT_V1;
            c[1] = (byte) p.contentsMode();
            c[2] = (byte) p.filenamesMode();
            c[3] = (byte) p.flags();
            System.arraycopy(p.masterKey(), 0, c, 4, EncryptionPolicy.DESCRIPTOR_SIZE);
            byte[] nonce = new byte[16];
            NONCES.nextBytes(nonce);
            System.arraycopy(nonce, 0, c, 12, nonce.length);
            v.setEncryptionContext(c);
        } finally {
            i.rwsem().unlockExclusive();
        }
    }

    /** fscrypt_supported_policy: the mode pairs and flags fs/crypto knows, for the version. */
    private static void requireSupported(EncryptionPolicy p, String ioctl) throws FsException {
        int c = p.contentsMode();
        int n = p.filenamesMode();
        // AES-256-XTS/CTS, AES-128-CBC/CTS and Adiantum for both versions; SM4-XTS/CTS for v2 only.
        boolean modes = c == 1 && n == 4 || c == 5 && n == 6 || c == 9 && n == 9
                || p.version() == EncryptionPolicy.V2 && c == 7 && n == 8;
        int known = PAD_MASK | DIRECT_KEY | (p.version() == EncryptionPolicy.V2 ? IV_INO_LBLK_64 | IV_INO_LBLK_32 : 0);
        int keyFlags = Integer.bitCount(p.flags() & (DIRECT_KEY | IV_INO_LBLK_64 | IV_INO_LBLK_32));
        if (!modes || (p.flags() & ~known) != 0 || keyFlags > 1) {
            throw FsException.of(Errno.EINVAL, "%s: modes %d/%d with flags 0x%x are not a v%d policy fscrypt supports", ioctl,
                    c, n, p.flags(), p.version());
        }
    }

    /** fscrypt_ioctl_get_key_status: an absent key, since jdax holds none. */
    int keyStatus(byte[] keySpec) throws FsException {
        String ioctl = "FS_IOC_GET_ENCRYPTION_KEY_STATUS";
        requireSupport(ioctl);
        requireKeySpec(keySpec, ioctl);
        return KEY_ABSENT;
    }

    /** fscrypt_ioctl_remove_key: the key was never added. */
    void removeKey(byte[] keySpec, boolean allUsers) throws FsException {
        String ioctl = allUsers ? "FS_IOC_REMOVE_ENCRYPTION_KEY_ALL_USERS" : "FS_IOC_REMOVE_ENCRYPTION_KEY";
        requireSupport(ioctl);
        requireKeySpec(keySpec, ioctl);
        throw FsException.of(Errno.ENOKEY, "%s: no key %s was added", ioctl, hex(keySpec));
    }

    /** fscrypt_ioctl_add_key: refused, where Linux would take the key. */
    void addKey(byte[] keySpec, byte[] rawKey) throws FsException {
        String ioctl = "FS_IOC_ADD_ENCRYPTION_KEY";
        requireSupport(ioctl);
        requireKeySpec(keySpec, ioctl);
        throw FsException.of(Errno.EOPNOTSUPP, "%s: jdax holds no keys: it decrypts nothing", ioctl);
    }

    /** valid_key_spec: a descriptor (v1) or an identifier (v2), by length. */
    private static void requireKeySpec(byte[] keySpec, String ioctl) throws FsException {
        if (keySpec.length != EncryptionPolicy.DESCRIPTOR_SIZE && keySpec.length != EncryptionPolicy.IDENTIFIER_SIZE) {
            throw FsException.of(Errno.EINVAL, "%s: a key specifier of %d bytes", ioctl, keySpec.length);
        }
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
