package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;

import java.util.ArrayList;
import java.util.List;

/**
 * ext4's orphan list ({@code fs/ext4/orphan.c}): an inode whose last link went while it is still
 * open or mapped is chained from the superblock's {@code s_last_orphan} through the {@code i_dtime}
 * of each orphan, in the transaction that dropped the link, so that a crash before the last
 * release frees it at the next mount ({@link Ext4FileSystem#mount}) instead of leaking it. The
 * in-core inodes are linked in chain order (the newest first) through their own fields, as Linux
 * links {@code i_orphan}, so adding one and removing one (which rewrites only its predecessor)
 * take constant time and allocate nothing.
 *
 * <p>With the orphan_file feature an orphan takes an entry of the orphan file instead ({@link
 * OrphanFile}), which needs no lock shared by all; the list is the fallback when every entry is taken,
 * as in Linux, so e2fsck and the kernel read both.
 *
 * <p>With a journal, an inode whose last link goes is recorded at the next commit rather than at
 * once ({@link #recordPending}): Linux adds it to the list in the unlink's handle and takes it off in
 * the eviction's, and when both land in one transaction (a file unlinked while nobody has it open:
 * the common case) the commit holds no trace of either. Recording only what is still an orphan when
 * the transaction commits gives every commit the state Linux's would have, and spares each create +
 * unlink two turns of the list's lock and a write of the inode of whoever unlinked last, which two
 * creating threads passed back and forth (1.0-1.2x one thread in some JVMs, 1.75x in others).
 */
final class Orphans {
    private final Ext4FileSystem fs;
    private final Ext4Superblock sb;
    private final Mutex lock = new Mutex(LockClass.SUPER, 0, 0, "ext4 s_orphan_lock");
    /** The chain's head in core (the newest orphan), linked through {@link Ext4Inode#orphanNext} and back. */
    private Ext4Inode head;
    /** The orphan file of a read-write mount with the feature, or null. */
    private volatile OrphanFile file;
    /** Inodes unlinked in the running transaction and not yet freed ({@link Ext4Inode#orphanPending}); null without a journal. */
    private volatile PendingOrphans pending;

    Orphans(Ext4FileSystem fs, Ext4Superblock sb) {
        this.fs = fs;
        this.sb = sb;
    }

    /** From now on orphans take entries of {@code f} while it has free ones (set at a read-write mount). */
    void use(OrphanFile f) {
        file = f;
    }

    /** The orphan file in use, or null. */
    OrphanFile file() {
        return file;
    }

    /** From now on an orphan is recorded at the commit that finds it still one (a journalled read-write mount). */
    void deferToCommit() {
        pending = new PendingOrphans();
    }

    /**
     * The commit's part (no handle runs, so no orphan comes or goes meanwhile): every inode unlinked
     * in this transaction and still in use is recorded now, on the list or in the orphan file, and
     * written into the transaction being committed.
     */
    void recordPending() throws FsException {
        PendingOrphans p = pending;
        if (p == null) {
            return;
        }
        for (Ext4Inode in : p.snapshot()) {
            unpend(p, in);
            chainNow(in);
            fs.writeInode(in);
        }
    }

    /** Takes {@code in} out of {@code p}; {@return whether it was there} (and so waited for a commit to record it). */
    private static boolean unpend(PendingOrphans p, Ext4Inode in) {
        if (!p.remove(in)) {
            return false;
        }
        synchronized (in) {
            in.orphanPending = false;
        }
        return true;
    }

    /** Writes the orphan file's blocks this transaction changed (its commit's seal; no handle runs). */
    void seal() throws FsException {
        OrphanFile f = file;
        if (f != null) {
            f.seal();
        }
    }

    boolean contains(Ext4Inode in) {
        synchronized (in) {
            return in.orphaned || in.orphanPending;
        }
    }

    /** {@code ext4_orphan_add}, inside the caller's transaction. */
    void add(Ext4Inode in) throws FsException {
        chain(in);
        if (pending == null) {
            fs.writeInode(in);
        }
    }

