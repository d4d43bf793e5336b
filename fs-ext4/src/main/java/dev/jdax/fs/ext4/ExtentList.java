package dev.jdax.fs.ext4;

import dev.jdax.iomap.StartsIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
    /** Blocks mapped, kept as the map changes: i_blocks is set after every change. */
    private long mapped;
    /**
     * {@link #records()} as last made, and the lowest file block changed since (Long.MAX_VALUE: none):
     * a change near the end of a file of 100,000 extents remakes the records from there on, not all.
     */
    private final ArrayList<Extent> records = new ArrayList<>();
    private long recordsChangedFrom = Long.MIN_VALUE;
    /**
     * The extents as flat arrays for lookups, made once a list of many extents has been looked up
     * more often since its last change than it has extents (so making it costs at most one more
     * step per lookup); null until then. Readers race benignly: each makes an equal index.
     */
    private ExtentIndex index;
    private int lookupsSinceChange;
    /**
     * The extents {@link #find} last returned, one slot per file block modulo its length; emptied by
     * a change (not dropped: a file growing by a block per write would make a table per write). A
     * change of a large directory maps its root, node and leaf blocks some ten times (7% of ext4's
     * create + delete at 100,000 names went to those searches), where a few blocks recur. Made by
     * a list's first lookup, however few its extents: a directory of 100,000 names in a handful of
     * extents, searched in the sorted map (a boxed key, a walk of its nodes), still spent 4.9% of a
     * create + delete there. Races as {@link #index}.
     */
    private Extent[] found;
    private static final int FOUND_SLOTS = 8;

    ExtentList(List<Extent> extents) {
        for (Extent e : extents) {
            map.put(e.lblk(), e);
            mapped += e.len();
        }
    }

    List<Extent> all() {
        return new ArrayList<>(map.values());
    }

    int size() {
        return map.size();
    }

    long blocks() {
        return mapped;
    }

    /** The extent holding {@code lblk}, or null. */
    Extent find(long lblk) {
        Extent[] f = found;
        int slot = (int) lblk & (FOUND_SLOTS - 1);
        if (f != null) {
            Extent e = f[slot];
            if (e != null && e.lblk() <= lblk && lblk < e.end()) {
                return e;
            }
        }
        Extent e = floor(lblk);
        if (e == null || e.end() <= lblk) {
            return null;
        }
        if (f == null) {
            f = new Extent[FOUND_SLOTS];
            found = f;
        }
        f[slot] = e;
        return e;
    }

    /** The extent starting at or before {@code lblk} (it may end before it), or null. */
    Extent floor(long lblk) {
        ExtentIndex ix = index;
        if (ix != null) {
            return ix.floor(lblk);
        }
        if (map.size() >= StartsIndex.WORTH_FROM && ++lookupsSinceChange > map.size()) {
            ix = ExtentIndex.of(map.values());
            index = ix;
            return ix.floor(lblk);
        }
        Map.Entry<Long, Extent> en = map.floorEntry(lblk);
        return en == null ? null : en.getValue();
    }

    /** The first extent starting after {@code lblk}, or null. */
    Extent after(long lblk) {
        Map.Entry<Long, Extent> en = map.higherEntry(lblk);
        return en == null ? null : en.getValue();
    }

    /** The first extent, or null. */
    Extent first() {
        Map.Entry<Long, Extent> en = map.firstEntry();
        return en == null ? null : en.getValue();
    }

    /** The first block mapped at or after {@code lblk}, or Long.MAX_VALUE. */
    long nextMapped(long lblk) {
        Extent at = floor(lblk);
        if (at != null && at.end() > lblk) {
            return lblk;
        }
        Long k = map.higherKey(lblk);
        return k == null ? Long.MAX_VALUE : k;
    }

    /** The last mapped block + 1 (0 when none). */
    long end() {
        Map.Entry<Long, Extent> en = map.lastEntry();
        return en == null ? 0 : en.getValue().end();
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
        changed(lblk);
        Extent old = map.put(lblk, e);
        mapped += e.len() - (old == null ? 0 : old.len());
    }

    private void remove0(long lblk) {
        changed(lblk);
        Extent old = map.remove(lblk);
        mapped -= old == null ? 0 : old.len();
    }

    private void changed(long lblk) {
        cleanBelow = Math.min(cleanBelow, lblk);
        recordsChangedFrom = Math.min(recordsChangedFrom, lblk);
        index = null;
        if (found != null) {
            Arrays.fill(found, null);
        }
        lookupsSinceChange = 0;
    }

    /** How many leading records are unchanged since the tree was last written. */
    int cleanRecords(List<Extent> records) {
        return recordsBelow(records, cleanBelow);
    }

    /** How many of {@code records} (sorted) start below {@code lblk}. */
    private static int recordsBelow(List<Extent> records, long lblk) {
        int lo = 0;
        int hi = records.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (records.get(mid).lblk() < lblk) {
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

    /**
     * The extents as ext4 can store them: no record longer than ee_len allows. A view, valid until
     * the list next changes. The records of extents that start below the last unchanged one are
     * kept from the previous call: every record starts inside its extent, so none of them moved.
     */
    List<Extent> records() {
        if (recordsChangedFrom != Long.MAX_VALUE) {
            Long from = recordsChangedFrom == Long.MIN_VALUE ? null : map.lowerKey(recordsChangedFrom);
            records.subList(from == null ? 0 : recordsBelow(records, from), records.size()).clear();
            for (Extent e : (from == null ? map : map.tailMap(from, true)).values()) {
                long max = e.unwritten() ? Extent.MAX_UNWRITTEN : Extent.MAX_WRITTEN;
                if (e.len() <= max) {
                    records.add(e);
                    continue;
                }
                for (long off = 0; off < e.len(); off += max) {
                    records.add(e.slice(e.lblk() + off, e.lblk() + Math.min(e.len(), off + max)));
                }
            }
            recordsChangedFrom = Long.MAX_VALUE;
        }
        return Collections.unmodifiableList(records);
    }
}
