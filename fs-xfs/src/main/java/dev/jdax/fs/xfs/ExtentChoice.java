package dev.jdax.fs.xfs;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;

/**
 * Which free extent of one AG an allocation takes, chosen as Linux 6.1's xfs_alloc_ag_vextent_near
 * and xfs_alloc_ag_vextent_size choose it, over the AG's in-core copies of the bnobt ({@code byBno}:
 * start → length) and cntbt ({@code byCnt}: {@code length << 32 | start}, in the tree's key order).
 * Near: when the cntbt's record for {@code maxlen} lies in its last leaf, every record from there
 * on is weighed (the "first algorithm"); otherwise the bnobt is walked left and right of the goal one
 * record at a time beside cntbt lookups of growing sizes, ending at the first bnobt hit (the
 * locality search). A candidate beats another by its length (at most {@code maxlen}), then by its
 * distance from the goal (xfs_alloc_compute_diff: user data starts at a free extent's start even
 * when the extent lies before the goal). Busy extents are trimmed off first (xfs_extent_busy_trim),
 * then the start is rounded up to the alignment asked for (xfs_alloc_compute_aligned) and the
 * length cut to the extent size hint ({@link AllocArgs#fixLen}). One instance is one search, under
 * the AG's lock.
 */
final class ExtentChoice {
    private final NavigableMap<Long, Long> byBno;
    private final NavigableSet<Long> byCnt;
    private final NavigableMap<Long, long[]> busy;
    private final long agbno;
    private final AllocArgs args;
    private final long minlen;
    private final long maxlen;
    private final long alignment;
    private final boolean userdata;
    /** The cntbt key of the first record in its last leaf (Long.MIN_VALUE for a one-leaf tree). */
    private final long cntLastLeaf;

    // The best candidate so far (struct xfs_alloc_cur).
    private long bno;
    private long len;
    private long diff = Long.MAX_VALUE;
    private boolean sawBusy;
    /** Whether the last {@link #check} made its record the candidate. */
    private boolean lastNew;

    ExtentChoice(NavigableMap<Long, Long> byBno, NavigableSet<Long> byCnt, NavigableMap<Long, long[]> busy, long agbno,
                 AllocArgs args, long cntLastLeaf) {
        this.byBno = byBno;
        this.byCnt = byCnt;
        this.busy = busy;
        this.agbno = agbno;
        this.args = args;
        this.minlen = args.minlen();
        this.maxlen = args.maxlen();
        this.alignment = args.alignment();
        this.userdata = args.userdata();
        this.cntLastLeaf = cntLastLeaf;
    }

    /** xfs_alloc_ag_vextent_near: {@code {agbno, len}}, or null when nothing of minlen is free and not busy. */
    long[] near() {
        Long first = byCnt.ceiling(maxlen << 32);
        boolean small = first == null;
        if (small) {
            // xfs_alloc_ag_vextent_small: no extent of maxlen; the largest, if it holds minlen.
            if (byCnt.isEmpty() || (byCnt.last() >>> 32) < minlen) {
                return null;
            }
        }
        // The first algorithm runs when the lookup lands in the cntbt's last leaf: it weighs every
        // record from there on; without an extent of maxlen, or when aligned, every record of that
        // leaf of minlen.
        if (small || first >= cntLastLeaf) {
            Long from = small || alignment > 1 ? byCnt.ceiling(Math.max(minlen << 32, cntLastLeaf)) : first;
            // One walk along the set (a record's successor is a step, not a search from the root).
            for (long k : from == null ? Set.<Long>of() : byCnt.tailSet(from, true)) {
                if (!check(k & 0xffffffffL, k >>> 32, false)) {
                    break;
                }
            }
            if (len > 0) {
                return new long[]{bno, len};
            }
        }
        locality();
        return len > 0 ? new long[]{bno, len} : null;
    }

