package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.util.UUID;
import java.util.zip.CRC32C;

import static dev.jdax.fs.xfs.Buf.*;
import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * The physical log as xlog_write and xlog_sync fill it: operations packed into records of at most
 * one iclog (32 KiB, its header sector included), a region too long for the rest of a record split
 * into a continued operation, each record stamped with its cycle number in the first word of every
 * sector (the words kept in h_cycle_data), CRC32C over header and data, and written at the head,
 * across the end of the log into the next cycle when it must. Every record is fenced before the
 * next is written, so a crash tears at most the last one, which recovery's CRC check drops.
 */
final class LogWriter {
    private final DaxDevice device;
    private final long start;
    private final int logBBs;
    private final UUID uuid;
    private final int roundoff;
    private long cycle;
    private int headBlk;
    private int prevBlk;
    private long tailLsn;

    private final byte[] data = new byte[ICLOG_DATA];
    private int used;
    private int ops;

    /**
     * A writer whose next record goes at {@code headBlk} of {@code cycle}; {@code tailLsn} is the
     * oldest record recovery still needs (the head itself when the log is empty).
     */
    LogWriter(DaxDevice device, long start, int logBBs, UUID uuid, int logsunit, long cycle, int headBlk, int prevBlk,
              long tailLsn) {
        this.device = device;
        this.start = start;
        this.logBBs = logBBs;
        this.uuid = uuid;
        this.roundoff = logsunit > 1 ? logsunit : BBSIZE;
        this.cycle = cycle;
        this.headBlk = headBlk;
        this.prevBlk = prevBlk;
        this.tailLsn = tailLsn;
    }

    /** The LSN the next record will have. */
    long headLsn() {
        return lsn(cycle, headBlk);
    }

    long tailLsn() {
        return tailLsn;
    }

    /** The tail moves: everything logged before {@code lsn} is home. */
    void tail(long lsn) {
        tailLsn = lsn;
    }

    int logBBs() {
        return logBBs;
    }

    /** Basic blocks between the tail and the head: what recovery would read. */
    int usedBBs() {
        long tc = cycleOf(tailLsn);
        int tb = blockOf(tailLsn);
        return tc == cycle ? headBlk - tb : logBBs - tb + headBlk;
    }

    /** The operation header and data of one region; split over records when it does not fit. */
    void region(long tid, byte[] src) throws FsException {
        int off = 0;
        boolean first = true;
        while (true) {
            if (ICLOG_DATA - used < OP_HEADER + (src.length > off ? 4 : 0)) {
                flush();
            }
            int n = Math.min(ICLOG_DATA - used - OP_HEADER, src.length - off);
            boolean last = off + n == src.length;
            int flags = (first ? 0 : XLOG_WAS_CONT_TRANS) | (last ? (first ? 0 : XLOG_END_TRANS) : XLOG_CONTINUE_TRANS);
            opHeader(data, used, tid, n, XFS_TRANSACTION, flags);
            System.arraycopy(src, off, data, used + OP_HEADER, n);
            used += OP_HEADER + n;
            ops++;
            off += n;
            first = false;
            if (last) {
                return;
            }
            flush();
        }
    }

    /** An operation without data: the start of a transaction, its commit. */
    void marker(long tid, int client, int flags) throws FsException {
        if (ICLOG_DATA - used < OP_HEADER) {
            flush();
        }
        opHeader(data, used, tid, 0, client, flags);
        used += OP_HEADER;
        ops++;
    }

    /**
     * Writes one checkpoint (xlog_cil_push_work): the start record, the transaction header, every
     * region and the commit record. Records are fenced one by one, so the record with the commit
     * is durable only after all before it; a torn one fails its CRC and takes the commit with it.
     * Returns the checkpoint's LSN: the record its start is in, which recovery replays it as.
     */
    long checkpoint(long tid, java.util.List<byte[]> regions) throws FsException {
        long lsn = headLsn();
        marker(tid, XFS_TRANSACTION, XLOG_START_TRANS);
        region(tid, transHeader(tid, regions.size()));
        for (byte[] r : regions) {
            region(tid, r);
        }
        marker(tid, XFS_TRANSACTION, XLOG_COMMIT_TRANS);
        flush();
        return lsn;
    }

    /** xlog_unmount_write: a record holding only an unmount operation, the tail at itself. */
    void unmountRecord(long tid) throws FsException {
        flush();
        tailLsn = headLsn();
        byte[] u = unmountFormat();
        opHeader(data, used, tid, u.length, XFS_LOG, XLOG_UNMOUNT_TRANS);
        System.arraycopy(u, 0, data, used + OP_HEADER, u.length);
        used += OP_HEADER + u.length;
        ops++;
        flush();
    }

