package dev.jdax.fs.ext4;

import java.util.Arrays;

/**
 * A name a directory's index hashed lately, and the one before it ({@code before}, itself without
 * one): a name is hashed again soon as a rule — an unlink or a rename of a name just made, a
 * rename there and back, a create's add after a lookup the dentry cache did not answer — and each
 * hash of it (half-MD4 or TEA over the name) was about a quarter of a descent of the index in a
 * directory of 100,000 names. Kept in the directory's inode; immutable, so threads that share the
 * directory may race to replace it and only lose a kept hash. {@code folded}: the hash is of the casefolded name.
 */
record HashedName(int version, boolean folded, byte[] name, DirHash.Hash hash, HashedName before) {
    /** {@return the hash kept for {@code name} under {@code version} and {@code folded}, or null} */
    DirHash.Hash find(int version, boolean folded, byte[] name) {
        if (is(version, folded, name)) {
            return hash;
        }
        return before != null && before.is(version, folded, name) ? before.hash : null;
    }

    /** {@return what to keep once {@code name} has hashed to {@code hash}: it, then this one} */
    static HashedName then(HashedName last, int version, boolean folded, byte[] name, DirHash.Hash hash) {
        HashedName previous = last == null ? null : last.before == null ? last : new HashedName(last.version, last.folded, last.name, last.hash, null);
        return new HashedName(version, folded, name.clone(), hash, previous);
    }

    private boolean is(int version, boolean folded, byte[] name) {
        return this.version == version && this.folded == folded && Arrays.equals(this.name, name);
    }
}
