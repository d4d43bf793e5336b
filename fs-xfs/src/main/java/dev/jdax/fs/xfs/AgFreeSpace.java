package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * One AG's free space: the by-block and by-size B+trees, the AGFL that feeds their splits, and
 * the AGF counters, with the extents also held in core for the allocator's choices. Every
 * allocation and free first brings the AGFL to the length the trees' heights need
 * (xfs_alloc_fix_freelist, xfs_alloc_min_freelist), so a change to both trees never runs out of
 * blocks part-way; the blocks their joins give up go back on the AGFL.
 */
final class AgFreeSpace {
    /** Whose reservation an allocation may use (enum xfs_ag_resv_type). */
    enum Resv {
        /** Ordinary blocks: the AG's metadata reservation stays untouched. */
        NONE,
        /** The finobt and refcountbt: may use the AG's metadata reservation. */
        METADATA,
        /** AGFL refills: not counted in sb_fdblocks, which already counts the AGFL. */
        AGFL
    }

    private final XfsDisk disk;
    private final long agno;
    private final XfsAgf agf;
    private final Agfl agfl;
    private final LongSupplier metaReserved;
    /** Free extents: start → length. */
    private final TreeMap<Long, Long> byBno = new TreeMap<>();
    /** Free extents by size: {@code length << 32 | start}. */
    private final TreeSet<Long> byCnt = new TreeSet<>();
    final ShortBtree bno;
    final ShortBtree cnt;
    private final int allocMaxLevels;
    /**
     * Extents freed by checkpoints not yet in the log (xfs_extent_busy): start → {length,
     * checkpoint}. Allocations pass them by until the free is committed, or a crash before that
     * would find the blocks still owned by the file they left, holding what a new owner wrote.
     * The AGFL may take them: what the free-space trees write there is logged.
     */
    private final TreeMap<Long, long[]> busy = new TreeMap<>();
    private volatile long busyCount;
    /** The committed checkpoint the busy extents were last pruned at: pruned again only when the log moved. */
    private long busyPruned;

    AgFreeSpace(XfsDisk disk, long agno, XfsAgf agf, Agfl agfl, LongSupplier metaReserved) {
        this.disk = disk;
        this.agno = agno;
        this.agf = agf;
        this.agfl = agfl;
        this.metaReserved = metaReserved;
        ShortBtree.Blocks fromAgfl = new ShortBtree.Blocks() {
            @Override
            public long alloc(long near) {
                // xfs_allocbt_alloc_block: the AGFL, counted in agf_btreeblks.
                long b = agfl.get();
                if (b >= 0) {
                    agf.agf_btreeblks(agf.agf_btreeblks() + 1);
                }
                return b;
            }

            @Override
            public void free(long agbno) throws FsException {
                // xfs_allocbt_free_block: the buffer is invalidated (its log items cancelled).
                disk.invalidate(disk.agbToByte(agno, agbno), disk.blockSize());
                agfl.put(agbno);
                agf.agf_btreeblks(agf.agf_btreeblks() - 1);
            }
        };
        this.bno = new ShortBtree(disk, agno, AgBtreeKind.BNO, bnobtRoot(agf), fromAgfl);
        this.cnt = new ShortBtree(disk, agno, AgBtreeKind.CNT, new ShortBtree.Root() {
            public long root() { return agf.agf_cntroot(); }
            public int levels() { return (int) agf.agf_cntlevel(); }
            public void set(long root, int levels) { agf.agf_cntroot(root); agf.agf_cntlevel(levels); }
        }, fromAgfl);
        // m_alloc_maxlevels: the trees at their tallest, every other block of an AG free.
        this.allocMaxLevels = AgBtreeKind.BNO.maxLevels(disk.blockSize(), (disk.sb().sb_agblocks() + 1) / 2);
    }

    /** The bnobt's root and height, kept in the AGF. */
    private static ShortBtree.Root bnobtRoot(XfsAgf agf) {
        return new ShortBtree.Root() {
            public long root() { return agf.agf_bnoroot(); }
            public int levels() { return (int) agf.agf_bnolevel(); }
            public void set(long root, int levels) { agf.agf_bnoroot(root); agf.agf_bnolevel(levels); }
        };
    }

