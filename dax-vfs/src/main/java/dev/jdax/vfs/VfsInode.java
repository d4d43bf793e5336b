package dev.jdax.vfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.RwSem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CountDownLatch;

/**
 * One inode in the VFS's cache: the personality's {@link Vnode}, its reference count (open files,
 * mappings, and every operation that is using it), and for a directory its dentries — the names
 * looked up in it, positive or negative, which only operations holding the directory's lock
 * exclusively change. A count of {@link #DEAD} means the inode is being evicted or gone: no new
 * reference can be taken, and a lookup that finds it waits and reads the inode again.
 */
final class VfsInode {
    static final int DEAD = -1;
    private static final VarHandle REFS;

    static {
        try {
            REFS = MethodHandles.lookup().findVarHandle(VfsInode.class, "refs", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long ino;
    /**
     * The reference count, in the inode itself rather than in an atomic object of its own: a
     * cached walk reads it for every component, and in a directory of 100,000 names each object
     * it reads is a cache miss.
     */
    private volatile int refs;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final CountDownLatch gone = new CountDownLatch(1);
    private volatile Vnode vnode;
    /** Its type, which never changes: the path walk asks it of every component. */
    private volatile FileType type;
    private volatile FsException loadError;
    /** The names looked up in this directory (null until the first one): its dentries. */
    private volatile Dentries children;
    /**
     * The list of unused inodes holding it (at most one, once: {@code inode_lru_list_add}), or
     * null, and its neighbours there: claimed atomically and written under that list's monitor
     * ({@link InodeLru}), read without it only as a hint.
     */
    volatile Object lru;
    VfsInode lruPrev;
    VfsInode lruNext;
    /**
     * A number its maker took and has not yet handed over ({@code I_NEW}): what waits for it gets the
     * maker's inode, and nothing supersedes it ({@link InodeCache#claimed}).
     */
    final boolean claim;
    /** A read that a claim of its number overtook: its result is dropped (guarded by this). */
    private boolean superseded;
    /** For a directory: its parent's inode number when known (-1), which only renames change. */
    volatile long parent = -1;
    /** A directory that rmdir removed: nothing can be looked up or created in it any more. */
    volatile boolean deadDir;
    /**
     * An O_TMPFILE file that may still get its first name ({@code I_LINKABLE}): set when it is made
     * without O_EXCL, cleared by the link that names it, under its lock.
     */
    volatile boolean linkable;

    /**
     * An inode being read in, referenced once by the reader, or being made ({@code claim}),
     * referenced once by its maker.
     */
    VfsInode(long ino, boolean claim) {
        this.ino = ino;
        this.claim = claim;
        this.refs = 1;
    }

    /** An inode the personality just made without claiming its number, referenced once by its maker. */
    VfsInode(Vnode made) {
        this(made.ino(), false);
        loaded(made);
    }

    void loaded(Vnode v) {
        type = v.type();
        vnode = v;
        loaded.countDown();
    }

    /**
     * The read is done: publishes {@code v} unless a claim of the number overtook the read; {@return
     * false then} (the reader drops {@code v} and looks again).
     */
    synchronized boolean publish(Vnode v) {
        if (superseded) {
            return false;
        }
        loaded(v);
        return true;
    }

    /**
     * A maker claimed this number while this read was under way: the read's result, whichever copy
     * of the inode it found, will not be published, and those waiting for it look again (and find
     * the claim). {@return false when the read was already published or failed, or this is a claim
     * itself}
     */
    synchronized boolean supersede() {
        if (claim || vnode != null || loadError != null) {
            return false;
        }
        superseded = true;
        die();
        return true;
    }

    /** Whether the inode is read and not dead: what a walk without references may stand on. */
    boolean live() {
        return vnode != null && refs != DEAD;
    }

    /** The read failed with {@code e}, which its waiters get, unless a claim overtook it (they look again then). */
    synchronized void failed(FsException e) {
        if (superseded) {
            return;
        }
        loadError = e;
        die();
    }

    /** A claim whose maker failed: what waits for it looks again, and reads what the personality left. */
    void abandoned() {
        die();
    }

    /** Never read, or not to be used: dead at once, and what waits for the read or the eviction goes on. */
    private void die() {
        refs = DEAD;
        loaded.countDown();
        gone.countDown();
    }

    /** {@return whether a claim of the number overtook this read} */
    synchronized boolean superseded() {
        return superseded;
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
            int r = refs;
            if (r == DEAD) {
                return false;
            }
            if (REFS.compareAndSet(this, r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; {@return the count left} */
    int unref() {
        int r = (int) REFS.getAndAdd(this, -1) - 1;
        if (r < 0) {
            throw new IllegalStateException("inode " + ino + ": reference count below zero");
        }
        return r;
    }

    /** Marks an unreferenced inode dead; false when someone took a reference meanwhile. */
    boolean kill() {
        return REFS.compareAndSet(this, 0, DEAD);
    }

    int refs() {
        return refs;
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
