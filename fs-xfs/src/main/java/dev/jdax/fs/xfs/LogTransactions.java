package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.jdax.fs.xfs.Buf.*;
import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * The committed transactions of a log, gathered from its records as xlog_recover_process_data
 * does: operations grouped by transaction id from their start record, regions gathered into items
 * (the first region of each says how many it has), regions continued across records joined, and a
 * transaction kept only when its commit record was read. What is left without a commit at the head
 * never happened.
 */
final class LogTransactions {
    /** XLOG_MAX_REGIONS_IN_ITEM. */
    private static final int MAX_REGIONS = 64 * 1024 / XFS_BLF_CHUNK / 2 + 1;

    /** One log item: its regions, the first being its format structure. */
    static final class Item {
        int total;
        final List<byte[]> regions = new ArrayList<>();

        int type() {
            return le16(regions.getFirst(), 0);
        }

        byte[] region(int i) {
            return regions.get(i);
        }
    }

    /** One transaction (a checkpoint): the LSN of the record it started in, its items in order. */
    static final class Trans {
        final long tid;
        final long lsn;
        byte[] header = new byte[0];
        final List<Item> items = new ArrayList<>();

        Trans(long tid, long lsn) {
            this.tid = tid;
            this.lsn = lsn;
        }
    }

    private final Map<Long, Trans> open = new HashMap<>();
    private final List<Trans> committed = new ArrayList<>();
    private final java.util.UUID uuid;

    LogTransactions(java.util.UUID uuid) {
        this.uuid = uuid;
    }

    List<Trans> committed() {
        return committed;
    }

    /** Adds the operations of one record (xlog_recover_process_data). */
    void add(LogReader.Record r) throws FsException {
        byte[] h = r.header();
        if (be32(h, H_FMT) != XLOG_FMT_LINUX_LE) {
            throw FsException.of(Errno.EUCLEAN, "xfs: log record at block %d was written in format %d, not the"
                    + " little-endian Linux one jdax replays", r.blk(), be32(h, H_FMT));
        }
        java.util.UUID u = new java.util.UUID(be64(h, H_FS_UUID), be64(h, H_FS_UUID + 8));
        Corrupt.check(u.equals(uuid), "log: record at block %d belongs to file system %s", r.blk(), u);
        byte[] d = r.data();
        int dp = 0;
        int end = d.length;
        for (int ops = r.numOps(); dp < end && ops > 0; ops--) {
            Corrupt.check(dp + OP_HEADER <= end, "log: record at block %d: operation header past the end", r.blk());
            long tid = be32(d, dp);
            int len = (int) be32(d, dp + 4);
            int client = d[dp + 8] & 0xff;
            int flags = d[dp + 9] & 0xff;
            dp += OP_HEADER;
            Corrupt.check(client == XFS_TRANSACTION || client == XFS_LOG, "log: record at block %d: client id 0x%x",
                    r.blk(), client);
            Corrupt.check(len >= 0 && dp + len <= end, "log: record at block %d: operation of %d bytes past the end",
                    r.blk(), len);
            byte[] payload = java.util.Arrays.copyOfRange(d, dp, dp + len);
            dp += len;
            Trans t = open.get(tid);
            if (t == null) {
                // Operations of a transaction whose start lies before the tail are slack: skipped.
                if ((flags & XLOG_START_TRANS) != 0) {
                    open.put(tid, new Trans(tid, r.lsn()));
                }
                continue;
            }
            int f = flags & ~XLOG_END_TRANS;
            if ((f & XLOG_WAS_CONT_TRANS) != 0) {
                f &= ~XLOG_CONTINUE_TRANS;
            }
            switch (f) {
                case 0, XLOG_CONTINUE_TRANS -> addRegion(t, payload);
                case XLOG_WAS_CONT_TRANS -> continueRegion(t, payload);
                case XLOG_COMMIT_TRANS -> {
                    open.remove(tid);
                    committed.add(t);
                }
                case XLOG_UNMOUNT_TRANS -> open.remove(tid);
                default -> throw Corrupt.of("log: record at block %d: operation flags 0x%x", r.blk(), flags);
            }
        }
    }

    /** xlog_recover_add_to_trans: a new region (or the transaction header, which comes first). */
    private static void addRegion(Trans t, byte[] p) throws FsException {
        if (p.length == 0) {
            return;
        }
        if (t.items.isEmpty()) {
            Corrupt.check(le32(p, 0) == XFS_TRANS_HEADER_MAGIC, "log: transaction %d: header magic 0x%x", t.tid,
                    le32(p, 0));
            Corrupt.check(p.length <= TRANS_HEADER, "log: transaction %d: header of %d bytes", t.tid, p.length);
            t.header = p;
            if (p.length == TRANS_HEADER) {
                t.items.add(new Item());
            }
            return;
        }
        Item item = t.items.getLast();
        if (item.total != 0 && item.total == item.regions.size()) {
            item = new Item();
            t.items.add(item);
        }
        if (item.total == 0) {
            Corrupt.check(p.length >= 4, "log: transaction %d: item format of %d bytes", t.tid, p.length);
            int n = le16(p, 2);
            Corrupt.check(n > 0 && n <= MAX_REGIONS, "log: transaction %d: item of type 0x%x with %d regions", t.tid,
                    le16(p, 0), n);
            item.total = n;
        }
        Corrupt.check(item.regions.size() < item.total, "log: transaction %d: item has more than its %d regions", t.tid,
                item.total);
        item.regions.add(p);
    }

    /** xlog_recover_add_to_cont_trans: the rest of a region split over two records. */
    private static void continueRegion(Trans t, byte[] p) throws FsException {
        if (t.items.isEmpty()) {
            byte[] h = java.util.Arrays.copyOf(t.header, t.header.length + p.length);
            System.arraycopy(p, 0, h, t.header.length, p.length);
            Corrupt.check(h.length <= TRANS_HEADER, "log: transaction %d: header of %d bytes", t.tid, h.length);
            t.header = h;
            t.items.add(new Item());
            return;
        }
        Item item = t.items.getLast();
        Corrupt.check(!item.regions.isEmpty(), "log: transaction %d: a continued region with nothing before it", t.tid);
        byte[] last = item.regions.getLast();
        byte[] joined = java.util.Arrays.copyOf(last, last.length + p.length);
        System.arraycopy(p, 0, joined, last.length, p.length);
        item.regions.set(item.regions.size() - 1, joined);
    }
}
