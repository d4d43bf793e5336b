package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * An open DAX file, for every personality: what Linux's {@code *_dax_read_iter}/{@code *_dax_write_iter},
 * {@code dax_iomap_rw}, {@code dax_iomap_fault}, {@code iomap_fiemap}, {@code iomap_seek_*} and the
 * generic truncate and fsync paths do — locks of the locking model, EOF clipping, O_APPEND, EFBIG,
 * short writes, media errors, mmap with MAP_SYNC refusal, truncate's unmapping and tail zeroing.
 * The personality supplies its metadata through the hooks.
 */
public abstract class DaxFile implements OpenFile {
    /** {@code FS_XFLAG_DAX}. */
    public static final int FS_XFLAG_DAX = 0x8000;

    /** The engine state of this file's inode. */
    protected final AddressSpace space;
    private final int openFlags;

    /**
     * An open file over {@code space}, opened with {@code openFlags} ({@link dev.jdax.api.fs.OpenFlags}).
     *
     * @param space     the engine state of the file's inode
     * @param openFlags the {@link dev.jdax.api.fs.OpenFlags} it is opened with
     */
    protected DaxFile(AddressSpace space, int openFlags) {
        this.space = space;
        this.openFlags = openFlags;
    }

    // ---- hooks -----------------------------------------------------------------------------

    /** {@return {@code s_maxbytes}}: writes at or beyond fail with EFBIG, and are cut short before it. */
    protected abstract long maxFileSize();

    /**
     * Persists {@code i_size} (an extending write, truncate). Called under the inode's write lock.
     *
     * @param newSize the new {@code i_size}
     * @throws FsException when the inode cannot be written (EIO, ENOSPC for a journal)
     */
    protected abstract void setSize(long newSize) throws FsException;

    /**
     * Truncate down: frees the blocks wholly beyond {@code newSize} (the engine has unmapped and zeroed).
     *
     * @param newSize the new size; blocks wholly beyond it go
     * @throws FsException when the block maps cannot be read or written
     */
    protected abstract void freeBlocksBeyond(long newSize) throws FsException;

    /**
     * fallocate's metadata part for the personality's modes; EOPNOTSUPP for the others.
     *
     * @param mode   {@link dev.jdax.api.fs.Falloc} bits
     * @param offset first byte
     * @param length bytes
     * @throws FsException EOPNOTSUPP for a mode the personality lacks, ENOSPC, EIO
     */
    protected abstract void doFallocate(int mode, long offset, long length) throws FsException;

    /**
     * fsync's metadata part ({@code dataOnly}: fdatasync, only what reading the data back needs).
     *
     * @param dataOnly true for fdatasync
     * @throws FsException when the metadata cannot be written
     */
    protected abstract void commit(boolean dataOnly) throws FsException;

    /**
     * The inode's {@code statx}, as {@link #stat} returns it.
     *
     * @return the inode's attributes
     * @throws FsException when the inode cannot be read
     */
    protected abstract StatInfo doStat() throws FsException;

    /** {@return the block size zeroing works in} (truncate's tail). */
    protected int blockSize() {
        return (int) DaxMount.PAGE;
    }

    /** {@return whether this file is DAX now} (mount {@code dax=}, the per-file flag). */
    protected boolean isDax() {
        return true;
    }

    /** {@return whether the personality supports MAP_SYNC at all} (Linux's ext2 does not). */
    protected boolean supportsMapSync() {
        return true;
    }

    /**
     * The error a read at or beyond {@code s_maxbytes} gets, or null to read as beyond EOF. Linux 6.1
     * differs here: ext4 answers EINVAL, ext2 EIO, XFS 0.
     *
     * @return the errno, or null
     */
    protected Errno readBeyondMaxBytes() {
        return null;
    }

    /**
     * Where FIEMAP's walk stops: EOF by default; personalities with blocks beyond EOF say so.
     *
     * @return the file offset where the walk stops, block aligned
     * @throws FsException when the inode cannot be read
     */
    protected long reportLimit() throws FsException {
        long bs = blockSize();
        return (space.inode().size() + bs - 1) / bs * bs;
    }

    /**
     * After a write moved bytes: the personality updates mtime/ctime.
     *
     * @param pos   where the write started
     * @param bytes how many it moved
     * @throws FsException when the inode cannot be written
     */
    protected void fileWritten(long pos, long bytes) throws FsException {
    }

    /**
     * What {@code close} releases besides the engine's part.
     *
     * @throws FsException when what is released must be written and cannot be
     */
    protected void release() throws FsException {
    }

    /**
     * {@code FS_IOC_FSGETXATTR}: by default the DAX flag and the extent count FIEMAP gives.
     *
     * @return the attributes
     * @throws FsException when the extents cannot be read
     */
    protected FsxAttr doFsxattr() throws FsException {
        int extents = fiemap(0, Long.MAX_VALUE).size();
        return new FsxAttr(isDax() ? FS_XFLAG_DAX : 0, 0, 0, extents, 0, 0);
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: no per-file DAX flag here", ino());
    }

