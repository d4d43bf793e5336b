package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.ThreadCounters;
import dev.jdax.api.fs.Fadvise;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.ForwardingOpenFile;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.Remap;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SyncFileRange;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.List;

/**
 * An open DAX file, the same for every personality: what Linux's {@code *_dax_read_iter} /
 * {@code *_dax_write_iter}, {@code dax_iomap_rw}, {@code iomap_fiemap}, {@code iomap_seek_*}, the
 * generic truncate and fsync paths and {@code file_update_time} do — locks of the locking model,
 * EOF clipping, O_APPEND, EFBIG, short writes, media errors, mmap with MAP_SYNC refusal, truncate's
 * unmapping and tail zeroing, i_size and the times. The personality answers through the
 * {@link DaxInodeOps} of the file's {@link AddressSpace}.
 */
public final class DaxFile implements OpenFile {
    private final AddressSpace space;
    private final DaxInodeOps ops;
    private final int openFlags;
    /** {@link #state}: the file is closed. */
    private static final int CLOSED = 1;
    /** {@link #state}: the next access asks the mount's atime rule ({@link AddressSpace#accessed}). */
    static final int ASK_ATIME = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(DaxFile.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Whether reads and mappings through this file count as accesses (file_accessed): not O_NOATIME, not on a noatime mount. */
    private final boolean accesses;
    /**
     * {@link #CLOSED} and {@link #ASK_ATIME}: one word that every call loads to see whether the file
     * is closed, so that a read learns with the same load whether to ask the atime rule.
     */
    private volatile int state;
    /**
     * The cells of the mount's counters of the first thread that read or wrote through this file,
     * kept so that the byte count of a transfer is one array away rather than five objects (the
     * counter, its cells, their slots, the thread's cell, its array), each loaded right after the
     * copy. Set once, not per thread: threads sharing an open file would otherwise take its line
     * from each other at every transfer; the others look their cells up.
     */
    private long[] counters;

    DaxFile(AddressSpace space, int openFlags) {
        this.space = space;
        this.ops = space.ops();
        this.openFlags = openFlags;
        // Neither an O_NOATIME file nor one of a mount that writes no access time (noatime, read-only)
        // ever asks the rule.
        this.accesses = (openFlags & OpenFlags.O_NOATIME) == 0 && space.mount().atimeRule() != null;
        this.state = accesses ? ASK_ATIME : 0;
    }

    /**
     * Whether the address space lists this file among those a change of a time makes ask again.
     * Set before {@link #CLOSED} is looked at, as close sets CLOSED before it looks at this: so
     * either the close sees the file listed and takes it out, or the listing sees it closed.
     */
    private volatile boolean listed;

    /**
     * Lists this file in {@code accessors} unless it is closed (the address space's monitor held).
     *
     * @param accessors the address space's list
     * @return whether the file is listed: only then may it stop asking
     */
    boolean listedForAtime(java.util.List<DaxFile> accessors) {
        if (listed) {
            return true;
        }
        listed = true;
        if ((state & CLOSED) != 0) {
            listed = false;
            return false;
        }
        accessors.add(this);
        return true;
    }

    /** A time changed: the next access asks the atime rule. */
    void askAtime() {
        STATE.getAndBitwiseOr(this, ASK_ATIME);
    }

    /** The rule can say nothing new before a time changes: accesses stop asking. */
    void atimeAnswered() {
        STATE.getAndBitwiseAnd(this, ~ASK_ATIME);
    }

    @Override
    public long ino() {
        return space.inode().ino();
    }

    @Override
    public int flags() {
        return openFlags;
    }

    @Override
    public long size() throws FsException {
        open();
        return space.size();
    }

    /** Adds {@code n} to the mount's counter {@code counter}, in the calling thread's cells. */
    private void count(int counter, long n) {
        long[] c = counters;
        if (c == null || !ThreadCounters.isCurrentThreads(c)) {
            long[] mine = space.countersOfCurrentThread();
            if (c == null) {
                counters = mine;
            }
            c = mine;
        }
        ThreadCounters.add(c, counter, n);
    }

    private void open() throws FsException {
        if ((state & CLOSED) != 0) {
            throw closedFile();
        }
    }

    private FsException closedFile() {
        return FsException.of(Errno.EBADF, "inode %d: the file is closed", ino());
    }

    @Override
    public long read(long pos, MemorySegment dst) throws FsException {
        return read(pos, dst, 0, dst.byteSize());
    }

    /**
     * {@inheritDoc}
     *
     * <p>This method and {@link #copyOut} stay well under C2's limit for inlining a hot method
     * (FreqInlineSize, 325 bytes of bytecode): a read of 332 bytes, the atime question at its exits,
     * was too big, and random 4 KiB reads lost 0.09-0.15x of raw copies (0.02-0.06x with the same
     * question under the limit). What is rare (the refusals' messages, the torn read's clearing,
     * the atime rule) is in methods of its own.
     */
    @Override
    public long read(long pos, MemorySegment dst, long offset, long len) throws FsException {
        int st = state;
        if ((st & CLOSED) != 0) {
            throw closedFile();
        }
        if (!OpenFlags.readable(openFlags)) {
            throw notOpen("reading");
        }
        java.util.Objects.checkFromIndexSize(offset, len, dst.byteSize());
        if (pos < 0 || pos > Long.MAX_VALUE - len) {
            throw badRange("read", pos, len);
        }
        if (len == 0) {
            return 0; // no access: the access time stays, as *_dax_read_iter returns before file_accessed
        }
        return st == 0 ? copyOut(pos, dst, offset, len) : copyOutAsking(pos, dst, offset, len);
    }

    /**
     * A read that asks the atime rule after the copy ({@link #ASK_ATIME}): after the locks are
     * dropped and whatever the copy found (EOF, a media error), as Linux's read paths call
     * file_accessed. Apart from the read that does not ask, so that the call to the rule is not in
     * the compiled path of every read: with it at the copy's two ways out (taken a few times in a
     * run, after each change of the file's times, and never again), random 4 KiB reads ran 0.04-0.09x
     * of raw copies below a noatime mount's in the same paired runs; apart, within the runs' noise.
     */
    private long copyOutAsking(long pos, MemorySegment dst, long offset, long len) throws FsException {
        try {
            return copyOut(pos, dst, offset, len);
        } finally {
            space.accessed(this);
        }
    }

    /** The copy: lockless under the I/O lock's stamp where the locking model allows, else locked. */
    private long copyOut(long pos, MemorySegment dst, long offset, long len) throws FsException {
        long stamp = space.optimisticRead();
        long tried = 0;
        if (stamp != 0) {
            long r = DaxIo.readKept(space, pos, pos + len, dst, offset);
            if (r > 0 && space.validateRead(stamp)) {
                count(EngineCounters.BYTES_READ, r);
                return r;
            }
            tried = r >= 0 ? r : ~r;
        }
        long done = 0;
        try {
            done = readLocked(pos, len, dst, offset);
            return done;
        } finally {
            if (done < tried) {
                clearTorn(dst, offset + done, tried - done);
            }
        }
    }

    /**
     * The lockless attempt copied what a truncate (or a media error) has since taken away, perhaps
     * from blocks another file owns now: the caller's buffer past what was read keeps none of it.
     */
    private static void clearTorn(MemorySegment dst, long from, long length) {
        dst.asSlice(from, length).fill((byte) 0);
    }

    private FsException notOpen(String forWhat) {
        return FsException.of(Errno.EBADF, "inode %d: not open for %s", ino(), forWhat);
    }

    private FsException badRange(String what, long pos, long len) {
        return FsException.of(Errno.EINVAL, "inode %d: %s at offset %d length %d", ino(), what, pos, len);
    }

    private long readLocked(long pos, long len, MemorySegment dst, long offset) throws FsException {
        try (AddressSpace.Guard g = space.lockForRead(pos, pos + len)) {
            long size = space.size();
            if (pos >= size) {
                // Only here can pos pass the largest file (i_size never does): the limit, read from
                // the personality's inode, is not asked on the way of every read.
                Errno beyond = ops.readBeyondMaxBytes();
                if (beyond != null && pos >= ops.maxFileSize()) {
                    throw FsException.of(beyond, "inode %d: read at %d, beyond the largest file (%d)", ino(), pos, ops.maxFileSize());
                }
                return 0;
            }
            long done = DaxIo.read(space, pos, Math.min(pos + len, size), size, dst, offset);
            count(EngineCounters.BYTES_READ, done);
            return done;
        }
    }

    @Override
    public long write(long pos, MemorySegment src, int rwFlags) throws FsException {
        return write(pos, src, 0, src.byteSize(), rwFlags);
    }

    @Override
    public long write(long pos, MemorySegment src, long offset, long len, int rwFlags) throws FsException {
        open();
        if (!OpenFlags.writable(openFlags)) {
            throw notOpen("writing");
        }
        java.util.Objects.checkFromIndexSize(offset, len, src.byteSize());
        boolean append = (openFlags & OpenFlags.O_APPEND) != 0 || (rwFlags & OpenFlags.RWF_APPEND) != 0;
        if (!append && (pos < 0 || pos > Long.MAX_VALUE - len)) {
            throw badRange("write", pos, len);
        }
        try (AddressSpace.Guard g = append ? space.lockForWrite(0, Long.MAX_VALUE) : space.lockForWrite(pos, pos + len)) {
            if (append) {
                pos = space.size();
            }
            if (len == 0) {
                return 0;
            }
            ops.writeChecks();
            // Inside i_size the largest file cannot be passed: its limit is asked only beyond.
            long max = pos + len <= space.size() ? Long.MAX_VALUE : ops.maxFileSize();
            if (pos >= max) {
                throw FsException.of(Errno.EFBIG, "inode %d: write at %d, the largest file is %d bytes", ino(), pos, max);
            }
            long part = pos + len > max ? max - pos : len;
            boolean direct = (openFlags & OpenFlags.O_DIRECT) != 0;
            long done = DaxIo.write(space, pos, src, offset, part, space.size(), direct);
            if (done > 0) {
                space.written(pos + done);
                count(EngineCounters.BYTES_WRITTEN, done);
                // iocb_is_dsync: O_DSYNC, RWF_DSYNC or RWF_SYNC, or an inode flagged sync (chattr +S).
                if ((openFlags & OpenFlags.O_DSYNC) != 0 || (rwFlags & (OpenFlags.RWF_DSYNC | OpenFlags.RWF_SYNC)) != 0
                        || (ops.inodeFlags() & FsxAttr.FS_XFLAG_SYNC) != 0) {
                    boolean dataOnly = (openFlags & OpenFlags.O_SYNC) != OpenFlags.O_SYNC && (rwFlags & OpenFlags.RWF_SYNC) == 0;
                    if (!dataOnly) {
                        space.writeDirtyTimes(); // vfs_fsync_range: a full sync writes what lazytime kept
                    }
                    ops.commit(dataOnly);
                    space.mount().device().fence();
                }
            }
            return done;
        }
    }

    @Override
    public void truncate(long newSize) throws FsException {
        open();
        if (!OpenFlags.writable(openFlags)) {
            throw FsException.of(Errno.EINVAL, "inode %d: truncate of a file not open for writing", ino());
        }
        if (newSize < 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: truncate to %d", ino(), newSize);
        }
        if (InodeFlags.appendOnly(ops.inodeFlags())) {
            // do_sys_ftruncate, before the size is looked at.
            throw FsException.of(Errno.EPERM, "inode %d: truncate of an append-only file", ino());
        }
        if (newSize > ops.maxFileSize()) {
            throw FsException.of(Errno.EFBIG, "inode %d: truncate to %d, the largest file is %d bytes", ino(), newSize,
                    ops.maxFileSize());
        }
        ops.setsizeChecks();
        try (AddressSpace.Guard g = space.lockWholeFile()) {
            space.waitForDio();
            long old = space.size();
            long bs = ops.blockSize();
            if (newSize < old || newSize == old && ops.truncatesAtSameSize()) {
                long firstGone = (newSize + DaxMount.PAGE - 1) / DaxMount.PAGE * DaxMount.PAGE;
                space.unmapRange(firstGone, Long.MAX_VALUE);
                if (newSize % bs != 0) {
                    DaxZero.zeroRange(space, newSize, bs - newSize % bs);
                }
                Instant now = space.now();
                ops.truncateBlocks(newSize, now);
                space.resized(newSize);
            } else {
                if (newSize > old && old % bs != 0) {
                    DaxZero.zeroRange(space, old, bs - old % bs);
                }
                space.resized(newSize);
                space.persist();
                if (newSize > old) {
                    // Pages that were beyond EOF are a hole within the file now.
                    space.refaultViews(old / DaxMount.PAGE * DaxMount.PAGE, newSize - old / DaxMount.PAGE * DaxMount.PAGE);
                }
            }
        }
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        open();
        if (offset < 0 || length <= 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: fallocate at %d length %d", ino(), offset, length);
        }
        if ((mode & Falloc.PUNCH_HOLE) != 0 && (mode & Falloc.KEEP_SIZE) == 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "inode %d: PUNCH_HOLE needs KEEP_SIZE", ino());
        }
        if (!OpenFlags.writable(openFlags)) {
            throw FsException.of(Errno.EBADF, "inode %d: not open for writing", ino());
        }
        // vfs_fallocate: an append-only file takes only allocation that may grow it, an immutable
        // one nothing, and both before the format is asked (ext2's EOPNOTSUPP comes after).
        int inodeFlags = ops.inodeFlags();
        if (InodeFlags.appendOnly(inodeFlags) && (mode & ~Falloc.KEEP_SIZE) != 0) {
            throw FsException.of(Errno.EPERM, "inode %d: fallocate mode %#x of an append-only file", ino(), mode);
        }
        if (InodeFlags.immutable(inodeFlags)) {
            throw FsException.of(Errno.EPERM, "inode %d: fallocate of an immutable file", ino());
        }
        if (offset > Long.MAX_VALUE - length) {
            throw FsException.of(Errno.EFBIG, "inode %d: fallocate at %d length %d", ino(), offset, length);
        }
        boolean shifts = (mode & (Falloc.COLLAPSE_RANGE | Falloc.INSERT_RANGE)) != 0;
        // Unsharing moves blocks (copy on write): mappings of the range must find the new ones.
        boolean clears = (mode & (Falloc.PUNCH_HOLE | Falloc.ZERO_RANGE | Falloc.UNSHARE_RANGE)) != 0;
        try (AddressSpace.Guard g = space.lockWholeFile()) {
            space.waitForDio();
            long changedFrom = offset / DaxMount.PAGE * DaxMount.PAGE;
            long changedLength = shifts ? Long.MAX_VALUE : offset + length - changedFrom;
            if (shifts || clears) {
                space.unmapRange(changedFrom, changedLength);
            }
            long old = space.size();
            long newSize = ops.fallocate(mode, offset, length, old);
            if (newSize != old || shifts || clears) {
                space.resized(newSize);
                space.persist();
            }
            if (shifts || clears) {
                space.refaultViews(changedFrom, changedLength);
            }
        }
    }

