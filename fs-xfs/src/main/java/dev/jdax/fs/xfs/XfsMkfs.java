package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;

import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Makes a file system as mkfs.xfs 6.1 does with its defaults: v5 with CRCs, finobt, sparse
 * inodes, reflink (an empty refcount tree per AG), bigtime, inobtcount, ftype, lazy-count;
 * 4 KiB blocks, 512-byte inodes, four AGs, a 64 MiB internal log in the middle AG holding one
 * unmount record (clean), the root directory and the realtime bitmap and summary inodes in the
 * first inode chunk of AG 0. Sectors are 512 bytes, or 4096 ({@code sectsize=4096} in the options'
 * extra settings) as mkfs.xfs chooses on a device whose physical sectors are 4 KiB, such as
 * /dev/pmem0. The layout follows mkfs.xfs's: in each AG the four header sectors (one block, or
 * blocks 0-3), then the five btree roots, four AGFL blocks, then free space; so with 4 KiB sectors
 * AG 0 keeps the small free extent of blocks 13-15 below the root inode chunk that Linux's
 * allocator fills first.
 */
final class XfsMkfs {
    static final int BLOCK = 4096;
    static final int SECT = 512;
    static final int SECT_4K = 4096;
    static final int ISIZE = 512;
    static final long LOG_BLOCKS = 16384;
    static final long ROOTS = 5;       // bnobt, cntbt, inobt, finobt, refcountbt after the headers
    static final long AGFL_BLOCKS = 4;
    static final long MAX_AG_BLOCKS = 1L << 28;

    private final DaxDevice device;
    private final UUID uuid;
    private final byte[] label;
    private final long dblocks;
    private final long agcount;
    private final long agblocks;
    private final int agblklog;
    private final long logAg;
    /** sb_sectsize: the AG headers' size. */
    private final int sect;
    /** The blocks the four AG header sectors take: the first btree root follows them. */
    private final long hdrBlocks;
    private final Instant now = Instant.now();

    XfsMkfs(DaxDevice device, MkfsOptions options) throws FsException {
        this.device = device;
        this.sect = check(options);
        if (device.size() < XfsFileSystemType.MINIMUM_SIZE) {
            throw FsException.of(Errno.EINVAL, "xfs: mkfs: device of %d bytes is below the 300 MiB minimum", device.size());
        }
        this.label = options.labelBytes("xfs", XfsSuperblock.FNAME_LEN);
        this.hdrBlocks = (4L * sect + BLOCK - 1) / BLOCK;
        this.uuid = options.uuid() != null ? options.uuid() : UUID.randomUUID();
        this.dblocks = device.size() / BLOCK;
        long count = Math.max(4, (dblocks + MAX_AG_BLOCKS - 1) / MAX_AG_BLOCKS);
        this.agblocks = (dblocks + count - 1) / count;
        this.agcount = (dblocks + agblocks - 1) / agblocks;
        this.agblklog = 64 - Long.numberOfLeadingZeros(agblocks - 1);
        this.logAg = agcount / 2;
    }

    /**
     * Refuses the options jdax's XFS mkfs cannot make (see
     * {@link dev.jdax.api.fs.FileSystemType#checkMkfs}); {@return the sector size they ask for}.
     */
    static int check(MkfsOptions options) throws FsException {
        if (options.blockSize() != 0 && options.blockSize() != BLOCK) {
            throw FsException.of(Errno.EINVAL, "xfs: mkfs: block size %d (only 4096)", options.blockSize());
        }
        for (String f : options.features()) {
            // mkfs.xfs takes its features as -m/-i/-n suboptions; jdax makes its defaults only.
            throw FsException.of(Errno.EINVAL, "xfs: mkfs feature \"%s\": jdax makes mkfs.xfs's default features only", f);
        }
        options.labelBytes("xfs", XfsSuperblock.FNAME_LEN);
        String sectsize = options.extra().getOrDefault("sectsize", String.valueOf(SECT));
        if (!sectsize.equals(String.valueOf(SECT)) && !sectsize.equals(String.valueOf(SECT_4K))) {
            throw FsException.of(Errno.EINVAL, "xfs: mkfs: sectsize %s (512 or 4096)", sectsize);
        }
        return Integer.parseInt(sectsize);
    }

    private long agLength(long agno) {
        return agno == agcount - 1 ? dblocks - agno * agblocks : agblocks;
    }

    private long agByte(long agno, long agbno) {
        return (agno * agblocks + agbno) * BLOCK;
    }

    private long fsb(long agno, long agbno) { // XFS_AGB_TO_FSB
        return (agno << agblklog) | agbno;
    }