    // ---- OpenFile ----------------------------------------------------------------------------

    @Override
    public long ino() {
        return space.inode().ino();
    }

    @Override
    public int flags() {
        return openFlags;
    }

    @Override
    public long size() {
        return space.inode().size();
    }

    @Override
    public long read(long pos, MemorySegment dst) throws FsException {
        if (!OpenFlags.readable(openFlags)) {
            throw FsException.of(Errno.EBADF, "inode %d: not open for reading", ino());
        }
        long len = dst.byteSize();
        if (pos < 0 || pos > Long.MAX_VALUE - len) {
            throw FsException.of(Errno.EINVAL, "inode %d: read at offset %d length %d", ino(), pos, len);
        }
        if (len == 0) {
            return 0;
        }
        Errno beyond = readBeyondMaxBytes();
        if (beyond != null && pos >= maxFileSize()) {
            throw FsException.of(beyond, "inode %d: read at %d, beyond the largest file (%d)", ino(), pos, maxFileSize());
        }
        try (AddressSpace.Guard g = space.lockForRead(pos, pos + len)) {
            long size = space.inode().size();
            if (pos >= size) {
                return 0;
            }
            long end = Math.min(pos + len, size);
            space.dioStart();
            try {
                DaxIo.Done d = DaxIo.read(space, pos, end, dst);
                space.mount().engineCounters().bytesRead.add(d.bytes());
                return d.orThrow();
            } finally {
                space.dioDone();
            }
        }
    }

    @Override
    public long write(long pos, MemorySegment src, int rwFlags) throws FsException {
        if (!OpenFlags.writable(openFlags)) {
            throw FsException.of(Errno.EBADF, "inode %d: not open for writing", ino());
        }
        boolean append = (openFlags & OpenFlags.O_APPEND) != 0 || (rwFlags & OpenFlags.RWF_APPEND) != 0;
        long len = src.byteSize();
        if (!append && (pos < 0 || pos > Long.MAX_VALUE - len)) {
            throw FsException.of(Errno.EINVAL, "inode %d: write at offset %d length %d", ino(), pos, len);
        }
        try (AddressSpace.Guard g = append ? space.lockForWrite(0, Long.MAX_VALUE) : space.lockForWrite(pos, pos + len)) {
            if (append) {
                pos = space.inode().size();
            }
            if (len == 0) {
                return 0;
            }
            long max = maxFileSize();
            if (pos >= max) {
                throw FsException.of(Errno.EFBIG, "inode %d: write at %d, the largest file is %d bytes", ino(), pos, max);
            }
            MemorySegment part = pos + len > max ? src.asSlice(0, max - pos) : src;
            boolean direct = (openFlags & OpenFlags.O_DIRECT) != 0;
            space.dioStart();
            DaxIo.Done d;
            try {
                d = DaxIo.write(space, pos, part, direct);
            } finally {
                space.dioDone();
            }
            if (d.bytes() > 0) {
                extendTo(pos + d.bytes());
                fileWritten(pos, d.bytes());
                space.mount().engineCounters().bytesWritten.add(d.bytes());
                if ((openFlags & OpenFlags.O_DSYNC) != 0 || (rwFlags & (OpenFlags.RWF_DSYNC | OpenFlags.RWF_SYNC)) != 0) {
                    commit((openFlags & OpenFlags.O_SYNC) != OpenFlags.O_SYNC && (rwFlags & OpenFlags.RWF_SYNC) == 0);
                    space.mount().device().fence();
                }
            }
            return d.orThrow();
        }
    }

    /** Raises i_size, never lowers it: writers of disjoint ranges may finish in any order. */
    private void extendTo(long end) throws FsException {
        synchronized (space) {
            if (end > space.inode().size()) {
                setSize(end);
            }
        }
    }

