package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.util.UUID;
import java.util.zip.CRC32C;

import static dev.jdax.fs.xfs.Buf.*;
import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * Finds the head and tail of a log and reads its records, as xfs_log_recover.c does: the head is
 * the first sector whose cycle number breaks the sequence (xlog_find_head, xlog_find_zeroed, with
 * the scans that catch out-of-order writes and the back-up over a partly written record); the tail
 * is the last record's h_tail_lsn; a clean log ends in a lone unmount record
 * (xlog_check_unmount_rec); on a dirty one the last records are CRC-checked and a torn one cut
 * off (xlog_verify_head), and the whole stretch from tail to head checked (xlog_verify_tail).
 */
final class LogReader {
    /** XLOG_TOTAL_REC_SHIFT: sectors that may have been in flight at a crash. */
    private static final int TOTAL_REC_BBS = XLOG_MAX_ICLOGS * (XLOG_MAX_RECORD_BSIZE / BBSIZE);
    /** XLOG_REC_SHIFT: the most sectors one record may take. */
    private static final int REC_BBS = XLOG_MAX_RECORD_BSIZE / BBSIZE;

    /** Where the log stands: the next record goes at {@code head} of {@code cycle}. */
    record Position(int head, int tail, long tailLsn, long cycle, int prevBlk, boolean clean) {
        boolean empty() {
            return head == tail;
        }
    }

    /** One record read from the log, its data unpacked (the cycle stamps replaced by what they hid). */
    record Record(int blk, byte[] header, byte[] data, int nextBlk) {
        long lsn() {
            return be64(header, H_LSN);
        }

        int numOps() {
            return (int) be32(header, H_NUM_LOGOPS);
        }

        int len() {
            return (int) be32(header, H_LEN);
        }
    }

    private final DaxDevice device;
    private final long start;
    private final int logBBs;
    private final UUID uuid;

    LogReader(DaxDevice device, long start, int logBBs, UUID uuid) {
        this.device = device;
        this.start = start;
        this.logBBs = logBBs;
        this.uuid = uuid;
    }

    int logBBs() {
        return logBBs;
    }

    /** {@code n} sectors from {@code blk}, across the end of the log into its start. */
    byte[] read(int blk, int n) throws FsException {
        byte[] b = new byte[n * BBSIZE];
        int first = Math.min(n, logBBs - blk);
        device.load(start + (long) blk * BBSIZE, MemorySegment.ofArray(b), 0, (long) first * BBSIZE);
        if (first < n) {
            device.load(start, MemorySegment.ofArray(b), (long) first * BBSIZE, (long) (n - first) * BBSIZE);
        }
        return b;
    }

    /** xlog_get_cycle: a header sector's h_cycle, any other sector's first word. */
    private long cycle(int blk) throws FsException {
        byte[] w = new byte[8];
        device.load(start + (long) blk * BBSIZE, MemorySegment.ofArray(w), 0, 8);
        return be32(w, 0) == XLOG_HEADER_MAGIC_NUM ? be32(w, 4) : be32(w, 0);
    }

    private boolean isHeader(int blk) throws FsException {
        byte[] w = new byte[4];
        device.load(start + (long) blk * BBSIZE, MemorySegment.ofArray(w), 0, 4);
        return be32(w, 0) == XLOG_HEADER_MAGIC_NUM;
    }

    /** xlog_find_cycle_start: the first sector of [first, last] that has {@code cyc}, by bisection. */
    private int cycleStart(int first, int last, long cyc) throws FsException {
        int end = last;
        int mid = (first + end) >>> 1;
        while (mid != first && mid != end) {
            if (cycle(mid) == cyc) {
                end = mid;
            } else {
                first = mid;
            }
            mid = (first + end) >>> 1;
        }
        return end;
    }

