package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where mkfs puts things, worked out from the geometry rather than kept in a bitmap of the device
 * (which at 1 TiB would be 32 MiB, and at 16 TiB half a gigabyte): the superblock areas of the
 * groups that have a copy (superblock, descriptor table, reserved growth blocks), and the ranges
 * placed so far — each flex group's bitmaps and inode tables, the first directories, the journal —
 * merged as they are placed, so they number about one per flex group.
 */
final class MkfsLayout {
    private final long first;
    private final long blocks;
    private final long bpg;
    private final long superArea;
    /** Placed ranges, start to end (exclusive), disjoint and merged. */
    private final TreeMap<Long, Long> placed = new TreeMap<>();

    /**
     * @param superArea the blocks at the start of a group with a superblock copy: the copy, the
     *                  descriptor table and the reserved descriptor blocks
     */
    MkfsLayout(long first, long blocks, long bpg, long superArea) {
        this.first = first;
        this.blocks = blocks;
        this.bpg = bpg;
        this.superArea = superArea;
    }

    long groupStart(long g) {
        return first + g * bpg;
    }

    long groupOf(long block) {
        return (block - first) / bpg;
    }

    long groups() {
        return (blocks - first + bpg - 1) / bpg;
    }

    int blocksIn(long g) {
        return (int) Math.min(bpg, blocks - groupStart(g));
    }

    /** The superblock area of group {@code g}: its length, 0 without a copy (sparse_super). */
    long superAreaOf(long g) {
        return GroupTable.hasSuper(g) ? superArea : 0;
    }

    /** The end of the first superblock area or placed range meeting [b, b + len), or -1 when none does. */
    private long obstacleEnd(long b, long len) {
        Map.Entry<Long, Long> e = placed.floorEntry(b + len - 1);
        if (e != null && e.getValue() > b) {
            return e.getValue();
        }
        for (long g = groupOf(b); g <= groupOf(b + len - 1) && g < groups(); g++) {
            long s = groupStart(g);
            long end = s + superAreaOf(g);
            if (end > s && s < b + len && end > b) {
                return end;
            }
        }
        return -1;
    }

    /** The first block at or after {@code from} that starts {@code len} blocks meeting nothing. */
    long next(long from, long len) throws FsException {
        long b = from;
        for (long end = obstacleEnd(b, len); end >= 0; end = obstacleEnd(b, len)) {
            b = end;
        }
        if (b + len > blocks) {
            throw FsException.of(Errno.ENOSPC, "ext4: mkfs: no room for %d blocks after block %d of %d", len, from, blocks);
        }
        return b;
    }

    /** Places {@code len} blocks at the first free place at or after {@code from}; returns where. */
    long take(long from, long len) throws FsException {
        long b = next(from, len);
        mark(b, len);
        return b;
    }

    private void mark(long b, long len) {
        long start = b;
        long end = b + len;
        Map.Entry<Long, Long> before = placed.floorEntry(start);
        if (before != null && before.getValue() == start) {
            start = before.getKey();
        }
        Long after = placed.get(end);
        if (after != null) {
            placed.remove(end);
            end = after;
        }
        placed.put(start, end);
    }

    /**
     * Places {@code len} blocks from {@code goal} on, as runs of at most {@code maxRun} cut where a
     * superblock area or a placed range is in the way; returns the runs as {start, length}.
     */
    List<long[]> takeRuns(long goal, long len, long maxRun) throws FsException {
        List<long[]> runs = new ArrayList<>();
        long b = goal;
        for (long left = len; left > 0; ) {
            b = next(b, 1);
            long run = Math.min(Math.min(left, maxRun), freeAhead(b, Math.min(left, maxRun)));
            mark(b, run);
            runs.add(new long[] {b, run});
            b += run;
            left -= run;
        }
        return runs;
    }

    /** How many blocks from the free block {@code b} on are free, up to {@code max}. */
    private long freeAhead(long b, long max) {
        long limit = Math.min(b + max, blocks);
        Long nextPlaced = placed.ceilingKey(b);
        if (nextPlaced != null) {
            limit = Math.min(limit, nextPlaced);
        }
        for (long g = groupOf(b) + 1; g < groups() && groupStart(g) < limit; g++) {
            if (superAreaOf(g) > 0) {
                limit = groupStart(g);
            }
        }
        return limit - b;
    }

    /** How many placed blocks lie in group {@code g} (its superblock area not counted). */
    long placedIn(long g) {
        long s = groupStart(g);
        long e = s + blocksIn(g);
        long n = 0;
        for (Map.Entry<Long, Long> r : placed.subMap(floorStart(s), true, e, false).entrySet()) {
            n += Math.max(0, Math.min(e, r.getValue()) - Math.max(s, r.getKey()));
        }
        return n;
    }

    /** Sets, in {@code bitmap}, the bits of group {@code g}'s used blocks: superblock area and placed ranges. */
    void markUsed(long g, byte[] bitmap) {
        long s = groupStart(g);
        long e = s + blocksIn(g);
        setBits(bitmap, 0, (int) superAreaOf(g));
        for (Map.Entry<Long, Long> r : placed.subMap(floorStart(s), true, e, false).entrySet()) {
            long a = Math.max(s, r.getKey());
            long z = Math.min(e, r.getValue());
            if (a < z) {
                setBits(bitmap, (int) (a - s), (int) (z - s));
            }
        }
    }

    private long floorStart(long s) {
        Long k = placed.floorKey(s);
        return k == null ? s : k;
    }

    /** Sets bits [from, to) of a bitmap. */
    static void setBits(byte[] bitmap, int from, int to) {
        for (int bit = from; bit < to; bit++) {
            if ((bit & 7) == 0 && bit + 8 <= to) {
                bitmap[bit >>> 3] = (byte) 0xff;
                bit += 7;
            } else {
                bitmap[bit >>> 3] |= (byte) (1 << (bit & 7));
            }
        }
    }
}