    /**
     * {@code ext4_orphan_add} without writing {@code in}: with a journal, left to the commit
     * ({@link #recordPending}); without one, the caller's next change of it carries its new
     * {@code i_dtime}. Every create + unlink of a file without a journal puts it on the list and takes
     * it off again at eviction, so the list's lock is held by every such operation of every thread;
     * inside it go only the links (the fields and the superblock's head), not the inode's checksum,
     * which its owner writes after.
     */
    void chain(Ext4Inode in) throws FsException {
        PendingOrphans p = pending;
        if (p != null) {
            synchronized (in) {
                if (in.orphaned || in.orphanPending) {
                    return;
                }
                in.orphanPending = true;
            }
            p.add(in);
            return;
        }
        chainNow(in);
    }

    /** {@link #chain} at once: an entry of the orphan file, or the list's new head. */
    private void chainNow(Ext4Inode in) throws FsException {
        OrphanFile f = file;
        if (f != null) {
            // The caller holds the inode's own lock (i_rwsem, or it is being freed): no second chain races this one.
            if (contains(in)) {
                return;
            }
            if (f.add(in)) {
                return;
            }
        }
        lock.lock();
        try {
            if (contains(in)) {
                return;
            }
            long next = sb.s_last_orphan();
            synchronized (in) { // changeInode's writers snapshot the bytes under the inode's monitor
                in.i_dtime(next);
                in.orphaned = true;
            }
            synchronized (sb) {
                sb.s_last_orphan(in.ino);
            }
            in.orphanPrev = null;
            in.orphanNext = head;
            if (head != null) {
                head.orphanPrev = in;
            }
            head = in;
        } finally {
            lock.unlock();
        }
        fs.superblockChanged();
    }

    /** {@code ext4_orphan_del}, inside the caller's transaction: its entry freed, or the list's predecessor skips it. */
    void remove(Ext4Inode in) throws FsException {
        if (unchain(in)) {
            fs.writeInode(in);
        }
    }

    /**
     * {@code ext4_orphan_del} without writing {@code in} (its {@code i_dtime} is 0 after; the caller's
     * next change of it carries that); {@return whether it was on the list, and so changed} (an entry
     * of the orphan file is freed without a change of the inode). The predecessor is
     * written inside the lock: it belongs to another thread, which may free it (and a new inode take
     * its number) as soon as the lock is free, and a late write of it would then land on the new one.
     */
    boolean unchain(Ext4Inode in) throws FsException {
        PendingOrphans unrecorded = pending;
        if (unrecorded != null && unpend(unrecorded, in)) {
            return false; // not recorded yet: nothing on disk to take back
        }
        OrphanFile f = file;
        if (f != null && f.remove(in)) {
            return false; // an entry of the orphan file: the inode itself is unchanged
        }
        boolean headChanged;
        lock.lock();
        try {
            if (!contains(in)) {
                return false;
            }
            long next = in.i_dtime();
            Ext4Inode prev = in.orphanPrev;
            headChanged = prev == null;
            if (headChanged) {
                synchronized (sb) {
                    sb.s_last_orphan(next);
                }
            } else {
                fs.changeInode(prev, p -> p.i_dtime(next));
            }
            synchronized (in) {
                in.i_dtime(0);
                in.orphaned = false;
            }
            if (headChanged) {
                head = in.orphanNext;
            } else {
                prev.orphanNext = in.orphanNext;
            }
            if (in.orphanNext != null) {
                in.orphanNext.orphanPrev = prev;
            }
            in.orphanPrev = null;
            in.orphanNext = null;
        } finally {
            lock.unlock();
        }
        if (headChanged) {
            fs.superblockChanged();
        }
        return true;
    }

    /**
     * The inodes a crash left on the on-disk list, in chain order (ext4_orphan_cleanup reads it at
     * mount, before anything else runs); a loop or an inode number out of range ends the walk.
     */
    static List<Long> onDisk(Ext4Superblock sb, InodeReader reader) throws FsException {
        List<Long> out = new ArrayList<>();
        long ino = sb.s_last_orphan();
        while (ino != 0) {
            if (ino < 1 || ino > sb.s_inodes_count() || out.contains(ino) || out.size() > sb.s_inodes_count()) {
                throw FsException.of(Errno.EUCLEAN, "ext4: orphan list: inode %d (after %s) is impossible", ino, out);
            }
            out.add(ino);
            ino = reader.nextOrphan(ino);
        }
        return out;
    }

    /** Reads an orphan's i_dtime: the next one on the list. */
    interface InodeReader {
        long nextOrphan(long ino) throws FsException;
    }
}