    @Override
    public void truncate(long newSize) throws FsException {
        if (!OpenFlags.writable(openFlags)) {
            throw FsException.of(Errno.EINVAL, "inode %d: truncate of a file not open for writing", ino());
        }
        if (newSize < 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: truncate to %d", ino(), newSize);
        }
        if (newSize > maxFileSize()) {
            throw FsException.of(Errno.EFBIG, "inode %d: truncate to %d, the largest file is %d bytes", ino(), newSize, maxFileSize());
        }
        try (AddressSpace.Guard g = space.lockWholeFile()) {
            space.waitForDio();
            long old = space.inode().size();
            long bs = blockSize();
            if (newSize < old) {
                space.unmapRange((newSize + DaxMount.PAGE - 1) / DaxMount.PAGE * DaxMount.PAGE, Long.MAX_VALUE);
                if (newSize % bs != 0) {
                    DaxZero.zeroRange(space, newSize, bs - newSize % bs);
                }
                setSize(newSize);
                freeBlocksBeyond(newSize);
            } else if (newSize > old) {
                if (old % bs != 0) {
                    DaxZero.zeroRange(space, old, bs - old % bs);
                }
                setSize(newSize);
            }
        }
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        if (offset < 0 || length <= 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: fallocate at %d length %d", ino(), offset, length);
        }
        if ((mode & Falloc.PUNCH_HOLE) != 0 && (mode & Falloc.KEEP_SIZE) == 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "inode %d: PUNCH_HOLE needs KEEP_SIZE", ino());
        }
        if (!OpenFlags.writable(openFlags)) {
            throw FsException.of(Errno.EBADF, "inode %d: not open for writing", ino());
        }
        if (offset > Long.MAX_VALUE - length) {
            throw FsException.of(Errno.EFBIG, "inode %d: fallocate at %d length %d", ino(), offset, length);
        }
        try (AddressSpace.Guard g = space.lockWholeFile()) {
            space.waitForDio();
            if ((mode & (Falloc.COLLAPSE_RANGE | Falloc.INSERT_RANGE)) != 0) {
                space.unmapRange(offset, Long.MAX_VALUE);
            } else if ((mode & (Falloc.PUNCH_HOLE | Falloc.ZERO_RANGE)) != 0) {
                space.unmapRange(offset, length);
            }
            doFallocate(mode, offset, length);
        }
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        for (DaxMapping m : space.mappings()) {
            m.writeBackDirty();
        }
        commit(dataOnly);
        space.mount().device().fence();
    }

    boolean isDaxForFaults() {
        return isDax();
    }

    void commitFromFault() throws FsException {
        commit(true);
    }

    @Override
    public long seekData(long offset) throws FsException {
        try (AddressSpace.Guard g = space.lockForRead(0, Long.MAX_VALUE)) {
            return IomapReport.seekData(space, offset, space.inode().size());
        }
    }

    @Override
    public long seekHole(long offset) throws FsException {
        try (AddressSpace.Guard g = space.lockForRead(0, Long.MAX_VALUE)) {
            return IomapReport.seekHole(space, offset, space.inode().size());
        }
    }

    @Override
    public List<FiemapExtent> fiemap(long start, long length) throws FsException {
        if (start < 0 || length < 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: fiemap at %d length %d", ino(), start, length);
        }
        try (AddressSpace.Guard g = space.lockForRead(0, Long.MAX_VALUE)) {
            long end = start > Long.MAX_VALUE - length ? Long.MAX_VALUE : start + length;
            return IomapReport.fiemap(space, start, Math.min(end, reportLimit()));
        }
    }

    @Override
    public StatInfo stat() throws FsException {
        return doStat();
    }

    @Override
    public FsxAttr fsxattr() throws FsException {
        return doFsxattr();
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        if (length <= 0 || offset < 0 || offset % DaxMount.PAGE != 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: mmap at %d length %d", ino(), offset, length);
        }
        if (offset > Long.MAX_VALUE - length) {
            throw FsException.of(Errno.EOVERFLOW, "inode %d: mmap at %d length %d", ino(), offset, length);
        }
        int type = flags & FileMapping.MAP_TYPE;
        if (type != FileMapping.MAP_SHARED && type != FileMapping.MAP_SHARED_VALIDATE && type != FileMapping.MAP_PRIVATE) {
            throw FsException.of(Errno.EINVAL, "inode %d: mmap type 0x%x", ino(), type);
        }
        if (!OpenFlags.readable(openFlags) || ((prot & FileMapping.PROT_WRITE) != 0 && type != FileMapping.MAP_PRIVATE
                && !OpenFlags.writable(openFlags))) {
            throw FsException.of(Errno.EACCES, "inode %d: mmap with prot 0x%x of a file open 0%o", ino(), prot, openFlags);
        }
        if (type == FileMapping.MAP_PRIVATE && (prot & FileMapping.PROT_WRITE) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "inode %d: private writable mappings (copy on write) are not emulated", ino());
        }
        if (type == FileMapping.MAP_SHARED_VALIDATE && (flags & FileMapping.MAP_SYNC) != 0) {
            if (!(isDax() && supportsMapSync())) {
                throw FsException.of(Errno.EOPNOTSUPP, "inode %d: MAP_SYNC needs a DAX file%s", ino(),
                        supportsMapSync() ? "" : " on a file system that supports it");
            }
            var info = space.mount().device().info();
            if (!info.persistent()) {
                // daxdev_mapping_supported: only a synchronous device can keep MAP_SYNC's promise.
                throw FsException.of(Errno.EOPNOTSUPP, "inode %d: MAP_SYNC on a device whose flushes do not reach persistence (%s)",
                        ino(), info.mapping());
            }
        }
        DaxMapping m = new DaxMapping(this, space, offset, length, prot, flags);
        space.addMapping(m);
        return m;
    }

    @Override
    public void close() throws FsException {
        release();
    }
}