    /** xfs_alloc_ag_vextent_locality: the bnobt both ways from the goal, the cntbt by growing sizes. */
    private void locality() {
        long curLen = maxlen;
        Long cnt = byCnt.ceiling(curLen << 32 | agbno);
        // The bnobt's records left and right of the goal (the goal's own on both sides, as the
        // lookups le and ge find it), each walked by stepping, and the next one to weigh.
        Iterator<Map.Entry<Long, Long>> left = byBno.headMap(agbno, true).descendingMap().entrySet().iterator();
        Iterator<Map.Entry<Long, Long>> right = byBno.tailMap(agbno, true).entrySet().iterator();
        Map.Entry<Long, Long> lt = next(left);
        Map.Entry<Long, Long> gt = next(right);
        int finish = 0; // 1: walk right after a left hit, -1: left after a right hit, 2: the cntbt backwards
        while (lt != null || gt != null || cnt != null) {
            if (lt != null) {
                boolean active = check(lt.getKey(), lt.getValue(), true);
                if (lastNew) {
                    finish = 1;
                    lt = active ? lt : null;
                    break;
                }
                lt = active ? next(left) : null;
            }
            if (gt != null) {
                boolean active = check(gt.getKey(), gt.getValue(), true);
                if (lastNew) {
                    finish = -1;
                    gt = active ? gt : null;
                    break;
                }
                gt = active ? next(right) : null;
            }
            if (cnt != null) {
                // xfs_alloc_cntbt_iter: the record nearest the goal among those of the search size.
                Long k = byCnt.ceiling(curLen << 32 | agbno);
                cnt = k;
                if (k == null) {
                    break;
                }
                boolean active = check(k & 0xffffffffL, k >>> 32, false);
                long found = k >>> 32;
                if ((k & 0xffffffffL) > agbno) {
                    Long p = byCnt.lower(k);
                    if (p != null) {
                        cnt = p;
                        if ((p >>> 32) == found) {
                            active = check(p & 0xffffffffL, p >>> 32, false) && active;
                        }
                    }
                }
                long doubled = curLen << 1;
                curLen = len == 0 || found >= doubled ? found + 1 : doubled;
                if (!active) {
                    cnt = null;
                    break;
                }
            }
        }
        if (cnt == null && len == 0 && !sawBusy) {
            // Give up on locality: walk the cntbt back from its end.
            for (long k : byCnt.descendingSet()) {
                if (!check(k & 0xffffffffL, k >>> 32, false) || lastNew) {
                    break;
                }
            }
            return;
        }
        if (finish == 1) {
            for (Map.Entry<Long, Long> e = gt; e != null; e = next(right)) {
                if (!check(e.getKey(), e.getValue(), true) || lastNew) {
                    break;
                }
            }
        } else if (finish == -1) {
            for (Map.Entry<Long, Long> e = lt; e != null; e = next(left)) {
                if (!check(e.getKey(), e.getValue(), true) || lastNew) {
                    break;
                }
            }
        }
    }

    private static <T> T next(Iterator<T> it) {
        return it.hasNext() ? it.next() : null;
    }

    /**
     * xfs_alloc_ag_vextent_size: the first extent by size that holds maxlen once aligned, from its
     * (aligned) start once busy blocks are trimmed off; without one, the largest, or a smaller one
     * that holds more once aligned; null when that is below minlen.
     */
    long[] size() {
        Long from = byCnt.ceiling((maxlen + alignment - 1) << 32);
        long bestBno = -1;
        long bestLen = 0;
        if (from != null) {
            for (long k : byCnt.tailSet(from, true)) {
                long[] a = aligned(k & 0xffffffffL, k >>> 32);
                if (a[1] > bestLen) {
                    bestBno = a[0];
                    bestLen = Math.min(a[1], maxlen);
                }
                if (a[1] >= maxlen || !sawBusy) {
                    break;   // Linux looks further only when busy blocks shortened what it found
                }
            }
        } else if (!byCnt.isEmpty()) {
            // No extent of maxlen: the largest, then smaller ones while they might hold more once aligned.
            for (long k : byCnt.descendingSet()) {
                long flen = k >>> 32;
                if (flen < bestLen) {
                    break;
                }
                long[] a = aligned(k & 0xffffffffL, flen);
                long rlen = Math.min(a[1], maxlen);
                if (bestBno < 0 || rlen > bestLen) {
                    bestBno = a[0];
                    bestLen = rlen;
                    if (rlen == maxlen) {
                        break;
                    }
                }
            }
        }
        return bestLen >= minlen ? new long[]{bestBno, args.fixLen(bestLen)} : null;
    }

    /**
     * xfs_alloc_ag_vextent_exact: the blocks from the goal on, when the free extent holding the goal
     * is not busy there and holds minlen from it; null otherwise.
     */
    long[] exact() {
        Map.Entry<Long, Long> e = byBno.floorEntry(agbno);
        if (e == null) {
            return null;
        }
        long[] t = trim(e.getKey(), e.getValue());
        if (t == null || t[0] > agbno || t[1] < minlen || t[0] + t[1] < agbno + minlen) {
            return null;
        }
        long len = Math.min(t[0] + t[1], agbno + maxlen) - agbno;
        return new long[]{agbno, args.fixLen(len)};
    }

