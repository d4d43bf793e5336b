package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.List;

/**
 * Edits of a sorted data-fork extent list, as xfs_bmap_add_extent_* and xfs_bmap_del_extent do
 * in core: adding merges with contiguous neighbours of the same state, removing splits extents.
 */
final class ExtentList {
    private ExtentList() {
    }

    /** Adds a mapping over a hole, merging with neighbours that continue it on disk. */
    static void add(List<BmapExtent> list, BmapExtent e) {
        int i = 0;
        while (i < list.size() && list.get(i).startoff() < e.startoff()) {
            i++;
        }
        list.add(i, e);
        mergeAround(list, i);
    }

    private static void mergeAround(List<BmapExtent> list, int i) {
        if (i + 1 < list.size() && joinable(list.get(i), list.get(i + 1))) {
            BmapExtent a = list.get(i);
            list.set(i, new BmapExtent(a.startoff(), a.startblock(), a.blockcount() + list.get(i + 1).blockcount(),
                    a.unwritten()));
            list.remove(i + 1);
        }
        if (i > 0 && joinable(list.get(i - 1), list.get(i))) {
            BmapExtent a = list.get(i - 1);
            list.set(i - 1, new BmapExtent(a.startoff(), a.startblock(), a.blockcount() + list.get(i).blockcount(),
                    a.unwritten()));
            list.remove(i);
        }
    }

    private static boolean joinable(BmapExtent a, BmapExtent b) {
        return a.endoff() == b.startoff() && a.startblock() + a.blockcount() == b.startblock()
                && a.unwritten() == b.unwritten() && a.blockcount() + b.blockcount() <= BmapExtent.MAX_BLOCKCOUNT;
    }

    /**
     * Removes the mappings of file blocks {@code [start, start + len)} and returns the physical
     * ranges they held ({@code {fsb, count}}), for the caller to free.
     */
    static List<long[]> remove(List<BmapExtent> list, long start, long len) {
        long end = start + len;
        List<long[]> freed = new ArrayList<>();
        List<BmapExtent> out = new ArrayList<>(list.size() + 1);
        for (BmapExtent e : list) {
            if (e.endoff() <= start || e.startoff() >= end) {
                out.add(e);
                continue;
            }
            long cutFrom = Math.max(start, e.startoff());
            long cutTo = Math.min(end, e.endoff());
            if (e.startoff() < cutFrom) {
                out.add(new BmapExtent(e.startoff(), e.startblock(), cutFrom - e.startoff(), e.unwritten()));
            }
            freed.add(new long[]{e.startblock() + (cutFrom - e.startoff()), cutTo - cutFrom});
            if (cutTo < e.endoff()) {
                out.add(new BmapExtent(cutTo, e.startblock() + (cutTo - e.startoff()), e.endoff() - cutTo, e.unwritten()));
            }
        }
        list.clear();
        list.addAll(out);
        return freed;
    }

    /** Sets the state of {@code [start, start + len)} (mapped parts only) to written or unwritten. */
    static void setUnwritten(List<BmapExtent> list, long start, long len, boolean unwritten) {
        long end = start + len;
        List<BmapExtent> out = new ArrayList<>(list.size() + 2);
        for (BmapExtent e : list) {
            if (e.endoff() <= start || e.startoff() >= end || e.unwritten() == unwritten) {
                out.add(e);
                continue;
            }
            long a = Math.max(start, e.startoff());
            long b = Math.min(end, e.endoff());
            if (e.startoff() < a) {
                out.add(new BmapExtent(e.startoff(), e.startblock(), a - e.startoff(), e.unwritten()));
            }
            out.add(new BmapExtent(a, e.startblock() + (a - e.startoff()), b - a, unwritten));
            if (b < e.endoff()) {
                out.add(new BmapExtent(b, e.startblock() + (b - e.startoff()), e.endoff() - b, e.unwritten()));
            }
        }
        list.clear();
        for (BmapExtent e : out) {
            list.add(e);
            mergeAround(list, list.size() - 1);
        }
    }

    /**
     * The run at file block {@code off}, at most {@code max} blocks: the extent over it ({@code
     * at[0]}) and how far it reaches, or null and how far the hole reaches.
     */
    static long run(List<BmapExtent> list, long off, long max, BmapExtent[] at) {
        at[0] = null;
        for (BmapExtent e : list) {
            if (e.endoff() <= off) {
                continue;
            }
            if (e.startoff() <= off) {
                at[0] = e;
                return Math.min(max, e.endoff() - off);
            }
            return Math.min(max, e.startoff() - off);
        }
        return max;
    }

    static long mappedBlocks(List<BmapExtent> list) {
        long n = 0;
        for (BmapExtent e : list) {
            n += e.blockcount();
        }
        return n;
    }
}
