/**
 * The VFS: what Linux's VFS does once for every personality — path walk through a dentry cache,
 * the inode cache with reference counts (open files and mappings hold their inode; the last
 * release of an unlinked one frees it), the namespace rules, atomic lookup-or-create, O_TRUNC —
 * in the lock order of {@code docs/LOCKING.md}. {@link dev.jdax.vfs.Vfs#mount} turns a
 * personality's {@link dev.jdax.api.fs.SuperBlock} into the {@link dev.jdax.api.fs.FileSystem}
 * programs use.
 */
module dev.jdax.vfs {
    requires transitive dev.jdax.api;

    exports dev.jdax.vfs;

    uses dev.jdax.api.fs.FileSystemType;
}
