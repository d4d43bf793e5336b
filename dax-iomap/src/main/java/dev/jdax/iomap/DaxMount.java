package dev.jdax.iomap;

import dev.jdax.api.BadBlocks;
import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.fs.AtimeRule;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The engine's state for one mounted file system: the device, the generic mount options
 * ({@code media_errors=}, {@code locking=}), the counters, and the shared zero page that read faults
 * on holes map.
 */
public final class DaxMount {
    static final long PAGE = DaxDevice.PAGE_SIZE;
    static final long PMD = 2L << 20;

    private final DaxDevice device;
    /** The device's bad-sector list (one per device, for its life): asked on every read and write. */
    private final BadBlocks badBlocks;
    private final LockingModel locking;
    private final MediaErrorPolicy mediaErrors;
    /** When reads and mappings write access times; null where none does (noatime, a read-only mount). */
    private final AtimeRule atimeRule;
    private final boolean lazytime;
    /**
     * The inodes whose times lazytime keeps in core, not yet written (the superblock's
     * {@code b_dirty_time} list: a regular file's address space, or a personality's directory or
     * symbolic link), by inode number. Being on it is the inode's I_DIRTY_TIME. Written by
     * {@link #writeDirtyTimes} at sync and unmount, and found by number by a personality that writes
     * their inodes' block anyway ({@link #dirtyTimesOf}).
     */
    private final ConcurrentHashMap<Long, KeptTimes> dirtyTimes = new ConcurrentHashMap<>();
    private final EngineCounters counters = new EngineCounters();
    private final MemorySegment zeroPage;
    private final MemorySegment zeroPmd;
    /** The device's whole memory while it has no bad sector, or null: see {@link #cleanMemory()}. */
    private volatile CleanMemory clean;

    /** The device's memory, found clean when the bad-block list had {@code additions} additions. */
    record CleanMemory(MemorySegment memory, long additions) {
    }

    /**
     * The engine's state for a mount read-only exactly when {@code options} ask it (the format adds
     * no reason of its own).
     *
     * @param device         the device the file system is on
     * @param options        the mount options
     * @param defaultLocking the personality's own model, used unless {@code locking=} overrides it
     * @throws FsException EINVAL naming an unknown {@code media_errors=} or {@code locking=} value
     */
    public DaxMount(DaxDevice device, MountOptions options, LockingModel defaultLocking) throws FsException {
        this(device, options, defaultLocking, options.readOnly());
    }

    /**
     * The engine's state for a new mount of {@code device}, its generic options parsed from {@code options}.
     *
     * @param device         the device the file system is on
     * @param options        the mount options; {@code media_errors=} and {@code locking=} are read here
     * @param defaultLocking the personality's own model, used unless {@code locking=} overrides it
     * @param readOnly       whether the mount is read-only (asked, or made so by the format): no
     *                       access time is written then
     * @throws FsException EINVAL naming an unknown {@code media_errors=} or {@code locking=} value
     */
    public DaxMount(DaxDevice device, MountOptions options, LockingModel defaultLocking, boolean readOnly)
            throws FsException {
        this.device = device;
        this.atimeRule = AtimeRule.writing(options, readOnly);
        this.lazytime = options.lazytime() && !readOnly;
        this.badBlocks = device.badBlocks();
        this.locking = options.has("locking") ? LockingModel.parse(options.value("locking", "")) : defaultLocking;
        this.mediaErrors = MediaErrorPolicy.parse(options.value("media_errors", MediaErrorPolicy.RECOVERY_WRITE.optionName()));
        // Read-only, as the kernel's zero page: a store through it is a bug the segment reports.
        MemorySegment zeros = Arena.ofAuto().allocate(PMD, PAGE);
        this.zeroPmd = zeros.asReadOnly();
        this.zeroPage = zeroPmd.asSlice(0, PAGE);
    }

    /** {@return the device this mount's files live on} */
    public DaxDevice device() {
        return device;
    }

    /** {@return the locking model every file of the mount follows} */
    public LockingModel locking() {
        return locking;
    }

    /** {@return when reads and mappings of regular files write their access times}, or null where none does */
    AtimeRule atimeRule() {
        return atimeRule;
    }

    /** {@return whether times that change alone stay in core until the inode's next write, fsync, sync or unmount} */
    public boolean lazytime() {
        return lazytime;
    }

    /**
     * Inode {@code ino} ({@code k}) now holds times lazytime keeps in core: a personality's
     * directory or symbolic link whose access time changed, for instance.
     *
     * @param ino the inode number
     * @param k   what writes them
     */
    public void keep(long ino, KeptTimes k) {
        dirtyTimes.put(ino, k);
    }

