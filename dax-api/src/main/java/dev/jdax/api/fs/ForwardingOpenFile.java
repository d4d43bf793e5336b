package dev.jdax.api.fs;

import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.List;

/**
 * An open file that hands every call to another ({@link #delegate()}): a layer that adds to a few
 * calls (the VFS's open file holding its inode, a test's file exposing its format) overrides only
 * those.
 */
public interface ForwardingOpenFile extends OpenFile {
    /** {@return the open file the calls go to} */
    OpenFile delegate();

    @Override
    default long ino() {
        return delegate().ino();
    }

    @Override
    default int flags() {
        return delegate().flags();
    }

    @Override
    default long read(long pos, MemorySegment dst) throws FsException {
        return delegate().read(pos, dst);
    }

    @Override
    default long write(long pos, MemorySegment src, int rwFlags) throws FsException {
        return delegate().write(pos, src, rwFlags);
    }

    @Override
    default long read(long pos, MemorySegment dst, long offset, long length) throws FsException {
        return delegate().read(pos, dst, offset, length);
    }

    @Override
    default long write(long pos, MemorySegment src, long offset, long length, int rwFlags) throws FsException {
        return delegate().write(pos, src, offset, length, rwFlags);
    }

    @Override
    default long size() throws FsException {
        return delegate().size();
    }

    @Override
    default void truncate(long size) throws FsException {
        delegate().truncate(size);
    }

    @Override
    default void fallocate(int mode, long offset, long length) throws FsException {
        delegate().fallocate(mode, offset, length);
    }

    @Override
    default void fsync(boolean dataOnly) throws FsException {
        delegate().fsync(dataOnly);
    }

    @Override
    default void fadvise(long offset, long length, int advice) throws FsException {
        delegate().fadvise(offset, length, advice);
    }

    @Override
    default void syncRange(long offset, long length, int flags) throws FsException {
        delegate().syncRange(offset, length, flags);
    }

    @Override
    default long seekData(long offset) throws FsException {
        return delegate().seekData(offset);
    }

    @Override
    default long seekHole(long offset) throws FsException {
        return delegate().seekHole(offset);
    }

    @Override
    default List<FiemapExtent> fiemap(long start, long length) throws FsException {
        return delegate().fiemap(start, length);
    }

    @Override
    default List<FiemapExtent> dataForkExtents() throws FsException {
        return delegate().dataForkExtents();
    }

    @Override
    default StatInfo stat() throws FsException {
        return delegate().stat();
    }

    @Override
    default FsxAttr fsxattr() throws FsException {
        return delegate().fsxattr();
    }

    @Override
    default void setFsxattr(FsxAttr attr) throws FsException {
        delegate().setFsxattr(attr);
    }

    @Override
    default void setDaxFlag(boolean dax) throws FsException {
        delegate().setDaxFlag(dax);
    }

    /** Forwarded with {@code donor} as given: the engine's file finds the donor's under its wrappers. */
    @Override
    default long remapRange(long posIn, OpenFile out, long posOut, long length, int remapFlags) throws FsException {
        return delegate().remapRange(posIn, out, posOut, length, remapFlags);
    }

    @Override
    default void swapExtents(OpenFile donor, long offset, long length, Instant ctime, Instant mtime)
            throws FsException {
        delegate().swapExtents(donor, offset, length, ctime, mtime);
    }

    @Override
    default void setInodeFlags(int xflags) throws FsException {
        delegate().setInodeFlags(xflags);
    }

    @Override
    default void setExtsize(long bytes) throws FsException {
        delegate().setExtsize(bytes);
    }

    @Override
    default FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        return delegate().mmap(offset, length, prot, flags);
    }

    @Override
    default void close() throws FsException {
        delegate().close();
    }
}
