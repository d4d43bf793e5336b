package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.StatInfo;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A file-table entry whose descriptor xfs_io closed behind the table's back (copy_range -f N closes
 * the entry's descriptor as if it had opened it): every call is EBADF, as every system call on the
 * closed descriptor is. The entry stays listed, and xfs_io's exit closes nothing, so nothing is said
 * of it then.
 */
final class ClosedDescriptor implements OpenFile {
    private final long ino;
    private final int flags;

    ClosedDescriptor(long ino, int flags) {
        this.ino = ino;
        this.flags = flags;
    }

    private FsException ebadf() {
        return FsException.of(Errno.EBADF, "inode %d: descriptor closed by copy_range -f", ino);
    }

    @Override
    public long ino() {
        return ino;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public long read(long pos, MemorySegment dst) throws FsException {
        throw ebadf();
    }

    @Override
    public long write(long pos, MemorySegment src, int rwFlags) throws FsException {
        throw ebadf();
    }

    @Override
    public long size() throws FsException {
        throw ebadf();
    }

    @Override
    public void truncate(long size) throws FsException {
        throw ebadf();
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        throw ebadf();
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        throw ebadf();
    }

    @Override
    public void fadvise(long offset, long length, int advice) throws FsException {
        throw ebadf();
    }

    @Override
    public void syncRange(long offset, long length, int flags) throws FsException {
        throw ebadf();
    }

    @Override
    public long seekData(long offset) throws FsException {
        throw ebadf();
    }

    @Override
    public long seekHole(long offset) throws FsException {
        throw ebadf();
    }

    @Override
    public List<FiemapExtent> fiemap(long start, long length) throws FsException {
        throw ebadf();
    }

    @Override
    public StatInfo stat() throws FsException {
        throw ebadf();
    }

    @Override
    public FsxAttr fsxattr() throws FsException {
        throw ebadf();
    }

    @Override
    public void setFsxattr(FsxAttr attr) throws FsException {
        throw ebadf();
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        throw ebadf();
    }

    @Override
    public void setInodeFlags(int xflags) throws FsException {
        throw ebadf();
    }

    @Override
    public void setExtsize(long bytes) throws FsException {
        throw ebadf();
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        throw ebadf();
    }

    /** close_f's close(2) fails too: "close: Bad file descriptor", and the entry stays in the table. */
    @Override
    public void close() throws FsException {
        throw ebadf();
    }
}
