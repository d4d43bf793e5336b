package dev.jdax.fs.ext4;

import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.LockOrder;
import dev.jdax.api.lock.Mutex;
import dev.jdax.api.lock.TransactionGate;

import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * jbd2's transactions ({@code fs/jbd2/transaction.c}, {@code commit.c}): every ext4 operation is a
 * handle that joins the running transaction; the transaction commits as a group — at fsync, every
 * commit interval ({@code commit=}, 5 s), and when it holds as many blocks as a commit may log — and
 * is then written home (checkpointed). A commit locks the transaction (new handles wait for the
 * next one), waits for its open handles to stop, freezes its blocks, opens the next transaction,
 * and only then writes the log: threads go on changing metadata while the commit is written.
 *
 * <p>A handle is not a lock, but it behaves like one towards locks (class
 * {@link LockClass#TRANSACTION}): a thread holding one may not wait for a lock ranked before it,
 * since the commit waiting for that handle would wait for the lock too. A handle started while the
 * thread holds one joins it (jbd2's nested {@code journal_start}).
 */
final class Jbd2 {
    /** jbd2's default commit interval. */
    static final long COMMIT_INTERVAL_MS = 5000;

    /**
     * One transaction: its blocks and its open handles. As jbd2's {@code transaction_t}, a handle
     * joins and leaves it with an atomic count ({@code t_updates}) and no lock; the commit marks it
     * locked first and then waits for the count to reach zero ({@link TransactionGate}). Its blocks are a concurrent set
     * ({@code t_buffers}): a change adds its block without a lock, and a block already in it is not
     * added again ({@link Disk} marks each buffer with the transaction that has it, as
     * {@code jh->b_transaction}).
     */
    static final class Transaction {
        final long tid;
        final TransactionGate.Updates updates = new TransactionGate.Updates();
        final Set<Long> blocks = ConcurrentHashMap.newKeySet();
        final Queue<Runnable> onCommit = new ConcurrentLinkedQueue<>();

        Transaction(long tid) {
            this.tid = tid;
        }

        /**
         * Set once it holds half of what a commit may log. Every handle's start and stop asks
         * {@link #full}; the size of the concurrent set sums counter cells that the other threads'
         * additions write, so it is read only when a block is added, and the question is a flag.
         * Sticky: a block forgotten after it was set only makes the commit come a little earlier.
         */
        private volatile boolean half;

        /** A block was added to {@link #blocks}. */
        void grew(int maxBlocks) {
            if (!half && blocks.size() >= maxBlocks / 2) {
                half = true;
            }
        }

        /** Whether it holds enough blocks that a commit should make room. */
        boolean full(int maxBlocks) {
            return half && !updates.locked();
        }
    }

    /** An open handle of the current thread. */
    final class Handle implements AutoCloseable {
        final Transaction t;
        private int depth = 1;

        private Handle(Transaction t) {
            this.t = t;
        }

        long tid() {
            return t.tid;
        }

        /** Runs {@code action} once this handle's transaction is committed (blocks freed in it become reusable). */
        void onCommit(Runnable action) {
            t.onCommit.add(action);
        }

        /** {@code jbd2_journal_dirty_metadata}: {@code block} belongs to this handle's transaction. */
        void dirty(long block) {
            if (t.blocks.add(block)) {
                t.grew(maxBlocks);
            }
        }

        @Override
        public void close() throws FsException {
            if (--depth > 0) {
                return;
            }
            current.get()[0] = null;
            gate.leave(t);
            LockOrder.exit(this);
            if (t.full(maxBlocks)) {
                commit(t.tid);
            }
        }
    }

    /** What a commit writes before the blocks are frozen (the superblock with the counts as they are). */
    interface BeforeCommit {
        void run() throws FsException;
    }

    private final Jbd2Journal log;
    private final Disk disk;
    private final int maxBlocks;
    private final Mutex commitLock = new Mutex(LockClass.TRANSACTION, 0, 0, "jbd2 commit");
    /**
     * The current thread's handle, in a slot made once per thread: a handle's start and stop write
     * the slot rather than set and remove a thread-local (whose set cleans the thread's table).
     */
    private final ThreadLocal<Handle[]> current = ThreadLocal.withInitial(() -> new Handle[1]);
    private final ScheduledExecutorService timer;
    private BeforeCommit beforeCommit = () -> { };
    private final TransactionGate<Transaction> gate;
    private volatile long committed;
    private volatile FsException failed;

    Jbd2(Jbd2Journal log, Disk disk) {
        this.log = log;
        this.disk = disk;
        this.maxBlocks = log.maxTransactionBlocks();
        long first = log.nextSequence() & 0xffffffffL;
        this.gate = new TransactionGate<>("jbd2 state", new Transaction(first), t -> t.updates);
        this.committed = first - 1;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jbd2 commit timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::timedCommit, COMMIT_INTERVAL_MS, COMMIT_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    void beforeCommit(BeforeCommit hook) {
        this.beforeCommit = hook;
    }

    /**
     * {@code jbd2_journal_start} ({@code start_this_handle}): joins the running transaction with one
     * atomic increment, or the thread's own handle; waits only while a commit has locked the
     * running transaction.
     */
    Handle start() throws FsException {
        Handle[] slot = current.get();
        Handle h = slot[0];
        if (h != null) {
            h.depth++;
            return h;
        }
        if (failed != null) {
            throw failed;
        }
        Transaction r = gate.running();
        if (r.full(maxBlocks)) {
            commit(r.tid); // make room before joining: a handle never waits for its own transaction
        }
        h = new Handle(gate.join());
        LockOrder.enter(h, LockClass.TRANSACTION, 1, 0, true, "jbd2 handle");
        slot[0] = h;
        return h;
    }

    /** The current thread's handle; metadata may only change inside one. */
    Handle handle() {
        Handle h = current.get()[0];
        if (h == null) {
            throw new IllegalStateException("ext4: metadata changed outside a transaction");
        }
        return h;
    }

    /** {@code jbd2_journal_forget}: {@code block} leaves the current handle's transaction (see {@link Disk#forget}). */
    void forget(long block) {
        handle().t.blocks.remove(block);
    }

    /** {@return the tid of the running transaction} */
    long runningTid() {
        return gate.running().tid;
    }

    /** {@return how many callbacks the running transaction will run at its commit} */
    int commitCallbacks() {
        return gate.running().onCommit.size();
    }

    /** {@return the last tid committed and written home} */
    long committedTid() {
        return committed;
    }

    /**
     * {@code jbd2_log_start_commit} + {@code jbd2_log_wait_commit}: returns when transaction
     * {@code tid} (and every one before it) is committed and home. Not from inside a handle.
     */
    void commit(long tid) throws FsException {
        Handle[] slot = current.get();
        if (slot[0] != null) {
            throw new IllegalStateException("ext4: a commit waited for from inside a transaction");
        }
        if (committed >= tid) {
            return;
        }
        commitLock.lock();
        try {
            if (failed != null) {
                throw failed;
            }
            if (committed >= tid) {
                return;
            }
            Transaction t;
            Map<Long, Disk.Frozen> frozen;
            t = gate.lockAndDrain();
            // No handle is open and none can start: the hook's writes and the freeze see one state.
            slot[0] = new Handle(t);
            try {
                beforeCommit.run();
            } finally {
                slot[0] = null;
            }
            frozen = disk.freeze(t.blocks);
            gate.open(t, new Transaction(t.tid + 1));
            writeOut(t, frozen);
        } finally {
            commitLock.unlock();
        }
    }

    private void writeOut(Transaction t, Map<Long, Disk.Frozen> frozen) throws FsException {
        try {
            if (!frozen.isEmpty()) {
                Map<Long, byte[]> blocks = new java.util.LinkedHashMap<>();
                frozen.forEach((b, f) -> blocks.put(b, f.data()));
                log.commit(blocks);
                disk.checkpointed(frozen);
            }
        } catch (FsException e) {
            failed = e; // jbd2_journal_abort: nothing more may be committed over a broken log
            throw e;
        }
        committed = t.tid;
        t.onCommit.forEach(Runnable::run);
    }

    private void timedCommit() {
        try {
            long tid;
            Transaction r = gate.running();
            tid = r.blocks.isEmpty() ? -1 : r.tid;
            if (tid >= 0) {
                commit(tid);
            }
        } catch (FsException | RuntimeException e) {
            // The next fsync or unmount reports it (failed is set when the log itself broke).
        }
    }

    /** Unmount: commits what is running, stops the timer and marks the log empty. */
    void shutdown() throws FsException {
        timer.shutdownNow();
        commit(runningTid());
        commitLock.lock();
        try {
            log.markEmpty();
        } finally {
            commitLock.unlock();
        }
    }
}
