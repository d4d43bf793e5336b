package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Fadvise;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SyncFileRange;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A directory opened read-only, as {@code open(dir, O_RDONLY)} allows: no data to read or write
 * (EISDIR), but {@code fsync} commits what changed the directory — how a program makes a create
 * or a rename durable.
 */
final class DirectoryFile implements OpenFile {
    private final VfsMount mount;
    private final VfsInode inode;
    private final int flags;
    private boolean closed;

    DirectoryFile(VfsMount mount, VfsInode inode, int flags) {
        this.mount = mount;
        this.inode = inode;
        this.flags = flags;
    }

    private FsException isDir() {
        return FsException.of(Errno.EISDIR, "inode %d is a directory", inode.ino);
    }

    @Override
    public long ino() {
        return inode.ino;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public long read(long pos, MemorySegment dst) throws FsException {
        throw isDir();
    }

    @Override
    public long write(long pos, MemorySegment src, int rwFlags) throws FsException {
        throw FsException.of(Errno.EBADF, "inode %d is a directory open for reading", inode.ino);
    }

    @Override
    public long size() throws FsException {
        return inode.vnode().stat().size();
    }

    /** do_sys_ftruncate: only a regular file open for writing can be truncated; anything else is EINVAL. */
    @Override
    public void truncate(long size) throws FsException {
        throw FsException.of(Errno.EINVAL, "ftruncate of directory %d", inode.ino);
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        throw FsException.of(Errno.EBADF, "inode %d is a directory open for reading", inode.ino);
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        inode.vnode().fsync(dataOnly);
    }

    /** A directory's blocks are metadata, which jdax keeps in no page cache: the checks only. */
    @Override
    public void fadvise(long offset, long length, int advice) throws FsException {
        Fadvise.check(inode.ino, offset, length, advice);
    }

    /** sync_file_range allows directories; their blocks are metadata, which it never writes. */
    @Override
    public void syncRange(long offset, long length, int flags) throws FsException {
        SyncFileRange.check(inode.ino, offset, length, flags);
    }

    /** generic_file_llseek_size: all of a directory before its end is data. */
    @Override
    public long seekData(long offset) throws FsException {
        seekEnd(offset, "SEEK_DATA");
        return offset;
    }

    /** generic_file_llseek_size: the only hole is at the directory's end. */
    @Override
    public long seekHole(long offset) throws FsException {
        return seekEnd(offset, "SEEK_HOLE");
    }

    /** The directory's llseek end, ENXIO when {@code offset} is at or past it (compared unsigned, as the kernel does). */
    private long seekEnd(long offset, String whence) throws FsException {
        long end = inode.vnode().directorySeekEnd();
        if (Long.compareUnsigned(offset, end) >= 0) {
            throw FsException.of(Errno.ENXIO, "%s at %d in directory %d, which ends at %d", whence, offset, inode.ino, end);
        }
        return end;
    }

    @Override
    public List<FiemapExtent> fiemap(long start, long length) throws FsException {
        return inode.vnode().fiemap(start, length);
    }

    @Override
    public List<FiemapExtent> dataForkExtents() throws FsException {
        return inode.vnode().dataForkExtents();
    }

    @Override
    public StatInfo stat() throws FsException {
        return inode.vnode().stat();
    }

    @Override
    public FsxAttr fsxattr() throws FsException {
        return inode.vnode().fsxattr();
    }

    /** vfs_fileattr_set ({@link FileattrSet}) under the inode's i_rwsem, every change made by the format. */
    @Override
    public void setFsxattr(FsxAttr attr) throws FsException {
        mount.fileattrSet(inode, v -> FileattrSet.apply("directory " + inode.ino, v, null, attr));
    }

    /** vfs_fileattr_set's order ({@link VfsMount#fileattrSet}): the inode's i_rwsem exclusive, then the personality. */
    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        mount.fileattrSet(inode, v -> v.setDaxFlag(dax));
    }

    /** As {@link #setDaxFlag}. */
    @Override
    public void setInodeFlags(int xflags) throws FsException {
        mount.fileattrSet(inode, v -> v.setInodeFlags(xflags));
    }

    /** As {@link #setDaxFlag}. */
    @Override
    public void setExtsize(long bytes) throws FsException {
        mount.fileattrSet(inode, v -> v.setExtsize(bytes));
    }

    /**
     * do_mmap's order: its type and access checks first (a shared writable mapping of a directory,
     * open for reading only, is EACCES), then the missing {@code f_op->mmap} makes the rest ENODEV.
     */
    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        FileMapping.checkTypeAndAccess(inode.ino, prot, flags, this.flags);
        throw FsException.of(Errno.ENODEV, "directory %d cannot be mapped", inode.ino);
    }

    @Override
    public void close() throws FsException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        mount.closed(this, inode);
    }
}
