package dev.jdax.vfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.RwSem;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One inode in the VFS's cache: the personality's {@link Vnode}, its reference count (open files,
 * mappings, and every operation that is using it), and for a directory its dentries — the names
 * looked up in it, positive or negative, which only operations holding the directory's lock
 * exclusively change. A count of {@link #DEAD} means the inode is being evicted or gone: no new
 * reference can be taken, and a lookup that finds it waits and reads the inode again.
 */
final class VfsInode {
    static final int DEAD = -1;

    final long ino;
    private final AtomicInteger refs;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final CountDownLatch gone = new CountDownLatch(1);
    private volatile Vnode vnode;
    /** Its type, which never changes: the path walk asks it of every component. */
    private volatile FileType type;
    private volatile FsException loadError;
    /** The names looked up in this directory (null until the first one): {@link Dentry}s. */
    private volatile Dentries children;
    /** On the cache's list of unused inodes (at most once: {@code inode_lru_list_add}). */
    final AtomicBoolean onLru = new AtomicBoolean();
    /** For a directory: its parent's inode number when known (-1), which only renames change. */
    volatile long parent = -1;
    /** A directory that rmdir removed: nothing can be looked up or created in it any more. */
    volatile boolean deadDir;

    /** An inode being read in, referenced once by the reader. */
    VfsInode(long ino) {
        this.ino = ino;
        this.refs = new AtomicInteger(1);
    }

    /** An inode the personality just made, referenced once by its maker. */
    VfsInode(Vnode made) {
        this(made.ino());
        this.type = made.type();
        this.vnode = made;
        loaded.countDown();
    }

    void loaded(Vnode v) {
        type = v.type();
        vnode = v;
        loaded.countDown();
    }

    /** Whether the inode is read and not dead: what a walk without references may stand on. */
    boolean live() {
        return vnode != null && refs.get() != DEAD;
    }

    void failed(FsException e) {
        loadError = e;
        refs.set(DEAD);
        loaded.countDown();
        gone.countDown();
    }

    /** Waits until the inode is read; rethrows what failed the read. */
    void awaitLoaded() throws FsException {
        awaitUninterruptibly(loaded);
        if (loadError != null) {
            throw loadError;
        }
    }

    Vnode vnode() {
        return vnode;
    }

    FileType type() {
        return type;
    }

    boolean isDir() {
        return type == FileType.DIRECTORY;
    }

    RwSem rwsem() {
        return vnode.rwsem();
    }

    /** Takes a reference unless the inode is dead. */
    boolean tryRef() {
        while (true) {
            int r = refs.get();
            if (r == DEAD) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; {@return the count left} */
    int unref() {
        int r = refs.decrementAndGet();
        if (r < 0) {
            throw new IllegalStateException("inode " + ino + ": reference count below zero");
        }
        return r;
    }

    /** Marks an unreferenced inode dead; false when someone took a reference meanwhile. */
    boolean kill() {
        return refs.compareAndSet(0, DEAD);
    }

    int refs() {
        return refs.get();
    }

    /** The eviction is over: waiters may read the inode number again. */
    void gone() {
        Dentries c = children;
        if (c != null) {
            c.clear();
        }
        gone.countDown();
    }

    void awaitGone() {
        awaitUninterruptibly(gone);
    }

    /** This directory's dentries, made on first use. */
    Dentries children() {
        Dentries c = children;
        if (c == null) {
            synchronized (this) {
                c = children;
                if (c == null) {
                    c = new Dentries();
                    children = c;
                }
            }
        }
        return c;
    }

    /** This directory's dentries if any name was looked up in it, else null. */
    Dentries childrenIfAny() {
        return children;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "inode " + ino;
    }
}
