package dev.jdax.api.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.Condition;
import java.util.function.Function;

/**
 * How handles enter a journal's running transaction and how its commit closes it: jbd2's
 * {@code t_updates} and {@code T_LOCKED}, XFS's CIL context joined under the shared side of
 * {@code xc_ctx_lock}. A handle joins and leaves with one atomic count and no lock; a commit marks
 * the transaction locked and then waits for the count to reach zero. A handle raises the count
 * before it reads the mark again, the commit sets the mark before it reads the count (both
 * volatile), so one of them always sees the other. The count is kept per CPU ({@link PerCpu}):
 * every operation joins and leaves several times, and one word written by every thread made each
 * join a cache miss on the others' cores; the commit, once a transaction, adds the cells up.
 * A handle leaves on the thread that joined (the journals keep handles per thread), so each cell
 * counts its own threads' handles and never goes below zero. The state lock ({@link LockClass#JOURNAL}) is
 * taken only to wait — a handle for the next transaction, a commit for the last handle — and to
 * open the next transaction.
 *
 * @param <T> the journal's transaction, which holds its {@link Updates}
 */
public final class TransactionGate<T> {
    /** A transaction's side of the gate: the handles in it, and whether its commit has locked it. */
    public static final class Updates {
        private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
        /**
         * A cell per CPU slot at {@link PerCpu#cell}: 128 bytes from each other, from the array's
         * header and from whatever follows it. The first cell was at index 0, on the line of the
         * header and of the objects made just before the array — this object and its transaction,
         * whose {@link #locked} and whose fields every handle reads — so the thread of slot 0 took
         * that line from the others at every handle's start and stop. Two threads creating in two
         * directories, over one thread: ext4 with orphan_file 1.48-1.53x then, 1.61-1.66x since;
         * XFS, its reservations already changed, 1.71-1.73x then, 1.77-1.80x since.
         */
        private final long[] cells = new long[PerCpu.CELL_ARRAY_LENGTH];
        private volatile boolean locked;

        private void add(long delta) {
            CELL.getAndAdd(cells, PerCpu.cell(PerCpu.slot(PerCpu.CPUS)), delta);
        }

        /** The handles in it: the cells added up, each read volatile. */
        private long count() {
            long n = 0;
            for (int slot = 0; slot < PerCpu.CPUS; slot++) {
                n += (long) CELL.getVolatile(cells, PerCpu.cell(slot));
            }
            return n;
        }

        /** {@return whether a commit has locked it: no handle joins it any more} */
        public boolean locked() {
            return locked;
        }
    }

    private final Mutex state;
    private final Condition changed;
    private final Function<T, Updates> updates;
    private volatile T running;

    /**
     * A gate whose first running transaction is {@code first}.
     *
     * @param name    what lock reports call its state lock
     * @param first   the first running transaction
     * @param updates a transaction's {@link Updates}
     */
    public TransactionGate(String name, T first, Function<T, Updates> updates) {
        this.state = new Mutex(LockClass.JOURNAL, 0, 0, name);
        this.changed = state.newCondition();
        this.updates = updates;
        this.running = first;
    }

    /** {@return the running transaction} */
    public T running() {
        return running;
    }

    /**
     * Counts a handle into the running transaction, once no commit has it locked.
     *
     * @return that transaction
     */
    public T join() {
        while (true) {
            T t = running;
            Updates u = updates.apply(t);
            if (!u.locked) {
                u.add(1);
                if (!u.locked) {
                    return t;
                }
                leave(t); // the commit locked it meanwhile and may be waiting for this count
            }
            state.lock();
            try {
                while (running == t && u.locked) {
                    changed.awaitUninterruptibly();
                }
            } finally {
                state.unlock();
            }
        }
    }

    /** A handle leaves {@code t}: the last one out of a locked transaction wakes its commit. */
    public void leave(T t) {
        Updates u = updates.apply(t);
        u.add(-1);
        if (u.locked && u.count() == 0) {
            signal();
        }
    }

    /**
     * A commit: locks the running transaction, so that handles starting now wait for the next one,
     * and waits until the handles in it have left.
     *
     * @return the transaction, now with no handle
     */
    public T lockAndDrain() {
        state.lock();
        try {
            T t = running;
            Updates u = updates.apply(t);
            u.locked = true;
            while (u.count() > 0) {
                changed.awaitUninterruptibly();
            }
            return t;
        } finally {
            state.unlock();
        }
    }

    /**
     * Opens {@code next} as the running transaction if {@code current} still is, and wakes the
     * handles waiting for it.
     *
     * @return whether it did
     */
    public boolean open(T current, T next) {
        state.lock();
        try {
            if (running != current) {
                return false;
            }
            running = next;
            changed.signalAll();
            return true;
        } finally {
            state.unlock();
        }
    }

    private void signal() {
        state.lock();
        try {
            changed.signalAll();
        } finally {
            state.unlock();
        }
    }
}
