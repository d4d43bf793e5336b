package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxInodeOps;
import dev.jdax.iomap.DaxZero;

import java.time.Instant;
import java.util.List;

/**
 * What the engine asks of an ext4 regular file: its iomap ({@link Ext4Iomap}), its metadata in
 * transactions, and {@code ext4_fallocate} — allocate, keep size, punch, zero, collapse, insert, on
 * the extent list under {@code i_data_sem}.
 */
final class Ext4FileOps implements DaxInodeOps {
    private static final int SUPPORTED = Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE | Falloc.COLLAPSE_RANGE | Falloc.ZERO_RANGE
            | Falloc.INSERT_RANGE;

    private final Ext4FileSystem fs;
    private final Ext4Inode in;
    private final Ext4Iomap iomap;

    Ext4FileOps(Ext4FileSystem fs, Ext4Inode in) {
        this.fs = fs;
        this.in = in;
        this.iomap = new Ext4Iomap(fs, in);
    }

    @Override
    public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
        return iomap.begin(inode, pos, length, flags);
    }

    @Override
    public void end(Inode inode, long pos, long length, long written, int flags, Iomap map) throws FsException {
        iomap.end(inode, pos, length, written, flags, map);
    }

    /** s_maxbytes of an extent file with huge_file: 2^32 - 1 blocks; s_bitmap_maxbytes without extents. */
    @Override
    public long maxFileSize() {
        return in.usesExtents() ? ((1L << 32) - 1) * fs.blockSize() : IndirectMap.maxBytes(fs.blockSize(),
                (fs.superblock().s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_HUGE_FILE) != 0);
    }

    /**
     * An inline file (open read-only: a writable open converted it) is read from its inode; an
     * fs-verity file from its blocks, each checked against its Merkle tree.
     */
    @Override
    public long readInline(long pos, java.lang.foreign.MemorySegment dst) throws FsException {
        if ((in.i_flags() & Ext4Inode.VERITY_FL) != 0) {
            return VerityFile.of(fs, in).read(pos, dst);
        }
        synchronized (in) {
            return InlineFile.read(in, dev.jdax.api.fs.OpenFlags.O_RDONLY, pos, dst);
        }
    }

    @Override
    public void mayMmap() throws FsException {
        if ((in.i_flags() & Ext4Inode.VERITY_FL) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d is an fs-verity file: jdax maps device blocks, which a "
                    + "load would read unverified (Linux maps a verity file through its page cache, checked as it fills)", in.ino);
        }
        synchronized (in) {
            InlineFile.refuseMapping(in);
        }
    }

    @Override
    public int blockSize() {
        return fs.blockSize();
    }

    /** Nanoseconds where the inodes hold the extra time words, as ext4's s_time_gran. */
    @Override
    public long timeGranularityNanos() {
        return fs.timeGranularityNanos();
    }

    @Override
    public boolean isDax() {
        return in.daxNow;
    }

    /** ext4 6.1 always keeps i_version (SB_I_VERSION set for every mount), read in as queried. */
    @Override
    public boolean keepsChangeCount() {
        return true;
    }

    @Override
    public Errno readBeyondMaxBytes() {
        return Errno.EINVAL;
    }

    /** FIEMAP reaches blocks allocated beyond EOF (KEEP_SIZE), as ext4 reports them. */
    @Override
    public long reportLimit(long size) throws FsException {
        in.dataSem.lockShared();
        try {
            return Math.max(DaxInodeOps.super.reportLimit(size), in.extents == null ? 0 : in.extents.end() * fs.blockSize());
        } finally {
            in.dataSem.unlockShared();
        }
    }

    @Override
    public void atimeChanged(Instant atime) throws FsException {
        fs.updateAtime(in, atime);
    }

    /** ext4_dirty_inode: the inode as it is in core, in a handle of its own. */
    @Override
    public void writeInode() throws FsException {
        fs.opVoid(() -> fs.writeInode(in));
    }

    @Override
    public void inodeChanged(long size, Instant mtime, Instant ctime) throws FsException {
        if (size == in.i_size() && in.holdsTimes(mtime, ctime)) {
            // What the inode holds already: a write past EOF had end() store the size with its
            // blocks, and a file made in this second has its times. No handle, as file_modified
            // dirties nothing when inode_needs_update_time finds the times equal.
            return;
        }
        fs.opVoid(() -> {
            boolean grows = size != in.i_size();
            fs.changeInode(in, i -> {
                i.i_size(size);
                i.mtime(mtime);
                i.ctime(ctime);
            });
            if (grows) {
                in.dataSyncTid = fs.currentTid();
            }
        });
    }

    /** ext4_setattr calls ext4_truncate at the same size too, for blocks kept past EOF and preallocations. */
    @Override
    public boolean truncatesAtSameSize() {
        return true;
    }

    /** The size and the freeing in one transaction, as ext4_truncate under its orphan entry. */
    @Override
    public void truncateBlocks(long newSize, Instant now) throws FsException {
        fs.opVoid(() -> {
            in.dataSem.lockExclusive();
            try {
                if (newSize <= in.i_size()) {
                    fs.discardPreallocations(in); // ext4_truncate
                }
                fs.freeRange(in, (newSize + fs.blockSize() - 1) / fs.blockSize(), Long.MAX_VALUE);
            } finally {
                in.dataSem.unlockExclusive();
            }
            fs.changeInode(in, i -> {
                i.i_size(newSize);
                i.mtime(now);
                i.ctime(now);
            });
            in.dataSyncTid = fs.currentTid();
        });
    }

    @Override
    public void commit(boolean dataOnly) throws FsException {
        fs.commitFor(in, dataOnly);
    }

    @Override
    public StatInfo stat() {
        return fs.statOf(in);
    }

    @Override
    public FsxAttr fsxattr() {
        in.dataSem.lockShared();
        try {
            return new FsxAttr(in.xflags(), 0, 0, in.extents == null ? 1 : in.extents.size(), 0, (int) in.projectId());
        } finally {
            in.dataSem.unlockShared();
        }
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        in.setDaxFlag(dax);
    }

    /** As {@link Ext4Inode#setExtsize}. */
    @Override
    public void setExtsize(long bytes) {
        in.setExtsize(bytes);
    }

    @Override
    public int inodeFlags() {
        return in.inodeFlags();
    }

    /** ext4_write_checks: no write to an immutable file, even through a descriptor opened before chattr +i. */
    @Override
    public void writeChecks() throws FsException {
        if ((in.i_flags() & InodeFlags.FS_IMMUTABLE_FL) != 0) {
            throw FsException.of(Errno.EPERM, "ext4: inode %d is immutable: no writes", in.ino);
        }
    }

    /** ext4_setattr: an immutable file keeps its size. */
    @Override
    public void setsizeChecks() throws FsException {
        if ((in.i_flags() & InodeFlags.FS_IMMUTABLE_FL) != 0) {
            throw FsException.of(Errno.EPERM, "ext4: inode %d is immutable: its size cannot change", in.ino);
        }
    }

    @Override
    public long fallocate(int mode, long offset, long length, long size) throws FsException {
        if ((mode & ~SUPPORTED) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: fallocate mode 0x%x", in.ino, mode);
        }
        if (!in.usesExtents() && (mode & Falloc.PUNCH_HOLE) == 0) {
            // ext4_fallocate, ext4_zero_range, ext4_collapse_range, ext4_insert_range: extents only.
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d maps its blocks indirectly: fallocate mode 0x%x needs extents",
                    in.ino, mode);
        }
        long bs = fs.blockSize();
        long[] newSize = {size};
        fs.opVoid(() -> {
            if ((mode & Falloc.PUNCH_HOLE) != 0) {
                punch(offset, length, size, bs);
            } else if ((mode & Falloc.COLLAPSE_RANGE) != 0) {
                newSize[0] = collapse(offset, length, size, bs);
            } else if ((mode & Falloc.INSERT_RANGE) != 0) {
                newSize[0] = insert(offset, length, size, bs);
            } else if ((mode & Falloc.ZERO_RANGE) != 0) {
                newSize[0] = zeroRange(mode, offset, length, size, bs);
            } else {
                if (offset + length > maxFileSize()) {
                    throw FsException.of(Errno.EFBIG, "ext4: inode %d: fallocate to %d passes the largest file", in.ino, offset + length);
                }
                allocateUnwritten(offset / bs, (offset + length + bs - 1) / bs);
                if ((mode & Falloc.KEEP_SIZE) == 0 && offset + length > size) {
                    newSize[0] = offset + length;
                }
            }
            if (newSize[0] != in.i_size()) {
                fs.changeInode(in, i -> i.i_size(newSize[0]));
                in.dataSyncTid = fs.currentTid();
            }
        });
        return newSize[0];
    }

    private long collapse(long offset, long length, long size, long bs) throws FsException {
        if (((offset | length) & (fs.clusterSize() - 1)) != 0 || offset + length >= size) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d: collapse %d+%d: not cluster aligned or reaching EOF (%d)",
                    in.ino, offset, length, size);
        }
        in.dataSem.lockExclusive();
        try {
            fs.discardPreallocations(in); // ext4_collapse_range
            long a = offset / bs;
            long b = (offset + length) / bs;
            fs.freeExtents(in, in.extents.remove(a, b));
            for (Extent e : in.extents.remove(b, Long.MAX_VALUE)) {
                in.extents.put(e.lblk() - (b - a), e.len(), e.pblk(), e.unwritten());
            }
            fs.saveExtents(in);
        } finally {
            in.dataSem.unlockExclusive();
        }
        return size - length;
    }

    private long insert(long offset, long length, long size, long bs) throws FsException {
        if (((offset | length) & (fs.clusterSize() - 1)) != 0 || offset >= size) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d: insert %d+%d: not cluster aligned or at/after EOF (%d)",
                    in.ino, offset, length, size);
        }
        if (size + length > maxFileSize()) {
            throw FsException.of(Errno.EFBIG, "ext4: inode %d: insert of %d would pass the largest file", in.ino, length);
        }
        in.dataSem.lockExclusive();
        try {
            fs.discardPreallocations(in); // ext4_insert_range
            long a = offset / bs;
            List<Extent> tail = in.extents.remove(a, Long.MAX_VALUE);
            for (Extent e : tail) {
                in.extents.put(e.lblk() + length / bs, e.len(), e.pblk(), e.unwritten());
            }
            fs.saveExtents(in);
        } finally {
            in.dataSem.unlockExclusive();
        }
        return size + length;
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
            in.dataSem.lockExclusive();
            try {
                fs.discardPreallocations(in); // ext4_punch_hole, when there are blocks to remove
                fs.freeRange(in, first, last);
            } finally {
                in.dataSem.unlockExclusive();
            }
        }
    }

    private void zeroEdges(long offset, long end, long first, long last, long bs) throws FsException {
        if (first > last) {
            DaxZero.zeroRange(in.space, offset, end - offset);
            return;
        }
        if (offset < first * bs) {
            DaxZero.zeroRange(in.space, offset, first * bs - offset);
        }
        if (end > last * bs) {
            DaxZero.zeroRange(in.space, last * bs, end - last * bs);
        }
    }

    /** ext4_zero_range: whole blocks become unwritten (allocated if holes), partial ones are zeroed. */
    private long zeroRange(int mode, long offset, long length, long size, long bs) throws FsException {
        long end = offset + length;
        if (end > maxFileSize()) {
            throw FsException.of(Errno.EFBIG, "ext4: inode %d: zero range to %d passes the largest file", in.ino, end);
        }
        long first = (offset + bs - 1) / bs;
        long last = end / bs;
        zeroEdges(offset, end, first, last, bs);
        if (last > first) {
            in.dataSem.lockExclusive();
            try {
                in.extents.setState(first, last, true);
                fs.saveExtents(in);
            } finally {
                in.dataSem.unlockExclusive();
            }
            allocateUnwritten(first, last);
        }
        return (mode & Falloc.KEEP_SIZE) == 0 && end > size ? end : size;
    }

    private void allocateUnwritten(long from, long to) throws FsException {
        in.dataSem.lockExclusive();
        try {
            long l = from;
            while (l < to) {
                Extent e = in.extents.find(l);
                if (e != null) {
                    l = e.end();
                    continue;
                }
                long next = Math.min(in.extents.nextMapped(l), to);
                // ext4_alloc_file_blocks: a range that fits one unwritten extent is not normalised.
                Extent got = fs.allocate(in, l, next - l, true, to - from <= Extent.MAX_UNWRITTEN);
                l += got.len();
            }
        } finally {
            in.dataSem.unlockExclusive();
        }
    }
}
