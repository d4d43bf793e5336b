package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One AG's shared extents as its refcount B+tree records them (the shared domain of
 * xfs_refcount_rec: a record for each run of blocks that more than one mapping uses, none for a
 * block used once), held in core beside the tree so that a lookup reads no tree block. Records are
 * kept canonical as xfs_repair recomputes them from the block maps: a run of equal counts is one
 * record, whatever order the adjustments came in.
 *
 * <p>Changed only under the AG's lock ({@link XfsAg}); read by the iomap under the inode's ILOCK
 * without it, so every method takes this object's monitor, a leaf lock under which nothing else is
 * taken.
 */
final class SharedExtents {
    /** What an adjustment does: records out of the tree, records into it, runs whose last use went. */
    record Change(List<long[]> removed, List<long[]> added, List<long[]> freed) {
    }

    /** MAXREFCEXTLEN: the longest run one record holds. */
    static final long MAX_LEN = (1L << 31) - 1;
    /** rc_startblock's top bit: the record is a CoW staging extent, not a shared one (XFS_REFC_COWFLAG). */
    static final long COW_FLAG = 1L << 31;

    /** agbno → {blockcount, refcount}, each refcount at least 2. */
    private final TreeMap<Long, long[]> records = new TreeMap<>();

    synchronized void put(long agbno, long len, long refcount) {
        records.put(agbno, new long[]{len, refcount});
    }

    synchronized boolean isEmpty() {
        return records.isEmpty();
    }

    synchronized int size() {
        return records.size();
    }

    /**
     * xfs_refcount_find_shared from {@code agbno}: {@code {shared, blocks}}, where {@code shared} is
     * 1 when the first block is shared, and {@code blocks} how many blocks from it (at most {@code
     * len}) are the same.
     */
    synchronized long[] run(long agbno, long len) {
        Map.Entry<Long, long[]> at = records.floorEntry(agbno);
        if (at != null && at.getKey() + at.getValue()[0] > agbno) {
            long n = at.getKey() + at.getValue()[0] - agbno;
            // A record ends where another may start: runs of different counts are all shared.
            for (Map.Entry<Long, long[]> next = records.higherEntry(at.getKey());
                 next != null && next.getKey() == agbno + n && n < len; next = records.higherEntry(next.getKey())) {
                n += next.getValue()[0];
            }
            return new long[]{1, Math.min(n, len)};
        }
        Long next = records.ceilingKey(agbno);
        return new long[]{0, next == null ? len : Math.min(len, next - agbno)};
    }

    /**
     * xfs_refcount_adjust by {@code delta} (+1: one more mapping of each block; -1: one fewer) over
     * {@code [agbno, agbno + len)}, every block of which is in use: the records to take out and put
     * in, with neighbours that now continue a run merged into it, and, for a decrease, the runs no
     * mapping uses any more. Nothing is changed here: {@link #apply} does once the tree has.
     */
    synchronized Change plan(long agbno, long len, int delta) {
        long end = agbno + len;
        List<long[]> old = new ArrayList<>();
        // The record over the block before the range, which a change may now continue, and every
        // record from the range's start to the block after it.
        Map.Entry<Long, long[]> left = records.floorEntry(agbno - 1);
        if (left != null && left.getKey() + left.getValue()[0] >= agbno) {
            old.add(rec(left));
        }
        for (Map.Entry<Long, long[]> e : records.subMap(agbno, true, end, true).entrySet()) {
            old.add(rec(e));
        }
        // The window's pieces in order: the old records, cut at the range's ends, and the unrecorded
        // blocks of the range (used once).
        List<long[]> pieces = new ArrayList<>();
        long cur = agbno;
        for (long[] r : old) {
            long rs = r[0];
            long re = r[0] + r[1];
            if (rs > cur && cur < end) {
                pieces.add(new long[]{cur, Math.min(rs, end) - cur, 1 + delta});
            }
            cut(pieces, rs, re, r[2], agbno, end, delta);
            cur = Math.max(cur, re);
        }
        if (cur < end) {
            pieces.add(new long[]{cur, end - cur, 1 + delta});
        }
        List<long[]> added = new ArrayList<>();
        List<long[]> freed = new ArrayList<>();
        for (long[] p : pieces) {
            if (p[2] == 0) {
                merge(freed, new long[]{p[0], p[1]});
            } else if (p[2] >= 2) {
                long[] last = added.isEmpty() ? null : added.get(added.size() - 1);
                if (last != null && last[0] + last[1] == p[0] && last[2] == p[2] && last[1] + p[1] <= MAX_LEN) {
                    last[1] += p[1];
                } else {
                    added.add(p.clone());
                }
            }
        }
        // Records that stay as they were are neither taken out nor put in.
        List<long[]> removed = new ArrayList<>();
        for (long[] r : old) {
            if (!containsSame(added, r)) {
                removed.add(r);
            }
        }
        added.removeIf(a -> containsSame(old, a));
        return new Change(removed, added, freed);
    }

    /** The part of record {@code [rs, re)} of count {@code count}: outside the range unchanged, inside by {@code delta}. */
    private static void cut(List<long[]> pieces, long rs, long re, long count, long from, long to, int delta) {
        if (rs < from) {
            pieces.add(new long[]{rs, Math.min(re, from) - rs, count});
        }
        long a = Math.max(rs, from);
        long b = Math.min(re, to);
        if (a < b) {
            pieces.add(new long[]{a, b - a, count + delta});
        }
        if (re > to) {
            long s = Math.max(rs, to);
            pieces.add(new long[]{s, re - s, count});
        }
    }

    private static void merge(List<long[]> runs, long[] run) {
        long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
        if (last != null && last[0] + last[1] == run[0]) {
            last[1] += run[1];
        } else {
            runs.add(run);
        }
    }

    private static boolean containsSame(List<long[]> list, long[] r) {
        for (long[] x : list) {
            if (x[0] == r[0] && x[1] == r[1] && x[2] == r[2]) {
                return true;
            }
        }
        return false;
    }

    private static long[] rec(Map.Entry<Long, long[]> e) {
        return new long[]{e.getKey(), e.getValue()[0], e.getValue()[1]};
    }

    /** Makes {@code c} the index's, once the tree holds it. */
    synchronized void apply(Change c) {
        for (long[] r : c.removed()) {
            records.remove(r[0]);
        }
        for (long[] a : c.added()) {
            records.put(a[0], new long[]{a[1], a[2]});
        }
    }
}