    private long daddr(long agno, long agbno) {
        return agByte(agno, agbno) >>> 9;
    }

    void make() throws FsException {
        long logStartAgbno = hdrBlocks + ROOTS;
        long fdblocks = 0;
        for (long ag = 0; ag < agcount; ag++) {
            long len = agLength(ag);
            boolean log = ag == logAg;
            long agflStart = log ? logStartAgbno + LOG_BLOCKS : hdrBlocks + ROOTS;
            long firstFree = agflStart + AGFL_BLOCKS;
            long[][] free;
            if (ag == 0) {
                long chunk = 16; // the first inode-aligned block after the AGFL: inode 128 is the root
                free = new long[][]{{firstFree, chunk - firstFree}, {chunk + 8, len - chunk - 8}};
            } else {
                free = new long[][]{{firstFree, len - firstFree}};
            }
            device.zero(agByte(ag, 0), BLOCK * (hdrBlocks + ROOTS));
            long freeblks = 0;
            long longest = 0;
            for (long[] f : free) {
                freeblks += f[1];
                longest = Math.max(longest, f[1]);
            }
            fdblocks += freeblks + AGFL_BLOCKS;
            writeAgf(ag, len, freeblks, longest);
            writeAgfl(ag, agflStart);
            writeAgi(ag, len, ag == 0);
            writeAllocRoots(ag, free);
            writeInodeRoots(ag, ag == 0);
            writeRefcountRoot(ag);
        }
        writeLog(fsb(logAg, logStartAgbno));
        writeFirstChunk();
        byte[] sb = superblock(fsb(logAg, logStartAgbno), fdblocks);
        for (long ag = 1; ag < agcount; ag++) {
            byte[] copy = sb.clone();
            put64(copy, 128, 0);     // secondaries carry no inode counts, as mkfs writes them
            put64(copy, 136, 0);
            put8(copy, 126, 1);
            XfsCrc.update(copy, 0, sect, XfsSuperblock.SB_CRC_OFF);
            device.store(agByte(ag, 0), java.lang.foreign.MemorySegment.ofArray(copy), 0, sect);
        }
        device.store(0, java.lang.foreign.MemorySegment.ofArray(sb), 0, sect);
        device.fence();
    }

    private void put(long offset, byte[] b) throws FsException {
        device.store(offset, java.lang.foreign.MemorySegment.ofArray(b), 0, b.length);
    }

    private void putUuid(byte[] b, int off) {
        put64(b, off, uuid.getMostSignificantBits());
        put64(b, off + 8, uuid.getLeastSignificantBits());
    }

    private byte[] superblock(long logstart, long fdblocks) {
        byte[] b = new byte[sect];
        put32(b, 0, XfsSuperblock.XFS_SB_MAGIC);
        put32(b, 4, BLOCK);
        put64(b, 8, dblocks);
        putUuid(b, XfsSuperblock.UUID_OFF);
        put64(b, 48, logstart);
        put64(b, 56, 128);
        put64(b, 64, 129);
        put64(b, 72, 130);
        put32(b, 80, 1);                 // sb_rextsize
        put32(b, 84, agblocks);
        put32(b, 88, agcount);
        put32(b, 96, LOG_BLOCKS);
        // v5 | NLINK | ALIGN | LOGV2 | EXTFLG | DIRV2 | MOREBITS, and SECTOR when sectors are not 512 bytes
        put16(b, 100, sect > SECT ? 0xbca5 : 0xb4a5);
        put16(b, 102, sect);
        put16(b, 104, ISIZE);
        put16(b, 106, BLOCK / ISIZE);
        System.arraycopy(label, 0, b, XfsSuperblock.FNAME_OFF, label.length);
        put8(b, 120, 12);
        put8(b, 121, Integer.numberOfTrailingZeros(sect));   // sb_sectlog
        put8(b, 122, 9);
        put8(b, 123, 3);
        put8(b, 124, agblklog);
        put8(b, 127, 25);                // sb_imax_pct
        put64(b, 128, 64);
        put64(b, 136, 61);
        put64(b, 144, fdblocks);         // free blocks plus the AGFL blocks (lazy-count sums both)
        put32(b, 180, 8);                // sb_inoalignmt: one chunk of 64 inodes
        if (sect > SECT) {
            put8(b, 193, Integer.numberOfTrailingZeros(sect));   // sb_logsectlog
            put16(b, 194, sect);                                 // sb_logsectsize
            put32(b, 196, sect);         // sb_logsunit: log writes padded to whole log sectors
        } else {
            put32(b, 196, 1);            // sb_logsunit
        }
        put32(b, 200, 0x18a);            // LAZYSBCOUNT | ATTR2 | PROJID32 | CRC
        put32(b, 204, 0x18a);
        put32(b, 212, XfsSuperblock.RO_COMPAT_FINOBT | XfsSuperblock.RO_COMPAT_REFLINK | XfsSuperblock.RO_COMPAT_INOBTCNT);
        put32(b, 216, XfsSuperblock.INCOMPAT_FTYPE | XfsSuperblock.INCOMPAT_SPINODES | XfsSuperblock.INCOMPAT_BIGTIME);
        put32(b, 228, 4);                // sb_spino_align
        XfsCrc.update(b, 0, sect, XfsSuperblock.SB_CRC_OFF);
        return b;
    }

