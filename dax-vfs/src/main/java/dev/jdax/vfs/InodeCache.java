package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.InodeBirths;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

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

    /**
     * {@code iget}: the inode {@code ino} a directory named, referenced; read from the personality
     * when not cached.
     */
    VfsInode get(long ino) throws FsException {
        return get(ino, false);
    }

    /**
     * {@link #get} for a number a program gave (a handle): one that names no file in use is ESTALE
     * ({@link SuperBlock#igetByNumber}).
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
            VfsInode fresh = new VfsInode(ino, false);
            if (inodes.putIfAbsent(key(ino), fresh) != null) {
                continue;
            }
            Vnode read;
            try {
                read = byNumber ? sb.igetByNumber(ino) : sb.iget(ino);
            } catch (FsException | RuntimeException e) {
                inodes.remove(key(ino), fresh);
                if (fresh.superseded()) {
                    continue; // the maker's claim stands where this read was: wait for it
                }
                FsException fe = e instanceof FsException f ? f
                        : new FsException(Errno.EIO, "inode " + ino + ": " + e, e);
                fresh.failed(fe);
                throw fe;
            }
            if (fresh.publish(read)) {
                return fresh;
            }
            // A maker claimed the number while this read was under way: whatever the read found (the
            // free inode, or the new one half made), the maker's is the inode. Dropped unevicted: it
            // owns nothing the maker's does not.
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

    /** What the thread running a make has claimed ({@link #make}, {@link #claimed}). */
    private static final class Making {
        boolean open;
        VfsInode claim;

        /** Ends the make; {@return its claim, or null} */
        VfsInode end() {
            open = false;
            VfsInode c = claim;
            claim = null;
            return c;
        }
    }

    private final ThreadLocal<Making> making = ThreadLocal.withInitial(Making::new);

    /** A personality's make: creates, mkdir, symlink, mknod, tmpfile. */
    @FunctionalInterface
    interface Make {
        Vnode run() throws FsException;
    }

    /**
     * Runs a personality's make and caches what it made, referenced once. The number it claims on
     * the way ({@link #claimed}) is held as being made until then, so a lookup by number waits for
     * the maker's inode ({@code I_NEW}); when the make fails the claim goes, and such a lookup reads
     * what the personality left.
     */
    VfsInode make(Make make) throws FsException {
        Making m = making.get();
        m.open = true;
        m.claim = null;
        Vnode made;
        try {
            made = make.run();
        } catch (FsException | RuntimeException | Error e) {
            dropClaim(m.end());
            throw e;
        }
        VfsInode claim = m.end();
        if (claim != null && claim.ino == made.ino()) {
            claim.loaded(made);
            return claim;
        }
        dropClaim(claim);
        return adopt(made);
    }

    /** Lets a claim go (none: nothing): what waits for it looks again. */
    private void dropClaim(VfsInode claim) {
        if (claim != null) {
            inodes.remove(key(claim.ino), claim);
            claim.abandoned();
        }
    }

    /**
     * {@link InodeBirths#claimed}: the personality took {@code ino} for the make this thread runs;
     * the number is held as being made. It takes the place of a dead inode of that number (its
     * eviction freed the number; what waits for it looks again and finds the claim) and of a read
     * under way (which saw the inode free or half made: {@link VfsInode#supersede}). A live inode of
     * that number is EUCLEAN: it was allocated while in use. Outside a make (an inode a personality
     * makes for itself) nothing is held; a second claim in one make replaces the first.
     */
    void claimed(long ino) throws FsException {
        Making m = making.get();
        if (!m.open) {
            return;
        }
        // A make that took a number, gave it back and took another (a transaction retried after its
        // reservation found no space): the last number is the one being made.
        dropClaim(m.claim);
        m.claim = null;
        VfsInode claim = new VfsInode(ino, true);
        while (true) {
            VfsInode prev = inodes.putIfAbsent(key(ino), claim);
            if (prev == null) {
                break;
            }
            if (!prev.supersede() && prev.refs() != VfsInode.DEAD) {
                throw FsException.of(Errno.EUCLEAN, "inode %d was allocated while it is still in use", ino);
            }
            if (inodes.replace(key(ino), prev, claim)) {
                break;
            }
        }
        m.claim = claim;
    }

    /**
     * An inode the personality made without claiming its number, referenced once; it takes the
     * place of a dead one of that number. Any other inode of that number is EUCLEAN: it was
     * allocated while in use.
     */
    private VfsInode adopt(Vnode made) throws FsException {
        VfsInode fresh = new VfsInode(made);
        while (true) {
            VfsInode prev = inodes.putIfAbsent(key(made.ino()), fresh);
            if (prev == null) {
                return fresh;
            }
            if (prev.refs() != VfsInode.DEAD) {
                throw FsException.of(Errno.EUCLEAN, "inode %d was allocated while it is still in use", made.ino());
            }
            prev.awaitGone();
        }
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