    /**
     * xfs_ioc_swapext and xfs_swap_extents' part above the format: each descriptor open for reading
     * and writing and not appending (EBADF), the donor an engine file of this mount (EINVAL) and
     * not this file (EINVAL); then both files held whole, their mappings unmapped (the pages
     * xfs_swap_extent_flush drops), the personality's exchange, and views refaulted over the
     * exchanged blocks.
     */
    @Override
    public void swapExtents(OpenFile donor, long offset, long length, Instant ctime, Instant mtime)
            throws FsException {
        open();
        if (!swappable(openFlags) || !swappable(donor.flags())) {
            throw FsException.of(Errno.EBADF, "inode %d: XFS_IOC_SWAPEXT needs both files open for reading and writing, "
                    + "not appending", ino());
        }
        DaxFile other = engineFileOf(donor);
        if (other == null || other.space.mount() != space.mount()) {
            throw FsException.of(Errno.EINVAL, "inode %d: XFS_IOC_SWAPEXT donor is not a file of this file system", ino());
        }
        if (other.space == space) {
            throw FsException.of(Errno.EINVAL, "inode %d: XFS_IOC_SWAPEXT of a file with itself", ino());
        }
        other.open();
        try (AddressSpace.Guard g = AddressSpace.lockTwoWholeFiles(space, other.space)) {
            space.waitForDio();
            other.space.waitForDio();
            space.unmapRange(0, Long.MAX_VALUE);
            other.space.unmapRange(0, Long.MAX_VALUE);
            try {
                ops.swapExtents(other.ops, offset, length, ctime, mtime);
            } finally {
                // Refused, the forks are as they were: the views map them again either way.
                space.refaultViews(0, Long.MAX_VALUE);
                other.space.refaultViews(0, Long.MAX_VALUE);
            }
        }
    }