    /** xlog_find_verify_cycle: the first sector of [from, from + n) with cycle {@code stop}, or -1. */
    private int findCycle(int from, int n, long stop) throws FsException {
        for (int i = from; i < from + n; i++) {
            if (cycle(i) == stop) {
                return i;
            }
        }
        return -1;
    }

    /** The record header sector a record needs per 32 KiB of h_size. */
    private static int hblks(byte[] hdr) {
        long size = be32(hdr, H_SIZE);
        if ((be32(hdr, H_VERSION) & XLOG_VERSION_2) != 0 && size > XLOG_HEADER_CYCLE_SIZE) {
            return (int) ((size + XLOG_HEADER_CYCLE_SIZE - 1) / XLOG_HEADER_CYCLE_SIZE);
        }
        return 1;
    }

    /**
     * xlog_find_verify_log_record: backs {@code last} up to the last record header in
     * [start, last) when {@code last} falls inside that record; -1 when there is no header there
     * and the search reached block 0 (the caller looks at the end of the log).
     */
    private int verifyRecord(int from, int last, int extra) throws FsException {
        int i = last - 1;
        for (; i >= 0; i--) {
            Corrupt.check(i >= from, "log: no record header before block %d", last);
            if (isHeader(i)) {
                break;
            }
        }
        if (i < 0) {
            return -1;
        }
        byte[] hdr = read(i, 1);
        checkUuid(hdr);
        int blocks = (int) ((be32(hdr, H_LEN) + BBSIZE - 1) / BBSIZE) + hblks(hdr);
        return last - i + extra != blocks ? i : last;
    }

    private void checkUuid(byte[] hdr) throws FsException {
        UUID u = new UUID(be64(hdr, H_FS_UUID), be64(hdr, H_FS_UUID + 8));
        Corrupt.check(u.equals(uuid) || (u.getMostSignificantBits() == 0 && u.getLeastSignificantBits() == 0),
                "log: record has UUID %s, the file system %s", u, uuid);
    }

    /** xlog_find_head: the first sector after the last complete record written. */
    int findHead() throws FsException {
        int zeroed = findZeroed();
        if (zeroed >= 0) {
            return zeroed;
        }
        long firstCycle = cycle(0);
        int head;
        long stop;
        long lastCycle = cycle(logBBs - 1);
        if (firstCycle == lastCycle) {
            head = logBBs;
            stop = lastCycle - 1;
        } else {
            stop = lastCycle;
            head = cycleStart(0, logBBs - 1, lastCycle);
        }
        if (head >= TOTAL_REC_BBS) {
            int n = findCycle(head - TOTAL_REC_BBS, TOTAL_REC_BBS, stop);
            if (n >= 0) {
                head = n;
            }
        } else {
            int n = findCycle(logBBs - (TOTAL_REC_BBS - head), TOTAL_REC_BBS - head, stop - 1);
            if (n >= 0) {
                head = n;
            } else {
                n = findCycle(0, head, stop);
                if (n >= 0) {
                    head = n;
                }
            }
        }
        if (head >= REC_BBS) {
            int h = verifyRecord(head - REC_BBS, head, 0);
            Corrupt.check(h >= 0, "log: no record header before block %d", head);
            head = h;
        } else {
            int h = verifyRecord(0, head, 0);
            if (h < 0) {
                int n = verifyRecord(logBBs - (REC_BBS - head), logBBs, head);
                Corrupt.check(n >= 0, "log: no record header before block %d", head);
                if (n != logBBs) {
                    head = n;
                }
            } else {
                head = h;
            }
        }
        return head == logBBs ? 0 : head;
    }

    /** xlog_find_zeroed: where a log written only part of the way round ends; -1 when it is all written. */
    private int findZeroed() throws FsException {
        if (cycle(0) == 0) {
            return 0;
        }
        if (cycle(logBBs - 1) != 0) {
            return -1;
        }
        int last = cycleStart(0, logBBs - 1, 0);
        int scan = Math.min(TOTAL_REC_BBS, last);
        int from = last - scan;
        int n = findCycle(from, scan, 0);
        if (n >= 0) {
            last = n;
        }
        int h = verifyRecord(from, last, 0);
        Corrupt.check(h >= 0, "log: no record header before block %d", last);
        return h;
    }