    /**
     * AG {@code agno}'s free extents (start → length) read from its bnobt on disk, for a mount that
     * changes nothing and so loads no AG.
     */
    static NavigableMap<Long, Long> readExtents(XfsDisk disk, long agno) throws FsException {
        NavigableMap<Long, Long> out = new TreeMap<>();
        for (byte[] r : new ShortBtree(disk, agno, AgBtreeKind.BNO, bnobtRoot(XfsAgf.read(disk, agno)), null).records()) {
            out.put(be32(r, 0), be32(r, 4));
        }
        return out;
    }

    /** Reads both trees and checks them against each other and the AGF. */
    void load() throws FsException {
        long len = disk.agLength(agno);
        long total = 0;
        long prevEnd = 0;
        Corrupt.check(agf.agf_bnolevel() <= allocMaxLevels && agf.agf_cntlevel() <= allocMaxLevels,
                "AGF %d: levels %d, %d (max %d)", agno, agf.agf_bnolevel(), agf.agf_cntlevel(), allocMaxLevels);
        for (byte[] r : bno.records()) {
            long start = be32(r, 0);
            long count = be32(r, 4);
            Corrupt.check(count > 0 && start >= prevEnd && start + count <= len,
                    "bnobt of AG %d: record [%d, +%d] out of order or range", agno, start, count);
            byBno.put(start, count);
            byCnt.add(count << 32 | start);
            prevEnd = start + count;
            total += count;
        }
        Corrupt.check(total == agf.agf_freeblks(), "AGF %d: agf_freeblks %d, bnobt holds %d", agno, agf.agf_freeblks(), total);
        List<byte[]> bySize = cnt.records();
        Corrupt.check(bySize.size() == byCnt.size(), "cntbt of AG %d: %d records, bnobt has %d", agno, bySize.size(),
                byCnt.size());
        for (byte[] r : bySize) {
            Corrupt.check(byCnt.contains(be32(r, 4) << 32 | be32(r, 0)), "cntbt of AG %d: record [%d, +%d] not in the bnobt",
                    agno, be32(r, 0), be32(r, 4));
        }
        Corrupt.check(agf.agf_longest() == longestExtent(), "AGF %d: agf_longest %d, trees say %d", agno, agf.agf_longest(),
                longestExtent());
        for (long b : agfl.blocks()) {
            Map.Entry<Long, Long> e = byBno.floorEntry(b);
            Corrupt.check(e == null || e.getKey() + e.getValue() <= b, "AGFL %d: block %d is free space too", agno, b);
        }
    }

    long freeblks() {
        return agf.agf_freeblks();
    }

    long longest() {
        return agf.agf_longest();
    }

    private long longestExtent() {
        return byCnt.isEmpty() ? 0 : byCnt.last() >>> 32;
    }

    Map<Long, Long> extents() {
        return java.util.Collections.unmodifiableMap(byBno);
    }

    /**
     * xfs_alloc_query_range's records from {@code from} to {@code to} (AG blocks): the extent that
     * holds {@code from}, if one does, then those starting up to {@code to}; a copy, in block order.
     */
    static NavigableMap<Long, Long> meeting(NavigableMap<Long, Long> free, long from, long to) {
        Map.Entry<Long, Long> first = free.floorEntry(from);
        long scanFrom = first != null && first.getKey() + first.getValue() > from ? first.getKey() : from;
        return new TreeMap<>(free.subMap(scanFrom, true, to, true));
    }

    /** {@link #meeting} of this AG's free extents. */
    NavigableMap<Long, Long> extentsMeeting(long from, long to) {
        return meeting(byBno, from, to);
    }

    /** xfs_alloc_min_freelist: a split at every level of both trees and a new root for each. */
    int minFreelist() {
        return (int) (Math.min(agf.agf_bnolevel() + 1, allocMaxLevels) + Math.min(agf.agf_cntlevel() + 1, allocMaxLevels));
    }

    /** The most the AGFL can ever need: both trees at their tallest. */
    int maxFreelist() {
        return 2 * allocMaxLevels;
    }

    private long reservation(Resv resv) {
        return resv == Resv.NONE ? metaReserved.getAsLong() : 0;
    }

