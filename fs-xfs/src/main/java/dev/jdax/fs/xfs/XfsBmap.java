package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Reads an inode's data fork into its extent list: the records inline (extents format) or the
 * leaves of the bmbt (btree format, root in the inode as struct xfs_bmdr_block), checking order,
 * ranges, levels and loops as xfs_iread_extents and xfs_bmap_validate_extent do.
 */
final class XfsBmap {
    static final long XFS_BMAP_CRC_MAGIC = 0x424d4133L;
    static final int MAX_LEVELS = 9;

    private XfsBmap() {
    }

    static List<BmapExtent> read(XfsDisk disk, XfsInode inode) throws FsException {
        byte[] fork = inode.dataFork();
        long nextents = inode.di_nextents();
        String what = "inode " + inode.ino() + " data fork";
        List<BmapExtent> out = new ArrayList<>();
        switch (inode.di_format()) {
            case XfsInode.FMT_EXTENTS -> {
                Corrupt.check(nextents * BmapExtent.SIZE <= fork.length, "%s: di_nextents %d does not fit", what, nextents);
                for (int i = 0; i < nextents; i++) {
                    add(disk, out, BmapExtent.decode(fork, i * BmapExtent.SIZE), what);
                }
            }
            case XfsInode.FMT_BTREE -> readBtree(disk, inode, fork, nextents, out, what);
            default -> throw Corrupt.of("%s: format %d has no extents", what, inode.di_format());
        }
        Corrupt.check(out.size() == nextents, "%s: %d extents found, di_nextents %d", what, out.size(), nextents);
        return out;
    }

    private static void add(XfsDisk disk, List<BmapExtent> out, BmapExtent e, String what) throws FsException {
        Corrupt.check(e.blockcount() > 0 && disk.fileExtentValid(e.startblock(), e.blockcount()),
                "%s: extent %s out of range", what, e);
        Corrupt.check(e.endoff() <= BmapExtent.MAX_STARTOFF, "%s: extent %s beyond the largest offset", what, e);
        if (!out.isEmpty()) {
            BmapExtent prev = out.getLast();
            Corrupt.check(e.startoff() >= prev.endoff(), "%s: extent %s overlaps or precedes %s", what, e, prev);
        }
        out.add(e);
    }

    private static void readBtree(XfsDisk disk, XfsInode inode, byte[] fork, long nextents, List<BmapExtent> out,
                                  String what) throws FsException {
        int level = be16(fork, 0);
        int numrecs = be16(fork, 2);
        int maxrecs = (fork.length - 4) / 16;
        Corrupt.check(level >= 1 && level < MAX_LEVELS && numrecs >= 1 && numrecs <= maxrecs,
                "%s: bmbt root level %d, numrecs %d", what, level, numrecs);
        // The leftmost path: the first pointer of the root, then of each node below.
        long ptr = be64(fork, 4 + maxrecs * 8);
        int blockSize = disk.blockSize();
        int nodeMax = (blockSize - BtreeBlock.LONG_LEN) / 16;
        for (int l = level - 1; l > 0; l--) {
            byte[] b = bmbtBlock(disk, inode, ptr, l, what);
            ptr = be64(b, BtreeBlock.LONG_LEN + nodeMax * 8);
        }
        long visited = 0;
        long limit = disk.sb().sb_dblocks();
        while (ptr != BtreeBlock.NULL_LONG) {
            Corrupt.check(++visited <= limit && out.size() <= nextents, "%s: bmbt leaf chain loops", what);
            byte[] b = bmbtBlock(disk, inode, ptr, 0, what);
            int n = BtreeBlock.numrecs(b);
            Corrupt.check(n >= 1 && n <= nodeMax, "%s: bmbt block %d numrecs %d", what, ptr, n);
            for (int i = 0; i < n; i++) {
                add(disk, out, BmapExtent.decode(b, BtreeBlock.LONG_LEN + i * 16), what);
            }
            ptr = BtreeBlock.rightLong(b);
        }
    }

    static byte[] bmbtBlock(XfsDisk disk, XfsInode inode, long fsbno, int level, String what) throws FsException {
        Corrupt.check(disk.fileExtentValid(fsbno, 1), "%s: bmbt pointer %d out of range", what, fsbno);
        byte[] b = disk.readBlock(fsbno, what + " bmbt");
        String bw = what + " bmbt block " + fsbno;
        BtreeBlock.verify(b, XFS_BMAP_CRC_MAGIC, true, disk.fsbToDaddr(fsbno), inode.ino(), disk.sb().metaUuid(), bw);
        Corrupt.check(BtreeBlock.level(b) == level, "%s: level %d (want %d)", bw, BtreeBlock.level(b), level);
        return b;
    }
}