    /** The last record header before {@code blk}, searching back across the start of the log; -1 when none. */
    int headerBefore(int blk, int stopAt) throws FsException {
        for (int i = blk - 1; i >= 0; i--) {
            if (isHeader(i)) {
                return i;
            }
            if (i == stopAt) {
                return -1;
            }
        }
        for (int i = logBBs - 1; i >= blk && i >= 0; i--) {
            if (isHeader(i)) {
                return i;
            }
            if (i == stopAt) {
                return -1;
            }
        }
        return -1;
    }

    /** xlog_find_tail: head, tail, and whether the log ends in an unmount record. */
    Position find() throws FsException {
        int head = findHead();
        if (head == 0 && cycle(0) == 0) {
            return new Position(0, 0, lsn(1, 0), 1, 0, true);
        }
        int rblk = headerBefore(head, head);
        Corrupt.check(rblk >= 0, "log: no record header anywhere before the head at block %d", head);
        byte[] rhead = read(rblk, 1);
        checkUuid(rhead);
        long tailLsn = be64(rhead, H_TAIL_LSN);
        int tail = blockOf(tailLsn);
        if (unmountAt(rblk, rhead, head)) {
            return position(head, head, rblk, rhead, true);
        }
        // A dirty log: the last records may be torn; the first that fails its CRC becomes the head.
        int oldest = rblk;
        int found = 1;
        for (int b = rblk; found < XLOG_MAX_ICLOGS; found++) {
            if (b == tail) {
                break;
            }
            int prev = headerBefore(b, tail);
            if (prev < 0) {
                break;
            }
            oldest = b = prev;
        }
        int bad = firstBad(oldest, head);
        if (bad >= 0) {
            head = bad;
            rblk = headerBefore(head, tail);
            Corrupt.check(rblk >= 0, "log: torn record at block %d and no good record before it", bad);
            rhead = read(rblk, 1);
            tailLsn = be64(rhead, H_TAIL_LSN);
            tail = blockOf(tailLsn);
            if (head == tail) {
                return position(head, tail, rblk, rhead, false);
            }
            if (unmountAt(rblk, rhead, head)) {
                return position(head, head, rblk, rhead, true);
            }
        }
        tail = verifyTail(head, tail, (int) be32(rhead, H_SIZE));
        Position p = position(head, tail, rblk, rhead, false);
        return new Position(p.head(), tail, lsn(cycleOf(tailLsn), tail), p.cycle(), p.prevBlk(), false);
    }

    private Position position(int head, int tail, int rblk, byte[] rhead, boolean clean) {
        long cyc = be32(rhead, H_CYCLE);
        // The last record lies before the physical end and the head after it: the next write starts a new cycle.
        if (rblk >= head) {
            cyc++;
        }
        long tailLsn = clean ? lsn(cyc, head) : be64(rhead, H_TAIL_LSN);
        return new Position(head, tail, tailLsn, cyc, rblk, clean);
    }

    /** xlog_check_unmount_rec: the record before the head holds exactly one unmount operation. */
    private boolean unmountAt(int rblk, byte[] rhead, int head) throws FsException {
        int hb = hblks(rhead);
        int after = (int) ((rblk + hb + (be32(rhead, H_LEN) + BBSIZE - 1) / BBSIZE) % logBBs);
        if (head != after || be32(rhead, H_NUM_LOGOPS) != 1) {
            return false;
        }
        byte[] op = read((rblk + hb) % logBBs, 1);
        return (op[9] & XLOG_UNMOUNT_TRANS) != 0;
    }

