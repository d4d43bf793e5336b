package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a directory in any of its forms: shortform in the inode, or the data blocks of a block,
 * leaf or node directory (every data block below XFS_DIR2_LEAF_OFFSET; the leaf and free index
 * blocks above it only speed up lookups, so reading needs them not).
 */
final class XfsDirs {
    /** XFS_DIR2_LEAF_OFFSET: 32 GiB, where the leaf space of a directory starts. */
    static final long LEAF_OFFSET_BYTES = 32L << 30;
    /** XFS_DIR2_FREE_OFFSET: 64 GiB, where the free index blocks of a node directory start. */
    static final long FREE_OFFSET_BYTES = 64L << 30;

    private XfsDirs() {
    }

    /** All entries, "." and ".." included as stored; for shortform, ".." is synthesized from the parent. */
    static List<DirRecord> read(XfsDisk disk, XfsInode dir, List<BmapExtent> extents) throws FsException {
        String what = "directory inode " + dir.ino();
        boolean ftype = disk.sb().hasFtype();
        List<DirRecord> out = new ArrayList<>();
        if (dir.di_format() == XfsInode.FMT_LOCAL) {
            ShortformDir sf = ShortformDir.decode(dir.dataFork(), (int) dir.di_size(), ftype, what);
            out.add(new DirRecord(new byte[]{'.'}, dir.ino(), DirRecord.FT_DIR));
            out.add(new DirRecord(new byte[]{'.', '.'}, sf.parent, DirRecord.FT_DIR));
            out.addAll(sf.entries);
            return out;
        }
        int dirBlkFsbs = 1 << disk.sb().sb_dirblklog();
        Corrupt.check(dirBlkFsbs == 1, "%s: directory blocks of %d fs blocks are not supported", what, dirBlkFsbs);
        long leafFsb = LEAF_OFFSET_BYTES >>> disk.blockLog();
        boolean blockForm = isBlockForm(disk, dir, extents);
        for (BmapExtent e : extents) {
            for (long i = 0; i < e.blockcount() && e.startoff() + i < leafFsb; i++) {
                long fsb = e.startblock() + i;
                String bw = what + " data block " + (e.startoff() + i);
                byte[] b = disk.readBlock(fsb, bw);
                long magic = blockForm ? DataBlock.XFS_DIR3_BLOCK_MAGIC : DataBlock.XFS_DIR3_DATA_MAGIC;
                int end = DataBlock.verify(b, magic, disk.fsbToDaddr(fsb), dir.ino(), disk.sb().metaUuid(), bw);
                Corrupt.check(!e.unwritten(), "%s: unwritten extent in a directory", bw);
                DataBlock.entries(b, end, ftype, out, bw);
            }
        }
        return out;
    }

    /** A block directory maps exactly one directory block and nothing after it (xfs_dir2_isblock). */
    static boolean isBlockForm(XfsDisk disk, XfsInode dir, List<BmapExtent> extents) {
        long dirBlkFsbs = 1L << disk.sb().sb_dirblklog();
        return !extents.isEmpty() && extents.getLast().endoff() == dirBlkFsbs
                && dir.di_size() == disk.blockSize() * dirBlkFsbs;
    }
}
