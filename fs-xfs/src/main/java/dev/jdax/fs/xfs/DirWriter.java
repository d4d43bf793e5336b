package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Writes a directory whole from its entry list, in the smallest form that holds it: shortform in
 * the inode, one block (XDB3 with its leaf and tail), or data blocks plus a LEAF1 block at
 * XFS_DIR2_LEAF_OFFSET (hashes sorted, bests and their count at the end). The blocks already
 * mapped at the offsets still needed are reused; the others are freed.
 */
final class DirWriter {
    static final int LEAF1_MAGIC = 0x3df1;
    static final int LEAF_HDR = 64;
    /** Directory extent lists of this many get their blocks kept by file block (see {@link #mapped(XfsInode, List, long)}). */
    static final int DIR_INDEX_FROM = 8;

    private final XfsDisk disk;
    private final XfsSpace space;
    private final boolean ftype;

    DirWriter(XfsDisk disk, XfsSpace space) {
        this.disk = disk;
        this.space = space;
        this.ftype = disk.sb().hasFtype();
    }

    /** xfs_da_hashname: the rotating hash every directory leaf is sorted by. */
    static int hash(byte[] name) {
        int h = 0;
        int i = 0;
        int n = name.length;
        for (; n >= 4; n -= 4, i += 4) {
            h = ((name[i] & 0xff) << 21) ^ ((name[i + 1] & 0xff) << 14) ^ ((name[i + 2] & 0xff) << 7)
                    ^ (name[i + 3] & 0xff) ^ Integer.rotateLeft(h, 7 * 4);
        }
        return switch (n) {
            case 3 -> ((name[i] & 0xff) << 14) ^ ((name[i + 1] & 0xff) << 7) ^ (name[i + 2] & 0xff)
                    ^ Integer.rotateLeft(h, 7 * 3);
            case 2 -> ((name[i] & 0xff) << 7) ^ (name[i + 1] & 0xff) ^ Integer.rotateLeft(h, 7 * 2);
            case 1 -> (name[i] & 0xff) ^ Integer.rotateLeft(h, 7);
            default -> h;
        };
    }

    /** The form a directory of given entries takes, and where they go in it. */
    private record Shape(boolean shortform, int sfSize, List<DirRecord> all, List<int[]> placed, boolean blockForm,
                         int blockLeafEnd, int ndata, boolean node, int nleaves) {
        /**
         * The blocks of the leaf space before the free index: none in block form, the LEAF1 block
         * in leaf form; in node form the da root and its LEAFN blocks, or one LEAFN block alone
         * when the hashes fit in one. Linux leaves a node directory of one leaf so
         * (xfs_dir2_leaf_to_node converts the LEAF1 block in place; xfs_da3_root_join copies a
         * root's only child back into it), and xfs_repair calls a da node of one child a hash
         * inconsistency.
         */
        int leafBlocks() {
            return blockForm ? 0 : node && nleaves > 1 ? 1 + nleaves : 1;
        }
    }

