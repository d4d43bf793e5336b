package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxFile;

import java.time.Instant;
import java.util.List;

/**
 * An open XFS file: the engine's DaxFile over XFS's native iomap ({@link XfsIomap}, holes reported
 * whole) under the IOLOCK + MMAPLOCK model, with XFS's metadata hooks ({@link XfsFileOps}).
 */
final class XfsFile extends DaxFile {
    private final XfsFileSystem fs;
    private final XfsInode in;
    private boolean closed;

    XfsFile(XfsFileSystem fs, XfsInode in, int flags) throws FsException {
        super(fs.addressSpace(in), flags);
        this.fs = fs;
        this.in = in;
    }

    @Override
    protected long maxFileSize() {
        return XfsFileOps.maxBytes();
    }

    @Override
    protected int blockSize() {
        return fs.disk().blockSize();
    }

    @Override
    public dev.jdax.api.fs.FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        if (blockSize() != dev.jdax.api.DaxDevice.PAGE_SIZE) {
            throw FsException.of(dev.jdax.api.Errno.EOPNOTSUPP,
                    "xfs: mmap with %d-byte blocks needs the page cache jdax does not emulate", blockSize());
        }
        return super.mmap(offset, length, prot, flags);
    }

    @Override
    protected void setSize(long newSize) throws FsException {
        fs.fileOps().setSize(in, newSize);
    }

    @Override
    protected void freeBlocksBeyond(long newSize) throws FsException {
        fs.fileOps().truncate(in, newSize);
    }

    @Override
    protected void doFallocate(int mode, long offset, long length) throws FsException {
        if ((mode & (dev.jdax.api.fs.Falloc.PUNCH_HOLE | dev.jdax.api.fs.Falloc.ZERO_RANGE)) != 0) {
            // xfs_free_file_space / xfs_zero_file_space zero the partial blocks at the edges first.
            long bs = blockSize();
            long end = offset + length;
            long head = Math.min(end, (offset + bs - 1) / bs * bs);
            long tail = Math.max(head, end / bs * bs);
            if (head > offset) {
                dev.jdax.iomap.DaxZero.zeroRange(space, offset, head - offset);
            }
            if (end > tail) {
                dev.jdax.iomap.DaxZero.zeroRange(space, tail, end - tail);
            }
        }
        fs.fileOps().fallocate(in, mode, offset, length);
    }

    @Override
    protected void commit(boolean dataOnly) throws FsException {
        // Metadata is written in place (no log records yet); fsync stores the summary counters too.
        if (dataOnly) {
            fs.device().fence();
        } else {
            fs.sync();
        }
    }

    @Override
    protected StatInfo doStat() throws FsException {
        return fs.stat(in.ino());
    }

    @Override
    protected FsxAttr doFsxattr() {
        return fs.fsxattr(in);
    }

    @Override
    protected boolean isDax() {
        return in.sDax;
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        fs.setDaxFlag(in, dax);
    }

    /** FIEMAP reaches preallocated blocks past EOF, as XFS reports them. */
    @Override
    protected long reportLimit() throws FsException {
        List<BmapExtent> ext = fs.extents(in);
        long end = ext.isEmpty() ? 0 : ext.getLast().endoff() << fs.disk().blockLog();
        return Math.max(super.reportLimit(), end);
    }

    /** mtime/ctime after a write, written when the second changes (file_update_time's granularity here). */
    @Override
    protected void fileWritten(long pos, long bytes) throws FsException {
        long now = Instant.now().getEpochSecond();
        if (in.mtime().getEpochSecond() != now) {
            fs.fileOps().setSize(in, in.di_size());
        }
    }

    @Override
    protected void release() throws FsException {
        if (!closed) {
            closed = true;
            fs.released(in);
        }
    }
}
