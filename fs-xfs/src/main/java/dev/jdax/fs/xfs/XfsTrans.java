package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.LockOrder;
import dev.jdax.api.lock.Mutex;
import dev.jdax.api.lock.PercpuCounter;
import dev.jdax.api.lock.TransactionGate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * XFS's transactions and their group commit (xfs_trans.c, xfs_log_cil.c, xfs_trans_ail.c): every
 * operation is a transaction that joins the running checkpoint; the checkpoint is written to the
 * log as one transaction — at fsync (a log force up to the inode's last change), when it holds an
 * eighth of the log (XLOG_CIL_SPACE_LIMIT: on the log worker, as Linux's CIL push work), every 30
 * seconds (the log worker), at sync and unmount. A commit locks the checkpoint (new transactions
 * wait for the next one), waits for its open ones, freezes its buffers, opens the next checkpoint,
 * freezes the inodes while that one's transactions run (one that changes an inode not yet frozen
 * freezes it first: {@link Freezer}), and only then writes the log. Once a checkpoint is
 * in the log its metadata may go home; a push writes everything committed home and moves the tail
 * to the head: on the log worker once a commit leaves the log a quarter used (xfsaild), in the
 * committing thread once it leaves it half used, when the log worker finds the log idle, and at
 * unmount.
 *
 * <p>A transaction is not a lock, but it behaves like one towards locks (class
 * {@link LockClass#TRANSACTION}, as ext4's jbd2 handles): a thread holding one may only wait for
 * locks ranked after it; a commit is never waited for from inside one; a transaction started by a
 * thread that holds one joins it. Each holds a block reservation (t_blk_res), taken from the free
 * counter when it is asked for and the unused part given back at its end, and the frees it defers
 * run at its end, in the same checkpoint: an extent-free intent and its done item in one
 * checkpoint are never needed by recovery, so neither is logged (Linux's intent whiteouts).
 */
final class XfsTrans {
    /** xfssyncd_centisecs: the log worker's period. */
    static final long LOG_WORKER_MS = 30_000;

    /** The current thread's open transaction. */
    final class Handle implements AutoCloseable {
        final Checkpoint cp;
        private int depth = 1;
        /** Blocks still reserved for it. */
        long blkRes;
        /** Extents to free once it is done. */
        private final List<long[][]> deferred = new ArrayList<>();

        private Handle(Checkpoint cp) {
            this.cp = cp;
        }

        long seq() {
            return cp.seq;
        }

        /** Runs {@code action} once this transaction's checkpoint is in the log. */
        void onCommit(Runnable action) {
            cp.onCommit.add(action);
        }

        /**
         * xfs_free_extent_later: the extents leave the file now and join the free space when this
         * transaction ends, in its checkpoint (xfs_defer_finish's roll), so the unmapping and the
         * free reach the log together or not at all and no intent needs logging for them. Blocks
         * another file shares lose a count instead (xfs_refcount_decrease_extent's deferred work).
         */
        void freeLater(List<long[]> extents) {
            if (!extents.isEmpty()) {
                deferred.add(extents.toArray(new long[0][]));
            }
        }

        /**
         * The deferred frees, with the handle still open (transactions they start join it). One
         * that fails leaves an intent for what is not yet freed, as Linux's chain would have logged
         * it before: a CUI's refcount decreases where blocks may be shared (a shared block loses a
         * count, the last one frees it), an EFI elsewhere. And the file system shuts down, as a
         * failed xfs_defer_finish cancels a dirty transaction and Linux's xfs_force_shutdown
         * follows: nothing more is written and no unmount record, so the next mount replays the log
         * and finishes the intent if a commit already waiting for this checkpoint wrote it, or finds
         * the file system as the last checkpoint left it.
         */
        private void finishDeferred() throws FsException {
            for (int d = 0; d < deferred.size(); d++) {
                long[][] ex = deferred.get(d);
                for (int i = 0; i < ex.length; i++) {
                    try {
                        space.unmapData(ex[i][0], ex[i][1]);
                    } catch (FsException | RuntimeException e) {
                        List<long[]> left = new ArrayList<>(List.of(ex).subList(i, ex.length));
                        deferred.subList(d + 1, deferred.size()).forEach(rest -> left.addAll(List.of(rest)));
                        long[][] all = left.toArray(new long[0][]);
                        long id = ThreadLocalRandom.current().nextLong();
                        cp.intents.add(space.reflink() ? LogIntent.decreases(id, all)
                                : LogFormat.extentFree(LogFormat.XFS_LI_EFI, id, all));
                        cp.bytes.addAndGet(LogFormat.EF_HDR + 16L * all.length + 64);
                        deferred.clear();
                        failed = e instanceof FsException f ? f
                                : new FsException(Errno.EIO, "xfs: freeing blocks failed: " + e, e);
                        throw e;
                    }
                }
            }
            deferred.clear();
        }

        @Override
        public void close() throws FsException {
            Throwable failure = null;
            if (depth == 1 && !deferred.isEmpty()) {
                try {
                    finishDeferred();
                } catch (FsException | RuntimeException e) {
                    failure = e;
                }
            }
            if (--depth > 0) {
                return;
            }
            // Cleared, not removed: a removed entry is made again by the thread's next transaction.
            current.set(null);
            unreserve(this);
            boolean full = mustCommit(cp);
            gate.leave(cp);
            LockOrder.exit(this);
            if (failure instanceof FsException e) {
                throw e;
            } else if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (full) {
                commitFull(cp);
            }
        }
    }

    /** What a transaction does. */
    interface Body<T> {
        T run(Handle h) throws FsException;
    }

    /**
     * A reservation that only busy extents (freed in checkpoints not yet in the log) keep from being
     * met: the operation stops before changing anything, and is tried again after a log force
     * (xfs_extent_busy_flush).
     */
    static final class BusyRetry extends FsException {
        BusyRetry(String message) {
            super(Errno.ENOSPC, message);
        }
    }

    /**
     * ENOSPC from a block reservation: an operation tries once more after the speculative
     * allocations (idle CoW forks) went back, as xfs_trans_alloc does after xfs_blockgc_flush_all.
     */
    static final class NoSpaceRetry extends FsException {
        NoSpaceRetry(String message) {
            super(Errno.ENOSPC, message);
        }
    }

    /** What gives speculative allocations back now, and returns when it is done (xfs_blockgc_flush_all). */
    interface SpaceFlush {
        void flush();
    }

    private final LogWriter log;
    private final MetaCache cache;
    private XfsSpace space;
    private volatile SpaceFlush spaceFlush;
    private final long limit;
    private final Mutex commitLock = new Mutex(LockClass.TRANSACTION, 0, 0, "xfs log commit");
    /** A thread holds the commit lock to commit: a checkpoint found full is left to it up to the blocking limit. */
    private volatile boolean committing;
    private final ThreadLocal<Handle> current = new ThreadLocal<>();
    private final ScheduledExecutorService worker;
    /** The running checkpoint, and how transactions join it and a commit closes it. */
    private final TransactionGate<Checkpoint> gate = new TransactionGate<>("xfs log state", new Checkpoint(1), c -> c.updates);
    private volatile long committed;
    /** A background push is queued and has not started. */
    private final AtomicBoolean pushQueued = new AtomicBoolean();
    /** A background commit is queued and has not started. */
    private final AtomicBoolean commitQueued = new AtomicBoolean();
    private volatile FsException failed;
    private long tid = ThreadLocalRandom.current().nextInt() & 0xffffffffL;
    private long checkpoints;
    private long pushes;

    XfsTrans(LogWriter log, MetaCache cache) {
        this.log = log;
        this.cache = cache;
        this.limit = (long) log.logBBs() * LogFormat.BBSIZE / 8;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "xfs log worker");
            t.setDaemon(true);
            return t;
        });
        worker.scheduleWithFixedDelay(this::logWorker, LOG_WORKER_MS, LOG_WORKER_MS, TimeUnit.MILLISECONDS);
    }

    /** The allocators, for block reservations and the frees of intents. */
    void space(XfsSpace s) {
        this.space = s;
    }

    /** What an operation that found no space for its reservation asks to give space back. */
    void spaceFlush(SpaceFlush f) {
        this.spaceFlush = f;
    }

    MetaCache cache() {
        return cache;
    }

    /** xfs_trans_alloc: joins the running checkpoint, or the thread's own transaction. */
    Handle start() throws FsException {
        Handle h = current.get();
        if (h != null) {
            h.depth++;
            return h;
        }
        if (failed != null) {
            throw failed;
        }
        Checkpoint r = gate.running();
        if (mustCommit(r)) {
            commitFull(r); // before joining: a transaction never waits for its own checkpoint
        }
        h = new Handle(gate.join());
        LockOrder.enter(h, LockClass.TRANSACTION, 1, 0, true, "xfs transaction");
        current.set(h);
        return h;
    }

    /** Runs {@code body} as one transaction (or as part of the thread's open one). */
    <T> T run(Body<T> body) throws FsException {
        try (Handle h = start()) {
            return body.run(h);
        }
    }

    /**
     * An operation of the file system: one transaction, tried once more after a log force when its
     * block reservation found only busy extents, and once more after idle CoW forks went back when
     * it found no space (xfs_trans_alloc's retry). An operation that starts while an AG's free space
     * is mostly busy forces the log first ({@link XfsSpace#busyCrowded}).
     */
    <T> T op(Body<T> body) throws FsException {
        if (current.get() == null && space != null && space.busyCrowded()) {
            forceBusy();
        }
        boolean flushed = false;
        boolean forced = false;
        while (true) {
            try {
                return run(body);
            } catch (NoSpaceRetry e) {
                SpaceFlush f = spaceFlush;
                if (current.get() != null || flushed || f == null) {
                    throw e;
                }
                flushed = true;
                f.flush();
            } catch (BusyRetry e) {
                if (current.get() != null) {
                    throw e;
                }
                if (forced) {
                    throw new FsException(Errno.ENOSPC, e.getMessage());
                }
                forced = true;
                forceBusy();
            }
        }
    }

    /**
     * A log force that gives the busy extents back (xfs_extent_busy_flush): their counts are pruned
     * lazily, at the AGs' next allocation or free, and a caller that read them unpruned would see the
     * force give nothing back.
     */
    private void forceBusy() throws FsException {
        forceAll();
        space.pruneBusy();
    }

    // ---- block reservations (t_blk_res) ----

    /**
     * Blocks reserved by open transactions and not yet used, a per-CPU counter as Linux's m_fdblocks
     * (which its reservations are taken from): every transaction adds to it about three times, and
     * one word all threads wrote was a cache line every transaction of every AG took from the other
     * cores. A claim's add and the sum that follows it are volatile accesses, so of two
     * transactions claiming at once at least one sums the other's claim (XfsSpace#reserve relies on
     * that, as it did on one atomic word).
     */
    private final PercpuCounter reserved = new PercpuCounter(XfsSuperblock.FDBLOCKS_BATCH);

    /** Blocks reserved by open transactions and not yet used: kept from everyone else. */
    long reserved() {
        return reserved.sum();
    }

    /** A ceiling of {@link #reserved()} read from the shared count alone ({@link XfsSuperblock#fdblocksAtLeast}). */
    long reservedAtMost() {
        return reserved.read() + reserved.slack();
    }

    void reserve(Handle h, long blocks) {
        reserved.add(blocks);
        h.blkRes += blocks;
    }

    /** Gives back {@code blocks} of {@code h}'s reservation, unused (a claim that did not fit). */
    void unreserve(Handle h, long blocks) {
        reserved.add(-blocks);
        h.blkRes -= blocks;
    }

    /** The current transaction used {@code blocks} of free space: its reservation shrinks by as much. */
    void consume(long blocks) {
        Handle h = current.get();
        if (h != null && h.blkRes > 0) {
            long use = Math.min(blocks, h.blkRes);
            h.blkRes -= use;
            reserved.add(-use);
        }
    }

    private void unreserve(Handle h) {
        if (h.blkRes != 0) {
            reserved.add(-h.blkRes);
            h.blkRes = 0;
        }
    }

    /** The current thread's transaction; metadata changes only inside one. */
    Handle handle() {
        Handle h = current.get();
        if (h == null) {
            throw new IllegalStateException("xfs: metadata changed outside a transaction");
        }
        return h;
    }

    /** The current thread's transaction, or null. */
    Handle currentOrNull() {
        return current.get();
    }

    long runningSeq() {
        return gate.running().seq;
    }

    long committedSeq() {
        return committed;
    }

    long checkpoints() {
        return checkpoints;
    }

    long pushes() {
        return pushes;
    }

    /** xfs_log_force_seq: returns when checkpoint {@code seq} and all before it are in the log. */
    void force(long seq) throws FsException {
        commit(seq);
    }

    /** xfs_log_force: everything changed so far is in the log. */
    void forceAll() throws FsException {
        commit(runningSeq());
    }

    private void commit(long seq) throws FsException {
        if (current.get() != null) {
            throw new IllegalStateException("xfs: a log force waited for from inside a transaction");
        }
        if (committed >= seq) {
            return;
        }
        commitLock.lock();
        committing = true;
        try {
            if (failed != null) {
                throw failed;
            }
            if (committed >= seq) {
                return;
            }
            // Room in the log is made before the checkpoint is locked: a push writes home what earlier
            // checkpoints committed, and the transactions of the running one go on meanwhile, where
            // with the checkpoint locked every thread waited for the push (Linux's xfsaild pushes
            // beside the transactions).
            if (needsRoom(gate.running())) {
                push();
            }
            Checkpoint cp = gate.lockAndDrain();
            boolean opened = false;
            try {
                if (needsRoom(cp)) {
                    push();   // it grew past the room while the push above ran
                }
                Freezer.Locked locked = cache.freezeLocked(cp);
                gate.open(cp, new Checkpoint(cp.seq + 1));
                opened = true;
                Freezer.Frozen f = cache.freezeInodes(cp, locked);
                if (!f.regions().isEmpty()) {
                    log.checkpoint(nextTid(), f.regions());
                    checkpoints++;
                }
                cache.committed(cp, f);
            } catch (FsException e) {
                failed = e;   // xfs_force_shutdown: nothing more is written over a log that failed
                if (!opened) {
                    gate.open(cp, new Checkpoint(cp.seq + 1));
                }
                throw e;
            }
            committed = cp.seq;
            cp.onCommit.forEach(Runnable::run);
            int used = log.usedBBs();
            if (used > log.logBBs() / 2) {
                push();
            } else if (used > log.logBBs() / 4) {
                pushInBackground();
            }
        } finally {
            committing = false;
            commitLock.unlock();
        }
    }

    /**
     * A full checkpoint is committed on the log worker (Linux's CIL push work), and the thread that
     * found it full goes back to its operation; it commits it itself, waiting for the commit lock,
     * only once the checkpoint holds twice the space limit (XLOG_CIL_BLOCKING_SPACE_LIMIT), as
     * Linux's transactions then wait for the push. Once queued, a commit is not queued again until
     * it has started.
     */
    private void commitFull(Checkpoint cp) throws FsException {
        if (cp.bytes.get() >= 2 * limit) {
            commit(cp.seq);
            return;
        }
        long seq = cp.seq;
        if (!queueOnce(commitQueued, () -> commit(seq))) {
            commit(seq);
        }
    }

    /** What the log worker is asked to do. */
    private interface WorkerJob {
        void run() throws FsException;
    }

    /**
     * Queues {@code job} on the log worker, unless {@code queued} says one is queued and has not
     * started (the flag clears as the job starts). A job's failure is not thrown anywhere: a failed
     * log is kept in {@code failed}, and whatever else failed fails again for the next caller that
     * needs it, as a failure of the periodic log worker does. {@return false when the worker takes
     * no more jobs} (the mount is going away).
     */
    private boolean queueOnce(AtomicBoolean queued, WorkerJob job) {
        if (queued.get() || queued.getAndSet(true)) {
            return true;
        }
        try {
            worker.execute(() -> {
                queued.set(false);
                try {
                    job.run();
                } catch (FsException | RuntimeException e) {
                    // See above: the next caller meets it.
                }
            });
            return true;
        } catch (RejectedExecutionException unmounting) {
            queued.set(false);
            return false;
        }
    }

    /** Whether writing {@code cp} could take the log past half full: then a push comes first. */
    private boolean needsRoom(Checkpoint cp) {
        return !cp.empty() && log.usedBBs() + cp.bytes.get() / LogFormat.BBSIZE * 2 + 256 > log.logBBs() / 2;
    }

    /**
     * Whether the thread that finds {@code cp} full has it committed now ({@link #commitFull}): yes,
     * unless a commit or push is under way, and then only once it holds twice the space limit
     * (Linux's XLOG_CIL_BLOCKING_SPACE_LIMIT): below that, transactions go on beside the commit, as
     * Linux's background CIL push lets them, instead of each waiting for the commit lock in turn.
     */
    private boolean mustCommit(Checkpoint cp) {
        long bytes = cp.bytes.get();
        return !cp.updates.locked() && bytes >= limit && (!committing || bytes >= 2 * limit);
    }

    private long nextTid() {
        tid = (tid + 1) & 0xffffffffL;
        return tid;
    }

    /**
     * Asks the log worker to push (xfsaild woken by xfs_ail_push): the committing thread goes back to
     * its operation, and transactions go on beside the push as they go on beside a commit
     * ({@link #mustCommit}). Only a log half used is pushed by the thread that finds it so. Once
     * queued, a push is not queued again until it has started.
     */
    private void pushInBackground() {
        queueOnce(pushQueued, this::backgroundPush); // refused while unmounting, which pushes everything itself
    }

    private void backgroundPush() throws FsException {
        commitLock.lock();
        committing = true;
        try {
            if (failed == null && log.usedBBs() > log.logBBs() / 4) {
                push();
            }
        } finally {
            committing = false;
            commitLock.unlock();
        }
    }

    /** Writes everything committed home and moves the tail to the head. Caller holds the commit lock. */
    private void push() throws FsException {
        cache.push();
        log.tail(log.headLsn());
        pushes++;
    }

    /** The frees of an intent from an earlier checkpoint, in a transaction that logs its done item. */
    private void finishIntent(long id, long[][] extents) throws FsException {
        run(h -> {
            h.cp.intents.add(LogFormat.extentFree(LogFormat.XFS_LI_EFD, id, extents));
            h.cp.bytes.addAndGet(LogFormat.EF_HDR + 16L * extents.length + 64);
            space.freeRuns(List.of(extents));
            return null;
        });
    }

    /** Finishes an extent-free intent recovery found without its done item (xfs_efi_item_recover). */
    void recoverIntent(LogIntent.Free efi) throws FsException {
        finishIntent(efi.id(), efi.extents());
    }

    /**
     * Finishes a refcount update intent recovery found without its done item (xfs_cui_item_recover),
     * in one transaction with its done item: a decrease that takes a block's last count frees it,
     * as the EFI Linux defers for it would.
     */
    void recoverIntent(LogIntent.Refcount cui) throws FsException {
        run(h -> {
            h.cp.intents.add(cui.done());
            h.cp.bytes.addAndGet(16 + 64);
            for (LogIntent.RefcountUpdate u : cui.updates()) {
                switch (u.op()) {
                    case INCREASE -> space.shareData(u.fsbno(), u.length());
                    case DECREASE -> space.unmapData(u.fsbno(), u.length());
                    case ALLOC_COW -> space.stageCow(u.fsbno(), u.length());
                    case FREE_COW -> space.unstageCow(u.fsbno(), u.length());
                }
            }
            return null;
        });
    }

    private void logWorker() {
        try {
            long seq;
            boolean idle;
            Checkpoint r = gate.running();
            idle = r.empty();
            seq = r.seq;
            if (!idle) {
                commit(seq);
            } else if (cache.pending()) {
                commitLock.lock();
                try {
                    push();
                } finally {
                    commitLock.unlock();
                }
            }
        } catch (FsException | RuntimeException e) {
            // The next fsync or unmount reports a failed log.
        }
    }

    /**
     * xfs_log_unmount: the last changes in the log, everything home, an unmount record. The
     * {@code last} transaction (the superblock counters, xfs_log_sbcount) is logged before.
     */
    void unmount(Body<Void> last) throws FsException {
        // The log worker is let finish a commit it is in, not interrupted in the middle of it.
        worker.shutdown();
        try {
            worker.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        forceAll();
        run(last);
        quiesce();
    }

    /**
     * xfs_log_quiesce (freeze): everything in the log and home, then an unmount record, so that the
     * device holds a clean file system that xfsprogs can read while the mount goes on.
     */
    void quiesce() throws FsException {
        forceAll();
        commitLock.lock();
        try {
            push();
            log.unmountRecord(nextTid());
        } finally {
            commitLock.unlock();
        }
    }

    /** Stops the log worker without writing anything (a failed mount). */
    void abandon() {
        worker.shutdownNow();
    }
}
