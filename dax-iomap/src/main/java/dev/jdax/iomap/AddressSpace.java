package dev.jdax.iomap;

import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.fs.AtimeRule;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's state for one in-core regular file: Linux's {@code struct address_space} of a DAX
 * file plus what the engine keeps of {@code struct inode} — {@code i_size} and the times, which it
 * owns; the I/O lock ({@code i_rwsem}, the inode's own), the invalidate lock that keeps faults out
 * of truncate and fallocate ({@code invalidate_lock} / XFS MMAPLOCK), the range lock, the mapping
 * entry locks, the count of DAX I/O in flight ({@code i_dio_count}) and the live mappings.
 * The personality keeps exactly one per in-core inode.
 *
 * <p>It also numbers the states of the file's block map ({@link #mapGeneration()}): every change the
 * engine makes or sees (an answer marked F_NEW, the end of a write that allocated, truncate,
 * fallocate, the DAX flag) counts one, after the change, so the answers the personality gave are
 * kept ({@link MappingCache}) and used again while the number is the same.
 */
public final class AddressSpace implements KeptTimes {
    private static final VarHandle MAP_GENERATION;

    static {
        try {
            MAP_GENERATION = MethodHandles.lookup().findVarHandle(AddressSpace.class, "mapGeneration", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DaxMount mount;
    private final Inode inode;
    private final DaxInodeOps ops;
    /**
     * The inode's {@code i_rwsem} (final in every personality's inode), kept here so that a read's
     * stamp and a write's lock are one load from the file away rather than three.
     */
    private final RwSem ioLock;
    /** The mount's counters, kept here for the same reason: a read or write bumps one. */
    private final EngineCounters counters;
    private final RwSem invalidateLock;
    private final RangeLock rangeLock = new RangeLock();
    private final EntryLocks entries = new EntryLocks();
    private final MappingCache cache = new MappingCache(this);
    private final List<DaxMapping> mappings = new CopyOnWriteArrayList<>();
    private final Object dioLock = new Object();
    private final AtomicInteger dioCount = new AtomicInteger();
    /** The block map's state number (a field, not an AtomicLong: one cache line fewer per I/O). */
    private volatile long mapGeneration;
    /**
     * The run sequential reads and overwrites are in ({@link DaxIo#readKept}, {@link DaxIo#write}):
     * written without a lock by a reader or writer that moved on to the next run or found it stale
     * (a record: its fields are seen whole), checked against the block map's generation and the
     * bad-sector list before each use.
     */
    private RunHint runHint;
    /**
     * The kept answers' run hints by chunk, those of the {@link RunDirectory} of the table kept last:
     * its three fields copied here, so that a transfer reaches its run's hint in one load fewer
     * (with the directory's object between, ext2's sequential 4 KiB reads lost about 0.08x). Written
     * without a lock by {@link MappingCache} as it replaces its table: a reader may see the fields of
     * two directories mixed, or a stale one's, and finds at worst no hint or one of an older
     * block-map state, which {@link RunHint#serves} refuses.
     */
    private RunHint[] chunkHints = RunDirectory.NONE.hints();
    private long chunkBase;
    private int chunkShift = RunDirectory.NONE.shift();
    private volatile long size;
    /** The clock's tick at which an access last asked the atime rule, or null; guarded by this for writes. */
    private volatile CoarseClock.Now atimeTick;
    /**
     * The open files that stopped asking the atime rule ({@link DaxFile#ASK_ATIME} cleared), which
     * every change of a time makes ask again ({@link #askAtime}). A file joins when it first stops
     * asking, under this object's monitor, not at open: a file never read (a create, a write, a
     * close) costs the list nothing.
     */
    private final List<DaxFile> accessors = new CopyOnWriteArrayList<>();
    /**
     * While {@code accessors} is not empty and the access time is settled by relatime: the wake-up
     * that makes them ask again when the time is a day old ({@link DayOldWakeups}), for the second
     * {@code dayOldAt}. Guarded by this.
     */
    private ScheduledFuture<?> dayOld;
    private long dayOldAt;
    private volatile Instant atime;
    private volatile Instant mtime;
    private volatile Instant ctime;
    /** The clock's tick the times were last set from or found equal to by a write, or null; guarded by this for writes. */
    private volatile CoarseClock.Now timesTick;
    /** The mount's atime rule, or null where no access writes one. */
    private final AtimeRule atimeRule;
    /** The mount's lazytime. */
    private final boolean lazy;
    /**
     * i_version's I_VERSION_QUERIED for a personality that keeps a change count (ext4, XFS): Linux sets
     * it when it reads the inode, and the next file_update_time then bumps the count, which writes
     * the inode even under lazytime; every write of the inode clears it. Guarded by this.
     */
    private boolean changeCountQueried;
    /** The unlocks of the locking model's read and write locks, made once (none for the range lock). */
    private final Guard readGuard;
    private final Guard writeGuard;
    private final Guard faultGuard;
    /**
     * Whether a read may first go under the I/O lock's stamp, with no write to its memory: where
     * reads take the lock shared, and under dioread_nolock, whose reads take no lock but count
     * themselves so that truncate waits for them. There a read under the stamp is one that met
     * no writer and no truncate (both hold the lock exclusively), which the model allows as it
     * allows a torn one; one that met either goes the counted way. The count's two atomic
     * instructions, each waiting for every load before it, held random 4 KiB reads at
     * 0.64-0.68x of raw copies.
     */
    private final boolean optimisticReads;

    AddressSpace(DaxMount mount, Inode inode, DaxInodeOps ops, long size, Instant atime, Instant mtime, Instant ctime) {
        this.mount = mount;
        this.inode = inode;
        this.ops = ops;
        this.ioLock = inode.rwsem();
        this.counters = mount.engineCounters();
        // The inode number is the lock's key, which every report prints beside the name: a name
        // made per inode was a string built on every create.
        this.invalidateLock = new RwSem(LockClass.INVALIDATE, inode.ino(), "invalidate_lock of inode");
        this.size = size;
        this.atime = atime;
        this.atimeRule = mount.atimeRule();
        this.lazy = mount.lazytime();
        this.changeCountQueried = ops.keepsChangeCount();
        this.mtime = mtime;
        this.ctime = ctime;
        this.readGuard = switch (mount.locking()) {
            case INODE_RWSEM, XFS_IOLOCK_MMAPLOCK -> ioLock::unlockShared;
            case DIOREAD_NOLOCK -> this::dioDone;
            case RANGE_LOCK -> null;
        };
        this.writeGuard = mount.locking() == LockingModel.RANGE_LOCK ? null : ioLock::unlockExclusive;
        this.faultGuard = invalidateLock::unlockShared;
        this.optimisticReads = readGuard != null;
    }

    /** {@return the mount this inode belongs to} */
    public DaxMount mount() {
        return mount;
    }

    /** {@return the inode whose file this is} */
    public Inode inode() {
        return inode;
    }

    DaxInodeOps ops() {
        return ops;
    }

    /** The calling thread's cells of the mount's counters (bytes read and written are bumped there). */
    long[] countersOfCurrentThread() {
        return counters.cellOfCurrentThread();
    }

    RunHint runHint() {
        return runHint;
    }

    void runHint(RunHint h) {
        runHint = h;
    }

    /** {@return the hint of the chunks' that serves {@code [pos, last)} in block-map state {@code generation}}, or null */
    RunHint chunkHint(long generation, long pos, long last) {
        return RunDirectory.serving(chunkHints, chunkBase, chunkShift, generation, pos, last);
    }

    /** The chunks' hints from now on are {@code d}'s. */
    void directory(RunDirectory d) {
        chunkHints = d.hints();
        chunkBase = d.base();
        chunkShift = d.shift();
    }

    /** {@return the answers kept for this file} */
    MappingCache cache() {
        return cache;
    }

    /** {@return {@code i_size} in core}: what reads, faults and EOF checks use. */
    public long size() {
        return size;
    }

    /** {@return the access time in core} */
    public Instant atime() {
        return atime;
    }

    /** {@return the modification time in core} */
    public Instant mtime() {
        return mtime;
    }

    /** {@return the change time in core} */
    public Instant ctime() {
        return ctime;
    }

    /** {@return the number of the block map's state}: it changes after every change of the map. */
    long mapGeneration() {
        return mapGeneration;
    }

    /**
     * The file's block map changed in a way the engine did not ask for (the personality moved or
     * freed blocks on its own): answers open files kept are not used again. Every change the engine
     * asks for (allocation, conversion, truncate, fallocate) is counted already.
     */
    public void mapChanged() {
        MAP_GENERATION.getAndAdd(this, 1L);
    }

    /**
     * Opens the file: the engine's open file over this address space.
     *
     * @param flags the {@link dev.jdax.api.fs.OpenFlags} (O_CREAT, O_EXCL and O_TRUNC are the VFS's)
     * @return the open file
     */
    public OpenFile open(int flags) {
        return new DaxFile(this, flags); // it asks the rule at its first access
    }

    /** {@code f}, closed, was listed: no change of a time asks it again. */
    synchronized void closed(DaxFile f) {
        accessors.remove(f);
        if (accessors.isEmpty() && dayOld != null) {
            dayOld.cancel(false);
            dayOld = null;
        }
    }

    /**
     * The open files that stopped asking ask again at the second relatime's day-old clause comes
     * due for the access time now (under this object's monitor); one wake-up per address space.
     */
    private void askWhenDayOld() {
        long at = atimeRule.dayOldAt(atime);
        if (dayOld != null) {
            if (dayOldAt == at) {
                return;
            }
            dayOld.cancel(false);
        }
        dayOldAt = at;
        dayOld = DayOldWakeups.at(at, () -> dayOldCame(at));
    }

    /** The wake-up for second {@code at}: unless a later one replaced it, every listed file asks again. */
    private synchronized void dayOldCame(long at) {
        if (dayOld != null && dayOldAt == at) {
            dayOld = null;
            askAtime();
        }
    }

    /** A time changed: every open file asks the atime rule at its next access. Under this object's monitor. */
    private void askAtime() {
        atimeTick = null;
        for (DaxFile f : accessors) {
            f.askAtime();
        }
    }

    /** The time now, at the format's granularity ({@code current_time}: the coarse clock). */
    Instant now() {
        return CoarseClock.now(ops.timeGranularityNanos());
    }

    /**
     * {@code file_update_time} after a write, and the size an extending write reached: raises
     * {@code i_size} to {@code end} (never lowers it: writers of disjoint ranges finish in any
     * order) and sets mtime and ctime; the personality persists what changed. An overwrite within
     * the tick that last set the times changes nothing and takes no lock, as
     * {@code inode_needs_update_time} finds: one comparison of the tick. Under lazytime an
     * overwrite's new times stay in core ({@code generic_update_time}'s I_DIRTY_TIME), unless the
     * change count must be bumped ({@link #changeCountQueried}); the personality's write of the
     * inode takes what lazytime kept along ({@link #takeDirtyTimes}), as Linux writes the whole
     * in-core inode.
     */
    void written(long end) throws FsException {
        CoarseClock.Now tick = CoarseClock.current();
        if (end <= size && tick == timesTick) {
            return;
        }
        Instant t = tick.at(ops.timeGranularityNanos());
        long s;
        synchronized (this) {
            boolean grows = end > size;
            timesTick = tick;
            if (!grows && t.equals(mtime) && t.equals(ctime)) {
                return;
            }
            askAtime();
            if (grows) {
                size = end;
            }
            mtime = t;
            ctime = t;
            s = size;
            if (lazy && !grows && !changeCountQueried) {
                keepTimes();
                return;
            }
            changeCountQueried = false;
        }
        ops.inodeChanged(s, t, t);
    }

    /**
     * Under this object's monitor: lazytime keeps the times in core (the inode's I_DIRTY_TIME: its
     * place on the mount's list, which only this monitor's holders change for an address space).
     */
    private void keepTimes() {
        mount.keep(inode.ino(), this);
    }

    /**
     * Writes the times lazytime kept in core ({@code mark_inode_dirty_sync} of an I_DIRTY_TIME inode:
     * fsync but not fdatasync, sync, unmount): the personality writes the inode as it is in core
     * ({@link DaxInodeOps#writeInode}), taking the kept times as it does with every write of the
     * inode, under its own monitor — so the times written are the latest, whatever changed since
     * this call began, and no size is written from a snapshot a writer has since passed. Nothing
     * when none is kept.
     *
     * @throws FsException when the inode cannot be written
     */
    @Override
    public void writeDirtyTimes() throws FsException {
        if (mount.keeps(inode.ino(), this)) {
            ops.writeInode();
        }
    }

    /**
     * The inode leaves core: what lazytime kept is written when it is still linked (iput_final's
     * {@code mark_inode_dirty_sync}), forgotten when it is not (the inode is being freed).
     *
     * @param linked whether a name still holds the inode
     * @throws FsException when the inode cannot be written
     */
    public void evicted(boolean linked) throws FsException {
        if (linked) {
            writeDirtyTimes();
        } else {
            takeDirtyTimes();
        }
    }

    /**
     * The times of an inode, as {@link #takeDirtyTimes} hands them over.
     *
     * @param atime the access time
     * @param mtime the modification time
     * @param ctime the change time
     */
    public record Times(Instant atime, Instant mtime, Instant ctime) {
    }

    /**
     * The times lazytime kept in core, for a personality that writes the inode, or the block it lives
     * in, anyway and puts them there (every write of the inode, and ext4's
     * {@code ext4_update_other_inodes_time}); from now on they count as written. Called under the
     * inode's own monitor, which orders its writes, so what it puts there is the latest.
     *
     * @return the in-core times, or null when none is kept
     */
    public synchronized Times takeDirtyTimes() {
        if (!mount.keeps(inode.ino(), this)) {
            return null;
        }
        mount.written(inode.ino(), this);
        changeCountQueried = false;
        return new Times(atime, mtime, ctime);
    }

    /**
     * Sets {@code i_size} and both times, as truncate and size-changing fallocate do (no persisting:
     * the caller's format step writes them, and the times lazytime kept with them).
     */
    synchronized Instant resized(long newSize) {
        Instant t = now();
        timesTick = null;
        changeCountQueried = false;
        askAtime();
        size = newSize;
        mtime = t;
        ctime = t;
        return t;
    }

    /** Persists size and times as they are in core (the personality's write takes what lazytime kept too). */
    void persist() throws FsException {
        long s;
        Instant m;
        Instant c;
        synchronized (this) {
            s = size;
            m = mtime;
            c = ctime;
            changeCountQueried = false;
        }
        ops.inodeChanged(s, m, c);
    }

    /**
     * {@code touch_atime} after a read or a mapping ({@code file_accessed}) through {@code f}, which
     * asks because a time changed since its last answer (or it is new, or the mount is
     * strictatime): writes the time now as the access time when the mount's rule asks for it, the
     * personality persisting it in a transaction of its own. Called with none of the file's locks
     * held, as Linux calls it after the read dropped i_rwsem. When the rule can say nothing new
     * before a time changes (relatime with the access time after mtime and ctime, chattr +A), the
     * file stops asking: its reads then load nothing more for access times (the flag is in the
     * state word they load anyway to see whether the file is closed). A new open file asks, and
     * so do the files that stopped once relatime's day-old clause comes due ({@link DayOldWakeups}):
     * a file kept open and read for days without a change gets a new access time each day, as on
     * Linux. As touch_atime, it never fails the access: an access time that cannot be written stays
     * as it was.
     *
     * @param f the open file the access came through
     */
    void accessed(DaxFile f) {
        CoarseClock.Now tick = CoarseClock.current();
        if (tick == atimeTick) {
            return; // asked at this tick already (strictatime, or relatime with atime not yet after the others)
        }
        boolean flagged = (ops.inodeFlags() & FsxAttr.FS_XFLAG_NOATIME) != 0;
        Instant t = tick.at(ops.timeGranularityNanos());
        synchronized (this) {
            // chattr -A sets a new ctime (timesSet), which asks again.
            boolean update = !flagged && atimeRule.needsUpdate(false, atime, mtime, ctime, t);
            atimeTick = tick;
            if (update) {
                atime = t;
            }
            if ((flagged || atimeRule.settled(atime, mtime, ctime)) && f.listedForAtime(accessors)) {
                f.atimeAnswered(); // under the monitor, so that no change of a time in between is lost
                if (!flagged) {
                    askWhenDayOld();
                }
            }
            if (!update) {
                return;
            }
            if (lazy) {
                keepTimes(); // generic_update_time: I_DIRTY_TIME, written with the inode's next write
                return;
            }
        }
        try {
            ops.atimeChanged(t);
        } catch (FsException e) {
            // touch_atime ignores update_time's error: the access succeeded, its time is not kept.
        }
    }

    /**
     * Sets the times from {@code setattr} (utimensat on an open or closed file): the engine keeps
     * them in core, the personality has persisted them already.
     *
     * @param newAtime the new access time, or null to keep it
     * @param newMtime the new modification time, or null to keep it
     * @param newCtime the new change time, or null to keep it
     */
    public synchronized void timesSet(Instant newAtime, Instant newMtime, Instant newCtime) {
        timesTick = null; // the next write compares the times again
        askAtime(); // and the next access
        changeCountQueried = false; // the personality's write took what lazytime kept too
        if (newAtime != null) {
            atime = newAtime;
        }
        if (newMtime != null) {
            mtime = newMtime;
        }
        if (newCtime != null) {
            ctime = newCtime;
        }
    }

    /**
     * {@code iomap_begin}, counted. A question with WRITE may change the block map (allocation,
     * conversion of unwritten blocks, an inline file moved to blocks): counted as a change whatever
     * the answer says, so no kept answer outlives it even if a personality forgets F_NEW.
     */
    Iomap begin(long pos, long length, int flags) throws FsException {
        mount.engineCounters().iomapBegins.increment();
        if (ops.mapsThroughGetBlock()) {
            mount.engineCounters().getBlockCalls.increment();
        }
        Iomap map = ops.begin(inode, pos, length, flags | IomapOps.DAX);
        if (changes(flags, map)) {
            mapChanged();
        }
        return map;
    }

    /** {@code iomap_end}; after a write the personality may convert or trim what it gave (a change). */
    void end(long pos, long length, long written, int flags, Iomap iomap) throws FsException {
        try {
            ops.end(inode, pos, length, written, flags | IomapOps.DAX, iomap);
        } finally {
            if (changes(flags, iomap)) {
                mapChanged();
            }
        }
    }

    private static boolean changes(int flags, Iomap map) {
        return (flags & IomapOps.WRITE) != 0 || map.has(Iomap.F_NEW);
    }

    /** A held lock set, released by close. */
    interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * What a read of {@code [pos, end)} takes under the mount's locking model. Only where reads take
     * no lock that truncate takes (dioread_nolock) do they count themselves in {@code i_dio_count}:
     * under the others truncate's exclusive lock already waits for them.
     */
    Guard lockForRead(long pos, long end) {
        switch (mount.locking()) {
            case INODE_RWSEM, XFS_IOLOCK_MMAPLOCK -> ioLock.lockShared();
            case DIOREAD_NOLOCK -> dioStart();
            case RANGE_LOCK -> {
                return range(pos, end, false);
            }
        }
        return readGuard;
    }

    /**
     * A read that takes no lock, for the models whose reads take the I/O lock shared or count
     * themselves (dioread_nolock): {@return the lock's stamp, or 0 where the read must take its
     * lock or its count} (a writer holds the lock, or the model's reads take a range of it).
     * Truncate, fallocate and every write hold the I/O lock exclusively, so a read whose stamp is
     * still valid after it ({@link #validateRead}) saw the file as one of those instants left it,
     * as a read under the shared lock would have.
     */
    long optimisticRead() {
        return optimisticReads ? ioLock.optimisticRead() : 0;
    }

    /** {@return whether the read begun with {@code stamp} saw no writer} (else it is done again under the lock) */
    boolean validateRead(long stamp) {
        return ioLock.validate(stamp);
    }

    /** What a write of {@code [pos, end)} takes. */
    Guard lockForWrite(long pos, long end) {
        if (writeGuard == null) {
            return range(pos, end, true);
        }
        ioLock.lockExclusive();
        return writeGuard;
    }

    /**
     * Truncate, fallocate, per-file flag changes: everything, faults included. The block map changes
     * under it: counted once it is held (an unlocked reader of dioread_nolock, which the change
     * does not wait for once started, asks the personality from then on, as it would without kept
     * answers) and again at the end.
     */
    Guard lockWholeFile() {
        Guard io = lockForWrite(0, Long.MAX_VALUE);
        Guard mm = exclusive(invalidateLock);
        mapChanged();
        return () -> {
            mapChanged();
            mm.close();
            io.close();
        };
    }

    /**
     * Two files whole, as xfs_swap_extents takes them (lock_two_nondirectories, then
     * filemap_invalidate_lock_two): the I/O locks, then the invalidate locks, each pair by inode
     * number, the lower first.
     */
    static Guard lockTwoWholeFiles(AddressSpace a, AddressSpace b) {
        AddressSpace first = a.inode.ino() < b.inode.ino() ? a : b;
        AddressSpace second = first == a ? b : a;
        Guard io1 = first.lockForWrite(0, Long.MAX_VALUE);
        Guard io2 = second.lockForWrite(0, Long.MAX_VALUE);
        Guard mm1 = exclusive(first.invalidateLock);
        Guard mm2 = exclusive(second.invalidateLock);
        first.mapChanged();
        second.mapChanged();
        return () -> {
            first.mapChanged();
            second.mapChanged();
            mm2.close();
            mm1.close();
            io2.close();
            io1.close();
        };
    }

    /** Work done with the file held whole. */
    @FunctionalInterface
    public interface WholeFileWork {
        /**
         * Does it.
         *
         * @throws FsException what it failed with
         */
        void run() throws FsException;
    }

    /**
     * Runs {@code work} holding the file whole, if no one holds any of it, without waiting for
     * anyone: the nowait IOLOCK_EXCL and MMAPLOCK_EXCL of a background scan such as XFS's blockgc
     * (xfs_inode_free_cowblocks), which passes over a file in use and comes back later.
     *
     * @param work what to do with no I/O, fault, truncate or fallocate of the file under way
     * @return whether it ran
     * @throws FsException what {@code work} failed with
     */
    public boolean ifIdle(WholeFileWork work) throws FsException {
        Guard io;
        if (writeGuard == null) {
            RangeLock.Held h = rangeLock.tryLock(0, Long.MAX_VALUE, true, inode.ino());
            if (h == null) {
                return false;
            }
            io = h::release;
        } else if (ioLock.tryLockExclusive()) {
            io = writeGuard;
        } else {
            return false;
        }
        try {
            if (!invalidateLock.tryLockExclusive()) {
                return false;
            }
            try {
                mapChanged();
                work.run();
            } finally {
                mapChanged();
                invalidateLock.unlockExclusive();
            }
            return true;
        } finally {
            io.close();
        }
    }

    /** A page fault: shared against other faults, excluded by truncate and fallocate. */
    Guard lockForFault() {
        invalidateLock.lockShared();
        return faultGuard;
    }

    EntryLocks entries() {
        return entries;
    }

    private static Guard exclusive(RwSem l) {
        l.lockExclusive();
        return l::unlockExclusive;
    }

    private Guard range(long start, long end, boolean write) {
        RangeLock.Held h = rangeLock.lock(start, end, write, inode.ino());
        return h::release;
    }

    private void dioStart() {
        dioCount.incrementAndGet();
    }

    private void dioDone() {
        if (dioCount.decrementAndGet() == 0) {
            synchronized (dioLock) {
                dioLock.notifyAll();
            }
        }
    }

    /**
     * {@code inode_dio_wait}: returns when no DAX I/O of this inode is in flight that the caller's
     * locks do not already exclude (reads under dioread_nolock).
     */
    public void waitForDio() {
        boolean interrupted = false;
        synchronized (dioLock) {
            while (dioCount.get() > 0) {
                try {
                    dioLock.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
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

    /** {@return whether any mapping of the file is live} (a mapping holds its inode, as vm_file does) */
    public boolean mapped() {
        return !mappings.isEmpty();
    }

    /**
     * {@code unmap_mapping_range}: every mapping forgets its page entries over the file range
     * {@code [offset, offset + length)} (whole pages, PMDs touching it whole), so the next access
     * faults again and sees what the file holds then; views lose those pages until
     * {@link #refaultViews} maps what the file holds after the change.
     *
     * @param offset first byte of the range
     * @param length bytes in the range
     */
    public void unmapRange(long offset, long length) {
        for (DaxMapping m : mappings) {
            m.unmap(offset, length);
        }
    }

    /**
     * After truncate, punch, collapse or insert changed {@code [offset, offset + length)}: the
     * views map what a refault would find there now.
     *
     * @param offset first byte of the range
     * @param length bytes in the range
     * @throws FsException when the block map cannot be read
     */
    void refaultViews(long offset, long length) throws FsException {
        for (DaxMapping m : mappings) {
            m.refaultViews(offset, length);
        }
    }

    /**
     * A write or a write fault copied shared blocks on write into {@code map} ({@link Iomap#F_COW}):
     * every mapping forgets its entries there, which map the old blocks, and views show the new.
     * The caller holds the entry locks of the range (a fault) or the range's write lock (a write).
     */
    void copiedOnWrite(Iomap map) throws FsException {
        long first = map.offset() / DaxMount.PAGE;
        long last = (map.end() + DaxMount.PAGE - 1) / DaxMount.PAGE;
        for (DaxMapping m : mappings) {
            m.replaceCopied(first, last, map);
        }
    }

    /**
     * A write allocated {@code map} (F_NEW): under each entry lock of the range, the zero pages
     * mapped for the old hole go (dax_iomap_iter's invalidation), and views show the new blocks at
     * the same addresses.
     */
    void allocated(Iomap map) throws FsException {
        if (mappings.isEmpty()) {
            return; // a mapping made from now on faults after the allocation and sees it
        }
        long pmdPages = DaxMount.PMD / DaxMount.PAGE;
        long first = map.offset() / DaxMount.PAGE;
        long last = (map.end() + DaxMount.PAGE - 1) / DaxMount.PAGE;
        for (long pmd = first / pmdPages; pmd * pmdPages < last; pmd++) {
            long from = Math.max(first, pmd * pmdPages);
            long to = Math.min(last, (pmd + 1) * pmdPages);
            entries.lockPmd(pmd);
            try {
                for (DaxMapping m : mappings) {
                    m.replaceHole(from, to, map);
                }
            } finally {
                entries.unlockPmd(pmd);
            }
        }
    }
}
