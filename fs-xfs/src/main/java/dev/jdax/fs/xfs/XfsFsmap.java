package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsmapGaps;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;

import java.util.List;
import java.util.Map;

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

    XfsFsmap(XfsDisk disk, XfsSpace space) {
        this.disk = disk;
        this.space = space;
        this.bbPerBlockLog = disk.blockLog() - BB_SHIFT;
    }

    /** The records of the query: on the data device, from byte {@code keys.low()} to byte {@code keys.high()}. */
    List<FsmapRecord> query(FsmapKeys keys) throws FsException {
        keys.requireValid(BB_SHIFT);
        long lowDaddr = keys.low() >>> BB_SHIFT;
        long highDaddr = keys.high() >>> BB_SHIFT;
        long eofs = disk.sb().sb_dblocks() << bbPerBlockLog;
        if (!keys.dataDevice() || lowDaddr >= eofs) {
            return List.of();     // no external log or realtime device (no handler for it), or past the end
        }
        FsmapGaps gaps = new FsmapGaps(BB_SHIFT, lowDaddr);
        long startBlock = lowDaddr >>> bbPerBlockLog;
        long endBlock = (Long.compareUnsigned(highDaddr, eofs - 1) < 0 ? highDaddr : eofs - 1) >>> bbPerBlockLog;
        long agblocks = disk.sb().sb_agblocks();
        long startAg = startBlock / agblocks;
        long endAg = endBlock / agblocks;
        for (long agno = startAg; agno <= endAg; agno++) {
            long from = agno == startAg ? startBlock % agblocks : 0;
            long to = agno == endAg ? endBlock % agblocks : agblocks - 1;
            Map<Long, Long> free = space != null ? space.freeExtentsMeeting(agno, from, to)
                    : AgFreeSpace.meeting(AgFreeSpace.readExtents(disk, agno), from, to);
            for (Map.Entry<Long, Long> e : free.entrySet()) {
                gaps.report(daddr(agno, e.getKey()), e.getValue() << bbPerBlockLog, FsmapRecord.OWN_FREE, false);
            }
            if (agno == endAg) {
                // The kernel's last call: a zero-length record at the high key, reporting only the gap before it.
                gaps.report(daddr(agno, to), 0, FsmapRecord.OWN_FREE, true);
            }
        }
        return gaps.records();
    }

    private long daddr(long agno, long agbno) {
        return (agno * disk.sb().sb_agblocks() + agbno) << bbPerBlockLog;
    }
}
