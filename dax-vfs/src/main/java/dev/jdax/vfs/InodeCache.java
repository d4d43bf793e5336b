package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The inode cache ({@code iget}, {@code iput}, {@code evict}): at most one in-core inode per
 * number, read once however many threads ask at the same time, counted while anything uses it.
 * When the last reference goes, an inode with no link left is evicted at once — the personality
 * frees it — and a linked one stays cached, on an LRU list that evicts the oldest unused inodes
 * beyond {@link #UNUSED_LIMIT}. The list is linked through the inodes themselves, so an inode
 * evicted for another reason (its last link went) leaves it at once, as
 * {@code inode_lru_list_del} takes it off Linux's: a queue that kept evicted inodes until the
 * trim reached them held up to {@link #UNUSED_LIMIT} dead inodes in a create-and-unlink loop, and
 * made every release there trim. There is one list per CPU slot ({@link InodeLru}), as Linux's
 * list_lru has one per node, so threads making and dropping inodes do not meet on one monitor.
 */
final class InodeCache {
    /**
     * Unused inodes kept in core. Linux keeps them until memory runs short; here one in-core inode
     * with its dentries and personality state is taken as 8 KiB of the heap's limit, between 65,536
     * and 1,048,576. (A fixed 65,536 made random lookups in a directory of 100,000 names miss the
     * caches a third of the time: 120,000/s instead of 750,000/s.)
     */
    static final int UNUSED_LIMIT = Math.clamp(Runtime.getRuntime().maxMemory() / 8192, 65_536, 1 << 20);

    private final SuperBlock sb;
    /** By {@link #key}, not by number. */
    private final ConcurrentHashMap<Long, VfsInode> inodes = new ConcurrentHashMap<>();
    /** The unused inodes, oldest first, one list per CPU slot. */
    private final InodeLru lru = new InodeLru(UNUSED_LIMIT);

    InodeCache(SuperBlock sb) {
        this.sb = sb;
    }

    /**
     * The table's key for inode {@code ino}: the number times an odd constant (one key per number),
     * as Linux's inode hash multiplies by a golden-ratio prime. By the number itself, inodes at the
     * same place in two groups (ext2's and ext4's groups hold a power of two of them) fell into one
     * bucket of the power-of-two table: two threads creating and unlinking in directories of two
     * groups wrote the same table line on every create and unlink, and took it from each other.
     */
    private static Long key(long ino) {
        return ino * 0x9E37_79B9_7F4A_7C15L;
    }

    /** {@code iget}: the inode {@code ino}, referenced; read from the personality when not cached. */
    VfsInode get(long ino) throws FsException {
        return get(ino, false);
    }

    /**
     * {@link #get(long)} for a caller that named the inode by number: an inode read in for it is
     * marked so ({@link VfsInode#byNumber}).
     */
    VfsInode getByNumber(long ino) throws FsException {
        return get(ino, true);
    }

    private VfsInode get(long ino, boolean byNumber) throws FsException {
        while (true) {
            VfsInode i = inodes.get(key(ino));
            if (i != null) {
                i.awaitLoaded();
                if (i.tryRef()) {
                    return i;
                }
                i.awaitGone();
                continue;
            }
            VfsInode fresh = new VfsInode(ino);
            fresh.byNumber = byNumber;
            if (inodes.putIfAbsent(key(ino), fresh) != null) {
                continue;
            }
            try {
                fresh.loaded(sb.iget(ino));
                return fresh;
            } catch (FsException | RuntimeException e) {
                inodes.remove(key(ino), fresh);
                FsException fe = e instanceof FsException f ? f
                        : new FsException(Errno.EIO, "inode " + ino + ": " + e, e);
                fresh.failed(fe);
                throw fe;
            }
        }
    }

    /**
     * Inode {@code ino} referenced once more when it is cached and live, else null: nothing is read
     * and nothing cached (a caller by number that must not hold a freed number against its reuse).
     */
    VfsInode cached(long ino) {
        VfsInode i = inodes.get(key(ino));
        if (i == null) {
            return null;
        }
        try {
            i.awaitLoaded();
        } catch (FsException e) {
            return null;
        }
        return i.tryRef() ? i : null;
    }

    /**
     * An inode the personality just made, referenced once; it takes the place of a dead one of that
     * number, and of a copy that a lookup by number read after the allocation and before this (the
     * maker's is the inode; the copy goes once its reader lets it go, which Linux's I_NEW spares:
     * there such a lookup waits for the maker). Any other inode of that number is EUCLEAN: it was
     * allocated while in use.
     */
    VfsInode adopt(Vnode made) throws FsException {
        VfsInode fresh = new VfsInode(made);
        long waitUntil = 0;
        while (true) {
            VfsInode prev = inodes.putIfAbsent(key(made.ino()), fresh);
            if (prev == null) {
                return fresh;
            }
            if (prev.refs() == VfsInode.DEAD) {
                prev.awaitGone();
                continue;
            }
            if (!readAfterAllocation(prev, made)) {
                throw FsException.of(Errno.EUCLEAN, "inode %d was allocated while it is still in use", made.ino());
            }
            if (prev.kill()) {
                // Not evicted: the inode lives on, as the maker's.
                lru.remove(prev);
                inodes.remove(key(prev.ino), prev);
                prev.gone();
                continue;
            }
            if (waitUntil == 0) {
                waitUntil = System.nanoTime() + SUPERSEDE_WAIT_NANOS;
            } else if (System.nanoTime() - waitUntil > 0) {
                throw FsException.of(Errno.EUCLEAN, "inode %d was allocated while a lookup by number holds it", made.ino());
            }
            LockSupport.parkNanos(10_000);
        }
    }

    /** How long a maker waits for a lookup by number to let go of its copy of the new inode. */
    private static final long SUPERSEDE_WAIT_NANOS = 1_000_000_000L;

    /**
     * Whether {@code prev} is a copy of the new inode {@code made} that a lookup by number read
     * after its allocation: read by number, and born at the same instant where the format keeps a
     * birth time.
     */
    private static boolean readAfterAllocation(VfsInode prev, Vnode made) throws FsException {
        if (!prev.byNumber) {
            return false;
        }
        try {
            prev.awaitLoaded();
        } catch (FsException e) {
            return true; // its read failed: it is going, and the loop finds it dead
        }
        java.time.Instant a = prev.vnode().stat().btime();
        java.time.Instant b = made.stat().btime();
        return a == null || b == null || a.equals(b);
    }

    /**
     * {@code iput}: drops a reference; the last one of an unlinked inode frees it, of a linked one
     * puts it on the list of unused inodes — once: an inode already there stays where it is, as
     * {@code inode_lru_list_add} leaves it (a lookup that takes and drops a reference costs no
     * list operation, and the list holds each inode once).
     */
    void release(VfsInode i) throws FsException {
        if (i.unref() > 0) {
            return;
        }
        if (i.vnode().nlink() == 0 || i.vnode().dontCache()) {
            evict(i);
            return;
        }
        if (i.lru == null && lru.add(i)) {
            trim();
        }
    }

    /**
     * Evicts the oldest unused inodes until the list is within its limit; one in use again leaves
     * the list instead (its next last reference puts it back at the young end), as
     * {@code inode_lru_isolate} skips referenced inodes.
     */
    private void trim() throws FsException {
        VfsInode old;
        while ((old = lru.pollOldestBeyondLimit()) != null) {
            if (old.refs() == 0) {
                evict(old); // unless referenced meanwhile: then its last release lists it again
            }
        }
    }

    private void evict(VfsInode i) throws FsException {
        if (!i.kill()) {
            return; // referenced again meanwhile, or evicted by someone else
        }
        lru.remove(i);
        try {
            i.vnode().evict();
        } finally {
            inodes.remove(key(i.ino), i);
            i.gone();
        }
    }

    /**
     * Unmount: evicts every inode (the referenced ones too: unmount has closed what held them).
     *
     * @return the first eviction error, or null
     */
    FsException evictAll() {
        FsException first = null;
        List<VfsInode> all = new ArrayList<>(inodes.values());
        for (VfsInode i : all) {
            try {
                i.awaitLoaded();
            } catch (FsException e) {
                continue;
            }
            while (i.refs() > 0) {
                i.unref();
            }
            try {
                evict(i);
            } catch (FsException e) {
                first = first == null ? e : first;
            }
        }
        return first;
    }

    /** {@return how many inodes are in core} */
    int size() {
        return inodes.size();
    }

    /** {@return how many unused inodes are listed} */
    int unusedCount() {
        return lru.count();
    }

    /** {@return the references to inode {@code ino}, -1 when it is not cached}, for tests. */
    int references(long ino) {
        VfsInode i = inodes.get(key(ino));
        return i == null ? -1 : i.refs();
    }
}