    /** Writes the record being built, if it holds anything, at the head; then fences. */
    private void flush() throws FsException {
        if (ops == 0) {
            return;
        }
        // xlog_calc_iclog_size: header and data together are padded to the log stripe unit (a 4 KiB
        // log sector), and h_len counts the padding (v2 logs).
        int total = (BBSIZE + used + roundoff - 1) / roundoff * roundoff;
        int hLen = total - BBSIZE;
        Corrupt.check(usedBBs() + total / BBSIZE < logBBs, "log: a record of %d sectors would overwrite the tail at %d:%d",
                total / BBSIZE, cycleOf(tailLsn), blockOf(tailLsn));
        byte[] rec = new byte[total];
        System.arraycopy(data, 0, rec, BBSIZE, used);
        put32(rec, H_MAGICNO, XLOG_HEADER_MAGIC_NUM);
        put32(rec, H_CYCLE, cycle);
        put32(rec, H_VERSION, XLOG_VERSION_2);
        put32(rec, H_LEN, hLen);
        put64(rec, H_LSN, headLsn());
        put64(rec, H_TAIL_LSN, tailLsn);
        put32(rec, H_PREV_BLOCK, prevBlk);
        put32(rec, H_NUM_LOGOPS, ops);
        put32(rec, H_FMT, XLOG_FMT_LINUX_LE);
        put64(rec, H_FS_UUID, uuid.getMostSignificantBits());
        put64(rec, H_FS_UUID + 8, uuid.getLeastSignificantBits());
        put32(rec, H_SIZE, ICLOG_SIZE);
        // xlog_pack_data: each data sector's first word is the cycle; the word it held is kept in the header.
        for (int i = 0; i < hLen / BBSIZE; i++) {
            int at = BBSIZE + i * BBSIZE;
            System.arraycopy(rec, at, rec, H_CYCLE_DATA + 4 * i, 4);
            put32(rec, at, cycle);
        }
        // xlog_split_iclog: the sectors written past the end of the log carry the next cycle.
        int beforeEnd = Math.min(total, (logBBs - headBlk) * BBSIZE);
        for (int at = beforeEnd; at < total; at += BBSIZE) {
            put32(rec, at, be32(rec, at) + 1);
        }
        XfsCrc.store(rec, H_CRC, checksum(rec, 0, total));
        device.store(start + (long) headBlk * BBSIZE, MemorySegment.ofArray(rec), 0, beforeEnd);
        if (beforeEnd < total) {
            device.store(start, MemorySegment.ofArray(rec), beforeEnd, total - beforeEnd);
        }
        device.fence();
        prevBlk = headBlk;
        headBlk += total / BBSIZE;
        if (headBlk >= logBBs) {
            headBlk -= logBBs;
            cycle++;
        }
        used = 0;
        ops = 0;
    }

    /** xlog_cksum of a record with one header sector: the header's first bytes, then the data. */
    static int checksum(byte[] rec, int hdr, int total) {
        CRC32C c = new CRC32C();
        c.update(rec, hdr, H_CRC);
        c.update(new byte[4]);
        c.update(rec, hdr + H_CRC + 4, XLOG_REC_SIZE - H_CRC - 4);
        c.update(rec, hdr + BBSIZE, total - BBSIZE);
        return (int) c.getValue();
    }

    /**
     * xlog_clear_stale_blocks: the sectors just past the head that a torn write may have stamped
     * with the current cycle are overwritten with empty record headers of the cycle before, so
     * the next head search cannot take them for records, up to the tail or XLOG_TOTAL_REC_SHIFT.
     */
    void clearStale() throws FsException {
        long tc = cycleOf(tailLsn);
        int tb = blockOf(tailLsn);
        int distance = tc == cycle ? tb + (logBBs - headBlk) : tb - headBlk;
        int max = Math.min(distance, XLOG_MAX_ICLOGS * (XLOG_MAX_RECORD_BSIZE / BBSIZE));
        for (int i = 0; i < max; i++) {
            int blk = headBlk + i;
            long c = cycle - 1;
            if (blk >= logBBs) {
                blk -= logBBs;
                c = cycle;
            }
            byte[] h = new byte[BBSIZE];
            put32(h, H_MAGICNO, XLOG_HEADER_MAGIC_NUM);
            put32(h, H_CYCLE, c);
            put32(h, H_VERSION, XLOG_VERSION_2);
            put64(h, H_LSN, lsn(c, blk));
            put64(h, H_TAIL_LSN, tailLsn);
            put32(h, H_FMT, XLOG_FMT_LINUX_LE);
            put64(h, H_FS_UUID, uuid.getMostSignificantBits());
            put64(h, H_FS_UUID + 8, uuid.getLeastSignificantBits());
            device.store(start + (long) blk * BBSIZE, MemorySegment.ofArray(h), 0, BBSIZE);
        }
        device.fence();
    }
}
