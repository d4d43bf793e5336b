package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;
import dev.jdax.api.lock.PerCpu;

import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The allocators over all AGs: blocks near a target (xfs_alloc_vextent's "near, then any AG"),
 * inodes in the parent's AG first (xfs_dialloc) and new directories spread over the AGs by a
 * rotor ({@code m_agirotor}), new inode chunks when all are full; and the up-front check of an
 * operation's worst case (xfs_trans_reserve's block reservation), so that an operation that
 * cannot finish fails before it changes anything. Each AG has one lock over its AGF, AGFL and AGI
 * state (Linux locks the header buffers; jdax's AG keeps them together), taken in AG order:
 * allocations in different AGs run in parallel.
 */
final class XfsSpace {
    /** Where in an AG's published state ({@link PerCpu#cell}) its spare is, and its busy crowding (1: crowded). */
    private static final int SPARE = 0;
    private static final int CROWDED = 1;

    private final XfsDisk disk;
    private final XfsAg[] ags;
    private final Mutex[] locks;
    private final AtomicLong rotor = new AtomicLong();
    /** Each AG's longest free extent for a user allocation when it was last read ({@link #longestForUser(int)}). */
    private final AtomicLongArray longestSeen;
    /**
     * What each AG's lock holder last left for other AGs' transactions to read instead of its
     * headers: its spare for reservations ({@link #publish}), published below it by {@link
     * #spareStep} and written again only when the spare falls below that or rises two steps above,
     * and whether its busy blocks crowd it ({@link #busyCrowded}), written when that changes. So
     * they read a line that seldom changes: each AG's cell is 128 bytes from the others and from the
     * array's header, whose line {@link #longestSeen}'s writes may share.
     */
    private final AtomicLongArray seen;
    private final long spareStep;
    /** The most the AGs' metadata reservations can hold: each AG's refcountbt and finobt worst cases. */
    private final long agResvMax;

    XfsSpace(XfsDisk disk) throws FsException {
        this.disk = disk;
        this.ags = new XfsAg[(int) disk.agcount()];
        this.locks = new Mutex[ags.length];
        for (int i = 0; i < ags.length; i++) {
            ags[i] = XfsAg.load(disk, i);
            locks[i] = new Mutex(LockClass.GROUP, LockClass.BLOCKS, i, "xfs AG " + i);
        }
        this.longestSeen = new AtomicLongArray(ags.length);
        this.seen = new AtomicLongArray(PerCpu.cellArrayLength(ags.length));
        this.spareStep = Math.max(1, Math.min(XfsSuperblock.FDBLOCKS_BATCH, disk.agblocks() / 64));
        long resvMax = 0;
        for (int i = 0; i < ags.length; i++) {
            longestSeen.set(i, ags[i].freeSpace().longestForUser());
            seen.set(PerCpu.cell(i) + SPARE, Long.MAX_VALUE);   // nothing yet: the first publish writes
            publish(i);
            resvMax += ags[i].refcountResvMax + ags[i].finobtResvMax;
        }
        this.agResvMax = resvMax;
    }

    /** Whether blocks may be shared (reflink): a free of file blocks is then a refcount decrease. */
    boolean reflink() {
        return disk.sb().hasReflink();
    }

    XfsAg ag(long agno) {
        return ags[(int) agno];
    }

    int agCount() {
        return ags.length;
    }

    /** Runs {@code body} on AG {@code agno} under its lock. */
    <T> T locked(long agno, AgBody<T> body) throws FsException {
        Mutex l = locks[(int) agno];
        l.lock();
        try {
            return body.run(ags[(int) agno]);
        } finally {
            unlock((int) agno);
        }
    }

    /** Releases AG {@code agno}'s lock, what other AGs read of it published first ({@link #seen}). */
    private void unlock(int agno) {
        try {
            publish(agno);
        } finally {
            locks[agno].unlock();
        }
    }

    /**
     * Publishes what AG {@code agno} can give reservations (its usable blocks less the AGFL's most,
     * less its busy blocks) and whether seven eighths of its free space is busy ({@link
     * #busyCrowded}); under the AG's lock, or before anyone reads them.
     */
    private void publish(int agno) {
        XfsAg ag = ags[agno];
        long busy = ag.freeSpace().busyBlocks();
        long usable = ag.usable();
        int at = PerCpu.cell(agno);
        long spare = Math.max(0, usable - ag.freeSpace().maxFreelist()) - busy;
        long spareSeen = seen.getPlain(at + SPARE);     // written only under this AG's lock
        if (spare < spareSeen || spare > spareSeen + 2 * spareStep) {
            seen.setRelease(at + SPARE, spare - spareStep);
        }
        long crowded = busy > 0 && busy >= usable - usable / 8 ? 1 : 0;
        if (seen.getPlain(at + CROWDED) != crowded) {
            seen.setRelease(at + CROWDED, crowded);
        }
    }

    /** Work on one AG, under its lock. */
    interface AgBody<T> {
        T run(XfsAg ag) throws FsException;
    }

    /**
     * The transaction's block reservation (xfs_trans_reserve, t_blk_res): {@code blocks} taken from
     * what users may still allocate (the free counter less the set-aside, the reserve pool, the AGs'
     * metadata reservations and what other open transactions hold) before the operation changes
     * anything, ENOSPC otherwise, so that two operations near ENOSPC cannot both start and one
     * fail half way; what it does not use goes back when it ends. {@code fromPool} lets it use the
     * reserve pool, as Linux lets operations that free space (XFS_TRANS_RESERVE). It also counts
     * against what the AGs can give once each keeps its AGFL refill and reservation, busy extents
     * aside: when only those are short, the operation is retried after a log force.
     *
     * <p>The blocks are claimed first and the counts compared after, as xfs_mod_fdblocks adds to the
     * per-cpu counter and then compares it: two transactions reserving at once each see the other's
     * claim (one atomic count), so they cannot both take the last blocks, and neither waits for the
     * other — a lock here was taken by every transaction of every AG.
     */
    void reserve(long blocks, boolean fromPool) throws FsException {
        XfsTrans log = disk.log();
        XfsTrans.Handle h = log.handle();
        log.reserve(h, blocks);
        if (plenty(log, fromPool)) {
            return;
        }
        // Both counts less every claim, this one's included: what is left beside it.
        long claimed = log.reserved();
        long users = XfsReservations.unreserved(disk, this) - claimed + (fromPool ? XfsReservations.reservePool(disk) : 0);
        long agsCan = -claimed;
        long busy = 0;
        for (XfsAg ag : ags) {
            agsCan += Math.max(0, ag.usable() - ag.freeSpace().maxFreelist());
            busy += ag.freeSpace().busyBlocks();
        }
        if (users < 0 || agsCan - busy < 0) {
            log.unreserve(h, blocks);
            String msg = String.format("xfs: an operation that may need %d blocks: %d available", blocks,
                    Math.max(0, blocks + Math.min(users, agsCan - busy)));
            if (users >= 0 && agsCan >= 0) {
                throw new XfsTrans.BusyRetry(msg);
            }
            throw new XfsTrans.NoSpaceRetry(msg);
        }
    }

    /**
     * Whether the claims made so far, this one's included, fit by what can be read without a sum
     * or another AG's headers: the free counter's shared count less its slack, the claims' shared
     * count plus theirs, the AGs' metadata reservations at their most, each AG's published spare.
     * Far from ENOSPC the answer is yes and a transaction reads no line that other AGs' transactions
     * write, as xfs_mod_fdblocks compares m_fdblocks without a sum while it is far from the line;
     * near it the exact counts decide ({@link #reserve}). Two threads creating files in two AGs of
     * one mount ran 1.42-1.56x one thread while each transaction summed both counters and read
     * every AG's headers (each miss alone cost little: they overlapped), 1.71-1.73x with this.
     */
    private boolean plenty(XfsTrans log, boolean fromPool) {
        long claimed = log.reservedAtMost();
        long users = disk.sb().fdblocksAtLeast() - XfsReservations.setAside(disk)
                - (fromPool ? 0 : XfsReservations.reservePool(disk)) - agResvMax - claimed;
        if (users < 0) {
            return false;
        }
        long agsCan = -claimed;
        for (int i = 0; i < ags.length; i++) {
            agsCan += seen.get(PerCpu.cell(i) + SPARE);
        }
        return agsCan >= 0;
    }

    /**
     * Whether some AG has seven eighths of its free space busy (freed in checkpoints not yet in the
     * log). Files that are written and freed over and over (a create, write and unlink; a write and
     * truncate) walk through their AG, as Linux's do: each freed block stays busy until the log
     * commits, which the log worker does every 30 s. When only busy space is left near the goal,
     * Linux's allocator forces the log and searches the AG again (xfs_extent_busy_flush); jdax
     * cannot force its log from inside a transaction (a commit waits for the running ones), and its
     * search went on to the next AGs, whose locks it then shared with the threads working there. So
     * an operation that starts while an AG is this crowded forces the log first ({@link
     * XfsTrans#op}): allocations stay in their AG, and Linux's placement holds until then. Each AG
     * is asked through what its lock holder last published ({@link #seen}), not its headers, which
     * the threads working there write at every allocation.
     */
    boolean busyCrowded() {
        for (int i = 0; i < ags.length; i++) {
            if (seen.get(PerCpu.cell(i) + CROWDED) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Lets every AG drop the busy extents of checkpoints now in the log, so that the counts
     * {@link #reserve} compares see them free again after a log force.
     */
    void pruneBusy() throws FsException {
        for (int agno = 0; agno < ags.length; agno++) {
            locked(agno, ag -> {
                ag.freeSpace().pruneBusy();
                return null;
            });
        }
    }

    /** Up to {@code want} contiguous blocks near {@code nearFsb} for metadata (directory, mapping, symlink blocks). */
    long[] allocBlocks(long nearFsb, long want) throws FsException {
        return allocNear(nearFsb, want, false);
    }

    /**
     * Up to {@code want} blocks for a file's data or a directory's or mapping's blocks, unaligned:
     * {@link #allocData} without a stripe or extent size hint.
     */
    long[] allocNear(long goalFsb, long want, boolean userdata) throws FsException {
        return allocData(goalFsb, AllocArgs.of(1, Math.min(want, BmapExtent.MAX_BLOCKCOUNT), userdata), 0, false);
    }

    /**
     * Blocks as Linux 6.1's xfs_bmap_btalloc asks for them when the transaction has allocated
     * nothing yet: the longest free extent of the AGs from the goal's on sets minlen (all of maxlen
     * if one AG holds it, else that longest: xfs_bmap_btalloc_nullfb), then xfs_alloc_vextent's
     * START_BNO tries near the goal in its AG and by size in the others; failing that, any length
     * from one block. With a {@code stripe} (the allocation is at EOF and at least a stripe unit
     * long: ap->aeof) the first extent of a file is asked for on a stripe boundary, with minlen
     * lowered by a stripe so that an aligned extent is likelier to be found; a later one is first
     * asked for exactly at the goal, to follow the file's last extent, then aligned; each aligned
     * try that fails is made again without alignment. {@code {fsb, count}}; ENOSPC when nothing is
     * free.
     *
     * @param base      maxlen, the extent size hint's prod and mod, whether it is user data (its
     *                  minlen is set here)
     * @param stripe    the stripe alignment in blocks when the allocation is at EOF, else 0
     * @param fileStart whether the allocation starts at the file's first block (ap->offset == 0)
     */
    long[] allocData(long goalFsb, AllocArgs base, long stripe, boolean fileStart) throws FsException {
        long startAg = goalFsb < 0 || disk.agno(goalFsb) >= ags.length ? 0 : disk.agno(goalFsb);
        long goal = disk.fsb(startAg, goalFsb < 0 ? 0 : disk.agbno(goalFsb));
        long maxlen = base.maxlen();
        long blen = 0;
        for (int k = 0; k < ags.length && blen < maxlen; k++) {
            blen = Math.max(blen, longestForUser((int) ((startAg + k) % ags.length)));
        }
        AllocArgs args = base.withMinlen(Math.max(1, Math.min(blen, maxlen)));
        long[] got;
        if (stripe > 1 && fileStart) {
            if (blen > stripe && blen <= maxlen + stripe) {
                args = args.withMinlen(blen - stripe);
            }
            got = vextent(goal, args.withAlignment(stripe, 0), false);
            if (got == null) {
                got = vextent(goal, args, false);
            }
        } else if (stripe > 1) {
            long nextMinlen = blen > stripe && blen <= maxlen ? blen - stripe : args.minlen();
            long slop = Math.max(0, nextMinlen + stripe - args.minlen() - 1);
            got = vextent(goal, args.withAlignment(1, slop), true);
            if (got == null) {
                args = args.withMinlen(nextMinlen);
                got = vextent(goal, args.withAlignment(stripe, 0), false);
                if (got == null) {
                    got = vextent(goal, args, false);
                }
            }
        } else {
            got = vextent(goal, args, false);
        }
        if (got == null && args.minlen() > 1) {
            got = vextent(goal, args.withMinlen(1), false);
        }
        if (got == null) {
            throw FsException.of(Errno.ENOSPC, "xfs: no free blocks left");
        }
        return got;
    }

    /**
     * xfs_alloc_vextent: THIS_BNO ({@code exact}) in the goal's AG, or START_BNO: near the goal in
     * its AG, by size in the others. {@code {fsb, count}}, or null when no AG gives it.
     */
    private long[] vextent(long goalFsb, AllocArgs args, boolean exact) throws FsException {
        int startAg = (int) disk.agno(goalFsb);
        long goal = disk.agbno(goalFsb);
        if (exact) {
            long[] got = locked(startAg, ag -> ag.freeSpace().allocateNear(goal, args, true, AgFreeSpace.Resv.NONE));
            return got == null ? null : new long[]{disk.fsb(startAg, got[0]), got[1]};
        }
        // Twice round the AGs, as xfs_alloc_vextent goes: first with XFS_ALLOC_FLAG_TRYLOCK, an AG
        // whose lock another thread holds passed over (two files written in one directory have their
        // blocks in its AG, and the second writer takes the next AG instead of waiting), then
        // waiting for each.
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < ags.length; k++) {
                int agno = (startAg + k) % ags.length;
                Mutex l = locks[agno];
                if (pass == 1) {
                    l.lock();
                } else if (!l.tryLock()) {
                    continue;
                }
                long[] got;
                try {
                    got = ags[agno].freeSpace().allocateNear(k == 0 ? goal : -1, args, false, AgFreeSpace.Resv.NONE);
                } finally {
                    unlock(agno);
                }
                if (got != null) {
                    return new long[]{disk.fsb(agno, got[0]), got[1]};
                }
            }
        }
        return null;
    }

    /**
     * AG {@code agno}'s longest free extent a user allocation may take, as of now when its lock is
     * free, else as it was the last time it was read: Linux reads the in-core {@code pagf_longest}
     * without the AGF's lock, and a writer busy in the AG must not hold up another's choice of minlen.
     */
    private long longestForUser(int agno) throws FsException {
        Mutex l = locks[agno];
        if (!l.tryLock()) {
            return longestSeen.get(agno);
        }
        try {
            long longest = ags[agno].freeSpace().longestForUser();
            longestSeen.set(agno, longest);
            return longest;
        } finally {
            l.unlock();
        }
    }

    void freeBlocks(long fsb, long count) throws FsException {
        Corrupt.check(disk.fsbValid(fsb, count), "freeing blocks [%d, +%d] out of range", fsb, count);
        locked(disk.agno(fsb), ag -> {
            ag.release(disk.agbno(fsb), count);
            return null;
        });
    }

    /**
     * A file's mapping of {@code [fsb, +count)} goes (the deferred frees of bunmapi): blocks other
     * mappings share lose a count, the rest join the free space. Inside a transaction.
     */
    void unmapData(long fsb, long count) throws FsException {
        inAg(fsb, count, "unmapping", XfsAg::unshare);
    }

    /** One more file maps {@code [fsb, +count)}, which is in use (a remap). Inside a transaction. */
    void shareData(long fsb, long count) throws FsException {
        inAg(fsb, count, "sharing", XfsAg::share);
    }

    /** {@link XfsAg#stageCow} of {@code [fsb, +count)}. Inside a transaction. */
    void stageCow(long fsb, long count) throws FsException {
        inAg(fsb, count, "staging", XfsAg::stageCow);
    }

    /** {@link XfsAg#unstageCow} of {@code [fsb, +count)}. Inside a transaction. */
    void unstageCow(long fsb, long count) throws FsException {
        inAg(fsb, count, "unstaging", XfsAg::unstageCow);
    }

    /** A change of blocks {@code [agbno, +count)} of one AG, made under its lock. */
    private interface AgRangeChange {
        void change(XfsAg ag, long agbno, long count) throws FsException;
    }

    private void inAg(long fsb, long count, String what, AgRangeChange change) throws FsException {
        Corrupt.check(disk.fsbValid(fsb, count), "%s blocks [%d, +%d] out of range", what, fsb, count);
        locked(disk.agno(fsb), ag -> {
            change.change(ag, disk.agbno(fsb), count);
            return null;
        });
    }

    /** {@link SharedExtents#run} from {@code fsb}: whether it is shared, and how many blocks from it are alike. */
    long[] sharedRun(long fsb, long count) {
        return ags[(int) disk.agno(fsb)].shared().run(disk.agbno(fsb), count);
    }

    /** The CoW staging extents of a crash, freed in every AG (at mount); how many there were. */
    int recoverCowStaging() throws FsException {
        int n = 0;
        for (int agno = 0; agno < ags.length; agno++) {
            n += locked(agno, XfsAg::recoverCowStaging);
        }
        return n;
    }

    /** Frees each run {@code {fsb, count}} of {@code runs}: what {@link ExtentList#remove} takes out of a mapping, an intent's extents. */
    void freeRuns(Iterable<long[]> runs) throws FsException {
        for (long[] run : runs) {
            freeBlocks(run[0], run[1]);
        }
    }

    long freeBlockCount() {
        long n = 0;
        for (XfsAg ag : ags) {
            n += ag.freeBlocks();
        }
        return n;
    }

    /**
     * A free inode, as xfs_dialloc finds one: a directory's search starts at the next AG of the
     * rotor (directories spread over the AGs), a file's in the AG of {@code nearIno}; the first AG
     * that has a free inode, or room for a new chunk, gives it.
     */
    long allocInode(long nearIno, boolean dir) throws FsException {
        long startAg = dir && ags.length > 1 ? rotor.getAndIncrement() % ags.length : disk.inoAgno(nearIno);
        for (int k = 0; k < ags.length; k++) {
            long ino = locked((startAg + k) % ags.length, ag -> {
                long free = ag.claimInode();
                return free >= 0 || !ag.newChunk() ? free : ag.claimInode();
            });
            if (ino >= 0) {
                return ino;
            }
        }
        throw FsException.of(Errno.ENOSPC, "xfs: no free inode and no space for a new inode chunk");
    }

    void freeInode(long ino) throws FsException {
        locked(disk.inoAgno(ino), ag -> {
            ag.freeInode(ino);
            return null;
        });
    }

    boolean inodeInUse(long ino) throws FsException {
        return locked(disk.inoAgno(ino), ag -> ag.inodeInUse(ino));
    }

    /** AG {@code agno}'s free extents (start → length) that meet AG blocks {@code from} to {@code to}, copied under its lock. */
    NavigableMap<Long, Long> freeExtentsMeeting(long agno, long from, long to) throws FsException {
        return locked(agno, ag -> ag.freeSpace().extentsMeeting(from, to));
    }

    /** AG {@code agno}'s chunks with an allocated inode, from {@code agino}'s on, at most {@code max}. */
    List<InobtRec> allocatedInodeChunks(long agno, long agino, int max) throws FsException {
        return locked(agno, ag -> ag.inodes().allocatedFrom(agino, max));
    }
}
