package dev.jdax.iomap;

import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The engine's state for one in-core inode: Linux's {@code struct address_space} of a DAX file plus
 * the inode's locks — the I/O lock ({@code i_rwsem} / XFS IOLOCK), the mapping lock that keeps faults
 * out of truncate and fallocate ({@code invalidate_lock} / XFS MMAPLOCK), the range lock, the count of
 * DAX I/O in flight ({@code i_dio_count}), and the live mappings whose page entries truncate removes.
 */
public final class AddressSpace {
    private final DaxMount mount;
    private final Inode inode;
    private final IomapOps ops;
    private final ReentrantReadWriteLock ioLock = new ReentrantReadWriteLock();
    private final ReentrantReadWriteLock mmapLock = new ReentrantReadWriteLock();
    private final RangeLock rangeLock = new RangeLock();
    private final List<DaxMapping> mappings = new CopyOnWriteArrayList<>();
    private int dioCount;

    AddressSpace(DaxMount mount, Inode inode, IomapOps ops) {
        this.mount = mount;
        this.inode = inode;
        this.ops = ops;
    }

    /** {@return the mount this inode belongs to} */
    public DaxMount mount() {
        return mount;
    }

    /** {@return the inode whose file this is} */
    public Inode inode() {
        return inode;
    }

    /** {@code iomap_begin}, counted. */
    Iomap begin(long pos, long length, int flags) throws FsException {
        mount.engineCounters().iomapBegins.increment();
        if (ops instanceof GetBlockBridge) {
            mount.engineCounters().getBlockCalls.increment();
        }
        return ops.begin(inode, pos, length, flags | IomapOps.DAX);
    }

    void end(long pos, long length, long written, int flags, Iomap iomap) throws FsException {
        ops.end(inode, pos, length, written, flags | IomapOps.DAX, iomap);
    }

    /** A held lock set, released by close. */
    interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    /** What a read of {@code [pos, end)} takes under the mount's locking model. */
    Guard lockForRead(long pos, long end) {
        return switch (mount.locking()) {
            case INODE_RWSEM, XFS_IOLOCK_MMAPLOCK -> hold(ioLock.readLock());
            case DIOREAD_NOLOCK -> () -> { };
            case RANGE_LOCK -> range(pos, end, false);
        };
    }

    /** What a write of {@code [pos, end)} takes. */
    Guard lockForWrite(long pos, long end) {
        return mount.locking() == LockingModel.RANGE_LOCK ? range(pos, end, true) : hold(ioLock.writeLock());
    }

    /** Truncate, fallocate, per-file flag changes: everything, faults included. */
    Guard lockWholeFile() {
        Guard io = mount.locking() == LockingModel.RANGE_LOCK ? range(0, Long.MAX_VALUE, true) : hold(ioLock.writeLock());
        Guard mm = hold(mmapLock.writeLock());
        return () -> {
            mm.close();
            io.close();
        };
    }

    /** A page fault: shared against other faults, excluded by truncate and fallocate. */
    Guard lockForFault() {
        return hold(mmapLock.readLock());
    }

    private static Guard hold(Lock l) {
        l.lock();
        return l::unlock;
    }

    private Guard range(long start, long end, boolean write) {
        AutoCloseable c = rangeLock.lock(start, end, write);
        return () -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    synchronized void dioStart() {
        dioCount++;
    }

    synchronized void dioDone() {
        if (--dioCount == 0) {
            notifyAll();
        }
    }

    /** {@code inode_dio_wait}: returns when no DAX read or write of this inode is in flight. */
    public synchronized void waitForDio() {
        boolean interrupted = false;
        while (dioCount > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void addMapping(DaxMapping m) {
        mappings.add(m);
    }

    void removeMapping(DaxMapping m) {
        mappings.remove(m);
    }

    List<DaxMapping> mappings() {
        return mappings;
    }

    /**
     * {@code unmap_mapping_range}: every mapping forgets its page entries over the file range
     * {@code [offset, offset + length)} (whole pages, PMDs touching it whole), so the next access
     * faults again and sees what the file holds then.
     *
     * @param offset first byte of the range
     * @param length bytes in the range
     */
    public void unmapRange(long offset, long length) {
        for (DaxMapping m : mappings) {
            m.unmap(offset, length);
        }
    }
}
