package dev.jdax.vfs;

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

    @Override
    public void truncate(long size) throws FsException {
        throw isDir();
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        throw FsException.of(Errno.EBADF, "inode %d is a directory open for reading", inode.ino);
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        inode.vnode().fsync(dataOnly);
    }

    @Override
    public long seekData(long offset) throws FsException {
        throw FsException.of(Errno.ENXIO, "SEEK_DATA in directory %d", inode.ino);
    }

    @Override
    public long seekHole(long offset) throws FsException {
        throw FsException.of(Errno.ENXIO, "SEEK_HOLE in directory %d", inode.ino);
    }

    @Override
    public List<FiemapExtent> fiemap(long start, long length) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "FIEMAP of directory %d", inode.ino);
    }

    @Override
    public StatInfo stat() throws FsException {
        return inode.vnode().stat();
    }

    @Override
    public FsxAttr fsxattr() throws FsException {
        return new FsxAttr(0, 0, 0, 0, 0, 0);
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "the DAX flag of directory %d is not kept here", inode.ino);
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
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
