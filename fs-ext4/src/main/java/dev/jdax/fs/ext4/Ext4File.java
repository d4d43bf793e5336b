package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxFile;
import dev.jdax.iomap.DaxZero;

import java.util.List;

/**
 * An open ext4 file: the engine's DaxFile with ext4's metadata and its fallocate
 * ({@code ext4_fallocate}: allocate, keep size, punch, zero, collapse, insert, on the extent list).
 */
final class Ext4File extends DaxFile {
    private static final int SUPPORTED = Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE | Falloc.COLLAPSE_RANGE | Falloc.ZERO_RANGE
            | Falloc.INSERT_RANGE;

    private final Ext4FileSystem fs;
    private final Ext4Inode in;
    private boolean closed;

    Ext4File(Ext4FileSystem fs, Ext4Inode in, int flags) {
        super(in.space, flags);
        this.fs = fs;
        this.in = in;
    }

    /** s_maxbytes of an extent file with huge_file: 2^32 - 1 blocks; s_bitmap_maxbytes without extents. */
    @Override
    protected long maxFileSize() {
        return in.usesExtents() ? ((1L << 32) - 1) * fs.blockSize() : IndirectMap.maxBytes(fs.blockSize(),
                (fs.superblock().s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_HUGE_FILE) != 0);
    }

    /** An inline file (opened read-only: a writable open converted it) is read from its inode. */
    @Override
    public long read(long pos, java.lang.foreign.MemorySegment dst) throws FsException {
        synchronized (fs) {
            if (InlineData.has(in)) {
                return InlineFile.read(in, flags(), pos, dst);
            }
        }
        return super.read(pos, dst);
    }