    private void writeAgf(long ag, long len, long freeblks, long longest) throws FsException {
        byte[] b = new byte[sect];
        put32(b, 0, XfsAgf.XFS_AGF_MAGIC);
        put32(b, 4, 1);
        put32(b, 8, ag);
        put32(b, 12, len);
        put32(b, 16, hdrBlocks);         // agf_bnoroot
        put32(b, 20, hdrBlocks + 1);     // agf_cntroot
        put32(b, 28, 1);
        put32(b, 32, 1);
        put32(b, 40, 1);                 // agf_flfirst
        put32(b, 44, AGFL_BLOCKS);       // agf_fllast
        put32(b, 48, AGFL_BLOCKS);       // agf_flcount
        put32(b, 52, freeblks);
        put32(b, 56, longest);
        putUuid(b, 64);
        put32(b, 84, 1);                 // agf_refcount_blocks
        put32(b, 88, hdrBlocks + 4);     // agf_refcount_root
        put32(b, 92, 1);                 // agf_refcount_level
        XfsCrc.update(b, 0, sect, XfsAgf.CRC_OFF);
        put(agByte(ag, 0) + sect, b);
    }

    private void writeAgfl(long ag, long first) throws FsException {
        byte[] b = new byte[sect];
        put32(b, 0, 0x5841464cL);
        put32(b, 4, ag);
        putUuid(b, 8);
        Arrays.fill(b, 36, sect, (byte) 0xff);
        for (int i = 0; i < AGFL_BLOCKS; i++) {
            put32(b, 36 + 4 * (i + 1), first + i);
        }
        XfsCrc.update(b, 0, sect, 32);
        put(agByte(ag, 0) + 3L * sect, b);
    }

    private void writeAgi(long ag, long len, boolean root) throws FsException {
        byte[] b = new byte[sect];
        put32(b, 0, XfsAgi.XFS_AGI_MAGIC);
        put32(b, 4, 1);
        put32(b, 8, ag);
        put32(b, 12, len);
        put32(b, 16, root ? 64 : 0);
        put32(b, 20, hdrBlocks + 2);     // agi_root
        put32(b, 24, 1);
        put32(b, 28, root ? 61 : 0);
        put32(b, 32, root ? 128 : XfsAgi.NULLAGINO);
        put32(b, 36, XfsAgi.NULLAGINO);
        for (int i = 0; i < 64; i++) {
            put32(b, 40 + 4 * i, XfsAgi.NULLAGINO);
        }
        putUuid(b, 296);
        put32(b, 328, hdrBlocks + 3);    // agi_free_root
        put32(b, 332, 1);                // agi_free_level
        put32(b, 336, 1);                // agi_iblocks
        put32(b, 340, 1);                // agi_fblocks
        XfsCrc.update(b, 0, sect, XfsAgi.CRC_OFF);
        put(agByte(ag, 0) + 2L * sect, b);
    }

    private void writeLeaf(long ag, long agbno, long magic, byte[][] recs) throws FsException {
        byte[] b = new byte[BLOCK];
        BtreeBlock.init(b, magic, false, 0, recs.length, daddr(ag, agbno), ag, uuid);
        int size = recs.length == 0 ? 0 : recs[0].length;
        for (int i = 0; i < recs.length; i++) {
            System.arraycopy(recs[i], 0, b, BtreeBlock.SHORT_LEN + i * size, size);
        }
        BtreeBlock.seal(b, false);
        put(agByte(ag, agbno), b);
    }

