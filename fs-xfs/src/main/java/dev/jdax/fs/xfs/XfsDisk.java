package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;

/**
 * The device seen through the superblock's geometry: block and inode number arithmetic
 * (XFS_FSB_TO_AGNO, XFS_INO_TO_AGBNO ...) with range checks, and metadata reads and writes. On a
 * writable mount metadata goes through the log: a write changes the cached buffer or inode in the
 * current transaction ({@link MetaCache}), a read sees the cached bytes first.
 */
final class XfsDisk {
    private final DaxDevice device;
    private volatile XfsTrans log;
    private volatile MetaCache cache;
    private final XfsSuperblock sb;
    private final int blockSize;
    private final int blockLog;
    private final int agblklog;
    private final long agblocks;
    private final long agcount;

    XfsDisk(DaxDevice device, XfsSuperblock sb) {
        this.device = device;
        this.sb = sb;
        this.blockSize = (int) sb.sb_blocksize();
        this.blockLog = sb.sb_blocklog();
        this.agblklog = sb.sb_agblklog();
        this.agblocks = sb.sb_agblocks();
        this.agcount = sb.sb_agcount();
    }

    DaxDevice device() {
        return device;
    }

    /** From now on metadata is written through {@code log}'s transactions. */
    void logging(XfsTrans log) {
        this.cache = log.cache();
        this.log = log;
    }

    /** The transactions of a writable mount; null on a read-only one. */
    XfsTrans log() {
        return log;
    }

    private Checkpoint checkpoint() {
        return log.handle().cp;
    }

    XfsSuperblock sb() {
        return sb;
    }

    int blockSize() {
        return blockSize;
    }

    int blockLog() {
        return blockLog;
    }

    long agcount() {
        return agcount;
    }

    long agblocks() {
        return agblocks;
    }

    /** Blocks in AG {@code agno}: the last AG may be shorter. */
    long agLength(long agno) {
        return agno == agcount - 1 ? sb.sb_dblocks() - agno * agblocks : agblocks;
    }

    long agno(long fsbno) {
        return fsbno >>> agblklog;
    }

    long agbno(long fsbno) {
        return fsbno & ((1L << agblklog) - 1);
    }

    long fsb(long agno, long agbno) {
        return (agno << agblklog) | agbno;
    }

    /** Whether {@code [fsbno, fsbno + len)} lies inside one AG (xfs_verify_fsbext). */
    boolean fsbValid(long fsbno, long len) {
        if (fsbno < 0 || len <= 0) {
            return false;
        }
        long agno = agno(fsbno);
        long agbno = agbno(fsbno);
        return agno < agcount && agbno + len <= agLength(agno);
    }

    /**
     * Whether {@code [fsbno, fsbno + len)} may belong to a file: inside one AG and past the AG
     * headers (superblock, AGF, AGI, AGFL), as xfs_verify_fsbext demands of every bmbt record and
     * pointer. Other metadata inside the AG is not known without the free-space and inode btrees;
     * Linux does not look there either (xfs_repair does).
     */
    boolean fileExtentValid(long fsbno, long len) {
        long lastHeaderBlock = 3L * sb.sb_sectsize() / blockSize();
        return fsbValid(fsbno, len) && agbno(fsbno) > lastHeaderBlock;
    }

    long fsbToByte(long fsbno) {
        return (agno(fsbno) * agblocks + agbno(fsbno)) << blockLog;
    }

    /** The 512-byte disk address (xfs_daddr_t) of a block, as bb_blkno records it. */
    long fsbToDaddr(long fsbno) {
        return fsbToByte(fsbno) >>> 9;
    }

    long agbToByte(long agno, long agbno) {
        return (agno * agblocks + agbno) << blockLog;
    }

    byte[] readBlock(long fsbno, Object what) throws FsException {
        Corrupt.check(fsbValid(fsbno, 1), "%s: block %d out of range", what, fsbno);
        byte[] b = new byte[blockSize];
        readBytes(fsbToByte(fsbno), b, blockSize);
        return b;
    }

    /**
     * Block {@code fsbno} to be changed in place: the cached buffer's live bytes ({@link
     * MetaCache#shared}: under the lock that orders its changes, inside a transaction, written back
     * with {@link #writeBytes} before it ends), or null when there is none (outside a transaction,
     * or not cached) and the caller reads a copy with {@link #readBlock}. The cached bytes are what
     * this file system last wrote there; their CRC field may be stale (summed when they leave the
     * cache), so only a copy read with {@link #readBlock} is checked against it.
     */
    byte[] cachedForChange(long fsbno) {
        MetaCache c = cache;
        return c != null && log != null && log.currentOrNull() != null && fsbValid(fsbno, 1)
                ? c.shared(fsbToByte(fsbno), blockSize) : null;
    }

    /**
     * Block {@code fsbno}'s cached bytes themselves, not a copy, or null when it is not cached: for
     * a reader that holds the lock every change of the block takes (a directory's {@code i_rwsem},
     * shared, for its blocks), so that nothing changes them while it reads, and that only reads.
     * As a lookup reads the xfs_buf in Linux's buffer cache: no copy, and no CRC check of bytes
     * this file system wrote (their CRC is summed when they leave the cache).
     */
    byte[] cachedUnderLock(long fsbno) {
        MetaCache c = cache;
        return c != null && fsbValid(fsbno, 1) ? c.shared(fsbToByte(fsbno), blockSize) : null;
    }