    @Override
    public dev.jdax.api.fs.FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        synchronized (fs) {
            InlineFile.refuseMapping(in);
        }
        return super.mmap(offset, length, prot, flags);
    }

    @Override
    protected int blockSize() {
        return fs.blockSize();
    }

    @Override
    protected void setSize(long newSize) throws FsException {
        if (newSize == size() && sameSecond()) {
            return; // an extending write's end() already logged the size this second
        }
        fs.opVoid(() -> {
            synchronized (fs) {
                if (newSize < in.i_size()) {
                    // Truncate down: the size and the freeing in one transaction, as ext4_truncate under
                    // its orphan entry, so no crash leaves written blocks beyond i_size.
                    fs.freeRange(in, (newSize + fs.blockSize() - 1) / fs.blockSize(), Long.MAX_VALUE);
                }
                in.i_size(newSize);
                in.touch(true, true);
                fs.writeInode(in);
            }
        });
    }

    @Override
    protected void freeBlocksBeyond(long newSize) throws FsException {
        fs.opVoid(() -> {
            fs.freeRange(in, (newSize + fs.blockSize() - 1) / fs.blockSize(), Long.MAX_VALUE);
        });
    }

    @Override
    protected void commit(boolean dataOnly) throws FsException {
        // Metadata is written in place as it changes; fsync orders it (no jbd2 transaction yet).
        fs.device().fence();
    }

    @Override
    protected StatInfo doStat() {
        synchronized (fs) {
            return fs.statOf(in);
        }
    }

    @Override
    protected boolean isDax() {
        return in.daxNow;
    }

    @Override
    protected dev.jdax.api.Errno readBeyondMaxBytes() {
        return Errno.EINVAL;
    }

    @Override
    protected long reportLimit() throws FsException {
        synchronized (fs) {
            return Math.max(super.reportLimit(), in.extents == null ? 0 : in.extents.end() * fs.blockSize());
        }
    }

    /** Whether mtime and ctime already hold this second (the inode keeps whole seconds). */
    private boolean sameSecond() {
        long now = java.time.Instant.now().getEpochSecond();
        return in.i_mtime() == now && in.i_ctime() == now;
    }

    /** mtime/ctime after a write: a transaction only when the second has changed, as file_update_time. */
    @Override
    protected void fileWritten(long pos, long bytes) throws FsException {
        if (sameSecond()) {
            return;
        }
        fs.opVoid(() -> {
            synchronized (fs) {
                in.touch(true, true);
                fs.writeInode(in);
            }
        });
    }

    @Override
    protected FsxAttr doFsxattr() throws FsException {
        synchronized (fs) {
            return new FsxAttr((in.i_flags() & Ext4Inode.DAX_FL) != 0 ? FS_XFLAG_DAX : 0, 0, 0,
                    in.extents == null ? 1 : in.extents.size(), 0, 0);
        }
    }

    /** FS_XFLAG_DAX: stored at once, in force when the inode is next loaded (Linux 6.1, measured). */
    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        fs.opVoid(() -> {
            synchronized (fs) {
                InlineFile.refuseDax(in);
                in.i_flags(dax ? in.i_flags() | Ext4Inode.DAX_FL : in.i_flags() & ~Ext4Inode.DAX_FL);
                in.touch(false, true);
                fs.writeInode(in);
            }
        });
    }

    @Override
    protected void doFallocate(int mode, long offset, long length) throws FsException {
        fs.opVoid(() -> {
            if ((mode & ~SUPPORTED) != 0) {
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: fallocate mode 0x%x", in.ino, mode);
            }
            if (!in.usesExtents() && (mode & Falloc.PUNCH_HOLE) == 0) {
                // ext4_fallocate, ext4_zero_range, ext4_collapse_range, ext4_insert_range: extents only.
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d maps its blocks indirectly: fallocate mode 0x%x needs extents",
                        in.ino, mode);
            }
            long bs = fs.blockSize();
            long size = in.i_size();
            if ((mode & Falloc.PUNCH_HOLE) != 0) {
                punch(offset, length, size, bs);
            } else if ((mode & Falloc.COLLAPSE_RANGE) != 0) {
                if (((offset | length) & (bs - 1)) != 0 || offset + length >= size) {
                    throw FsException.of(Errno.EINVAL, "ext4: inode %d: collapse %d+%d: not block aligned or reaching EOF (%d)",
                            in.ino, offset, length, size);
                }
                synchronized (fs) {
                    long a = offset / bs;
                    long b = (offset + length) / bs;
                    for (Extent e : in.extents.remove(a, b)) {
                        fs.allocator().freeBlocks(e.pblk(), e.len());
                    }
                    for (Extent e : in.extents.remove(b, Long.MAX_VALUE)) {
                        in.extents.put(e.lblk() - (b - a), e.len(), e.pblk(), e.unwritten());
                    }
                    fs.saveExtents(in);
                    setSize(size - length);
                }
            } else if ((mode & Falloc.INSERT_RANGE) != 0) {
                if (((offset | length) & (bs - 1)) != 0 || offset >= size) {
                    throw FsException.of(Errno.EINVAL, "ext4: inode %d: insert %d+%d: not block aligned or at/after EOF (%d)",
                            in.ino, offset, length, size);
                }
                if (size + length > maxFileSize()) {
                    throw FsException.of(Errno.EFBIG, "ext4: inode %d: insert of %d would pass the largest file", in.ino, length);
                }
                synchronized (fs) {
                    long a = offset / bs;
                    List<Extent> tail = in.extents.remove(a, Long.MAX_VALUE);
                    for (Extent e : tail) {
                        in.extents.put(e.lblk() + length / bs, e.len(), e.pblk(), e.unwritten());
                    }
                    fs.saveExtents(in);
                    setSize(size + length);
                }
            } else if ((mode & Falloc.ZERO_RANGE) != 0) {
                zeroRange(mode, offset, length, size, bs);
            } else {
                if (offset + length > maxFileSize()) {
                    throw FsException.of(Errno.EFBIG, "ext4: inode %d: fallocate to %d passes the largest file", in.ino, offset + length);
                }
                allocateUnwritten(offset / bs, (offset + length + bs - 1) / bs);
                if ((mode & Falloc.KEEP_SIZE) == 0 && offset + length > size) {
                    setSize(offset + length);
                }
            }
        });
    }

    /** ext4_punch_hole: nothing at or past EOF; the range ends at most at EOF's page; partial blocks zeroed. */
    private void punch(long offset, long length, long size, long bs) throws FsException {
        if (offset >= size) {
            return;
        }
        long end = Math.min(offset + length, (size + DaxDevice.PAGE_SIZE - 1) / DaxDevice.PAGE_SIZE * DaxDevice.PAGE_SIZE);
        long first = (offset + bs - 1) / bs;
        long last = end / bs;
        zeroEdges(offset, end, first, last, bs);
        if (last > first) {
            fs.freeRange(in, first, last);
        }
    }

    private void zeroEdges(long offset, long end, long first, long last, long bs) throws FsException {
        if (first > last) {
            DaxZero.zeroRange(space, offset, end - offset);
            return;
        }
        if (offset < first * bs) {
            DaxZero.zeroRange(space, offset, first * bs - offset);
        }
        if (end > last * bs) {
            DaxZero.zeroRange(space, last * bs, end - last * bs);
        }
    }

    /** ext4_zero_range: whole blocks become unwritten (allocated if holes), partial ones are zeroed. */
    private void zeroRange(int mode, long offset, long length, long size, long bs) throws FsException {
        long end = offset + length;
        if (end > maxFileSize()) {
            throw FsException.of(Errno.EFBIG, "ext4: inode %d: zero range to %d passes the largest file", in.ino, end);
        }
        long first = (offset + bs - 1) / bs;
        long last = end / bs;
        zeroEdges(offset, end, first, last, bs);
        if (last > first) {
            synchronized (fs) {
                in.extents.setState(first, last, true);
                fs.saveExtents(in);
            }
            allocateUnwritten(first, last);
        }
        if ((mode & Falloc.KEEP_SIZE) == 0 && end > size) {
            setSize(end);
        }
    }

    private void allocateUnwritten(long from, long to) throws FsException {
        synchronized (fs) {
            long l = from;
            while (l < to) {
                Extent e = in.extents.find(l);
                if (e != null) {
                    l = e.end();
                    continue;
                }
                long next = Math.min(in.extents.nextMapped(l), to);
                Extent got = fs.allocate(in, l, next - l, true, 1);
                l += got.len();
            }
        }
    }

    @Override
    protected void release() throws FsException {
        if (!closed) {
            closed = true;
            fs.closed(in);
        }
    }
}
