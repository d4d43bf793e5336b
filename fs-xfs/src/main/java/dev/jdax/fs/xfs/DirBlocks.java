package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A large directory's blocks by file block, for one extent list of it: the device block of each
 * file block of its data, leaf and free-index sections in an array per section, so that finding one
 * is an array load. A change of a directory of 100,000 names looks up some ten of its blocks, at
 * places no earlier change left in the caches, and a binary search through an extent list of
 * hundreds of runs cost each lookup several misses (an eighth of an XFS rename there). Built from
 * an immutable list (a change of the directory's blocks replaces the list whole, and with it this),
 * and immutable itself, so readers under a shared lock may share it.
 */
final class DirBlocks {
    /** File blocks between two runs beyond which the second starts a section of its own. */
    private static final long SECTION_GAP = 1 << 16;
    /** Sections at most: a directory has three (data, leaf, free index). */
    private static final int MAX_SECTIONS = 4;

    private final List<BmapExtent> list;
    /** Each section's first file block; empty when the list is not worth an array (see {@link #of}). */
    private final long[] firsts;
    /** Per section, the device block of each of its file blocks, -1 for a hole. */
    private final long[][] fsbs;

    private DirBlocks(List<BmapExtent> list, long[] firsts, long[][] fsbs) {
        this.list = list;
        this.firsts = firsts;
        this.fsbs = fsbs;
    }

    /**
     * The blocks of {@code list} (sorted, as a data fork's). Not {@link #usable()} when its runs lie
     * in more sections than a directory has, or its holes would make the arrays more than four times
     * the blocks mapped: the list is then searched as before.
     */
    static DirBlocks of(List<BmapExtent> list) {
        List<long[]> sections = new ArrayList<>();
        long mapped = 0;
        for (BmapExtent e : list) {
            long[] last = sections.isEmpty() ? null : sections.getLast();
            if (last != null && e.startoff() >= last[1] && e.startoff() - last[1] <= SECTION_GAP) {
                last[1] = e.endoff();
            } else if (last == null || e.startoff() >= last[1]) {
                sections.add(new long[]{e.startoff(), e.endoff()});
            } else {
                return unusable(list); // not sorted: no array can be trusted
            }
            mapped += e.blockcount();
        }
        long span = 0;
        for (long[] s : sections) {
            span += s[1] - s[0];
        }
        if (sections.size() > MAX_SECTIONS || span > 4 * mapped + 1024) {
            return unusable(list);
        }
        long[] firsts = new long[sections.size()];
        long[][] fsbs = new long[sections.size()][];
        for (int s = 0; s < firsts.length; s++) {
            firsts[s] = sections.get(s)[0];
            fsbs[s] = new long[(int) (sections.get(s)[1] - firsts[s])];
            Arrays.fill(fsbs[s], -1);
        }
        int s = 0;
        for (BmapExtent e : list) {
            while (e.startoff() >= firsts[s] + fsbs[s].length) {
                s++;
            }
            int at = (int) (e.startoff() - firsts[s]);
            for (int i = 0; i < e.blockcount(); i++) {
                fsbs[s][at + i] = e.startblock() + i;
            }
        }
        return new DirBlocks(list, firsts, fsbs);
    }

    private static DirBlocks unusable(List<BmapExtent> list) {
        return new DirBlocks(list, new long[0], new long[0][]);
    }

    /** {@return the list these are the blocks of} */
    List<BmapExtent> list() {
        return list;
    }

    /** {@return whether {@link #fsb} answers for the list} */
    boolean usable() {
        return firsts.length > 0;
    }

    /** {@return the device block at file block {@code off}, or -1 for a hole} (a usable one only). */
    long fsb(long off) {
        for (int s = 0; s < firsts.length; s++) {
            long i = off - firsts[s];
            long[] b = fsbs[s];
            if (i >= 0 && i < b.length) {
                return b[(int) i];
            }
        }
        return -1;
    }
}
