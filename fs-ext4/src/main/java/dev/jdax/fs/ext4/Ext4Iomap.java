package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;

/**
 * ext4's native iomap ({@code ext4_iomap_begin}): one answer per extent or per whole hole up to the
 * next extent. A write allocates the hole (where mballoc would put it: {@link Mballoc}) or converts
 * the unwritten part it touches; both come back F_NEW, so the
 * engine zeroes what the write does not cover, as EXT4_GET_BLOCKS_CREATE_ZERO does for DAX.
 */
final class Ext4Iomap implements IomapOps {
    /** ext4's largest logical block + 1 (32-bit ee_block). */
    static final long MAX_LBLK = 1L << 32;
    /** DIO_MAX_BLOCKS: the most blocks one write maps at once (ext4_iomap_alloc). */
    private static final long DIO_MAX_BLOCKS = 4096;

    private final Ext4FileSystem fs;
    private final Ext4Inode in;

    Ext4Iomap(Ext4FileSystem fs, Ext4Inode in) {
        this.fs = fs;
        this.in = in;
    }

    /**
     * Converts [lblk, end) of unwritten extent {@code e} to written as ext4_ext_convert_to_initialized
     * does: a rest of the extent up to s_extent_max_zeroout_kb (32 KiB) is zeroed and converted too,
     * rather than left as a tiny unwritten extent (the tail when what follows is that short, the head
     * when head and converted part together are). Only an extent that ends inside EOF (or inside
     * the write) may be zeroed whole (EXT4_EXT_MAY_ZEROOUT): zeroing one that runs past EOF would
     * leave written blocks beyond i_size, which e2fsck calls corrupt.
     */
    private void convert(Extent e, long lblk, long end) throws FsException {
        long bs = fs.blockSize();
        long eofBlock = Math.max((in.i_size() + bs - 1) / bs, end);
        long maxZeroout = e.end() <= eofBlock ? (32L << 10) / bs : 0;
        long from = lblk;
        long to = end;
        long allocated = e.end() - lblk;
        if (maxZeroout > 0 && allocated > to - from) {
            if (allocated <= maxZeroout) {
                zero(e, to, e.end());
                to = e.end();
            }
            if (from - e.lblk() + (to - from) < maxZeroout) {
                zero(e, e.lblk(), from);
                from = e.lblk();
            }
        }
        zero(e, lblk, end);
        in.extents.setState(from, to, false);
        fs.saveExtents(in);
    }

    private void zero(Extent e, long from, long to) throws FsException {
        if (to > from) {
            fs.device().zeroData(e.pblkOf(from) * fs.blockSize(), (to - from) * fs.blockSize());
        }
    }

    /**
     * After a write: blocks past EOF that the write filled become written together with the new i_size,
     * in one transaction (ext4 guards the same window with the orphan list).
     */
    @Override
    public void end(Inode inode, long pos, long length, long written, int flags, Iomap iomap) throws FsException {
        if ((flags & IomapOps.WRITE) == 0 || written <= 0) {
            return;
        }
        fs.opVoid(() -> {
            in.dataSem.lockExclusive();
            try {
                long bs = fs.blockSize();
                long eofBlock = (in.i_size() + bs - 1) / bs;
                long from = Math.max(pos / bs, eofBlock);
                long to = (pos + written + bs - 1) / bs;
                long size = pos + written;
                boolean grows = size > in.i_size();
                if (to > from) {
                    in.extents.setState(from, to, false);
                    fs.saveExtents(in, grows ? i -> i.i_size(size) : null);
                } else if (grows) {
                    fs.changeInode(in, i -> i.i_size(size));
                }
                if (grows) {
                    in.dataSyncTid = fs.currentTid();
                }
            } finally {
                in.dataSem.unlockExclusive();
            }
        });
    }