    /**
     * xfs_alloc_space_available's count: the blocks an allocation of this kind may take here,
     * leaving the AGFL its refill, the AG's reservation and {@code minleft} for the rest of the
     * operation.
     */
    long available(Resv resv, long minleft) {
        int need = minFreelist();
        long flcount = Math.min(agfl.count(), need);
        return agf.agf_freeblks() + flcount - reservation(resv) - need - minleft;
    }

    /** xfs_alloc_longest_free_extent: the longest extent left once the AGFL refill and reservation are served. */
    private long longestUsable(Resv resv) {
        int need = minFreelist();
        long delta = Math.max(0, need - agfl.count());
        long longest = longestExtent();
        long others = agf.agf_freeblks() - longest;
        long reserved = reservation(resv);
        if (others < reserved) {
            delta += reserved - others;
        }
        if (longest > delta) {
            return longest - delta;
        }
        return agfl.count() > 0 || longest > 0 ? 1 : 0;
    }

    /**
     * Allocates up to {@code want} blocks (at least {@code min}) starting at a multiple of
     * {@code align}, the first such extent at or after {@code near} (else the first anywhere);
     * {@code null}, with nothing changed, when the AG cannot give them (xfs_alloc_vextent for one AG).
     */
    long[] allocate(long want, long min, long near, long align, Resv resv, long minleft) throws FsException {
        long avail = available(resv, minleft);
        if (longestUsable(resv) < min + align - 1 || avail < min + align - 1 || pick(want, min, near, align) == null) {
            return null;
        }
        want = Math.min(want, avail);
        fixFreelist(false);
        // The refill may have taken from the extent picked; then the AG gives what is left, or
        // nothing (its AGFL is full, which is a complete change of its own).
        long[] pick = pick(want, min, near, align);
        if (pick != null) {
            take(pick[0], pick[1], resv);
        }
        writeHeaders();
        return pick;
    }

    /**
     * xfs_alloc_vextent for one AG as xfs_bmap_btalloc asks it: NEAR_BNO at {@code goal}, or
     * THIS_AG (by size) when {@code goal < 0}, or THIS_BNO (exactly at the goal) when {@code exact};
     * {@code {agbno, len}}, or null with nothing changed when the AG cannot give minlen aligned, and
     * the slop, once its AGFL refill and reservation are kept (xfs_alloc_space_available, which also
     * clamps maxlen). The AGFL is fixed first, as xfs_alloc_fix_freelist does before every
     * allocation, so its refill may take the extent the search would have chosen.
     */
    long[] allocateNear(long goal, AllocArgs args, boolean exact, Resv resv) throws FsException {
        long avail = available(resv, 0);
        if (longestUsable(resv) < args.need() || avail < args.need()) {
            return null;
        }
        AllocArgs a = avail < args.maxlen() ? args.withMaxlen(avail) : args;
        fixFreelist(false);
        pruneBusy();
        ExtentChoice c = new ExtentChoice(byBno, byCnt, busy, goal, a, cnt.lastLeafFirstKey());
        long[] got = exact ? c.exact() : goal >= 0 ? c.near() : c.size();
        if (got != null) {
            take(got[0], got[1], resv);
        }
        writeHeaders();
        return got;
    }

    /** The longest extent an ordinary allocation could get here (xfs_alloc_longest_free_extent). */
    long longestForUser() {
        return longestUsable(Resv.NONE);
    }

    private long[] pick(long want, long min, long near, long align) {
        pruneBusy();
        for (int pass = 0; pass < 2; pass++) {
            Iterable<Map.Entry<Long, Long>> it = pass == 0 ? byBno.tailMap(near, true).entrySet() : byBno.entrySet();
            for (Map.Entry<Long, Long> e : it) {
                long[] got = fit(e.getKey(), e.getKey() + e.getValue(), want, min, align);
                if (got != null) {
                    return got;
                }
            }
        }
        return null;
    }