    /** xlog_verify_tail: the records from tail to head pass their CRC, or the tail moves past an overwritten one. */
    private int verifyTail(int head, int tail, int hsize) throws FsException {
        int t = isHeader(tail) ? tail : nextHeader(tail, head);
        while (true) {
            int bad = firstBad(t, head);
            if (bad < 0) {
                return t;
            }
            int distance = head > bad ? head - bad : logBBs - bad + head;
            if (distance > XLOG_MAX_ICLOGS * hsize / BBSIZE) {
                throw Corrupt.of("log: record at block %d fails its CRC, %d blocks before the head at %d: the log is"
                        + " corrupt, not torn", bad, distance, head);
            }
            t = nextHeader(bad, head);
            if (t == head) {
                return t;
            }
        }
    }

    private int nextHeader(int blk, int head) throws FsException {
        int b = (blk + 1) % logBBs;
        while (b != head && !isHeader(b)) {
            b = (b + 1) % logBBs;
        }
        return b;
    }

    /** The first record in [from, head) whose header is invalid or whose CRC fails, or -1. */
    private int firstBad(int from, int head) throws FsException {
        int blk = from;
        while (blk != head) {
            try {
                Record r = record(blk);
                blk = r.nextBlk();
            } catch (FsException e) {
                return blk;
            }
        }
        return -1;
    }

    /**
     * The record at {@code blk}: header checked (xlog_valid_rec_header), CRC checked (a zero CRC
     * passes, as mkfs writes its unmount record without one), data unpacked.
     */
    Record record(int blk) throws FsException {
        byte[] first = read(blk, 1);
        Corrupt.check(be32(first, H_MAGICNO) == XLOG_HEADER_MAGIC_NUM, "log: block %d is not a record header", blk);
        long version = be32(first, H_VERSION);
        Corrupt.check(version != 0 && (version & ~3) == 0, "log: record at block %d has version %d", blk, version);
        int hb = hblks(first);
        long hSize = Math.max(be32(first, H_SIZE), XLOG_HEADER_CYCLE_SIZE);
        long len = be32(first, H_LEN);
        Corrupt.check(len > 0 && len <= Math.max(hSize, XLOG_HEADER_CYCLE_SIZE) && len <= XLOG_MAX_RECORD_BSIZE,
                "log: record at block %d has h_len %d (h_size %d)", blk, len, hSize);
        byte[] header = hb == 1 ? first : read(blk, hb);
        int bblks = (int) ((len + BBSIZE - 1) / BBSIZE);
        int dataBlk = (blk + hb) % logBBs;
        byte[] data = read(dataBlk, bblks);
        long stored = XfsCrc.stored(header, H_CRC) & 0xffffffffL;
        if (stored != 0) {
            CRC32C c = new CRC32C();
            c.update(header, 0, H_CRC);
            c.update(new byte[4]);
            c.update(header, H_CRC + 4, XLOG_REC_SIZE - H_CRC - 4);
            for (int i = 1; i < hb && i * XLOG_HEADER_CYCLE_SIZE < len; i++) {
                c.update(header, i * BBSIZE, XLOG_REC_EXT_SIZE);
            }
            c.update(data, 0, (int) len);
            Corrupt.check((c.getValue() & 0xffffffffL) == stored, "log: record at block %d: CRC 0x%08x (want 0x%08x)",
                    blk, stored, c.getValue());
        }
        // xlog_unpack_data
        int perHeader = XLOG_HEADER_CYCLE_SIZE / BBSIZE;
        for (int i = 0; i < bblks; i++) {
            int src = i < perHeader ? H_CYCLE_DATA + 4 * i : (i / perHeader) * BBSIZE + 4 + 4 * (i % perHeader);
            System.arraycopy(header, src, data, i * BBSIZE, 4);
        }
        return new Record(blk, header, java.util.Arrays.copyOf(data, (int) len), (dataBlk + bblks) % logBBs);
    }
}