    /**
     * Block {@code fsbno}, just read with {@link #readBlock} and verified because {@link
     * #cachedForChange} had none, kept in the cache for the next change ({@link MetaCache#adopt}):
     * the bytes to change from now on, the cached ones. Outside a transaction, {@code verified}.
     */
    byte[] adoptForChange(long fsbno, byte[] verified) {
        MetaCache c = cache;
        return c != null && log != null && log.currentOrNull() != null
                ? c.adopt(fsbToByte(fsbno), verified) : verified;
    }

    byte[] readAgBlock(long agno, long agbno, Object what) throws FsException {
        Corrupt.check(agno < agcount && agbno >= 0 && agbno < agLength(agno), "%s: AG %d block %d out of range", what,
                agno, agbno);
        return readBlock(fsb(agno, agbno), what);
    }

    void readBytes(long offset, byte[] dst, int len) throws FsException {
        MetaCache c = cache;
        if (c != null) {
            c.read(offset, dst, len);
        } else {
            device.load(offset, MemorySegment.ofArray(dst), 0, len);
        }
    }

    /**
     * A metadata buffer of {@code len} bytes at {@code offset}, written whole (and logged); its CRC
     * at {@code crcOff} is summed when the checkpoint is frozen or a reader copies the buffer, once
     * however many transactions change it (-1: {@code src} carries its CRC already).
     */
    void writeBytes(long offset, byte[] src, int len, int crcOff) throws FsException {
        if (log == null) {
            throw new IllegalStateException("xfs: metadata written on a mount without a log");
        }
        cache.writeBuf(checkpoint(), offset, src, len, crcOff);
    }

    /** Inode {@code ino}'s bytes as the file system sees them. */
    byte[] readInode(long ino) throws FsException {
        MetaCache c = cache;
        if (c != null) {
            return c.readInode(ino);
        }
        byte[] raw = new byte[sb.sb_inodesize()];
        device.load(inoToByte(ino), MemorySegment.ofArray(raw), 0, raw.length);
        return raw;
    }

    /**
     * Inode {@code ino} changed: its core ({@code core}, an inode log item) and/or its unlinked
     * pointer ({@code unlinked}, logged in its cluster buffer).
     */
    void writeInode(long ino, byte[] raw, boolean core, boolean unlinked) throws FsException {
        cache.writeInode(checkpoint(), ino, raw, core, unlinked);
    }

    /** A new inode chunk (an inode create item; written at once by mkfs, which has no log yet). */
    void icreate(long agno, long agbno, long blocks, long gen) throws FsException {
        if (log == null) {
            for (long blk = 0; blk < blocks; blk++) {
                byte[] b = InodeChunk.freeBlock(this, agno, agbno + blk, gen);
                device.store(agbToByte(agno, agbno + blk), MemorySegment.ofArray(b), 0, b.length);
            }
            return;
        }
        cache.icreate(checkpoint(), agno, agbno, blocks, gen);
    }

    /**
     * Writes {@code sector} over the superblock of every AG past the first, outside the log and
     * durable on return, as xfs_update_secondary_sbs writes them: no reader of a mounted file
     * system reads them, so no buffer of them is cached.
     */
    void writeSecondarySuperblocks(byte[] sector) throws FsException {
        for (long ag = 1; ag < agcount(); ag++) {
            device.store(agbToByte(ag, 0), MemorySegment.ofArray(sector), 0, sb.sb_sectsize());
        }
        device.fence();
    }

    /** Blocks freed: any metadata buffer cached in them is cancelled. */
    void invalidate(long offset, long len) {
        MetaCache c = cache;
        if (c != null) {
            c.invalidate(checkpoint(), offset, len);
        }
    }

    /** A freed inode chunk: its cluster buffers cancelled. */
    void freeChunk(long agno, long agbno, long blocks) {
        cache.freeChunk(checkpoint(), agno, agbno, blocks);
    }

    // Inode numbers: AG number, block in the AG, inode in the block (XFS_INO_TO_AGNO and friends).
    int inopblog() {
        return sb.sb_inopblog();
    }

    long inoAgno(long ino) {
        return ino >>> (agblklog + inopblog());
    }

    long inoAgino(long ino) {
        return ino & ((1L << (agblklog + inopblog())) - 1);
    }

    long ino(long agno, long agino) {
        return (agno << (agblklog + inopblog())) | agino;
    }

    boolean inoValid(long ino) {
        if (ino <= 0) {
            return false;
        }
        long agno = inoAgno(ino);
        long agbno = inoAgino(ino) >>> inopblog();
        return agno < agcount && agbno < agLength(agno) && agbno > 0;
    }

    /** The block that holds inode {@code ino} (XFS_INO_TO_FSB): where its own blocks are allocated near. */
    long inoToFsb(long ino) {
        return fsb(inoAgno(ino), inoAgino(ino) >>> inopblog());
    }

    /** Device byte offset of inode {@code ino}. */
    long inoToByte(long ino) {
        long agno = inoAgno(ino);
        long agino = inoAgino(ino);
        return agbToByte(agno, agino >>> inopblog()) + ((agino & ((1L << inopblog()) - 1)) << sb.sb_inodelog());
    }
}