    /**
     * {@code remap_file_range} from this file (FICLONERANGE, copy_file_range's first try): the
     * checks of do_clone_file_range and __generic_remap_file_range_prep in their order, both files
     * held whole (xfs_ilock2_io_mmap), the destination's range unmapped and the source's too (Linux
     * write-protects it: a store through a mapping must fault and copy on write now), then the
     * personality's remap, the destination's size and times, and views refaulted.
     */
    @Override
    public long remapRange(long posIn, OpenFile out, long posOut, long length, int remapFlags) throws FsException {
        open();
        DaxFile dst = engineFileOf(out);
        if (dst == null || dst.space.mount() != space.mount()) {
            throw FsException.of(Errno.EXDEV, "inode %d: remap into a file of another file system", ino());
        }
        if (!OpenFlags.readable(openFlags) || !OpenFlags.writable(dst.openFlags)
                || (dst.openFlags & OpenFlags.O_APPEND) != 0) {
            throw FsException.of(Errno.EBADF, "inode %d: remap needs the source open for reading and the destination"
                    + " for writing, not appending", ino());
        }
        if (!ops.remapsBlocks()) {
            throw FsException.of(Errno.EOPNOTSUPP, "inode %d: this file system shares no blocks", ino());
        }
        if (posIn < 0 || posOut < 0 || length < 0 || posIn + length < 0 || posOut + length < 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: remap of %d bytes from %d to %d", ino(), length, posIn, posOut);
        }
        if ((remapFlags & ~(Remap.DEDUP | Remap.CAN_SHORTEN | Remap.ADVISORY)) != 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: remap flags %#x", ino(), remapFlags);
        }
        dst.open();
        boolean same = dst.space == space;
        try (AddressSpace.Guard g = same ? space.lockWholeFile() : AddressSpace.lockTwoWholeFiles(space, dst.space)) {
            if (ops.isDax() != dst.ops.isDax()) {
                throw FsException.of(Errno.EINVAL, "inode %d: remap between a DAX file and one that is not", ino());
            }
            long len = Remap.prepare(ino(), dst.ino(), same, posIn, posOut, length, remapFlags, space.size(),
                    dst.space.size(), ops.blockSize(), InodeFlags.immutable(dst.ops.inodeFlags()));
            if (len == 0) {
                return 0;
            }
            space.waitForDio();
            dst.space.waitForDio();
            if ((remapFlags & Remap.DEDUP) != 0 && !sameContents(space, posIn, dst.space, posOut, len)) {
                throw FsException.of(Errno.EBADE, "inode %d: dedupe of %d bytes at %d: inode %d at %d differs", ino(), len,
                        posIn, dst.ino(), posOut);
            }
            long unmapFrom = Math.min(posOut, dst.space.size()) / DaxMount.PAGE * DaxMount.PAGE;
            dst.space.unmapRange(unmapFrom, posOut + len - unmapFrom);
            space.unmapRange(posIn / DaxMount.PAGE * DaxMount.PAGE, len + posIn % DaxMount.PAGE);
            try {
                long size = dst.ops.remapFrom(ops, posIn, posOut, len, Math.max(dst.space.size(), posOut + len));
                if ((remapFlags & Remap.DEDUP) == 0) {
                    // file_modified, and xfs_reflink_update_dest: the size reaches the range's end even
                    // where it ends in a hole, which the runs themselves leave alone. A dedupe changes
                    // no content: no time, and its range lies within EOF.
                    dst.space.resized(Math.max(Math.max(size, posOut + len), dst.space.size()));
                    dst.space.persist();
                }
            } finally {
                dst.space.refaultViews(unmapFrom, posOut + len - unmapFrom);
                space.refaultViews(posIn / DaxMount.PAGE * DaxMount.PAGE, len + posIn % DaxMount.PAGE);
            }
            return len;
        }
    }

