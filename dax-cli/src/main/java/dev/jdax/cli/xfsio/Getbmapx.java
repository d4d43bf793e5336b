package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code XFS_IOC_GETBMAPX} answers (Linux 6.1 {@code xfs_getbmap}), worked out from the
 * file's FIEMAP answer, which on XFS is one extent per block-map record. The rules that make it
 * differ from FIEMAP: everything is in 512-byte units; holes are entries of their own; the range
 * ends at EOF unless the file carries an extent size hint or the prealloc or append-only flag (then
 * it is unbounded and preallocation past EOF shows); a hole runs on to EOF after the last extent;
 * unwritten extents are flagged only when asked for.
 */
final class Getbmapx {
    static final int IF_ATTRFORK = 0x1;
    static final int IF_PREALLOC = 0x4;
    static final int IF_DELALLOC = 0x8;
    static final int IF_COWFORK = 0x20;
    static final int OF_PREALLOC = 0x1;
    static final int OF_SHARED = 0x8;
    static final long HOLE = -1;

    /** One {@code struct getbmapx} record: offsets, block and length in 512-byte units. */
    record Entry(long offset, long block, long length, int oflags) {
        long end() {
            return offset + length;
        }
    }

    private static final int BB_SHIFT = 9;

    private final int iflags;
    private final int count;
    private final List<Entry> out = new ArrayList<>();
    private long rangeEnd;
    private long remaining;

    private Getbmapx(int iflags, int count) {
        this.iflags = iflags;
        this.count = count;
    }

    /**
     * Maps the data or attribute fork of {@code f}, in at most {@code count - 1} entries (the
     * ioctl's first record is its header).
     *
     * @param f      the open file
     * @param iflags {@code BMV_IF_*}
     * @param count  the caller's {@code bmv_count}
     * @param blockBytes the file system's block size: the range ends at EOF rounded up to it
     * @return the entries
     * @throws FsException EINVAL for a count under 2 and for the CoW fork (a kernel without DEBUG),
     *                     EOPNOTSUPP for an attribute fork held in extents (jdax does not map it)
     */
    static List<Entry> query(OpenFile f, int iflags, int count, long blockBytes) throws FsException {
        if (count < 2) {
            throw FsException.of(Errno.EINVAL, "XFS_IOC_GETBMAPX: bmv_count %d", count);
        }
        if ((iflags & IF_COWFORK) != 0) {
            throw FsException.of(Errno.EINVAL, "XFS_IOC_GETBMAPX: the CoW fork is mapped only by DEBUG kernels");
        }
        FsxAttr fsx = f.fsxattr();
        if ((iflags & IF_ATTRFORK) != 0) {
            if (fsx.naextents() != 0) {
                throw FsException.of(Errno.EOPNOTSUPP, "XFS_IOC_GETBMAPX: attribute fork of %d extents", fsx.naextents());
            }
            return List.of();
        }
        return new Getbmapx(iflags, count).dataFork(f, fsx, blockBytes);
    }

    private List<Entry> dataFork(OpenFile f, FsxAttr fsx, long blockBytes) throws FsException {
        long size = f.size();
        boolean unbounded = (fsx.xflags() & FsxAttr.FS_XFLAG_EXTSIZE) != 0
                || (fsx.xflags() & (FsxAttr.FS_XFLAG_PREALLOC | FsxAttr.FS_XFLAG_APPEND)) != 0;
        long eofBb = roundUp(size, blockBytes) >> BB_SHIFT;
        rangeEnd = unbounded ? Long.MAX_VALUE >> BB_SHIFT : eofBb;
        remaining = rangeEnd;
        List<Entry> records = new ArrayList<>();
        for (FiemapExtent e : f.dataForkExtents()) {
            if (e.has(FiemapExtent.DATA_INLINE)) {
                return List.of();        // a local fork reports no extents
            }
            int of = (iflags & IF_PREALLOC) != 0 && e.has(FiemapExtent.UNWRITTEN) ? OF_PREALLOC : 0;
            of |= e.has(FiemapExtent.SHARED) ? OF_SHARED : 0;
            records.add(new Entry(e.logical() >> BB_SHIFT, e.physical() >> BB_SHIFT, e.length() >> BB_SHIFT, of));
        }
        if (records.isEmpty()) {
            if ((iflags & IF_DELALLOC) != 0) {
                hole(0, eofBb);          // the whole file, as the old implementation answered
            }
            return out;
        }
        long bno = 0;
        for (int i = 0; i < records.size() && !full(); i++) {
            Entry got = trim(records.get(i));
            if (got.offset() > bno) {
                hole(bno, got.offset());
                if (full()) {
                    break;
                }
            }
            bno = got.end();
            add(got);
            if (full()) {
                break;
            }
            if (i == records.size() - 1) {
                if (bno < eofBb) {
                    hole(bno, eofBb);
                }
                break;
            }
            if (bno >= rangeEnd) {
                break;
            }
        }
        return out;
    }

    /** xfs_trim_extent: the record cut to the range, or of no length (its start kept) outside it. */
    private Entry trim(Entry r) {
        if (r.end() <= 0 || r.offset() >= rangeEnd) {
            return new Entry(r.offset(), r.block(), 0, r.oflags());
        }
        long end = Math.min(r.end(), rangeEnd);
        return new Entry(r.offset(), r.block(), end - r.offset(), r.oflags());
    }

    private boolean full() {
        return remaining == 0 || out.size() >= count - 1;
    }

    private void hole(long from, long to) {
        add(new Entry(from, HOLE, to - from, 0));
    }

    private void add(Entry e) {
        out.add(e);
        remaining = Math.max(0, rangeEnd - e.end());
    }

    private static long roundUp(long v, long unit) {
        return (v + unit - 1) / unit * unit;
    }
}
