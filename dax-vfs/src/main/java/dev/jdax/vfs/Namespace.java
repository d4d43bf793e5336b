package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;

/**
 * The namespace changes, written once for every format ({@code vfs_create}, {@code vfs_mkdir},
 * {@code vfs_symlink}, {@code vfs_link}, {@code vfs_unlink}, {@code vfs_rmdir}): the name rules,
 * the existence checks under the directory's exclusive lock, link limits, then the format's
 * operation and the dentries it changed. Lock order: the directory, then the inode inside it.
 */
final class Namespace {
    /** What kind of inode a create makes. */
    enum Kind {
        FILE, DIR, SYMLINK, NODE;

        /** What a message calls making one ("file", "dir", "symlink", "mknod"). */
        String verb() {
            return switch (this) {
                case FILE -> "file";
                case DIR -> "dir";
                case SYMLINK -> "symlink";
                case NODE -> "mknod";
            };
        }
    }

    private final SuperBlock sb;
    private final InodeCache icache;
    private final Dcache dcache;

    Namespace(SuperBlock sb, InodeCache icache, Dcache dcache) {
        this.sb = sb;
        this.icache = icache;
        this.dcache = dcache;
    }

    /**
     * Makes {@code name} in {@code dir} (referenced, not locked); returns the new inode, referenced.
     * EEXIST when the name is taken. {@code target} is a symbolic link's, {@code rdev} a device's.
     */
    VfsInode make(VfsInode dir, String name, Kind kind, int mode, String target, long rdev, int uid, int gid)
            throws FsException {
        Dcache.requireDir(dir, name);
        Names.checkNew(name);
        dir.rwsem().lockExclusive(LockClass.PARENT);
        try {
            if (dcache.lookupLocked(dir, name) != Vnode.NO_INO) {
                throw FsException.of(Errno.EEXIST, "\"%s\" exists in directory %d", name, dir.ino);
            }
            return makeLocked(dir, name, kind, mode, target, rdev, uid, gid);
        } finally {
            dir.rwsem().unlockExclusive();
        }
    }

    /** {@link #make} with the directory locked exclusively and the name known absent. */
    VfsInode makeLocked(VfsInode dir, String name, Kind kind, int mode, String target, long rdev, int uid, int gid)
            throws FsException {
        FlagChecks.mayCreateIn(dir, name);
        Vnode d = dir.vnode();
        if (kind == Kind.DIR && d.nlink() >= sb.maxLinks()) {
            throw FsException.of(Errno.EMLINK, "directory %d has %d links, the most is %d", dir.ino, d.nlink(),
                    sb.maxLinks());
        }
        VfsInode child = icache.make(() -> switch (kind) {
            case FILE -> d.create(name, mode, uid, gid);
            case DIR -> d.mkdir(name, mode, uid, gid);
            case SYMLINK -> d.symlink(name, target, uid, gid);
            case NODE -> d.mknod(name, mode, rdev, uid, gid);
        });
        dcache.set(dir, name, child);
        return child;
    }

    /**
     * {@code vfs_tmpfile}: an unnamed file made in {@code dir} (referenced, a directory), returned
     * referenced, linkable unless {@code exclusive}. Linux takes no lock of the directory here; jdax
     * takes it shared, as a lookup does, so that the format reads the directory's inode (its group,
     * its flags) while no rename or rmdir changes it.
     */
    VfsInode tmpfile(VfsInode dir, int mode, int uid, int gid, boolean exclusive) throws FsException {
        dir.rwsem().lockShared(LockClass.PARENT);
        try {
            FlagChecks.mayCreateIn(dir, "O_TMPFILE");
            VfsInode made = icache.make(() -> dir.vnode().tmpfile(mode, uid, gid));
            made.linkable = !exclusive;
            return made;
        } finally {
            dir.rwsem().unlockShared();
        }
    }

    /** {@code link}: {@code name} in {@code dir} for {@code target}; both referenced by the caller. */
    void link(VfsInode target, VfsInode dir, String name) throws FsException {
        Dcache.requireDir(dir, name);
        Names.checkNew(name);
        if (target.isDir()) {
            throw FsException.of(Errno.EPERM, "inode %d is a directory: no hard links to it", target.ino);
        }
        dir.rwsem().lockExclusive(LockClass.PARENT);
        try {
            if (dcache.lookupLocked(dir, name) != Vnode.NO_INO) {
                throw FsException.of(Errno.EEXIST, "\"%s\" exists in directory %d", name, dir.ino);
            }
            FlagChecks.mayCreateIn(dir, name);
            target.rwsem().lockExclusive(LockClass.CHILD);
            try {
                FlagChecks.mayLink(target);
                long links = target.vnode().nlink();
                if (links == 0 && !target.linkable) {
                    throw FsException.of(Errno.ENOENT, "inode %d has no links left (it was removed)", target.ino);
                }
                if (links >= sb.maxLinks()) {
                    throw FsException.of(Errno.EMLINK, "inode %d has %d links, the most is %d", target.ino, links,
                            sb.maxLinks());
                }
                dir.vnode().link(name, target.vnode());
                target.linkable = false;
                dcache.set(dir, name, target);
            } finally {
                target.rwsem().unlockExclusive();
            }
        } finally {
            dir.rwsem().unlockExclusive();
        }
    }

    /** {@code unlink} ({@code dirOnly} false) or {@code rmdir} ({@code dirOnly} true) of {@code name} in {@code dir}. */
    void remove(VfsInode dir, String name, boolean rmdir) throws FsException {
        Dcache.requireDir(dir, name);
        if (rmdir && name.equals(".")) {
            throw FsException.of(Errno.EINVAL, "rmdir of \".\"");
        }
        if (rmdir && name.equals("..")) {
            throw FsException.of(Errno.ENOTEMPTY, "rmdir of \"..\": the parent has this directory in it");
        }
        if (!rmdir && (name.equals(".") || name.equals(".."))) {
            throw FsException.of(Errno.EISDIR, "unlink of \"%s\": a directory", name);
        }
        Names.checkComponent(name);
        VfsInode victim = null;
        dir.rwsem().lockExclusive(LockClass.PARENT);
        try {
            long ino = dcache.lookupLocked(dir, name);
            if (ino == Vnode.NO_INO) {
                throw FsException.of(Errno.ENOENT, "no \"%s\" in directory %d", name, dir.ino);
            }
            victim = dcache.child(dir, name, ino);
            victim.rwsem().lockExclusive(LockClass.CHILD);
            try {
                FlagChecks.mayDelete(dir, name, victim);
                if (rmdir) {
                    if (!victim.isDir()) {
                        throw FsException.of(Errno.ENOTDIR, "\"%s\" is not a directory", name);
                    }
                    if (victim.ino == sb.rootIno()) {
                        throw FsException.of(Errno.EBUSY, "the root directory");
                    }
                    dir.vnode().rmdir(name, victim.vnode());
                    dcache.killDir(victim);
                } else {
                    if (victim.isDir()) {
                        throw FsException.of(Errno.EISDIR, "\"%s\" is a directory", name);
                    }
                    dir.vnode().unlink(name, victim.vnode());
                }
                dcache.setNegative(dir, name);
            } finally {
                victim.rwsem().unlockExclusive();
            }
        } finally {
            dir.rwsem().unlockExclusive();
            if (victim != null) {
                icache.release(victim);
            }
        }
    }
}
