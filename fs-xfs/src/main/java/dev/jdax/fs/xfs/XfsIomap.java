package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.iomap.StartsIndex;

import java.util.List;

/**
 * XFS's native iomap (fs/xfs/xfs_iomap.c xfs_read_iomap_begin): one answer for the extent under
 * {@code pos}, or for the whole hole up to the next extent, clipped to the length asked for.
 */
final class XfsIomap implements IomapOps {
    private final XfsFileSystem fs;

    XfsIomap(XfsFileSystem fs) {
        this.fs = fs;
    }

    @Override
    public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
        XfsInode in = (XfsInode) inode;
        if ((flags & IomapOps.WRITE) != 0) {
            return fs.fileOps().mapForWrite(in, pos, length, flags);
        }
        Iomap m;
        in.ilock.lockShared();
        try {
            List<BmapExtent> ext = fs.extents(in);
            m = markShared(fs, in, ext, map(fs.disk(), in, ext, pos, length));
        } finally {
            in.ilock.unlockShared();
        }
        if ((flags & IomapOps.ZERO) != 0 && m.has(Iomap.F_SHARED)) {
            // Zeroing shared blocks would zero them for every file: xfs_zero_range goes through the
            // write iomap, which copies them on write first.
            return fs.fileOps().mapForWrite(in, m.offset(), m.length(), flags | IomapOps.WRITE);
        }
        return m;
    }

    /**
     * xfs_reflink_trim_around_shared: a mapping of written blocks of a file that may share them,
     * cut where its blocks go from shared to not (or back), and flagged {@link Iomap#F_SHARED}
     * when they are shared. The engine writes into shared blocks only through a write iomap, which
     * copies them first. Called under the ILOCK.
     */
    static Iomap markShared(XfsFileSystem fs, XfsInode in, List<BmapExtent> extents, Iomap m) throws FsException {
        if (m.type() != IomapType.MAPPED || !in.isReflink()) {
            return m;
        }
        int bl = fs.disk().blockLog();
        long off = m.offset() >>> bl;
        BmapExtent e = extents.get(floor(in, extents, off));
        long[] run = fs.sharedRun(e.startblock() + (off - e.startoff()), m.length() >>> bl);
        return new Iomap(m.offset(), run[1] << bl, m.type(), m.addr(), m.flags() | (run[0] != 0 ? Iomap.F_SHARED : 0),
                m.device());
    }

    /** An index of the starts of one extent list (an inode's list is replaced whole when it changes). */
    record Indexed(List<BmapExtent> list, StartsIndex starts) {
    }

    /**
     * The index in {@code extents} (the inode's list) of the last extent starting at or before
     * {@code fsbOff}, or -1. A list of many extents looked up more often than it has extents gets a
     * {@link StartsIndex}, kept until the list is replaced: making it costs at most one more step per
     * lookup, and a lookup among 100,000 extents then misses the cache twice instead of 17 times.
     */
    static int floor(XfsInode in, List<BmapExtent> extents, long fsbOff) {
        Indexed ix = in.lookupIndex;
        if (ix != null && ix.list() == extents) {
            return ix.starts().floor(fsbOff);
        }
        if (extents.size() >= StartsIndex.WORTH_FROM && in.searchedOften(extents)) {
            long[] starts = new long[extents.size()];
            for (int i = 0; i < starts.length; i++) {
                starts[i] = extents.get(i).startoff();
            }
            ix = new Indexed(extents, StartsIndex.of(starts));
            in.lookupIndex = ix;
            return ix.starts().floor(fsbOff);
        }
        return floor(extents, fsbOff);
    }

    /** Binary search for the last extent starting at or before {@code fsbOff}; -1 when none. */
    private static int floor(List<BmapExtent> extents, long fsbOff) {
        int lo = 0;
        int hi = extents.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (extents.get(mid).startoff() <= fsbOff) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The mapping under {@code pos} from the inode's extent list, {@code extents}, looked up through its index. */
    static Iomap map(XfsDisk disk, XfsInode in, List<BmapExtent> extents, long pos, long length) {
        return map(disk, extents, floor(in, extents, pos >>> disk.blockLog()), pos, length);
    }

    /** The mapping under {@code pos} from a sorted extent list. */
    static Iomap map(XfsDisk disk, List<BmapExtent> extents, long pos, long length) {
        return map(disk, extents, floor(extents, pos >>> disk.blockLog()), pos, length);
    }

    /** The mapping under {@code pos}, {@code found} the last extent starting at or before its block (or -1). */
    private static Iomap map(XfsDisk disk, List<BmapExtent> extents, int found, long pos, long length) {
        int bl = disk.blockLog();
        long fsbOff = pos >>> bl;
        long endFsb = (pos + length + disk.blockSize() - 1) >>> bl;
        if (found >= 0 && extents.get(found).endoff() > fsbOff) {
            BmapExtent e = extents.get(found);
            long end = Math.min(e.endoff(), Math.max(endFsb, fsbOff + 1));
            long addr = disk.fsbToByte(e.startblock() + (fsbOff - e.startoff()));
            return new Iomap(fsbOff << bl, (end - fsbOff) << bl, e.unwritten() ? IomapType.UNWRITTEN : IomapType.MAPPED,
                    addr, 0, disk.device());
        }
        long next = found + 1 < extents.size() ? extents.get(found + 1).startoff() : Long.MAX_VALUE >>> bl;
        long end = Math.min(next, Math.max(endFsb, fsbOff + 1));
        return Iomap.hole(fsbOff << bl, (end - fsbOff) << bl, disk.device());
    }
}