    /** The first aligned run of at least {@code min} blocks in free extent [from, to) that no busy extent covers. */
    private long[] fit(long from, long to, long want, long min, long align) {
        long at = from;
        Map.Entry<Long, long[]> before = busy.floorEntry(from);
        if (before != null && before.getKey() + before.getValue()[0] > at) {
            at = before.getKey() + before.getValue()[0];
        }
        for (Map.Entry<Long, long[]> b : busy.subMap(from, true, to, false).entrySet()) {
            long[] got = run(at, Math.min(b.getKey(), to), want, min, align);
            if (got != null) {
                return got;
            }
            at = Math.max(at, b.getKey() + b.getValue()[0]);
        }
        return run(at, to, want, min, align);
    }

    private static long[] run(long from, long to, long want, long min, long align) {
        long start = Math.ceilDiv(from, align) * align;
        long avail = to - start;
        return avail >= min ? new long[]{start, Math.min(avail, want)} : null;
    }

    /** Blocks freed in checkpoints not yet in the log. */
    long busyBlocks() {
        return busyCount;
    }

    private void markBusy(long start, long len) {
        XfsTrans log = disk.log();
        if (log == null) {
            return;
        }
        XfsTrans.Handle h = log.currentOrNull();
        long seq = h != null ? h.seq() : log.runningSeq();
        pruneBusy();
        // Busy extents that touch are kept as one, busy until the later of their checkpoints: an
        // allocation then passes a run of freed blocks in one step, not one busy entry at a time.
        long from = start;
        long to = start + len;
        long last = seq;
        Map.Entry<Long, long[]> b = busy.floorEntry(start);
        if (b == null || b.getKey() + b.getValue()[0] < start) {
            b = busy.ceilingEntry(start);
        }
        while (b != null && b.getKey() <= to) {
            from = Math.min(from, b.getKey());
            to = Math.max(to, b.getKey() + b.getValue()[0]);
            last = Math.max(last, b.getValue()[1]);
            busyCount -= b.getValue()[0];
            busy.remove(b.getKey());
            b = busy.ceilingEntry(from);
        }
        busy.put(from, new long[]{to - from, last});
        busyCount += to - from;
    }

    /** Drops the busy extents whose checkpoints are in the log (xfs_extent_busy_clear). Under the AG's lock. */
    void pruneBusy() {
        XfsTrans log = disk.log();
        if (log == null || busy.isEmpty()) {
            return;
        }
        long committed = log.committedSeq();
        if (committed == busyPruned) {
            return;
        }
        busyPruned = committed;
        long n = busyCount;
        for (var it = busy.values().iterator(); it.hasNext(); ) {
            long[] b = it.next();
            if (b[1] <= committed) {
                n -= b[0];
                it.remove();
            }
        }
        busyCount = n;
    }

    /** Returns {@code [start, start + len)} to the free space (xfs_free_ag_extent), AGFL fixed first. */
    void free(long start, long len, Resv resv) throws FsException {
        fixFreelist(true);
        release(start, len, resv);
        writeHeaders();
    }

    /**
     * xfs_alloc_fix_freelist: gives back AGFL blocks beyond what the trees' heights need, then
     * refills it to that length from the smallest extent that holds the shortfall (else the
     * longest), as xfs_alloc_ag_vextent_size picks. A free may find the AG too full to refill;
     * its trees are then small enough that no split needs the blocks.
     */
    void fixFreelist(boolean freeing) throws FsException {
        int need = minFreelist();
        while (agfl.count() > need) {
            long b = agfl.get();
            release(b, 1, Resv.AGFL);
            need = minFreelist();
        }
        while (agfl.count() < need) {
            long shortfall = need - agfl.count();
            Long e = byCnt.ceiling(shortfall << 32);
            if (e == null) {
                e = byCnt.isEmpty() ? null : byCnt.last();
            }
            if (e == null) {
                Corrupt.check(freeing, "AG %d: no free block to refill the AGFL (%d of %d)", agno, agfl.count(), need);
                return;
            }
            long start = e & 0xffffffffL;
            long n = Math.min(shortfall, e >>> 32);
            take(start, n, Resv.AGFL);
            for (long b = start; b < start + n; b++) {
                agfl.put(b);
            }
            need = minFreelist();
        }
    }

