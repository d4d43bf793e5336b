package dev.jdax.vfs;

import dev.jdax.api.fs.Vnode;

/**
 * A name in a directory as the dentry cache keeps it: the inode number it names, or
 * {@link Vnode#NO_INO} for a negative dentry (the name is known to be absent), and the cached inode
 * when there is one. Authoritative while it is in the cache: every change of the directory goes
 * through the VFS under the directory's exclusive lock and updates it.
 *
 * @param ino    the inode number, or {@link Vnode#NO_INO}
 * @param cached the inode as cached when the dentry was made (may since be dead), or null
 */
record Dentry(long ino, VfsInode cached) {
    static final Dentry NEGATIVE = new Dentry(Vnode.NO_INO, null);

    static Dentry of(VfsInode inode) {
        return new Dentry(inode.ino, inode);
    }

    boolean negative() {
        return ino == Vnode.NO_INO;
    }
}
