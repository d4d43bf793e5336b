package dev.jdax.api.lock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.AbstractQueuedLongSynchronizer;

/**
 * A reader-writer lock of one {@link LockClass}, checked by {@link LockOrder}: Linux's rw_semaphore
 * ({@code i_rwsem}, {@code invalidate_lock}, {@code i_data_sem}, XFS's IOLOCK/MMAPLOCK/ILOCK).
 *
 * <p>It costs what an rwsem costs: an uncontended acquisition is one compare-and-swap on the lock's
 * word and a release one more (no per-thread bookkeeping, as {@code down_read}/{@code up_read}).
 * Waiters queue in order, and a reader arriving while a writer waits queues behind it, so writers
 * are not starved. The holder of the exclusive lock may take it again, either way (a nested hold);
 * a shared hold may not be taken again — with a writer queued in between it would wait for ever,
 * which is why Linux's lockdep reports recursive {@code down_read} and {@link LockOrder} does here.
 *
 * <p>A reader that only copies what it finds may also read without taking it, as a seqlock reader
 * does ({@link #optimisticRead()}, {@link #validate(long)}, the shape of {@code StampedLock}'s
 * optimistic reads): the lock counts its exclusive tenures, odd while one lasts, so a read that saw
 * the same even count before and after ran while no exclusive holder changed anything. It costs no
 * atomic instruction, where a shared hold costs two that each wait for the reader's own stores.
 */
public final class RwSem {
    /** The word: exclusive holds in the high half, shared holds in the low half. */
    private static final class Sync extends AbstractQueuedLongSynchronizer {
        private static final long SHARED_MASK = 0xffff_ffffL;
        private static final long EXCLUSIVE_UNIT = 1L << 32;
        private static final VarHandle TENURES;

