package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Writes a data fork's extent list back into its inode: inline records while they fit
 * (extents format), else a bmbt under a root in the inode (btree format, xfs_bmap_extents_to_btree),
 * as many levels deep as the extents need. The tree is rebuilt from the list on each change, but in
 * place: each level keeps its blocks in order (new ones allocated near the inode, spare ones freed),
 * and a block whose new contents equal what it holds is not rewritten, so appending to a file of
 * 100,000 extents touches one leaf and its parents rather than the whole tree. di_nextents and
 * di_nblocks follow.
 */
final class ForkWriter {
    private final XfsDisk disk;
    private final XfsSpace space;

    ForkWriter(XfsDisk disk, XfsSpace space) {
        this.disk = disk;
        this.space = space;
    }

    /** All bmbt blocks of a btree-format fork (every level). */
    List<Long> treeBlocks(XfsInode in) throws FsException {
        List<Long> out = new ArrayList<>();
        levels(in).forEach(out::addAll);
        return out;
    }

    /** The bmbt blocks of a btree-format fork by level, leaves first, each level left to right. */
    List<List<Long>> levels(XfsInode in) throws FsException {
        List<List<Long>> out = new ArrayList<>();
        if (in.di_format() != XfsInode.FMT_BTREE) {
            return out;
        }
        byte[] fork = in.dataFork();
        int level = be16(fork, 0);
        int numrecs = be16(fork, 2);
        int maxrecs = (fork.length - 4) / 16;
        List<Long> ptrs = new ArrayList<>();
        for (int i = 0; i < numrecs; i++) {
            ptrs.add(be64(fork, 4 + maxrecs * 8 + i * 8));
        }
        int nodeMax = (disk.blockSize() - BtreeBlock.LONG_LEN) / 16;
        long seen = 0;
        for (int l = level - 1; l >= 0; l--) {
            List<Long> next = new ArrayList<>();
            for (long p : ptrs) {
                Corrupt.check(++seen <= disk.sb().sb_dblocks(), "inode %d: bmbt loops", in.ino());
                if (l > 0) {
                    byte[] b = XfsBmap.bmbtBlock(disk, in, p, l, "inode " + in.ino() + " data fork");
                    for (int i = 0; i < BtreeBlock.numrecs(b); i++) {
                        next.add(be64(b, BtreeBlock.LONG_LEN + nodeMax * 8 + i * 8));
                    }
                }
            }
            out.addFirst(ptrs);
            ptrs = next;
        }
        return out;
    }

    /** Frees the bmbt blocks of a btree-format fork and leaves it in extents format (records not yet written). */
    void dropTree(XfsInode in) throws FsException {
        for (long b : treeBlocks(in)) {
            space.freeBlocks(b, 1);
        }
        if (in.di_format() == XfsInode.FMT_BTREE) {
            in.di_format(XfsInode.FMT_EXTENTS);
        }
    }

    /** Persists {@code extents} as the data fork of {@code in} (the inode itself is written by the caller). */
    void persist(XfsInode in, List<BmapExtent> extents) throws FsException {
        persist(in, extents, levels(in));
    }

    /**
     * Persists {@code extents} as the data fork, reusing {@code old}, the bmbt the fork had before
     * the caller rewrote the inode ({@link #levels} taken then): its blocks are kept where the
     * new tree needs blocks, so a rewrite allocates only what the tree grows by.
     */
    void persist(XfsInode in, List<BmapExtent> extents, List<List<Long>> old) throws FsException {
        int forkOff = XfsInode.CORE_SIZE;
        int forkSize = in.dataForkSize();
        Arrays.fill(in.raw, forkOff, forkOff + forkSize, (byte) 0);
        long treeBlocks = 0;
        if (extents.size() * BmapExtent.SIZE <= forkSize) {
            freeAll(old);
            in.di_format(XfsInode.FMT_EXTENTS);
            for (int i = 0; i < extents.size(); i++) {
                extents.get(i).encode(in.raw, forkOff + i * BmapExtent.SIZE);
            }
        } else {
            treeBlocks = writeTree(in, extents, forkOff, forkSize, old);
            in.di_format(XfsInode.FMT_BTREE);
        }
        in.di_nextents(extents.size());
        in.di_nblocks(ExtentList.mappedBlocks(extents) + treeBlocks);
    }

    /**
     * xfs_swap_extent_forks' move of a data fork: {@code fork} (another inode's data fork bytes, of
     * format {@code format} with {@code nextents} records) becomes {@code to}'s, a B+tree root laid
     * out again for {@code to}'s fork size as xfs_bmbt_to_bmdr lays out the in-core root when it is
     * logged (keys and pointers at the places the size gives). The bmbt blocks stay where they are;
     * {@link #changeOwner} gives them their new inode.
     */
    void placeFork(XfsInode to, byte[] fork, int format, long nextents) {
        int forkOff = XfsInode.CORE_SIZE;
        int size = to.dataForkSize();
        Arrays.fill(to.raw, forkOff, forkOff + size, (byte) 0);
        if (format == XfsInode.FMT_BTREE) {
            int numrecs = be16(fork, 2);
            int fromMax = (fork.length - 4) / 16;
            int toMax = (size - 4) / 16;
            System.arraycopy(fork, 0, to.raw, forkOff, 4);
            System.arraycopy(fork, 4, to.raw, forkOff + 4, numrecs * 8);
            System.arraycopy(fork, 4 + fromMax * 8, to.raw, forkOff + 4 + toMax * 8, numrecs * 8);
        } else {
            System.arraycopy(fork, 0, to.raw, forkOff, (int) nextents * BmapExtent.SIZE);
        }
        to.di_format(format);
        to.di_nextents(nextents);
    }