    /**
     * {@code ext4_iomap_begin}: a lookup under {@code i_data_sem} shared; an allocation in a
     * transaction under it exclusive, retried once after a commit when ENOSPC may only mean that
     * freed blocks wait for their transaction to commit ({@code ext4_should_retry_alloc}).
     */
    @Override
    public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
        if ((flags & IomapOps.WRITE) == 0) {
            in.dataSem.lockShared();
            try {
                if (InlineData.has(in)) {
                    return InlineFile.iomap(fs, in, pos, flags); // read from the inode; DAX never maps it
                }
                if ((in.i_flags() & Ext4Inode.VERITY_FL) != 0 && (flags & (IomapOps.REPORT | IomapOps.FAULT)) == 0) {
                    // fs-verity: a read gets its bytes from the personality, each block checked (VerityFile).
                    return new Iomap(pos, Math.max(1, length), IomapType.INLINE, 0, 0, fs.device());
                }
                return lookup(pos, length);
            } finally {
                in.dataSem.unlockShared();
            }
        }
        for (int attempt = 0; ; attempt++) {
            try {
                return fs.op(() -> {
                    in.dataSem.lockExclusive();
                    try {
                        return mapForWrite(pos, length);
                    } finally {
                        in.dataSem.unlockExclusive();
                    }
                });
            } catch (FsException e) {
                if (e.errno() != Errno.ENOSPC || attempt > 0 || !fs.allocator().anyBusy()) {
                    throw e;
                }
                fs.commitRunning();
            }
        }
    }

    private Iomap lookup(long pos, long length) {
        long bs = fs.blockSize();
        long lblk = pos / bs;
        long lend = lastBlock(pos, length, lblk);
        DaxDevice dev = fs.device();
        Extent e = in.extents.find(lblk);
        if (e != null) {
            long end = Math.min(e.end(), lend);
            // ext4_set_iomap: an indirect-mapped answer is a run of block pointers, IOMAP_F_MERGED
            // (FIEMAP_EXTENT_MERGED), where an extent file's is one on-disk extent.
            return new Iomap(lblk * bs, (end - lblk) * bs, e.unwritten() ? IomapType.UNWRITTEN : IomapType.MAPPED,
                    e.pblkOf(lblk) * bs, in.usesExtents() ? 0 : Iomap.F_MERGED, dev);
        }
        long next = Math.min(in.extents.nextMapped(lblk), lend);
        if (!in.usesExtents()) {
            next = Math.min(next, lblk + fs.indirectMap().holeBlocks(in, lblk));
        }
        return Iomap.hole(lblk * bs, (next - lblk) * bs, dev);
    }

    private long lastBlock(long pos, long length, long lblk) {
        long bs = fs.blockSize();
        long lend = Math.min(MAX_LBLK, pos > Long.MAX_VALUE - length ? MAX_LBLK : (pos + length + bs - 1) / bs);
        return Math.max(lend, lblk + 1);
    }

    private Iomap mapForWrite(long pos, long length) throws FsException {
        long bs = fs.blockSize();
        long lblk = pos / bs;
        long lend = lastBlock(pos, length, lblk);
        DaxDevice dev = fs.device();
        long eofBlock = (in.i_size() + bs - 1) / bs;
        Extent e = in.extents.find(lblk);
        if (e != null) {
            long end = Math.min(e.end(), lend);
            if (e.unwritten() && lblk >= eofBlock) {
                // Beyond EOF the extent stays unwritten until end() converts what was written,
                // with the new size, in one transaction: no crash shows written blocks past EOF.
                return new Iomap(lblk * bs, (end - lblk) * bs, IomapType.MAPPED, e.pblkOf(lblk) * bs,
                        Iomap.F_NEW | Iomap.F_DIRTY, dev);
            }
            if (e.unwritten()) {
                end = Math.min(end, eofBlock);
                convert(e, lblk, end);
                return new Iomap(lblk * bs, (end - lblk) * bs, IomapType.MAPPED, e.pblkOf(lblk) * bs,
                        Iomap.F_NEW | Iomap.F_DIRTY, dev);
            }
            return new Iomap(lblk * bs, (end - lblk) * bs, IomapType.MAPPED, e.pblkOf(lblk) * bs, 0, dev);
        }
        // One request for the whole range up to the next mapped block, at most DIO_MAX_BLOCKS, as
        // ext4_iomap_alloc makes it: the allocator sees the write's length and places it as Linux does.
        long want = Math.min(Math.min(in.extents.nextMapped(lblk), lend) - lblk, DIO_MAX_BLOCKS);
        boolean beyondEof = lblk >= eofBlock;
        // Past EOF an extent file's blocks stay unwritten until end(); an indirect map has no
        // unwritten state, so its new blocks are zeroed like any (EXT4_GET_BLOCKS_CREATE_ZERO).
        boolean unwritten = beyondEof && in.usesExtents();
        Extent got = fs.allocate(in, lblk, want, unwritten);
        long zeroTo = got.end();
        if (!beyondEof && got.end() > eofBlock && in.usesExtents()) {
            in.extents.setState(eofBlock, got.end(), true); // the part past EOF, as above
            fs.saveExtents(in);
            zeroTo = eofBlock;
        }
        if (!unwritten) {
            // Zeroed before the transaction that maps them commits (EXT4_GET_BLOCKS_CREATE_ZERO):
            // after a crash a new block reads as zeros, never as what the device held before.
            zero(got, got.lblk(), zeroTo);
        }
        return new Iomap(lblk * bs, got.len() * bs, IomapType.MAPPED, got.pblk() * bs, Iomap.F_NEW | Iomap.F_DIRTY, dev);
    }
}
