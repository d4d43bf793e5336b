package dev.jdax.fs.ext4;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A file's extents, sorted and non-overlapping, as the operations see them: look up, map a range
 * (splitting what was there and merging with contiguous neighbours of the same state), unmap a range,
 * shift the tail (collapse, insert). {@link ExtentTree} turns it into the on-disk tree. Every file
 * write that allocates changes it two or three times, so the changes walk the map by keys (no
 * views, no copies, no exported entries): a new file's first block costs a node and an extent.
 */
final class ExtentList {
    private final TreeMap<Long, Extent> map = new TreeMap<>();
    /** Extents starting below this file block are as {@link ExtentTree} last wrote them. */
    private long cleanBelow;
    /** Leaves of the tree as last written (-1: not written from this list, so nothing is known). */
    private int savedLeaves = -1;

    ExtentList(List<Extent> extents) {
        for (Extent e : extents) {
            map.put(e.lblk(), e);
        }
    }

    List<Extent> all() {
        return new ArrayList<>(map.values());
    }

    int size() {
        return map.size();
    }

    long blocks() {
        long n = 0;
        for (Extent e : map.values()) {
            n += e.len();
        }
        return n;
    }

    /** The extent holding {@code lblk}, or null. */
    Extent find(long lblk) {
        Extent e = floor(lblk);
        return e != null && e.end() > lblk ? e : null;
    }

    /** The extent starting at or before {@code lblk} (it may end before it), or null. */
    Extent floor(long lblk) {
        Long k = map.floorKey(lblk);
        return k == null ? null : map.get(k);
    }

    /** The first extent starting after {@code lblk}, or null. */
    Extent after(long lblk) {
        Long k = map.higherKey(lblk);
        return k == null ? null : map.get(k);
    }

    /** The first extent, or null. */
    Extent first() {
        return map.isEmpty() ? null : map.get(map.firstKey());
    }

    /** The first block mapped at or after {@code lblk}, or Long.MAX_VALUE. */
    long nextMapped(long lblk) {
        Extent at = find(lblk);
        if (at != null) {
            return lblk;
        }
        Long k = map.ceilingKey(lblk);
        return k == null ? Long.MAX_VALUE : k;
    }

    /** The last mapped block + 1 (0 when none). */
    long end() {
        return map.isEmpty() ? 0 : map.get(map.lastKey()).end();
    }

    /** Unmaps [from, to); returns the pieces that were mapped there (their blocks are the caller's to free). */
    List<Extent> remove(long from, long to) {
        List<Extent> removed = new ArrayList<>(2);
        cut(from, to, removed);
        return removed;
    }

    /** Unmaps [from, to), adding the pieces that were mapped there to {@code removed} unless it is null. */
    private void cut(long from, long to, List<Extent> removed) {
        if (map.isEmpty()) {
            return;
        }
        Long k = map.floorKey(from);
        if (k == null || map.get(k).end() <= from) {
            k = map.ceilingKey(from);
        }
        while (k != null && k < to) {
            Extent e = map.get(k);
            Long next = map.higherKey(k); // before the tail goes back in: it starts at to, past the range
            remove0(k);
            long a = Math.max(e.lblk(), from);
            long b = Math.min(e.end(), to);
            if (e.lblk() < a) {
                put0(e.lblk(), e.slice(e.lblk(), a));
            }
            if (b < e.end()) {
                put0(b, e.slice(b, e.end()));
            }
            if (removed != null) {
                removed.add(e.lblk() == a && e.end() == b ? e : e.slice(a, b));
            }
            k = next;
        }
    }

    /** Maps [lblk, lblk+len) to pblk.. in the given state, replacing what was there (which the caller has freed or reused). */
    void put(long lblk, long len, long pblk, boolean unwritten) {
        cut(lblk, lblk + len, null);
        put0(lblk, new Extent(lblk, len, pblk, unwritten));
        mergeAround(lblk);
    }

