package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;

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
            return fs.fileOps().mapForWrite(in, pos, length);
        }
        in.ilock.lockShared();
        try {
            return map(fs.disk(), fs.extents(in), pos, length);
        } finally {
            in.ilock.unlockShared();
        }
    }

    /** The mapping under {@code pos} from a sorted extent list. */
    static Iomap map(XfsDisk disk, List<BmapExtent> extents, long pos, long length) {
        int bl = disk.blockLog();
        long fsbOff = pos >>> bl;
        long endFsb = (pos + length + disk.blockSize() - 1) >>> bl;
        // Binary search for the last extent starting at or before fsbOff.
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