    /**
     * update_time(S_ATIME) under lazytime for an inode without an address space (a directory, a
     * symbolic link): {@code setInCore} puts the time into the in-core inode, under the inode's own
     * monitor, and the inode goes on the list (which is what marks it kept).
     *
     * @param ino       the inode number
     * @param inode     what writes it
     * @param setInCore sets the time in core
     * @return false when the mount is not lazytime: the caller writes the time itself
     */
    public boolean keepAtime(long ino, KeptTimes inode, Runnable setInCore) {
        if (!lazytime) {
            return false;
        }
        setInCore.run();
        keep(ino, inode);
        return true;
    }

    /**
     * Whether inode {@code ino}'s times are kept in core by {@code k} (not yet written).
     *
     * @param ino the inode number
     * @param k   what {@link #keep} was given
     * @return whether it is on the list
     */
    public boolean keeps(long ino, KeptTimes k) {
        return dirtyTimes.get(ino) == k;
    }

    /**
     * Inode {@code ino}'s kept times were written (with any write of the inode).
     *
     * @param ino the inode number
     * @param k   what {@link #keep} was given
     */
    public void written(long ino, KeptTimes k) {
        dirtyTimes.remove(ino, k);
    }

    /**
     * The address space of inode {@code ino} while lazytime keeps times of it in core: for ext4,
     * which writes them into an inode table block it writes anyway.
     *
     * @param ino the inode number
     * @return its address space (or the personality's inode, for one without), or null when none of its times is kept
     */
    public KeptTimes dirtyTimesOf(long ino) {
        return dirtyTimes.isEmpty() ? null : dirtyTimes.get(ino);
    }

    /**
     * Writes every time lazytime kept in core, as sync and unmount write the inodes on the
     * {@code b_dirty_time} list; a personality calls it before it commits for either.
     *
     * @throws FsException the first inode that could not be written (the others are still written)
     */
    public void writeDirtyTimes() throws FsException {
        FsException first = null;
        for (KeptTimes s : dirtyTimes.values()) {
            try {
                s.writeDirtyTimes();
            } catch (FsException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** {@return what writes into poisoned pages do on this mount} */
    public MediaErrorPolicy mediaErrors() {
        return mediaErrors;
    }

    /**
     * The engine state of one in-core regular file; the personality keeps exactly one per inode,
     * made when the inode is read into core.
     *
     * @param inode the in-core inode
     * @param ops   the personality's answers for it
     * @param size  {@code i_size} as the format holds it
     * @param atime the access time as the format holds it
     * @param mtime the modification time as the format holds it
     * @param ctime the change time as the format holds it
     * @return the new address space
     */
    public AddressSpace newAddressSpace(Inode inode, DaxInodeOps ops, long size, Instant atime, Instant mtime,
                                        Instant ctime) {
        return new AddressSpace(this, inode, ops, size, atime, mtime, ctime);
    }

    /** {@return what the engine and the device counted on this mount so far} */
    public MountCounters counters() {
        var d = device.counters();
        return counters.snapshot(d.linesFlushed(), d.fences());
    }

    EngineCounters engineCounters() {
        return counters;
    }

    /**
     * The whole device's memory as one window while no sector of it is bad, else null: what the
     * data path copies from and to when a window per I/O would find nothing to refuse
     * ({@code dax_direct_access} of a clean range). Made once, dropped when a sector goes bad.
     */
    MemorySegment cleanMemory() {
        CleanMemory c = clean();
        return c == null ? null : c.memory();
    }

    /** {@link #cleanMemory()} with the bad-block list's additions it was found clean at, or null. */
    CleanMemory clean() {
        BadBlocks bad = badBlocks;
        long additions = bad.additions();
        CleanMemory c = clean;
        if (c != null && c.additions() == additions && bad.isEmpty()) {
            return c;
        }
        if (!bad.isEmpty()) {
            return null;
        }
        try {
            DaxWindow w = device.directAccess(0, device.size() / PAGE, DaxAccessMode.ACCESS);
            c = new CleanMemory(w.segment(), additions);
            clean = c;
            return c;
        } catch (FsException e) {
            return null; // a closed device: the I/O's own window says so
        }
    }

    /** The device's bad-sector list. */
    BadBlocks badBlocks() {
        return badBlocks;
    }

    MemorySegment zeroPage() {
        return zeroPage;
    }

    MemorySegment zeroPmd() {
        return zeroPmd;
    }
}