    /**
     * The form {@code entries} take in {@code dir}: ENOSPC for a node directory that would need
     * a deeper da btree, EOPNOTSUPP for blocks on a file system whose directory blocks span
     * several fs blocks; jdax writes neither.
     */
    private Shape shape(XfsInode dir, List<DirRecord> entries, long parent) throws FsException {
        int sfSize = ShortformDir.encodedSize(entries, parent, ftype);
        if (sfSize <= dir.dataForkSize()) {
            return new Shape(true, sfSize, null, null, false, 0, 0, false, 0);
        }
        if (disk.sb().sb_dirblklog() != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: directory inode %d: %d entries need directory blocks of %d fs"
                    + " blocks, which jdax does not write", dir.ino(), entries.size(), 1 << disk.sb().sb_dirblklog());
        }
        List<DirRecord> all = new ArrayList<>(entries.size() + 2);
        all.add(new DirRecord(new byte[]{'.'}, dir.ino(), DirRecord.FT_DIR));
        all.add(new DirRecord(new byte[]{'.', '.'}, parent, DirRecord.FT_DIR));
        all.addAll(entries);
        int bs = disk.blockSize();
        int blockLeafEnd = bs - 8 - all.size() * 8;
        List<int[]> placed = layout(all, bs);
        boolean blockForm = placed.stream().allMatch(p -> p[0] == 0) && lastEnd(placed, all) <= blockLeafEnd;
        if (blockForm) {
            placed = layout(all, blockLeafEnd);
        }
        int ndata = placed.getLast()[0] + 1;
        boolean node = !blockForm && all.size() > (bs - LEAF_HDR - 4 - 2 * ndata) / 8;
        int perLeafN = (bs - LEAF_HDR) / 8;
        int nleaves = node ? (all.size() + perLeafN - 1) / perLeafN : 0;
        if (node && (ndata > (bs - LEAF_HDR) / 2 || nleaves > (bs - LEAF_HDR) / 8)) {
            throw FsException.of(Errno.ENOSPC, "xfs: directory inode %d: %d entries need a deeper da btree (not implemented)",
                    dir.ino(), all.size());
        }
        return new Shape(false, sfSize, all, placed, blockForm, blockLeafEnd, ndata, node, nleaves);
    }

    /**
     * Fails as {@link #write} would for these entries, before anything is written; true when they
     * fit in the blocks {@code extents} map now, so that the rewrite allocates nothing (what
     * xfs_dir_canenter asks when a transaction could reserve no blocks).
     */
    boolean checkFits(XfsInode dir, List<BmapExtent> extents, List<DirRecord> entries, long parent) throws FsException {
        Shape shape = shape(dir, entries, parent);
        if (shape.shortform()) {
            return true;
        }
        long leafFsb = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        long leafEnd = leafFsb + shape.leafBlocks();
        for (long off = 0; off < shape.ndata(); off++) {
            if (mapped(extents, off) < 0) {
                return false;
            }
        }
        for (long off = leafFsb; off < leafEnd; off++) {
            if (mapped(extents, off) < 0) {
                return false;
            }
        }
        return !shape.node() || mapped(extents, XfsDirs.FREE_OFFSET_BYTES >>> disk.blockLog()) >= 0;
    }

    /**
     * Rewrites directory {@code dir} (whose current mapping is {@code extents}, edited in place)
     * to hold {@code entries} ("." and ".." excluded) with parent {@code parent}.
     */
    void write(XfsInode dir, List<BmapExtent> extents, List<DirRecord> entries, long parent) throws FsException {
        Shape shape = shape(dir, entries, parent);
        if (shape.shortform()) {
            freeAll(extents);
            Arrays.fill(dir.raw, XfsInode.CORE_SIZE, XfsInode.CORE_SIZE + dir.dataForkSize(), (byte) 0);
            byte[] fork = new byte[dir.dataForkSize()];
            ShortformDir.encode(fork, entries, parent, ftype);
            System.arraycopy(fork, 0, dir.raw, XfsInode.CORE_SIZE, fork.length);
            dir.di_format(XfsInode.FMT_LOCAL);
            dir.di_size(shape.sfSize());
            dir.di_nextents(0);
            dir.di_nblocks(0);
            return;
        }
        List<DirRecord> all = shape.all();
        List<int[]> placed = shape.placed();
        boolean blockForm = shape.blockForm();
        int blockLeafEnd = shape.blockLeafEnd();
        int ndata = shape.ndata();
        boolean node = shape.node();
        int nleaves = shape.nleaves();
        int bs = disk.blockSize();
        int perLeafN = (bs - LEAF_HDR) / 8;
        long leafFsb = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        long freeFsb = XfsDirs.FREE_OFFSET_BYTES >>> disk.blockLog();
        // The blocks this form uses: data blocks, then the leaf (leaf form) or node root, leaves and free index.
        long leafEnd = leafFsb + shape.leafBlocks();
        List<long[]> freed = ExtentList.remove(extents, ndata, leafFsb - ndata);
        freed.addAll(ExtentList.remove(extents, leafEnd, freeFsb - leafEnd));
        freed.addAll(ExtentList.remove(extents, freeFsb + (node ? 1 : 0), Long.MAX_VALUE / 2));
        space.freeRuns(freed);
        long near = disk.inoToFsb(dir.ino());
        for (int d = 0; d < ndata; d++) {
            near = ensureMapped(extents, d, near);
        }
        for (long b = leafFsb; b < leafEnd; b++) {
            near = ensureMapped(extents, b, near);
        }
        if (node) {
            ensureMapped(extents, freeFsb, near);
        }
        int dataEnd = blockForm ? blockLeafEnd : bs;
        int[] bests = new int[ndata];
        int first = 0;
        for (int d = 0; d < ndata; d++) {
            byte[] b = new byte[bs];
            long fsb = mapped(extents, d);
            // layout() places entries in order, so block d's entries are the run starting at first.
            int end = first;
            while (end < all.size() && placed.get(end)[0] == d) {
                end++;
            }
            bests[d] = dataBlock(b, dir.ino(), fsb, all.subList(first, end), dataEnd, blockForm);
            first = end;
            if (blockForm) {
                writeBlockLeaf(b, all, placed, blockLeafEnd);
            }
            disk.writeBytes(disk.fsbToByte(fsb), b, bs, DataBlock.CRC_OFF);
        }
        if (node) {
            new DirNodeWriter(disk, dir.ino()).write(extents, leafEntries(all, placed), leafFsb, nleaves, perLeafN,
                    freeFsb, bests);
        } else if (!blockForm) {
            writeLeaf1(dir.ino(), mapped(extents, leafFsb), all, placed, bests);
        }
        dir.di_size((long) ndata * bs);
        dir.di_format(XfsInode.FMT_EXTENTS); // the caller persists the mapping (extents or btree)
    }

    private static int lastEnd(List<int[]> placed, List<DirRecord> all) {
        return placed.getLast()[1];
    }

    /** Assigns each entry {block, end offset}, packing blocks up to {@code limit}. Entry i starts where i-1 ended. */
    private List<int[]> layout(List<DirRecord> all, int limit) {
        List<int[]> out = new ArrayList<>(all.size());
        int block = 0;
        int pos = DataBlock.HDR_SIZE;
        for (DirRecord r : all) {
            int size = DataBlock.entrySize(r.name().length, ftype);
            if (pos + size > limit) {
                block++;
                pos = DataBlock.HDR_SIZE;
            }
            pos += size;
            out.add(new int[]{block, pos});
        }
        return out;
    }

    private long ensureMapped(List<BmapExtent> extents, long off, long near) throws FsException {
        long have = mapped(extents, off);
        if (have >= 0) {
            return have;
        }
        long[] got = space.allocBlocks(near, 1);
        ExtentList.add(extents, new BmapExtent(off, got[0], 1, false));
        return got[0];
    }

    /**
     * {@link #mapped(List, long)} in directory {@code dir}'s own extent list, looked up through its
     * blocks kept by file block ({@link DirBlocks}) once the list has been searched more often than
     * it has extents (the list changes only when the directory gains or loses a block, and is
     * replaced whole then). Any other list — a copy being changed — is searched as it is: blocks
     * kept of it would go stale.
     */
    static long mapped(XfsInode dir, List<BmapExtent> extents, long off) {
        if (extents != dir.extents || extents.size() < DIR_INDEX_FROM) {
            return mapped(extents, off);
        }
        DirBlocks blocks = dir.dirBlocks;
        if (blocks == null || blocks.list() != extents) {
            if (!dir.searchedOften(extents)) {
                return mapped(extents, off);
            }
            blocks = DirBlocks.of(extents);
            dir.dirBlocks = blocks;
        }
        return blocks.usable() ? blocks.fsb(off) : mapped(extents, off);
    }

    /** The block mapped at file block {@code off} of a sorted extent list, or -1 for a hole (a binary search). */
    static long mapped(List<BmapExtent> extents, long off) {
        int lo = 0;
        int hi = extents.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            BmapExtent e = extents.get(mid);
            if (off < e.startoff()) {
                hi = mid - 1;
            } else if (off >= e.endoff()) {
                lo = mid + 1;
            } else {
                return e.startblock() + (off - e.startoff());
            }
        }
        return -1;
    }

    private void freeAll(List<BmapExtent> extents) throws FsException {
        space.freeRuns(ExtentList.remove(extents, 0, Long.MAX_VALUE / 2));
    }

    private void header(byte[] b, long magic, long fsb, long owner) {
        UUID u = disk.sb().metaUuid();
        put32(b, 0, magic);
        put64(b, 8, disk.fsbToDaddr(fsb));
        put64(b, 24, u.getMostSignificantBits());
        put64(b, 32, u.getLeastSignificantBits());
        put64(b, 40, owner);
    }

    /** Fills a data block with {@code records}, in order; returns the length of its free region (its best free). */
    private int dataBlock(byte[] b, long owner, long fsb, List<DirRecord> records, int dataEnd, boolean blockForm) {
        header(b, blockForm ? DataBlock.XFS_DIR3_BLOCK_MAGIC : DataBlock.XFS_DIR3_DATA_MAGIC, fsb, owner);
        int pos = DataBlock.HDR_SIZE;
        for (DirRecord r : records) {
            int size = DataBlock.entrySize(r.name().length, ftype);
            put64(b, pos, r.ino());
            put8(b, pos + 8, r.name().length);
            System.arraycopy(r.name(), 0, b, pos + 9, r.name().length);
            if (ftype) {
                put8(b, pos + 9 + r.name().length, r.ftype());
            }
            put16(b, pos + size - 2, pos);
            pos += size;
        }
        int freeLen = dataEnd - pos;
        if (freeLen > 0) {
            put16(b, pos, 0xffff);
            put16(b, pos + 2, freeLen);
            put16(b, pos + freeLen - 2, pos);
            put16(b, 48, pos);
            put16(b, 50, freeLen);
        }
        return freeLen;
    }

    record LeafEnt(int hash, long address) {
    }

    List<LeafEnt> leafEntries(List<DirRecord> all, List<int[]> placed) {
        List<LeafEnt> ents = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            int size = DataBlock.entrySize(all.get(i).name().length, ftype);
            long byteOff = (long) placed.get(i)[0] * disk.blockSize() + placed.get(i)[1] - size;
            ents.add(new LeafEnt(hash(all.get(i).name()), byteOff >>> 3));
        }
        ents.sort(Comparator.comparingLong(e -> e.hash() & 0xffffffffL));
        return ents;
    }

    private void writeBlockLeaf(byte[] b, List<DirRecord> all, List<int[]> placed, int leafStart) {
        int pos = leafStart;
        for (LeafEnt e : leafEntries(all, placed)) {
            put32(b, pos, e.hash() & 0xffffffffL);
            put32(b, pos + 4, e.address());
            pos += 8;
        }
        put32(b, b.length - 8, all.size());
        put32(b, b.length - 4, 0);
    }

    private void writeLeaf1(long owner, long fsb, List<DirRecord> all, List<int[]> placed, int[] bests)
            throws FsException {
        int bs = disk.blockSize();
        byte[] b = new byte[bs];
        UUID u = disk.sb().metaUuid();
        put16(b, 8, LEAF1_MAGIC);
        put64(b, 16, disk.fsbToDaddr(fsb));
        put64(b, 32, u.getMostSignificantBits());
        put64(b, 40, u.getLeastSignificantBits());
        put64(b, 48, owner);
        put16(b, 56, all.size());
        int pos = LEAF_HDR;
        for (LeafEnt e : leafEntries(all, placed)) {
            put32(b, pos, e.hash() & 0xffffffffL);
            put32(b, pos + 4, e.address());
            pos += 8;
        }
        put32(b, bs - 4, bests.length);
        for (int i = 0; i < bests.length; i++) {
            put16(b, bs - 4 - 2 * bests.length + 2 * i, bests[i]);
        }
        disk.writeBytes(disk.fsbToByte(fsb), b, bs, 12);
    }
}
