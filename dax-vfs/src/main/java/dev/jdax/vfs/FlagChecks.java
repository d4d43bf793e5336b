package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;

/**
 * What an immutable or append-only inode refuses at the VFS ({@code IS_IMMUTABLE}, {@code
 * IS_APPEND} in fs/namei.c and fs/attr.c), for every format alike. What a format refuses on its own
 * (ext4's writes to an immutable file through an earlier descriptor) it checks itself.
 */
final class FlagChecks {
    private FlagChecks() {
    }

    /**
     * {@code may_open}: write access to an immutable inode is EPERM ({@code inode_permission}), and
     * to an append-only one unless O_APPEND, as is O_TRUNC of either.
     */
    static void mayOpen(VfsInode i, int flags) throws FsException {
        int f = i.vnode().inodeFlags();
        if (f == 0) {
            return;
        }
        boolean writable = OpenFlags.writable(flags);
        boolean trunc = (flags & OpenFlags.O_TRUNC) != 0;
        if (InodeFlags.immutable(f) && (writable || trunc)) {
            throw FsException.of(Errno.EPERM, "inode %d is immutable: no opening it for writing", i.ino);
        }
        if (InodeFlags.appendOnly(f) && ((writable && (flags & OpenFlags.O_APPEND) == 0) || trunc)) {
            throw FsException.of(Errno.EPERM, "inode %d is append-only: opened for writing only with O_APPEND"
                    + " and without O_TRUNC", i.ino);
        }
    }

    /** {@code may_create}'s write permission on the directory: nothing is made in an immutable one. */
    static void mayCreateIn(VfsInode dir, String name) throws FsException {
        if (InodeFlags.immutable(dir.vnode().inodeFlags())) {
            throw FsException.of(Errno.EPERM, "\"%s\": directory %d is immutable", name, dir.ino);
        }
    }

    /**
     * {@code may_delete}: no name leaves an immutable or append-only directory, and no immutable or
     * append-only inode loses a name.
     */
    static void mayDelete(VfsInode dir, String name, VfsInode victim) throws FsException {
        int d = dir.vnode().inodeFlags();
        if (InodeFlags.immutable(d) || InodeFlags.appendOnly(d)) {
            throw FsException.of(Errno.EPERM, "\"%s\": directory %d is %s", name, dir.ino,
                    InodeFlags.immutable(d) ? "immutable" : "append-only");
        }
        int v = victim.vnode().inodeFlags();
        if (InodeFlags.immutable(v) || InodeFlags.appendOnly(v)) {
            throw FsException.of(Errno.EPERM, "\"%s\" (inode %d) is %s", name, victim.ino,
                    InodeFlags.immutable(v) ? "immutable" : "append-only");
        }
    }

    /** {@code vfs_link}: an immutable or append-only inode takes no new name. */
    static void mayLink(VfsInode target) throws FsException {
        int f = target.vnode().inodeFlags();
        if (InodeFlags.immutable(f) || InodeFlags.appendOnly(f)) {
            throw FsException.of(Errno.EPERM, "inode %d is %s: no new links to it", target.ino,
                    InodeFlags.immutable(f) ? "immutable" : "append-only");
        }
    }

    /**
     * {@code notify_change}: mode, owner and times set to given values are EPERM on an immutable or
     * append-only inode; a touch (both times to now, no times given) only on an immutable one.
     */
    static void maySetattr(VfsInode i, SetAttr attr) throws FsException {
        int f = i.vnode().inodeFlags();
        boolean given = attr.mode() != null || attr.uid() != null || attr.gid() != null
                || (!attr.touch() && (attr.atime() != null || attr.mtime() != null));
        if (InodeFlags.immutable(f) && (given || attr.touch()) || InodeFlags.appendOnly(f) && given) {
            throw FsException.of(Errno.EPERM, "setattr of inode %d: it is %s", i.ino,
                    InodeFlags.immutable(f) ? "immutable" : "append-only");
        }
    }
}
