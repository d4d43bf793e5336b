package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The dentry cache and the lookups through it ({@code lookup_fast}, {@code lookup_slow}): a name
 * found in its directory's dentries costs no lock and no directory block; a miss takes the
 * directory's lock shared, asks the personality, and leaves a positive or negative dentry behind.
 * Changes of a directory hold its lock exclusively and set its dentries ({@link #set},
 * {@link #setNegative}), so a dentry in the cache is always the truth.
 */
final class Dcache {
    /** Dentries kept in all, beyond which a directory's are dropped before adding one. */
    static final long LIMIT = 4_000_000;

    private final InodeCache icache;
    private final long rootIno;
    private final AtomicLong count = new AtomicLong();

    Dcache(InodeCache icache, long rootIno) {
        this.icache = icache;
        this.rootIno = rootIno;
    }

    /**
     * The inode {@code name} names in {@code dir} (referenced by the caller, not locked), referenced;
     * ENOENT when there is none. {@code "."} and {@code ".."} are the directory and its parent.
     */
    VfsInode lookup(VfsInode dir, String name) throws FsException {
        requireDir(dir, name);
        if (name.equals(".")) {
            return ref(dir);
        }
        if (name.equals("..")) {
            return icache.get(parentOf(dir));
        }
        Names.checkComponent(name);
        VfsInode d = dir.children().get(dir.vnode().dentryName(name));
        if (d != null) {
            if (d == Dentries.NEGATIVE) {
                throw noEntry(dir, name);
            }
            if (d.tryRef()) {
                return d;
            }
        }
        dir.rwsem().lockShared(LockClass.PARENT);
        try {
            long ino = lookupLocked(dir, name);
            if (ino == Vnode.NO_INO) {
                throw noEntry(dir, name);
            }
            return child(dir, name, ino);
        } finally {
            dir.rwsem().unlockShared();
        }
    }

    /**
     * With {@code dir}'s lock held (either way): the inode number {@code name} names, or
     * {@link Vnode#NO_INO}; the answer is cached.
     */
    long lookupLocked(VfsInode dir, String name) throws FsException {
        if (dir.deadDir) {
            throw FsException.of(Errno.ENOENT, "directory %d was removed", dir.ino);
        }
        VfsInode d = dir.children().get(dir.vnode().dentryName(name));
        if (d != null) {
            return d.ino; // NEGATIVE's is NO_INO
        }
        long ino = dir.vnode().lookup(name);
        if (ino == Vnode.NO_INO) {
            put(dir, name, Dentries.NEGATIVE);
        }
        return ino;
    }

    /** The inode {@code ino} found as {@code name} in {@code dir} (locked), referenced, its dentry set. */
    VfsInode child(VfsInode dir, String name, long ino) throws FsException {
        VfsInode d = dir.children().get(dir.vnode().dentryName(name));
        if (d != null && d != Dentries.NEGATIVE && d.ino == ino && d.tryRef()) {
            return d;
        }
        VfsInode c = icache.get(ino);
        if (c.isDir()) {
            c.parent = dir.ino;
        }
        put(dir, name, c);
        return c;
    }

    /** {@code name} in {@code dir} (locked exclusively) names {@code child} now. */
    void set(VfsInode dir, String name, VfsInode child) {
        if (child.isDir()) {
            child.parent = dir.ino;
        }
        put(dir, name, child);
    }

    /** {@code name} in {@code dir} (locked exclusively) names nothing now. */
    void setNegative(VfsInode dir, String name) {
        put(dir, name, Dentries.NEGATIVE);
    }

    /** A removed directory: its dentries go, and nothing may be made in it. */
    void killDir(VfsInode dir) {
        dir.deadDir = true;
        count.addAndGet(-dir.children().clear());
    }

    private void put(VfsInode dir, String name, VfsInode d) {
        Dentries c = dir.children();
        if (count.get() >= LIMIT) {
            count.addAndGet(-c.clear());
        }
        if (c.put(dir.vnode().dentryName(name), d)) {
            count.incrementAndGet();
        }
    }

    /** The parent of directory {@code dir}: remembered from the walk, else asked of the format. */
    long parentOf(VfsInode dir) throws FsException {
        if (dir.ino == rootIno) {
            return rootIno;
        }
        long p = dir.parent;
        if (p >= 0) {
            return p;
        }
        dir.rwsem().lockShared(LockClass.PARENT);
        try {
            p = dir.vnode().lookup("..");
        } finally {
            dir.rwsem().unlockShared();
        }
        if (p == Vnode.NO_INO) {
            throw FsException.of(Errno.EUCLEAN, "directory %d has no \"..\"", dir.ino);
        }
        dir.parent = p;
        return p;
    }

    private static VfsInode ref(VfsInode i) throws FsException {
        if (!i.tryRef()) {
            throw FsException.of(Errno.ESTALE, "inode %d is being evicted", i.ino);
        }
        return i;
    }

    static void requireDir(VfsInode dir, String name) throws FsException {
        if (!dir.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "inode %d (looking up \"%s\" in it) is not a directory", dir.ino, name);
        }
    }

    private static FsException noEntry(VfsInode dir, String name) {
        return FsException.of(Errno.ENOENT, "no \"%s\" in directory %d", name, dir.ino);
    }

    /** {@return how many dentries are cached} */
    long size() {
        return count.get();
    }
}
