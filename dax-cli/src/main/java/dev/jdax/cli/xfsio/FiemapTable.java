package dev.jdax.cli.xfsio;

import dev.jdax.api.fs.FiemapExtent;

import java.util.List;
import java.util.Locale;

/**
 * Prints a FIEMAP answer as {@code xfs_io fiemap} does ({@code io/fiemap.c}): offsets and lengths in
 * 512-byte units, holes between extents as rows of their own, the verbose table's column widths
 * taken from the first batch of extents.
 */
final class FiemapTable {
    /** Extents xfs_io asks the kernel for per ioctl; the column widths come from the first batch. */
    private static final int EXTENT_BATCH = 32;

    private final XfsIoOutput out;
    private final boolean verbose;
    private final boolean lflag;
    private final int maxExtents;
    private int foffW = 16;
    private int boffW = 16;
    private int totW = 5;
    private int flgW = 5;

    FiemapTable(XfsIoOutput out, boolean verbose, boolean lflag, int maxExtents) {
        this.out = out;
        this.verbose = verbose;
        this.lflag = lflag;
        this.maxExtents = maxExtents;
    }

    private static long bb(long bytes) {
        return bytes >> 9;
    }

    void print(String name, List<FiemapExtent> extents, long start, long rangeEnd, long fileSize) {
        out.out(name + ":");
        int cur = 0;
        long lastLogical = start;
        if (verbose && !extents.isEmpty()) {
            widths(extents);
        }
        boolean stopped = false;
        for (FiemapExtent e : extents) {
            cur += verbose ? verboseRow(e, cur, lastLogical) : plainRow(e, cur, lastLogical);
            lastLogical = e.logical() + e.length();
            if (e.has(FiemapExtent.LAST) || lastLogical >= rangeEnd || cur == maxExtents) {
                stopped = cur == maxExtents;
                break;
            }
        }
        if (stopped) {
            return;
        }
        long end = Math.min(rangeEnd, fileSize);
        if (cur > 0 && lastLogical < end) {
            hole(cur, !verbose, bb(lastLogical), bb(end));
        }
    }

    private void widths(List<FiemapExtent> extents) {
        for (int i = 0; i < extents.size() && i < EXTENT_BATCH; i++) {
            FiemapExtent e = extents.get(i);
            long logical = bb(e.logical());
            long len = bb(e.length());
            long block = bb(e.physical());
            foffW = Math.max(foffW, ("[" + logical + ".." + (logical + len - 1) + "]").length());
            boffW = Math.max(boffW, (block + ".." + (block + len - 1)).length());
            totW = Math.max(totW, Long.toString(len).length());
            flgW = Math.max(flgW, Integer.toHexString(e.flags()).length());
            if (e.has(FiemapExtent.LAST)) {
                break;
            }
        }
    }

    private void hole(int cur, boolean plain, long llast, long lstart) {
        if (plain) {
            out.out("\t" + cur + ": [" + llast + ".." + (lstart - 1) + "]: hole"
                    + (lflag ? " " + (lstart - llast) + " blocks" : ""));
        } else {
            out.out(String.format(Locale.ROOT, "%4d: %-" + foffW + "s %-" + boffW + "s %" + totW + "d", cur,
                    "[" + llast + ".." + (lstart - 1) + "]:", "hole", lstart - llast));
        }
    }

    private int verboseRow(FiemapExtent e, int cur, long lastLogical) {
        long llast = bb(lastLogical);
        long lstart = bb(e.logical());
        long len = bb(e.length());
        long block = bb(e.physical());
        int printed = 0;
        if (cur == 0) {
            out.out(String.format(Locale.ROOT, "%4s: %-" + foffW + "s %-" + boffW + "s %" + totW + "s %" + flgW + "s",
                    "EXT", "FILE-OFFSET", "BLOCK-RANGE", "TOTAL", "FLAGS"));
        }
        if (lstart > llast) {
            hole(cur, false, llast, lstart);
            cur++;
            printed++;
        }
        if (cur == maxExtents) {
            return printed;
        }
        out.out(String.format(Locale.ROOT, "%4d: %-" + foffW + "s %-" + boffW + "s %" + totW + "d %" + flgW + "s", cur,
                "[" + lstart + ".." + (lstart + len - 1) + "]:", block + ".." + (block + len - 1), len,
                "0x" + Integer.toHexString(e.flags())));
        return printed + 1;
    }

    private int plainRow(FiemapExtent e, int cur, long lastLogical) {
        long llast = bb(lastLogical);
        long lstart = bb(e.logical());
        long len = bb(e.length());
        long block = bb(e.physical());
        int printed = 0;
        if (lstart > llast) {
            hole(cur, true, llast, lstart);
            cur++;
            printed++;
        }
        if (cur == maxExtents) {
            return printed;
        }
        out.out("\t" + cur + ": [" + lstart + ".." + (lstart + len - 1) + "]: " + block + ".." + (block + len - 1)
                + (lflag ? " " + len + " blocks" : ""));
        return printed + 1;
    }
}
