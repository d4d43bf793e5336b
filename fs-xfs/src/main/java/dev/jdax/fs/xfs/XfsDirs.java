package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirStream;

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

    /**
     * The directory as xfs_readdir lists it, each entry at its cookie (xfs_dir2_dataptr_t: the byte
     * address in the directory's data space over 8, kept to 31 bits): a short-form directory's "."
     * and ".." at the cookies of the first two entries of a data block and its entries at the
     * offsets they keep for a data block, a block or leaf directory's entries at their places in its
     * data blocks; the end is the cookie after the last data block (the first of the next).
     */
    static DirStream getdents(XfsDisk disk, XfsInode dir, List<BmapExtent> extents) throws FsException {
        List<DirStream.Entry> out = new ArrayList<>();
        long end = walk(disk, dir, extents,
                (r, at) -> out.add(new DirStream.Entry(r.nameString(), r.ino(), r.fileType(), cookie(at))));
        return new DirStream(out, cookie(end));
    }

    /** xfs_dir2_byte_to_dataptr, as readdir hands it out ({@code & 0x7fffffff}). */
    private static long cookie(long byteOffset) {
        return (byteOffset >>> 3) & 0x7fff_ffffL;
    }

    /** All entries, "." and ".." included as stored; for shortform, ".." is synthesized from the parent. */
    static List<DirRecord> read(XfsDisk disk, XfsInode dir, List<BmapExtent> extents) throws FsException {
        List<DirRecord> out = new ArrayList<>();
        walk(disk, dir, extents, (r, at) -> out.add(r));
        return out;
    }

    /** What {@link #walk} hands each record to, with its byte address in the directory's data space. */
    private interface RecordVisitor {
        void visit(DirRecord r, long at);
    }

    /**
     * Every record in the directory's order, "." and ".." included (short form: synthesized, at a
     * data block's first two places, the others at the offsets they keep); {@return the address
     * after the last data block}.
     */
    private static long walk(XfsDisk disk, XfsInode dir, List<BmapExtent> extents, RecordVisitor v) throws FsException {
        String what = "directory inode " + dir.ino();
        boolean ftype = disk.sb().hasFtype();
        long dirBlk = (long) disk.blockSize() << disk.sb().sb_dirblklog();
        if (dir.di_format() == XfsInode.FMT_LOCAL) {
            ShortformDir sf = ShortformDir.decode(dir.dataFork(), (int) dir.di_size(), ftype, what);
            v.visit(new DirRecord(new byte[]{'.'}, dir.ino(), DirRecord.FT_DIR), DataBlock.HDR_SIZE);
            v.visit(new DirRecord(new byte[]{'.', '.'}, sf.parent, DirRecord.FT_DIR), DataBlock.HDR_SIZE + DataBlock.entrySize(1, ftype));
            for (int i = 0; i < sf.entries.size(); i++) {
                v.visit(sf.entries.get(i), sf.offsets.get(i));
            }
            return dirBlk;
        }
        int dirBlkFsbs = 1 << disk.sb().sb_dirblklog();
        Corrupt.check(dirBlkFsbs == 1, "%s: directory blocks of %d fs blocks are not supported", what, dirBlkFsbs);
        long leafFsb = LEAF_OFFSET_BYTES >>> disk.blockLog();
        boolean blockForm = isBlockForm(disk, dir, extents);
        long next = 0;
        List<DirRecord> records = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (BmapExtent e : extents) {
            for (long i = 0; i < e.blockcount() && e.startoff() + i < leafFsb; i++) {
                long db = e.startoff() + i;
                long fsb = e.startblock() + i;
                String bw = what + " data block " + db;
                byte[] b = disk.readBlock(fsb, bw);
                long magic = blockForm ? DataBlock.XFS_DIR3_BLOCK_MAGIC : DataBlock.XFS_DIR3_DATA_MAGIC;
                int end = DataBlock.verify(b, magic, disk.fsbToDaddr(fsb), dir.ino(), disk.sb().metaUuid(), bw);
                Corrupt.check(!e.unwritten(), "%s: unwritten extent in a directory", bw);
                records.clear();
                offsets.clear();
                DataBlock.entries(b, end, ftype, records, offsets, bw);
                for (int k = 0; k < records.size(); k++) {
                    v.visit(records.get(k), db * dirBlk + offsets.get(k));
                }
                next = (db + 1) * dirBlk;
            }
        }
        return next;
    }

    /** A block directory maps exactly one directory block and nothing after it (xfs_dir2_isblock). */
    static boolean isBlockForm(XfsDisk disk, XfsInode dir, List<BmapExtent> extents) {
        long dirBlkFsbs = 1L << disk.sb().sb_dirblklog();
        return !extents.isEmpty() && extents.getLast().endoff() == dirBlkFsbs
                && dir.di_size() == disk.blockSize() * dirBlkFsbs;
    }
}
