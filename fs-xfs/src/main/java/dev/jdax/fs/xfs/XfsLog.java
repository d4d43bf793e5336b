package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The internal log, read only to decide whether it is clean: the last record before the head must
 * be a lone unmount record (see fs/xfs/xfs_log_recover.c xlog_find_head, xlog_find_tail,
 * xlog_check_unmount_rec). jdax never writes the log: mutations go straight to their blocks and
 * the unmount record mkfs (or Linux) left stays the last record, so the log stays clean.
 */
final class XfsLog {
    static final long XLOG_HEADER_MAGIC_NUM = 0xFEEDBABEL;
    static final int XLOG_UNMOUNT_TRANS = 0x20;
    static final int BBSIZE = 512;
    static final int XLOG_HEADER_CYCLE_SIZE = 32 * 1024;

    private final XfsDisk disk;
    private final long start;
    private final long bbs;

    XfsLog(XfsDisk disk) throws FsException {
        this.disk = disk;
        XfsSuperblock sb = disk.sb();
        Corrupt.check(sb.sb_logstart() != 0, "superblock: external log devices are not supported");
        long logBlocks = sb.sb_logblocks();
        Corrupt.check(logBlocks >= 64 && disk.fsbValid(sb.sb_logstart(), logBlocks),
                "superblock log: sb_logstart %d, sb_logblocks %d out of range", sb.sb_logstart(), logBlocks);
        this.start = disk.fsbToByte(sb.sb_logstart());
        this.bbs = logBlocks * (disk.blockSize() / BBSIZE);
    }

    /** Fails with EUCLEAN when the log needs recovery. */
    void requireClean() throws FsException {
        long head = findHead();
        byte[] hdr = new byte[BBSIZE];
        long blk = head;
        for (long n = 0; n < bbs; n++) {
            blk = blk == 0 ? bbs - 1 : blk - 1;
            disk.readBytes(start + blk * BBSIZE, hdr, BBSIZE);
            if (be32(hdr, 0) == XLOG_HEADER_MAGIC_NUM) {
                checkUnmountRecord(hdr, blk);
                return;
            }
        }
        throw Corrupt.of("log: no record header found before the head at block %d", head);
    }

    private void checkUnmountRecord(byte[] hdr, long blk) throws FsException {
        long numOps = be32(hdr, 40);
        long hSize = be32(hdr, 320);
        long hdrBlocks = hSize <= XLOG_HEADER_CYCLE_SIZE ? 1 : (hSize + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE;
        byte[] data = new byte[BBSIZE];
        disk.readBytes(start + ((blk + hdrBlocks) % bbs) * BBSIZE, data, BBSIZE);
        int ohFlags = u8(data, 9);
        if (numOps != 1 || (ohFlags & XLOG_UNMOUNT_TRANS) == 0) {
            throw FsException.of(Errno.EUCLEAN,
                    "xfs: the log is dirty (last record at log block %d has %d operations, no unmount record): "
                            + "mount it with Linux to replay the log, or run xfs_repair; jdax has no log recovery yet",
                    blk, numOps);
        }
    }

    private long cycle(long blk) throws FsException {
        byte[] w = new byte[8];
        disk.readBytes(start + blk * BBSIZE, w, 8);
        return be32(w, 0) == XLOG_HEADER_MAGIC_NUM ? be32(w, 4) : be32(w, 0);
    }

    /**
     * The first block of the log not yet written in the current cycle: the blocks run
     * {@code c, ..., c, c-1, ..., c-1}; when all carry the same cycle the head is block 0.
     */
    private long findHead() throws FsException {
        long first = cycle(0);
        if (first == 0) {
            throw Corrupt.of("log: block 0 has cycle 0 (an empty log, not written by mkfs)");
        }
        if (cycle(bbs - 1) == first) {
            return 0;
        }
        long lo = 0;
        long hi = bbs - 1;
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            if (cycle(mid) == first) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }
}