        static {
            try {
                TENURES = MethodHandles.lookup().findVarHandle(Sync.class, "tenures", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /**
         * Exclusive tenures begun and ended, so odd while the lock is held exclusively: written only
         * by the exclusive holder, at the start of its first hold and at the end of its last.
         */
        private volatile long tenures;

        /** The holder's tenure begins: odd, ordered before everything the holder then stores. */
        private void tenureBegins() {
            TENURES.setOpaque(this, tenures + 1);
            VarHandle.storeStoreFence();
        }

        /** It ends: even, ordered after everything the holder stored (release: no fence on x86). */
        private void tenureEnds() {
            TENURES.setRelease(this, tenures + 1);
        }

        @Override
        protected long tryAcquireShared(long unused) {
            while (true) {
                long s = getState();
                if (s >= EXCLUSIVE_UNIT) {
                    if (getExclusiveOwnerThread() != Thread.currentThread()) {
                        return -1;
                    }
                } else if (hasQueuedPredecessors()) {
                    return -1; // a writer waits (or readers queued behind one): behind them
                }
                if (compareAndSetState(s, s + 1)) {
                    return 1;
                }
            }
        }

        @Override
        protected boolean tryReleaseShared(long unused) {
            while (true) {
                long s = getState();
                if ((s & SHARED_MASK) == 0) {
                    throw new IllegalMonitorStateException("shared release of a lock not held shared");
                }
                if (compareAndSetState(s, s - 1)) {
                    return s - 1 == 0;
                }
            }
        }

        @Override
        protected boolean tryAcquire(long unused) {
            long s = getState();
            Thread me = Thread.currentThread();
            if (s == 0) {
                if (compareAndSetState(0, EXCLUSIVE_UNIT)) {
                    setExclusiveOwnerThread(me);
                    tenureBegins();
                    return true;
                }
                return false;
            }
            if (s >= EXCLUSIVE_UNIT && getExclusiveOwnerThread() == me) {
                setState(s + EXCLUSIVE_UNIT); // only the owner writes the word while it holds it
                return true;
            }
            return false;
        }

        @Override
        protected boolean tryRelease(long unused) {
            long s = getState();
            if (s < EXCLUSIVE_UNIT || getExclusiveOwnerThread() != Thread.currentThread()) {
                throw new IllegalMonitorStateException("exclusive release of a lock not held exclusively");
            }
            long next = s - EXCLUSIVE_UNIT;
            if (next < EXCLUSIVE_UNIT) {
                setExclusiveOwnerThread(null);
                tenureEnds();
            }
            // While it is held exclusively only the owner writes the word; shared holds the owner
            // took meanwhile stay when the last exclusive one goes.
            setState(next);
            return next == 0;
        }

        @Override
        protected boolean isHeldExclusively() {
            return getExclusiveOwnerThread() == Thread.currentThread();
        }
    }

    private final Sync sync = new Sync();
    private final LockClass cls;
    private final long key;
    private final String name;

    /**
     * A lock of class {@code cls}.
     *
     * @param cls  its class
     * @param key  its order among locks of the same class and subclass (an inode number, a group)
     * @param name what reports call it
     */
    public RwSem(LockClass cls, long key, String name) {
        this.cls = cls;
        this.key = key;
        this.name = name;
    }

    /** Takes it shared, as the plain (CHILD for i_rwsem, else 0) subclass. */
    public void lockShared() {
        lockShared(defaultSubclass());
    }

    /**
     * Takes it shared as {@code subclass}.
     *
     * @param subclass the nesting subclass of this acquisition
     */
    public void lockShared(int subclass) {
        LockOrder.enter(this, cls, subclass, key, false, name);
        sync.acquireShared(1);
    }

    /** Releases a shared hold. */
    public void unlockShared() {
        sync.releaseShared(1);
        LockOrder.exit(this);
    }

    /** Takes it exclusively, as the plain subclass. */
    public void lockExclusive() {
        lockExclusive(defaultSubclass());
    }

    /**
     * Takes it exclusively as {@code subclass}.
     *
     * @param subclass the nesting subclass of this acquisition
     */
    public void lockExclusive(int subclass) {
        LockOrder.enter(this, cls, subclass, key, true, name);
        sync.acquire(1);
    }

    /**
     * Takes it exclusively if no one holds it, without waiting ({@code down_write_trylock}, XFS's
     * {@code xfs_ilock_nowait}). A try never waits, so it cannot close a cycle: the order is
     * recorded for what is taken after it, as lockdep records a trylock.
     *
     * @return whether it was taken
     */
    public boolean tryLockExclusive() {
        if (!sync.tryAcquire(1)) {
            return false;
        }
        LockOrder.enter(this, cls, defaultSubclass(), key, true, name);
        return true;
    }

    /** Releases an exclusive hold. */
    public void unlockExclusive() {
        sync.release(1);
        LockOrder.exit(this);
    }

    /**
     * Starts a read without the lock (while it is held exclusively, take it shared instead). What
     * is read under a stamp may be torn or stale; it is used only if the stamp is still valid after
     * it, and a read that stores anywhere but into its own buffer, or that must wait, takes the lock
     * instead.
     *
     * @return a stamp for {@link #validate(long)}, or 0 while it is held exclusively
     */
    public long optimisticRead() {
        long t = sync.tenures;
        return (t & 1) == 0 ? t | Long.MIN_VALUE : 0;
    }

    /**
     * {@return whether no exclusive tenure began since {@code stamp} was given}: what was read in
     * between is what some instant with no writer held.
     *
     * @param stamp a stamp from {@link #optimisticRead()}
     */
    public boolean validate(long stamp) {
        VarHandle.acquireFence(); // the reads of the data come before this check of the count
        return stamp != 0 && (sync.tenures | Long.MIN_VALUE) == stamp;
    }

    /** {@return whether the current thread holds it exclusively} */
    public boolean heldExclusively() {
        return sync.isHeldExclusively();
    }

    private int defaultSubclass() {
        return cls == LockClass.I_RWSEM ? LockClass.CHILD : 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
