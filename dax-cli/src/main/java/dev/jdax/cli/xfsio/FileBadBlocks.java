package dev.jdax.cli.xfsio;

import dev.jdax.api.BadBlocks;
import dev.jdax.api.BadRange;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.OpenFile;

import java.util.ArrayList;
import java.util.List;

/**
 * Bad sectors seen from a file: poisoning the device sectors under a file range (what the
 * reference harness does with FIEMAP and {@code /sys/block/pmem0/badblocks}), and listing the file
 * ranges that lie on bad sectors.
 */
public final class FileBadBlocks {
    private FileBadBlocks() {
    }

    /** A file range on bad sectors. */
    public record BadFileRange(long offset, long length, long sector, long sectors) {
    }

    /**
     * Marks bad every device sector under {@code [offset, offset + length)} of the file; ranges over
     * holes have no sectors and are skipped. Returns the device ranges marked.
     */
    public static List<BadRange> poison(OpenFile file, BadBlocks badBlocks, long offset, long length)
            throws FsException {
        if (offset < 0 || length <= 0) {
            throw FsException.of(Errno.EINVAL, "badblock %d %d: want a non-negative offset and a positive length",
                    offset, length);
        }
        List<BadRange> added = new ArrayList<>();
        long end = offset + length;
        for (FiemapExtent e : file.fiemap(offset, length)) {
            if (e.has(FiemapExtent.UNKNOWN) || e.has(FiemapExtent.DATA_INLINE)) {
                continue;
            }
            long from = Math.max(offset, e.logical());
            long to = Math.min(end, e.end());
            if (to <= from) {
                continue;
            }
            long devFrom = e.physical() + (from - e.logical());
            long devTo = e.physical() + (to - e.logical());
            long sector = devFrom >>> 9;
            long count = ((devTo + 511) >>> 9) - sector;
            badBlocks.add(sector, count);
            added.add(new BadRange(sector, count));
        }
        return added;
    }

    /** The file's ranges that lie on bad sectors, in file order. */
    public static List<BadFileRange> list(OpenFile file, BadBlocks badBlocks) throws FsException {
        List<BadFileRange> out = new ArrayList<>();
        if (badBlocks.isEmpty()) {
            return out;
        }
        List<BadRange> bad = badBlocks.list();
        for (FiemapExtent e : file.fiemap(0, Long.MAX_VALUE)) {
            long s0 = e.physical() >>> 9;
            long s1 = (e.physical() + e.length()) >>> 9;
            for (BadRange r : bad) {
                long a = Math.max(s0, r.sector());
                long b = Math.min(s1, r.end());
                if (a < b) {
                    long fileOff = e.logical() + ((a << 9) - e.physical());
                    out.add(new BadFileRange(fileOff, (b - a) << 9, a, b - a));
                }
            }
        }
        return out;
    }
}
