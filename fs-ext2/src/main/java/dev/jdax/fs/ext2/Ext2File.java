package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxFile;

/**
 * An open ext2 file. Everything data goes through the engine and the get_block bridge; what is ext2
 * here is metadata and the answers Linux's ext2 gives where the others differ: no fallocate at all,
 * generic SEEK_DATA/SEEK_HOLE (the whole file is data), EIO for a read beyond s_maxbytes, no MAP_SYNC.
 */
final class Ext2File extends DaxFile {
    private final Ext2FileSystem fs;
    private final Ext2Inode inode;
    private boolean closed;

    Ext2File(Ext2FileSystem fs, Ext2Inode inode, int flags) {
        super(inode.space, flags);
        this.fs = fs;
        this.inode = inode;
    }

    /** ext2_max_size: the block tree, or i_blocks' 2^32 sectors counting the indirect blocks, whichever is less. */
    static long maxSize(int blockBits) {
        long ppb = 1L << (blockBits - 2);
        long upper = ((1L << 32) - 1) >> (blockBits - 9);
        long res = 12 + ppb + ppb * ppb + ppb * ppb * ppb;
        long meta = 1 + (1 + ppb) + (1 + ppb + ppb * ppb);
        if (res + meta > upper) {
            res = upper;
            long rest = upper - 12;
            meta = 1;
            rest -= ppb;
            if (rest < ppb * ppb) {
                meta += 1 + (rest + ppb - 1) / ppb;
            } else {
                meta += 1 + ppb;
                rest -= ppb * ppb;
                meta += 1 + (rest + ppb - 1) / ppb + (rest + ppb * ppb - 1) / (ppb * ppb);
            }
            res -= meta;
        }
        return Math.min(res << blockBits, Long.MAX_VALUE);
    }

    @Override
    protected long maxFileSize() {
        return maxSize(Integer.numberOfTrailingZeros(fs.blockSize()));
    }

    @Override
    protected int blockSize() {
        return fs.blockSize();
    }

    @Override
    protected void setSize(long newSize) throws FsException {
        synchronized (fs) {
            inode.i_size(newSize);
            inode.touch(true, true);
            fs.writeInode(inode);
        }
    }

    @Override
    protected void freeBlocksBeyond(long newSize) throws FsException {
        synchronized (fs) {
            fs.blockMap().truncate(inode, (newSize + fs.blockSize() - 1) / fs.blockSize());
        }
    }

    @Override
    protected void doFallocate(int mode, long offset, long length) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "ext2: inode %d: fallocate is not supported (Linux's ext2 has no fallocate)", inode.ino);
    }

    @Override
    protected void commit(boolean dataOnly) throws FsException {
        // Metadata is written in place as it changes; what is left is to order it (generic_file_fsync).
        fs.device().fence();
    }

    @Override
    protected StatInfo doStat() {
        synchronized (fs) {
            return fs.statOf(inode);
        }
    }

    @Override
    protected boolean isDax() {
        return fs.dax();
    }

    @Override
    protected boolean supportsMapSync() {
        return false;
    }

    @Override
    protected Errno readBeyondMaxBytes() {
        return Errno.EIO;
    }

    /** mtime/ctime after a write, written only when the second changed (the inode keeps seconds). */
    @Override
    protected void fileWritten(long pos, long bytes) throws FsException {
        long now = java.time.Instant.now().getEpochSecond();
        if (inode.i_mtime() == now && inode.i_ctime() == now) {
            return;
        }
        synchronized (fs) {
            inode.touch(true, true);
            fs.writeInode(inode);
        }
    }

    /** generic_file_llseek: without SEEK_DATA support every byte before EOF is data. */
    @Override
    public long seekData(long offset) throws FsException {
        long size = size();
        if (offset < 0 || offset >= size) {
            throw FsException.of(Errno.ENXIO, "ext2: SEEK_DATA at %d beyond EOF (%d)", offset, size);
        }
        return offset;
    }

    @Override
    public long seekHole(long offset) throws FsException {
        long size = size();
        if (offset < 0 || offset >= size) {
            throw FsException.of(Errno.ENXIO, "ext2: SEEK_HOLE at %d beyond EOF (%d)", offset, size);
        }
        return size;
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        if (fs.blockSize() != DaxDevice.PAGE_SIZE) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext2: mmap with %d-byte blocks needs the page cache jdax does not emulate",
                    fs.blockSize());
        }
        return super.mmap(offset, length, prot, flags);
    }

    @Override
    protected void release() throws FsException {
        if (!closed) {
            closed = true;
            fs.closed(inode);
        }
    }
}