    /**
     * xfs_alloc_compute_aligned: free extent {@code [fbno, +flen)} with busy blocks trimmed off and
     * its start rounded up to the alignment (when it still holds minlen before that); {@code {bno, len}}.
     */
    private long[] aligned(long fbno, long flen) {
        long[] t = trim(fbno, flen);
        if (t == null) {
            return new long[]{fbno, 0};
        }
        if (alignment > 1 && t[1] >= minlen) {
            long a = roundUp(t[0], alignment);
            long diff = a - t[0];
            return new long[]{a, diff >= t[1] ? 0 : t[1] - diff};
        }
        return t;
    }

    /**
     * xfs_alloc_cur_check: weighs free extent {@code [fbno, +flen)} against the candidate and takes
     * it when it is longer, or as long and no farther; false when the cursor that found it should
     * stop (a bnobt cursor past the candidate's distance, a cntbt cursor below minlen, a perfect hit).
     */
    private boolean check(long fbno, long flen, boolean bnobt) {
        lastNew = false;
        if (flen < minlen) {
            return bnobt;
        }
        long[] t = aligned(fbno, flen);
        if (t[1] < minlen) {
            return true;
        }
        long alen = args.fixLen(Math.min(t[1], maxlen));
        if (alen < len) {
            return true;
        }
        long newbno = computeDiffStart(agbno, alen, alignment, t[0], t[1], userdata);
        if (newbno < 0) {
            return true;
        }
        long d = Math.abs(newbno - agbno);
        if (d > diff) {
            return !bnobt;
        }
        bno = newbno;
        len = alen;
        diff = d;
        lastNew = true;
        return !(d == 0 && alen == maxlen);
    }

    /**
     * xfs_alloc_compute_diff: where in free extent {@code [freebno, +freelen)} an allocation of
     * {@code wantlen} near {@code wantbno} starts, on a multiple of {@code alignment}; -1 when it cannot.
     */
    static long computeDiffStart(long wantbno, long wantlen, long alignment, long freebno, long freelen,
                                 boolean userdata) {
        long freeend = freebno + freelen;
        long wantend = wantbno + wantlen;
        // User data starts at a free extent's start even when that lies before the goal, so that the
        // file can grow into the rest of it.
        if (freebno >= wantbno || (userdata && freeend < wantend)) {
            long b = roundUp(freebno, alignment);
            return b < freeend ? b : -1;
        }
        if (freeend >= wantend && alignment > 1) {
            // The aligned starts either side of the goal: the one that gives more, else the nearer.
            long b1 = roundUp(wantbno, alignment);
            long b2 = b1 - alignment;
            long len1 = b1 < freeend ? Math.min(wantlen, freeend - b1) : 0;
            long len2 = b2 >= freebno ? Math.min(wantlen, freeend - b2) : 0;
            if (b1 >= freeend) {
                b1 = -1;
            }
            if (b2 < freebno) {
                b2 = -1;
            }
            if (b1 >= 0 && b2 >= 0) {
                return len1 < len2 || (len1 == len2 && Math.abs(b1 - wantbno) > Math.abs(b2 - wantbno)) ? b2 : b1;
            }
            return b2 >= 0 ? b2 : b1;
        }
        if (freeend >= wantend) {
            return wantbno;
        }
        if (alignment > 1) {
            long b = roundUp(freeend - wantlen, alignment);
            if (b > freeend - wantlen && b - alignment >= freebno) {
                return b - alignment;
            }
            return b >= freeend ? -1 : b;
        }
        return freeend - wantlen;
    }

    private static long roundUp(long x, long alignment) {
        return Math.ceilDiv(x, alignment) * alignment;
    }

    /**
     * xfs_extent_busy_trim: the part of free extent {@code [fbno, +flen)} an allocation may use,
     * busy blocks (freed in checkpoints not yet in the log) cut off; with busy blocks in its middle
     * the left part when it holds maxlen, else the right when it holds four times that, else the
     * left when it holds minlen. Null when nothing is left.
     */
    private long[] trim(long fbno, long flen) {
        long start = fbno;
        long end = fbno + flen;
        Map.Entry<Long, long[]> b = busy.floorEntry(start);
        if (b == null || b.getKey() + b.getValue()[0] <= start) {
            b = busy.higherEntry(start);
        }
        while (b != null && b.getKey() < end) {
            long bbno = b.getKey();
            long bend = bbno + b.getValue()[0];
            sawBusy = true;
            if (bbno <= start) {
                if (end <= bend) {
                    return null;
                }
                start = bend;
            } else if (bend >= end) {
                end = bbno;
            } else if (bbno - start >= maxlen) {
                end = bbno;
            } else if (end - bend >= maxlen * 4) {
                start = bend;
            } else if (bbno - start >= minlen) {
                end = bbno;
            } else {
                return null;
            }
            b = busy.higherEntry(bbno);
        }
        return end > start ? new long[]{start, end - start} : null;
    }
}