    private void writeAllocRoots(long ag, long[][] free) throws FsException {
        byte[][] recs = new byte[free.length][];
        for (int i = 0; i < free.length; i++) {
            recs[i] = new byte[8];
            put32(recs[i], 0, free[i][0]);
            put32(recs[i], 4, free[i][1]);
        }
        writeLeaf(ag, hdrBlocks, AgBtreeKind.BNO.magic, recs);
        byte[][] byCount = recs.clone();
        Arrays.sort(byCount, java.util.Comparator.<byte[]>comparingLong(x -> be32(x, 4)).thenComparingLong(x -> be32(x, 0)));
        writeLeaf(ag, hdrBlocks + 1, AgBtreeKind.CNT.magic, byCount);
    }

    private void writeInodeRoots(long ag, boolean root) throws FsException {
        byte[][] recs = root ? new byte[][]{new InobtRec(128, 0, 64, 61, 0xfffffffffffffff8L).encode()} : new byte[0][];
        writeLeaf(ag, hdrBlocks + 2, AgBtreeKind.INO.magic, recs);
        writeLeaf(ag, hdrBlocks + 3, AgBtreeKind.FINO.magic, recs);
    }

    private void writeRefcountRoot(long ag) throws FsException {
        writeLeaf(ag, hdrBlocks + 4, AgBtreeKind.REFC.magic, new byte[0][]);
    }

    /** The chunk of inodes 128-191: the root directory, the realtime bitmap and summary, 61 free. */
    private void writeFirstChunk() throws FsException {
        InodeChunk.initialize(new XfsDisk(device, XfsSuperblock.wrap(superblock(0, 0))), 0, 16, 8);
        XfsInode root = fresh(128, 040755, XfsInode.FMT_LOCAL);
        root.di_nlink(2);
        root.di_size(6);
        put32(root.raw, XfsInode.CORE_SIZE + 2, 128);   // shortform: count 0, i8count 0, parent 128
        store(root);
        XfsInode rbm = fresh(129, 0100000, XfsInode.FMT_EXTENTS);
        rbm.di_flags(0x4);                              // XFS_DIFLAG_NEWRTBM
        store(rbm);
        store(fresh(130, 0100000, XfsInode.FMT_EXTENTS));
    }

    private XfsInode fresh(long ino, int mode, int format) {
        XfsInode in = new XfsInode(ino, InodeChunk.freeInode(ino, ISIZE, uuid, 0));
        in.di_mode(mode);
        in.di_format(format);
        put8(in.raw, 83, XfsInode.FMT_EXTENTS);
        in.di_nlink(1);
        in.di_flags2(XfsInode.XFS_DIFLAG2_BIGTIME);
        in.atime(Instant.EPOCH); // mkfs.xfs sets only the change and modification times (and crtime): atime stays 0
        in.mtime(now);
        in.ctime(now);
        in.crtime(now);
        return in;
    }

    private void store(XfsInode in) throws FsException {
        in.seal();
        put(agByte(0, 16) + (in.ino() - 128) * ISIZE, in.raw);
    }

    /** A zeroed log with one unmount record at block 0, cycle 1 (libxfs_log_clear). */
    private void writeLog(long logstart) throws FsException {
        long off = agByte(logAg, logstart & ((1L << agblklog) - 1));
        device.zero(off, LOG_BLOCKS * BLOCK);
        // The record's data is padded to the log stripe unit (one log sector of 4 KiB sectors).
        int dataLen = sect > SECT ? sect - 512 : 512;
        byte[] b = new byte[512 + dataLen];
        put32(b, 0, LogFormat.XLOG_HEADER_MAGIC_NUM);
        put32(b, 4, 1);                  // h_cycle
        put32(b, 8, 2);                  // h_version: v2 log
        put32(b, 12, dataLen);           // h_len
        put64(b, 16, 1L << 32);          // h_lsn: cycle 1, block 0
        put64(b, 24, 1L << 32);          // h_tail_lsn
        put32(b, 36, 0xffffffffL);       // h_prev_block
        put32(b, 40, 1);                 // h_num_logops
        put32(b, 44, 0xb0c0d0d0L);       // h_cycle_data[0]: the data block's first word (oh_tid)
        put32(b, 300, 1);                // h_fmt: XLOG_FMT_LINUX_LE
        putUuid(b, 304);
        put32(b, 320, 32768);            // h_size
        for (int bb = 512; bb < b.length; bb += 512) {
            put32(b, bb, 1);             // the cycle stamped over each data sector's first word (oh_tid, then zeros)
        }
        put32(b, 516, 8);                // oh_len
        put8(b, 520, 0xaa);              // XFS_LOG client
        put8(b, 521, LogFormat.XLOG_UNMOUNT_TRANS);
        b[524] = 0x6e;                   // xfs_unmount_log_format magic XLOG_UNMOUNT_TYPE, host order
        b[525] = 0x55;
        put(off, b);
    }
}