    /**
     * dax_dedupe_file_range_compare: whether the two ranges, inside both files' ends, read the same
     * (through the engine's read path, which sets no access time; holes and unwritten blocks as zeros).
     */
    private static boolean sameContents(AddressSpace a, long posA, AddressSpace b, long posB, long len) throws FsException {
        int chunk = (int) Math.min(len, 64 << 10);
        byte[] x = new byte[chunk];
        byte[] y = new byte[chunk];
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(chunk, len - done);
            if (DaxIo.read(a, posA + done, posA + done + n, a.size(), MemorySegment.ofArray(x), 0) != n
                    || DaxIo.read(b, posB + done, posB + done + n, b.size(), MemorySegment.ofArray(y), 0) != n) {
                throw FsException.of(Errno.EIO, "inode %d: dedupe compare read short at %d", a.inode().ino(), posA + done);
            }
            if (!java.util.Arrays.equals(x, 0, n, y, 0, n)) {
                return false;
            }
            done += n;
        }
        return true;
    }

    private static boolean swappable(int flags) {
        return (flags & OpenFlags.O_ACCMODE) == OpenFlags.O_RDWR && (flags & OpenFlags.O_APPEND) == 0;
    }

    /** The engine's file under {@code f}'s wrappers (the VFS's, a personality's), or null. */
    private static DaxFile engineFileOf(OpenFile f) {
        while (f instanceof ForwardingOpenFile w) {
            f = w.delegate();
        }
        return f instanceof DaxFile d ? d : null;
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        open();
        for (DaxMapping m : space.mappings()) {
            m.writeBack(0, Long.MAX_VALUE);
        }
        if (!dataOnly) {
            space.writeDirtyTimes(); // vfs_fsync_range: fsync, not fdatasync, writes what lazytime kept
        }
        ops.commit(dataOnly);
        space.mount().device().fence();
    }

    @Override
    public void fadvise(long offset, long length, int advice) throws FsException {
        open();
        Fadvise.check(ino(), offset, length, advice);
    }

    @Override
    public void syncRange(long offset, long length, int flags) throws FsException {
        open();
        long end = SyncFileRange.check(ino(), offset, length, flags);
        // Only the three flags together are file_write_and_wait_range (WB_SYNC_ALL); the others start
        // WB_SYNC_NONE writeback, which dax_writeback_mapping_range returns from at once.
        if ((flags & SyncFileRange.WRITE_AND_WAIT) == SyncFileRange.WRITE_AND_WAIT) {
            long last = end == Long.MAX_VALUE ? Long.MAX_VALUE : (end + DaxMount.PAGE - 1) / DaxMount.PAGE;
            for (DaxMapping m : space.mappings()) {
                m.writeBack(offset / DaxMount.PAGE, last);
            }
            space.mount().device().fence();
        }
    }

    @Override
    public long seekData(long offset) throws FsException {
        open();
        if (!ops.seeksHoles()) {
            return genericSeek(offset, "SEEK_DATA", offset);
        }
        try (AddressSpace.Guard g = space.lockForRead(0, Long.MAX_VALUE)) {
            return IomapReport.seekData(space, offset, space.size());
        }
    }

    @Override
    public long seekHole(long offset) throws FsException {
        open();
        if (!ops.seeksHoles()) {
            return genericSeek(offset, "SEEK_HOLE", space.size());
        }
        try (AddressSpace.Guard g = space.lockForRead(0, Long.MAX_VALUE)) {
            return IomapReport.seekHole(space, offset, space.size());
        }
    }

    /** generic_file_llseek: every byte before EOF is data, EOF the only hole. */
    private long genericSeek(long offset, String what, long answer) throws FsException {
        long size = space.size();
        if (offset < 0 || offset >= size) {
            throw FsException.of(Errno.ENXIO, "inode %d: %s at %d beyond EOF (%d)", ino(), what, offset, size);
        }
        return answer;
    }

    @Override
    public List<FiemapExtent> fiemap(long start, long length) throws FsException {
        open();
        if (start < 0 || length < 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: fiemap at %d length %d", ino(), start, length);
        }
        try (AddressSpace.Guard g = space.lockForRead(0, Long.MAX_VALUE)) {
            long end = start > Long.MAX_VALUE - length ? Long.MAX_VALUE : start + length;
            return IomapReport.fiemap(space, start, Math.min(end, ops.reportLimit(space.size())));
        }
    }

    @Override
    public StatInfo stat() throws FsException {
        open();
        return ops.stat();
    }

    @Override
    public FsxAttr fsxattr() throws FsException {
        open();
        return ops.fsxattr();
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        open();
        try (AddressSpace.Guard g = space.lockWholeFile()) {
            ops.setDaxFlag(dax);
        }
    }

    @Override
    public void setExtsize(long bytes) throws FsException {
        open();
        try (AddressSpace.Guard g = space.lockWholeFile()) {
            ops.setExtsize(bytes);
        }
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        open();
        if (length <= 0 || offset < 0 || offset % DaxMount.PAGE != 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: mmap at %d length %d", ino(), offset, length);
        }
        if (ops.blockSize() != DaxMount.PAGE) {
            throw FsException.of(Errno.EOPNOTSUPP, "inode %d: mmap with %d-byte blocks needs the page cache jdax does not emulate",
                    ino(), ops.blockSize());
        }
        ops.mayMmap();
        if (offset > Long.MAX_VALUE - length) {
            throw FsException.of(Errno.EOVERFLOW, "inode %d: mmap at %d length %d", ino(), offset, length);
        }
        FileMapping.checkTypeAndAccess(ino(), prot, flags, openFlags);
        int type = flags & FileMapping.MAP_TYPE;
        if (type != FileMapping.MAP_PRIVATE && OpenFlags.writable(openFlags) && InodeFlags.appendOnly(ops.inodeFlags())) {
            // do_mmap: no shared mapping of an append-only file through a descriptor that can write.
            throw FsException.of(Errno.EACCES, "inode %d: shared mapping of an append-only file open for writing", ino());
        }
        if (type == FileMapping.MAP_PRIVATE && (prot & FileMapping.PROT_WRITE) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "inode %d: private writable mappings (copy on write) are not emulated", ino());
        }
        if (type == FileMapping.MAP_SHARED_VALIDATE && (flags & FileMapping.MAP_SYNC) != 0) {
            if (!(ops.isDax() && ops.supportsMapSync())) {
                throw FsException.of(Errno.EOPNOTSUPP, "inode %d: MAP_SYNC needs a DAX file%s", ino(),
                        ops.supportsMapSync() ? "" : " on a file system that supports it");
            }
            var info = space.mount().device().info();
            if (!info.persistent()) {
                // daxdev_mapping_supported: only a synchronous device can keep MAP_SYNC's promise.
                throw FsException.of(Errno.EOPNOTSUPP, "inode %d: MAP_SYNC on a device whose flushes do not reach persistence (%s)",
                        ino(), info.mapping());
            }
        }
        DaxMapping m = new DaxMapping(space, offset, length, prot, flags);
        space.addMapping(m);
        if (accesses) {
            // The ->mmap methods' file_accessed, with the whole rule (relatime's day-old clause too:
            // mappings are made seldom); loads and stores through the mapping are not accesses.
            askAtime();
            space.accessed(this);
        }
        return m;
    }

    @Override
    public void close() {
        STATE.getAndBitwiseOr(this, CLOSED);
        if (listed) {
            space.closed(this); // after a listing in progress, which holds the monitor it takes
        }
    }
}
