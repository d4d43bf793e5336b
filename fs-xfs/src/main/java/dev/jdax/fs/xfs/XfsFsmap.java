package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * {@code FS_IOC_GETFSMAP} on a file system without a reverse-mapping B+tree (mkfs.xfs 6.1's
 * default), as xfs_getfsmap_datadev_bnobt answers it: each AG's by-block free-space records that
 * meet the range, reported as free space, and what lies between them as unknown. Units inside are
 * 512-byte basic blocks (daddrs), as XFS's query keeps them; the records go out in bytes.
 *
 * <p>The kernel's own edges are kept: a free extent that starts before the low key is reported
 * whole, and the query ends with the gap up to the block the high key falls in, so that block
 * itself is reported only as part of a free extent (the last block of the file system is never
 * in a trailing unknown record).
 */
final class XfsFsmap {
    /** BBSHIFT: a basic block is 512 bytes. */
    private static final int BB_SHIFT = 9;

    private final XfsDisk disk;
    /** The AGs in core (a writable mount), or null to read each AG's bnobt from disk. */
    private final XfsSpace space;
    private final int bbPerBlockLog;
    private final List<FsmapRecord> out = new ArrayList<>();
    /** info->next_daddr: where the next record is expected; a record after it leaves a gap. */
    private long nextDaddr;

    XfsFsmap(XfsDisk disk, XfsSpace space) {
        this.disk = disk;
        this.space = space;
        this.bbPerBlockLog = disk.blockLog() - BB_SHIFT;
    }

    /** The records of the query: on the data device, from byte {@code keys.low()} to byte {@code keys.high()}. */
    List<FsmapRecord> query(FsmapKeys keys) throws FsException {
        keys.requireOrdered(BB_SHIFT);
        long low = keys.low();
        long high = keys.high();
        long lowDaddr = low >>> BB_SHIFT;
        long highDaddr = high >>> BB_SHIFT;
        if (!keys.dataDevice()) {
            return out;     // no external log or realtime device: the kernel finds no handler for it
        }
        nextDaddr = lowDaddr;
        long eofs = disk.sb().sb_dblocks() << bbPerBlockLog;
        if (lowDaddr >= eofs) {
            return out;
        }
        long startBlock = lowDaddr >>> bbPerBlockLog;
        long endBlock = (Long.compareUnsigned(highDaddr, eofs - 1) < 0 ? highDaddr : eofs - 1) >>> bbPerBlockLog;
        long agblocks = disk.sb().sb_agblocks();
        long startAg = startBlock / agblocks;
        long endAg = endBlock / agblocks;
        for (long agno = startAg; agno <= endAg; agno++) {
            long from = agno == startAg ? startBlock % agblocks : 0;
            long to = agno == endAg ? endBlock % agblocks : agblocks - 1;
            NavigableMap<Long, Long> free = space != null ? space.freeExtents(agno) : AgFreeSpace.readExtents(disk, agno);
            // xfs_alloc_query_range: the record holding the low key, if any, then those starting up to the high key.
            Map.Entry<Long, Long> first = free.floorEntry(from);
            long scanFrom = first != null && first.getKey() + first.getValue() > from ? first.getKey() : from;
            for (Map.Entry<Long, Long> e : free.subMap(scanFrom, true, to, true).entrySet()) {
                record(daddr(agno, e.getKey()), e.getValue() << bbPerBlockLog, false);
            }
            if (agno == endAg) {
                // The kernel's last call: a zero-length record at the high key, reporting only the gap before it.
                record(daddr(agno, to), 0, true);
            }
        }
        return out;
    }

    /** xfs_getfsmap_helper for a free extent: the gap before it as unknown, then itself (unless {@code last}). */
    private void record(long daddr, long lenDaddr, boolean last) {
        if (daddr > nextDaddr) {
            out.add(FsmapRecord.special(nextDaddr << BB_SHIFT, (daddr - nextDaddr) << BB_SHIFT, FsmapRecord.OWN_UNKNOWN));
        }
        if (!last) {
            out.add(FsmapRecord.special(daddr << BB_SHIFT, lenDaddr << BB_SHIFT, FsmapRecord.OWN_FREE));
        }
        nextDaddr = Math.max(nextDaddr, daddr + lenDaddr);
    }

    private long daddr(long agno, long agbno) {
        return (agno * disk.sb().sb_agblocks() + agbno) << bbPerBlockLog;
    }
}