    /** xfs_alloc_fixup_trees: {@code [start, +len)} leaves the free extent holding it. */
    private void take(long start, long len, Resv resv) throws FsException {
        Map.Entry<Long, Long> e = byBno.floorEntry(start);
        Corrupt.check(e != null && e.getKey() + e.getValue() >= start + len, "AG %d: blocks [%d, +%d] are not free", agno,
                start, len);
        long fbno = e.getKey();
        long flen = e.getValue();
        long end = start + len;
        long fend = fbno + flen;
        forget(fbno, flen);
        cnt.delete(rec(fbno, flen));
        if (start > fbno) {
            remember(fbno, start - fbno);
            cnt.insert(rec(fbno, start - fbno));
        }
        if (end < fend) {
            remember(end, fend - end);
            cnt.insert(rec(end, fend - end));
        }
        if (start > fbno) {
            bno.update(rec(fbno, flen), rec(fbno, start - fbno));
        } else if (end < fend) {
            bno.update(rec(fbno, flen), rec(end, fend - end));
        } else {
            bno.delete(rec(fbno, flen));
        }
        if (start > fbno && end < fend) {
            bno.insert(rec(end, fend - end));
        }
        counters(-len, resv);
    }

    /** xfs_free_ag_extent: {@code [start, +len)} joins the free space, merged with free neighbours. */
    private void release(long start, long len, Resv resv) throws FsException {
        Map.Entry<Long, Long> before = byBno.floorEntry(start);
        Map.Entry<Long, Long> after = byBno.ceilingEntry(start);
        Corrupt.check((before == null || before.getKey() + before.getValue() <= start)
                        && (after == null || after.getKey() >= start + len) && start > 0 && start + len <= disk.agLength(agno),
                "AG %d: freeing [%d, +%d] that is already free", agno, start, len);
        boolean left = before != null && before.getKey() + before.getValue() == start;
        boolean right = after != null && after.getKey() == start + len;
        long nbno = start;
        long nlen = len;
        if (left) {
            forget(before.getKey(), before.getValue());
            cnt.delete(rec(before.getKey(), before.getValue()));
            nbno = before.getKey();
            nlen += before.getValue();
        }
        if (right) {
            forget(after.getKey(), after.getValue());
            cnt.delete(rec(after.getKey(), after.getValue()));
            nlen += after.getValue();
        }
        if (left && right) {
            bno.delete(rec(after.getKey(), after.getValue()));
            bno.update(rec(before.getKey(), before.getValue()), rec(nbno, nlen));
        } else if (left) {
            bno.update(rec(before.getKey(), before.getValue()), rec(nbno, nlen));
        } else if (right) {
            bno.update(rec(after.getKey(), after.getValue()), rec(nbno, nlen));
        } else {
            bno.insert(rec(nbno, nlen));
        }
        remember(nbno, nlen);
        cnt.insert(rec(nbno, nlen));
        counters(len, resv);
        // xfs_free_ag_extent + xfs_extent_busy_insert; metadata buffers there are cancelled.
        markBusy(start, len);
        disk.invalidate(disk.agbToByte(agno, start), len * disk.blockSize());
    }

    private void remember(long start, long len) {
        byBno.put(start, len);
        byCnt.add(len << 32 | start);
    }

    private void forget(long start, long len) {
        byBno.remove(start);
        byCnt.remove(len << 32 | start);
    }

    /** agf_freeblks and agf_longest follow every change; sb_fdblocks all but the AGFL's (it counts the AGFL). */
    private void counters(long delta, Resv resv) {
        agf.agf_freeblks(agf.agf_freeblks() + delta);
        agf.agf_longest(longestExtent());
        if (resv != Resv.AGFL) {
            disk.sb().addFdblocks(delta);
            XfsTrans log = disk.log();
            if (delta < 0 && log != null) {
                log.consume(-delta);
            }
        }
    }

    /** Writes the AGFL and the AGF, whose fields the trees of this AG keep in core. */
    void writeHeaders() throws FsException {
        agfl.write();
        disk.writeBytes(disk.agbToByte(agno, 0) + agf.buf.length, agf.buf, agf.buf.length, XfsAgf.CRC_OFF);
    }

    static byte[] rec(long start, long len) {
        byte[] b = new byte[8];
        put32(b, 0, start);
        put32(b, 4, len);
        return b;
    }
}
