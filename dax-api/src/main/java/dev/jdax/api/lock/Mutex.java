package dev.jdax.api.lock;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A mutual-exclusion lock of one {@link LockClass}, checked by {@link LockOrder}: Linux's mutex or
 * spinlock (a group's allocator lock, the rename mutex, a journal's state lock). Reentrant.
 */
public final class Mutex {
    private final ReentrantLock lock = new ReentrantLock();
    private final LockClass cls;
    private final int subclass;
    private final long key;
    private final String name;

    /**
     * A lock of class {@code cls}.
     *
     * @param cls      its class
     * @param subclass its subclass (0 when the class has none)
     * @param key      its order among locks of the same class and subclass
     * @param name     what reports call it
     */
    public Mutex(LockClass cls, int subclass, long key, String name) {
        this.cls = cls;
        this.subclass = subclass;
        this.key = key;
        this.name = name;
    }

    /**
     * Takes it. A thread that finds it held spins a little before it sleeps, as Linux's mutex spins
     * while the owner runs (mutex_optimistic_spin) and a spinlock never sleeps: the locks of this
     * class are held for a few microseconds at most (a group's bitmaps, the orphan list, a journal's
     * state), and a thread that parks pays a sleep and a wake-up — its owner's unpark system call
     * among them — many times longer than the wait it avoids.
     */
    public void lock() {
        LockOrder.enter(this, cls, subclass, key, true, name);
        if (!lock.tryLock()) {
            spinThenLock();
        }
    }

    /** How many times a waiter looks again before it parks: a few microseconds of {@code pause}. */
    private static final int SPINS = 128;

    private void spinThenLock() {
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!lock.isLocked() && lock.tryLock()) {
                return;
            }
        }
        lock.lock();
    }

    /**
     * Takes it if no other thread holds it, without waiting (Linux's {@code mutex_trylock}, XFS's
     * XBF_TRYLOCK on an AGF). A try never waits, so it cannot close a cycle: the order is recorded
     * for what is taken after it, as lockdep records a trylock.
     *
     * @return whether it was taken
     */
    public boolean tryLock() {
        if (!lock.tryLock()) {
            return false;
        }
        LockOrder.enter(this, cls, subclass, key, true, name);
        return true;
    }

    /** Releases it. */
    public void unlock() {
        lock.unlock();
        LockOrder.exit(this);
    }

    /** {@return whether the current thread holds it} */
    public boolean heldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /** {@return a condition to wait on while holding it (the wait releases it)} */
    public Condition newCondition() {
        return lock.newCondition();
    }

    @Override
    public String toString() {
        return name;
    }
}