    /** Sets the state of whatever is mapped in [from, to). */
    void setState(long from, long to, boolean unwritten) {
        Long k = map.floorKey(from);
        if (k == null || map.get(k).end() <= from) {
            k = map.ceilingKey(from);
        }
        while (k != null && k < to) {
            Extent e = map.get(k);
            Long next = map.higherKey(k);
            if (e.unwritten() != unwritten) {
                long a = Math.max(e.lblk(), from);
                long b = Math.min(e.end(), to);
                cut(a, b, null);
                put0(a, new Extent(a, b - a, e.pblkOf(a), unwritten));
            }
            k = next;
        }
        for (k = map.ceilingKey(from); k != null && k < to; k = map.higherKey(k)) {
            mergeAround(k);
        }
        Long before = map.lowerKey(from);
        if (before != null) {
            mergeAround(before);
        }
    }

    /** Moves every extent starting at or after {@code from} by {@code delta} blocks. */
    void shift(long from, long delta) {
        List<Extent> moving = new ArrayList<>(map.tailMap(from, true).values());
        moving.forEach(e -> remove0(e.lblk()));
        for (Extent e : moving) {
            put0(e.lblk() + delta, new Extent(e.lblk() + delta, e.len(), e.pblk(), e.unwritten()));
        }
        if (!moving.isEmpty()) {
            mergeAround(moving.getFirst().lblk() + delta);
            Map.Entry<Long, Extent> before = map.lowerEntry(moving.getFirst().lblk() + delta);
            if (before != null) {
                mergeAround(before.getKey());
            }
        }
    }

    private void mergeAround(long lblk) {
        Extent e = map.get(lblk);
        if (e == null) {
            return;
        }
        Extent prev = lower(lblk);
        if (prev != null && joinable(prev, e)) {
            remove0(lblk);
            e = new Extent(prev.lblk(), prev.len() + e.len(), prev.pblk(), e.unwritten());
            put0(e.lblk(), e);
        }
        Extent next = after(e.lblk());
        if (next != null && joinable(e, next)) {
            remove0(next.lblk());
            put0(e.lblk(), new Extent(e.lblk(), e.len() + next.len(), e.pblk(), e.unwritten()));
        }
    }

    private Extent lower(long lblk) {
        Long k = map.lowerKey(lblk);
        return k == null ? null : map.get(k);
    }

    private static boolean joinable(Extent a, Extent b) {
        return a.end() == b.lblk() && a.pblk() + a.len() == b.pblk() && a.unwritten() == b.unwritten()
                && a.len() + b.len() <= (a.unwritten() ? Extent.MAX_UNWRITTEN : Extent.MAX_WRITTEN);
    }

    private void put0(long lblk, Extent e) {
        cleanBelow = Math.min(cleanBelow, lblk);
        map.put(lblk, e);
    }

    private void remove0(long lblk) {
        cleanBelow = Math.min(cleanBelow, lblk);
        map.remove(lblk);
    }

    /** How many leading records are unchanged since the tree was last written. */
    int cleanRecords(List<Extent> records) {
        int lo = 0;
        int hi = records.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (records.get(mid).lblk() < cleanBelow) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The lowest file block changed since the list was last written (Long.MAX_VALUE: none). */
    long changedFrom() {
        return cleanBelow;
    }

    int savedLeaves() {
        return savedLeaves;
    }

    /** Called by {@link ExtentTree} once the tree on disk holds this list in {@code leaves} leaves. */
    void written(int leaves) {
        savedLeaves = leaves;
        cleanBelow = Long.MAX_VALUE;
    }

    /** The extents as ext4 can store them: no record longer than ee_len allows. */
    List<Extent> records() {
        List<Extent> out = new ArrayList<>(map.size());
        for (Extent e : map.values()) {
            long max = e.unwritten() ? Extent.MAX_UNWRITTEN : Extent.MAX_WRITTEN;
            if (e.len() <= max) {
                out.add(e);
                continue;
            }
            for (long off = 0; off < e.len(); off += max) {
                out.add(e.slice(e.lblk() + off, e.lblk() + Math.min(e.len(), off + max)));
            }
        }
        return out;
    }
}
