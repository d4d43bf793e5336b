package dev.jdax.api.lock;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A reader-writer lock of one {@link LockClass}, checked by {@link LockOrder}: Linux's rw_semaphore
 * ({@code i_rwsem}, {@code invalidate_lock}, {@code i_data_sem}, XFS's IOLOCK/MMAPLOCK/ILOCK).
 * Reentrant for a thread that holds it exclusively.
 */
public final class RwSem {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
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
        lock.readLock().lock();
    }

    /** Releases a shared hold. */
    public void unlockShared() {
        lock.readLock().unlock();
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
        lock.writeLock().lock();
    }

    /** Releases an exclusive hold. */
    public void unlockExclusive() {
        lock.writeLock().unlock();
        LockOrder.exit(this);
    }

    /** {@return whether the current thread holds it exclusively} */
    public boolean heldExclusively() {
        return lock.isWriteLockedByCurrentThread();
    }

    /** {@return whether the current thread holds it shared or exclusively} */
    public boolean heldByCurrentThread() {
        return lock.isWriteLockedByCurrentThread() || lock.getReadHoldCount() > 0;
    }

    private int defaultSubclass() {
        return cls == LockClass.I_RWSEM ? LockClass.CHILD : 0;
    }

    @Override
    public String toString() {
        return name;
    }
}