    /**
     * xfs_swap_change_owner: every block of {@code tree} (a bmbt taken with {@link #levels} before
     * its fork moved) names {@code owner} as its inode, each a logged block with its CRC.
     */
    void changeOwner(List<List<Long>> tree, XfsInode owner) throws FsException {
        for (List<Long> level : tree) {
            for (long block : level) {
                byte[] b = disk.readBlock(block, "bmbt block moving to inode " + owner.ino());
                put64(b, 56, owner.ino());   // bb_owner of a long-form block
                disk.writeBytes(disk.fsbToByte(block), b, b.length, BtreeBlock.LONG_CRC_OFF);
            }
        }
    }

    /** Frees the blocks of a bmbt taken with {@link #levels}. */
    void freeAll(List<List<Long>> levels) throws FsException {
        for (List<Long> level : levels) {
            for (long b : level) {
                space.freeBlocks(b, 1);
            }
        }
    }

    /**
     * Bulk-loads the bmbt: leaves, then node levels until the top one fits the root in the inode.
     * Blocks are filled in order, and the last two of a level share their records evenly when the
     * last would hold less than half (xfs_repair's scan_bmapbt checks that minimum); so a change
     * leaves every block before it as it was. {@code old}: the blocks of the tree on disk by level,
     * reused in place. Returns the number of blocks in the tree.
     */
    private long writeTree(XfsInode in, List<BmapExtent> extents, int forkOff, int forkSize, List<List<Long>> old)
            throws FsException {
        int perBlock = (disk.blockSize() - BtreeBlock.LONG_LEN) / 16;
        int rootMax = (forkSize - 4) / 16;
        long near = disk.inoToFsb(in.ino());
        // The level below the root: first keys and block numbers, starting with the leaves' records.
        long[] keys = new long[extents.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = extents.get(i).startoff();
        }
        long[] ptrs = null;
        long written = 0;
        int level = 0;
        byte[] was = new byte[disk.blockSize()];
        while (level == 0 || keys.length > rootMax) {
            Corrupt.check(level < XfsBmap.MAX_LEVELS - 1, "inode %d: %d extents need more than %d bmbt levels",
                    in.ino(), extents.size(), XfsBmap.MAX_LEVELS);
            int count = (keys.length + perBlock - 1) / perBlock;
            List<Long> reuse = level < old.size() ? old.get(level) : List.of();
            long[] blocks = new long[count];
            for (int i = 0; i < count; i++) {
                blocks[i] = i < reuse.size() ? reuse.get(i) : space.allocBlocks(near, 1)[0];
            }
            for (int i = count; i < reuse.size(); i++) {
                space.freeBlocks(reuse.get(i), 1);
            }
            long[] upKeys = new long[count];
            for (int i = 0; i < count; i++) {
                int from = bound(keys.length, perBlock, count, i);
                int to = bound(keys.length, perBlock, count, i + 1);
                byte[] b = new byte[disk.blockSize()];
                BtreeBlock.init(b, XfsBmap.XFS_BMAP_CRC_MAGIC, true, level, to - from, disk.fsbToDaddr(blocks[i]), in.ino(),
                        disk.sb().metaUuid());
                put64(b, 8, i > 0 ? blocks[i - 1] : BtreeBlock.NULL_LONG);
                put64(b, 16, i + 1 < count ? blocks[i + 1] : BtreeBlock.NULL_LONG);
                for (int j = from; j < to; j++) {
                    if (level == 0) {
                        extents.get(j).encode(b, BtreeBlock.LONG_LEN + (j - from) * 16);
                    } else {
                        put64(b, BtreeBlock.LONG_LEN + (j - from) * 8, keys[j]);
                        put64(b, BtreeBlock.LONG_LEN + perBlock * 8 + (j - from) * 8, ptrs[j]);
                    }
                }
                if (!unchanged(b, blocks[i], i < reuse.size(), was)) {
                    disk.writeBytes(disk.fsbToByte(blocks[i]), b, b.length, BtreeBlock.LONG_CRC_OFF);
                }
                upKeys[i] = keys[from];
            }
            written += count;
            keys = upKeys;
            ptrs = blocks;
            level++;
        }
        freeAll(old.subList(Math.min(level, old.size()), old.size()));
        for (int i = 0; i < keys.length; i++) {
            put64(in.raw, forkOff + 4 + i * 8, keys[i]);
            put64(in.raw, forkOff + 4 + rootMax * 8 + i * 8, ptrs[i]);
        }
        put16(in.raw, forkOff, level);
        put16(in.raw, forkOff + 2, keys.length);
        return written;
    }

    /** Where block {@code i} of a level of {@code count} blocks starts: full blocks, the last two balanced. */
    private static int bound(int n, int perBlock, int count, int i) {
        if (i >= count) {
            return n;
        }
        int full = i * perBlock;
        if (count >= 2 && i == count - 1 && n - (count - 1) * perBlock < perBlock / 2) {
            int shared = n - (count - 2) * perBlock;
            return (count - 2) * perBlock + shared / 2;
        }
        return full;
    }

    /** Whether a reused block already holds {@code b} (its CRC aside): then it need not be written. */
    private boolean unchanged(byte[] b, long block, boolean reused, byte[] was) throws FsException {
        if (!reused) {
            return false;
        }
        disk.readBytes(disk.fsbToByte(block), was, was.length);
        System.arraycopy(was, 64, b, 64, 4);
        if (java.util.Arrays.equals(b, was)) {
            return true;
        }
        put32(b, 64, 0);
        return false;
    }
}
