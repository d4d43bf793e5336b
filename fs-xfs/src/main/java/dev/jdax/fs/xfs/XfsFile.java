package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxInodeOps;

import java.time.Instant;
import java.util.List;

/**
 * What the engine asks of an XFS regular file: its iomap ({@link XfsIomap}, holes reported whole)
 * and XFS's metadata hooks ({@link XfsFileOps}), under the IOLOCK + MMAPLOCK model.
 */
final class XfsFile implements DaxInodeOps {
    private final XfsFileSystem fs;
    private final XfsInode in;
    private final XfsIomap iomap;

    XfsFile(XfsFileSystem fs, XfsInode in) {
        this.fs = fs;
        this.in = in;
        this.iomap = new XfsIomap(fs);
    }

    @Override
    public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
        return iomap.begin(inode, pos, length, flags);
    }

    @Override
    public void end(Inode inode, long pos, long length, long written, int flags, Iomap iomap) throws FsException {
        if (iomap.cowPending()) {
            fs.fileOps().endCow(in, pos, length, written, iomap);
        }
    }

    @Override
    public long maxFileSize() {
        return XfsFileOps.maxBytes();
    }

    @Override
    public int blockSize() {
        return fs.disk().blockSize();
    }

    @Override
    public boolean isDax() {
        return in.sDax;
    }

    @Override
    public void writeInode() throws FsException {
        fs.fileOps().writeInode(in);
    }

    /** v5 inodes keep di_changecount, which xfs_inode_from_disk marks queried (SB_I_VERSION with crc). */
    @Override
    public boolean keepsChangeCount() {
        return true;
    }

    @Override
    public void atimeChanged(Instant atime) throws FsException {
        fs.fileOps().setAtime(in, atime);
    }

    @Override
    public void inodeChanged(long size, Instant mtime, Instant ctime) throws FsException {
        fs.fileOps().setSize(in, size, mtime, ctime);
    }

    @Override
    public void truncateBlocks(long newSize, Instant now) throws FsException {
        fs.fileOps().truncate(in, newSize, now);
    }

    @Override
    public long fallocate(int mode, long offset, long length, long size) throws FsException {
        if ((mode & (dev.jdax.api.fs.Falloc.PUNCH_HOLE | dev.jdax.api.fs.Falloc.ZERO_RANGE)) != 0) {
            // xfs_free_file_space / xfs_zero_file_space zero the partial blocks at the edges first.
            long bs = blockSize();
            long end = offset + length;
            long head = Math.min(end, (offset + bs - 1) / bs * bs);
            long tail = Math.max(head, end / bs * bs);
            if (head > offset) {
                dev.jdax.iomap.DaxZero.zeroRange(in.space, offset, head - offset);
            }
            if (end > tail) {
                dev.jdax.iomap.DaxZero.zeroRange(in.space, tail, end - tail);
            }
        }
        return fs.fileOps().fallocate(in, mode, offset, length, size);
    }

    /** xfs_setattr_size truncates the extents past EOF whenever the size does not grow. */
    @Override
    public boolean truncatesAtSameSize() {
        return true;
    }

    @Override
    public void swapExtents(DaxInodeOps donor, long offset, long length, Instant ctime, Instant mtime) throws FsException {
        if (!(donor instanceof XfsFile d) || d.fs != fs) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d: XFS_IOC_SWAPEXT donor is not a file of this file system", in.ino());
        }
        fs.fileOps().swapExtents(in, d.in, offset, length, ctime, mtime);
    }

    /** The file system's answer ({@link XfsFileSystem#remapsBlocks}). */
    @Override
    public boolean remapsBlocks() {
        return fs.remapsBlocks();
    }

    @Override
    public long remapFrom(DaxInodeOps src, long posIn, long posOut, long len, long newSize) throws FsException {
        if (!(src instanceof XfsFile s) || s.fs != fs) {
            throw FsException.of(Errno.EXDEV, "xfs: inode %d: remap source is not a file of this file system", in.ino());
        }
        return fs.fileOps().remap(s.in, in, posIn, posOut, len, newSize);
    }

    /** fsync's metadata part: the log forced up to the inode's last change. */
    @Override
    public void commit(boolean dataOnly) throws FsException {
        fs.fsync(in, dataOnly);
    }

    @Override
    public StatInfo stat() {
        return fs.statOf(in);
    }

    @Override
    public FsxAttr fsxattr() {
        return fs.fsxattr(in);
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        fs.setDaxFlag(in, dax);
    }

    @Override
    public int inodeFlags() {
        return in.inodeFlags();
    }

    @Override
    public void setExtsize(long bytes) throws FsException {
        fs.setExtsize(in, bytes);
    }

    /** FIEMAP reaches preallocated blocks past EOF, as XFS reports them. */
    @Override
    public long reportLimit(long size) throws FsException {
        List<BmapExtent> ext = fs.extents(in);
        long end = ext.isEmpty() ? 0 : ext.getLast().endoff() << fs.disk().blockLog();
        return Math.max(DaxInodeOps.super.reportLimit(size), end);
    }
}
