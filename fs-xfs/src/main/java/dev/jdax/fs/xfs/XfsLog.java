package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;

/**
 * The internal log of a mount: where it is (sb_logstart, sb_logblocks), what state a mount finds
 * it in (xlog_find_tail), the replay of a dirty one (xlog_recover), and the writer a writable mount
 * continues it with. An external log device is not supported.
 */
final class XfsLog {
    /** What opening the log found and did. */
    record Opened(LogReader.Position position, boolean dirty, int transactions, int replayed,
                  List<LogIntent> intents) {
    }

    private final XfsDisk disk;
    private final long start;
    private final int bbs;

    XfsLog(XfsDisk disk) throws FsException {
        this.disk = disk;
        XfsSuperblock sb = disk.sb();
        Corrupt.check(sb.sb_logstart() != 0, "superblock: external log devices are not supported");
        long logBlocks = sb.sb_logblocks();
        Corrupt.check(logBlocks >= 64 && disk.fsbValid(sb.sb_logstart(), logBlocks),
                "superblock log: sb_logstart %d, sb_logblocks %d out of range", sb.sb_logstart(), logBlocks);
        this.start = disk.fsbToByte(sb.sb_logstart());
        this.bbs = (int) (logBlocks * (disk.blockSize() / LogFormat.BBSIZE));
    }

    LogReader reader() {
        return new LogReader(disk.device(), start, bbs, disk.sb().sb_uuid());
    }

    /**
     * Finds the head and tail; a dirty log is read whole, checked, and replayed into the device
     * (xlog_do_recover). Nothing is written unless every record and item could be read.
     */
    Opened open() throws FsException {
        LogReader r = reader();
        LogReader.Position p = r.find();
        if (p.clean() || p.empty()) {
            return new Opened(p, false, 0, 0, List.of());
        }
        LogTransactions ts = transactions(r, p);
        LogRecovery recovery = new LogRecovery(disk);
        List<LogIntent> intents = recovery.replay(ts.committed());
        return new Opened(p, true, ts.committed().size(), recovery.replayed(), intents);
    }

    private LogTransactions transactions(LogReader r, LogReader.Position p) throws FsException {
        LogTransactions ts = new LogTransactions(disk.sb().sb_uuid());
        for (int blk = p.tail(); blk != p.head(); ) {
            LogReader.Record rec = r.record(blk);
            ts.add(rec);
            blk = rec.nextBlk();
        }
        return ts;
    }

    /**
     * What the log holds, read and not replayed ({@code jdax info}, as {@code xfs_logprint -t}
     * would summarise it): clean, or what a mount would replay, with the intents it would have to
     * finish (those whose done item the log does not hold), by kind.
     */
    String describe() throws FsException {
        LogReader r = reader();
        LogReader.Position p = r.find();
        if (p.clean() || p.empty()) {
            return "log clean";
        }
        List<LogTransactions.Trans> committed = transactions(r, p).committed();
        PendingIntents open = new PendingIntents();
        for (LogTransactions.Trans t : committed) {
            for (LogTransactions.Item i : t.items) {
                if (!i.regions.isEmpty()) {
                    open.note(i.type(), i.region(0));
                }
            }
        }
        java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
        for (PendingIntents.Pending left : open.left()) {
            kinds.merge(LogRecovery.typeName(left.type()).replaceFirst(",.*", ""), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder("log dirty: ").append(committed.size())
                .append(committed.size() == 1 ? " transaction" : " transactions").append(" to replay");
        if (!kinds.isEmpty()) {
            b.append(", intents to finish:");
            kinds.forEach((k, n) -> b.append(' ').append(n).append(' ').append(k));
        }
        return b.toString();
    }

    /** The writer that continues the log where {@code p} left it. */
    LogWriter writer(LogReader.Position p) {
        long tail = p.clean() || p.empty() ? LogFormat.lsn(p.cycle(), p.head()) : p.tailLsn();
        return new LogWriter(disk.device(), start, bbs, disk.sb().sb_uuid(), (int) disk.sb().sb_logsunit(), p.cycle(),
                p.head(), p.prevBlk(), tail);
    }

    /**
     * xfs_initialize_perag_data: after a crash the lazy superblock counters are summed from the AG
     * headers (free blocks, AGFL and free-space tree blocks; inodes and free inodes).
     */
    static void recount(XfsDisk disk) throws FsException {
        XfsSuperblock sb = disk.sb();
        long fdblocks = 0;
        long icount = 0;
        long ifree = 0;
        for (long agno = 0; agno < disk.agcount(); agno++) {
            XfsAgf agf = XfsAgf.read(disk, agno);
            XfsAgi agi = XfsAgi.read(disk, agno);
            fdblocks += agf.agf_freeblks() + agf.agf_flcount() + agf.agf_btreeblks();
            icount += agi.agi_count();
            ifree += agi.agi_freecount();
        }
        synchronized (sb) {
            sb.sb_fdblocks(fdblocks);
            sb.sb_icount(icount);
            sb.sb_ifree(ifree);
        }
    }
}
