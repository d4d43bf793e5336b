package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxInodeOps;
import dev.jdax.iomap.GetBlockBridge;

import java.time.Instant;

/**
 * What the engine asks of an ext2 regular file. Everything data goes through the engine and the
 * get_block bridge; what is ext2 here is metadata and the answers Linux's ext2 gives where the
 * others differ: no fallocate at all, EIO for a read beyond s_maxbytes, no MAP_SYNC, whole-second
 * times, generic SEEK_DATA/SEEK_HOLE (the whole file is data).
 */
final class Ext2FileOps implements DaxInodeOps {
    private final Ext2FileSystem fs;
    private final Ext2Inode inode;
    private final GetBlockBridge bridge;

    Ext2FileOps(Ext2FileSystem fs, Ext2Inode inode, GetBlockBridge bridge) {
        this.fs = fs;
        this.inode = inode;
        this.bridge = bridge;
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
    public Iomap begin(Inode in, long pos, long length, int flags) throws FsException {
        return bridge.begin(in, pos, length, flags);
    }

    @Override
    public boolean hugeFaults() {
        return false;
    }

    /**
     * fs/ext2's FS_IOC_FSSETXATTR takes FS_XFLAG_DAX (one of the VFS's common flags) and drops it:
     * ext2 has no on-disk DAX flag to keep. Linux 6.1 answers 0 and reads the flag back clear
     * (linux-6.1.md m_statx_dax, ext2 column).
     */
    @Override
    public void setDaxFlag(boolean dax) {
    }

    @Override
    public int inodeFlags() {
        return inode.inodeFlags();
    }

    /** ext2_setsize: neither an immutable nor an append-only file changes size. */
    @Override
    public void setsizeChecks() throws FsException {
        int f = inode.inodeFlags();
        if (InodeFlags.immutable(f) || InodeFlags.appendOnly(f)) {
            throw FsException.of(Errno.EPERM, "ext2: inode %d is %s: its size cannot change", inode.ino,
                    InodeFlags.immutable(f) ? "immutable" : "append-only");
        }
    }

    @Override
    public FsxAttr fsxattr() {
        return inode.fsxattr();
    }

    @Override
    public boolean mapsThroughGetBlock() {
        return true;
    }

    @Override
    public long maxFileSize() {
        return maxSize(Integer.numberOfTrailingZeros(fs.blockSize()));
    }

    @Override
    public int blockSize() {
        return fs.blockSize();
    }

    @Override
    public long timeGranularityNanos() {
        return 1_000_000_000L;
    }

    @Override
    public boolean isDax() {
        return fs.dax();
    }

    @Override
    public boolean supportsMapSync() {
        return false;
    }

    @Override
    public Errno readBeyondMaxBytes() {
        return Errno.EIO;
    }

    @Override
    public void atimeChanged(Instant atime) throws FsException {
        fs.updateAtime(inode, atime);
    }

    /** ext2_write_inode: the inode as it is in core, written in place. */
    @Override
    public void writeInode() throws FsException {
        fs.changeInode(inode, i -> { });
    }

    @Override
    public void inodeChanged(long size, Instant mtime, Instant ctime) throws FsException {
        fs.changeInode(inode, in -> {
            in.i_size(size);
            in.i_mtime(mtime.getEpochSecond());
            in.i_ctime(ctime.getEpochSecond());
        });
    }

    /** ext2_setsize: the blocks go first, then the size and times (ext2 has no journal to make it one step). */
    @Override
    public void truncateBlocks(long newSize, Instant now) throws FsException {
        fs.blockMap().truncate(inode, (newSize + fs.blockSize() - 1) / fs.blockSize());
        inodeChanged(newSize, now, now);
    }

    @Override
    public long fallocate(int mode, long offset, long length, long size) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "ext2: inode %d: fallocate is not supported (Linux's ext2 has no fallocate)",
                inode.ino);
    }

    @Override
    public void commit(boolean dataOnly) {
        // Metadata is written in place as it changes; what is left is to order it (generic_file_fsync).
        fs.device().fence();
    }

    @Override
    public StatInfo stat() {
        return fs.statOf(inode);
    }

    @Override
    public boolean seeksHoles() {
        return false;
    }
}
