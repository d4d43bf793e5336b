package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The on-disk extent tree: a header (magic 0xf30a, entries, max, depth) then index or leaf records,
 * four in the inode's i_block, the rest in blocks that end in a crc32c tail. Read whole into an
 * {@link ExtentList}; written back whole, reusing the inode's tree blocks first.
 */
final class ExtentTree {
    static final int MAGIC = 0xF30A;
    private static final int MAX_DEPTH = 5;
    /** Where the tree's root lies in the inode: i_block. */
    private static final int ROOT = 0x28;

    private final Ext4FileSystem fs;
    private final Disk disk;
    private final int bs;
    private final int perBlock;

    ExtentTree(Ext4FileSystem fs, Disk disk) {
        this.fs = fs;
        this.disk = disk;
        this.bs = disk.blockSize();
        this.perBlock = (bs - 12) / 12;
    }

    /** The inode's extents, and in {@code treeBlocks} the blocks its tree occupies. */
    List<Extent> read(Ext4Inode in, List<Long> treeBlocks) throws FsException {
        List<Extent> out = new ArrayList<>();
        ByteBuffer root = ByteBuffer.wrap(in.b.array(), 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN);
        walk(in, root, 4, -1, out, treeBlocks, new HashSet<>());
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i).lblk() < out.get(i - 1).end()) {
                throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extents overlap at file block %d", in.ino, out.get(i).lblk());
            }
        }
        return out;
    }

    private void walk(Ext4Inode in, ByteBuffer node, int maxAllowed, int parentDepth, List<Extent> out, List<Long> treeBlocks,
                      Set<Long> seen) throws FsException {
        int magic = node.getShort(0) & 0xffff;
        int entries = node.getShort(2) & 0xffff;
        int max = node.getShort(4) & 0xffff;
        int depth = node.getShort(6) & 0xffff;
        if (magic != MAGIC) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extent header magic 0x%x (want 0xf30a)", in.ino, magic);
        }
        if (max > maxAllowed || entries > max || depth > MAX_DEPTH || (parentDepth >= 0 && depth != parentDepth - 1)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extent header entries %d max %d depth %d is impossible",
                    in.ino, entries, max, depth);
        }
        for (int i = 0; i < entries; i++) {
            int at = 12 + i * 12;
            long lblk = node.getInt(at) & 0xffffffffL;
            if (depth == 0) {
                int raw = node.getShort(at + 4) & 0xffff;
                boolean unwritten = raw > Extent.MAX_WRITTEN;
                long len = unwritten ? raw - Extent.MAX_WRITTEN : raw;
                long pblk = (node.getShort(at + 6) & 0xffffL) << 32 | (node.getInt(at + 8) & 0xffffffffL);
                if (len == 0 || pblk + len > disk.blocks() || pblk <= fs.superblock().s_first_data_block()) {
                    throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extent %d+%d at block %d outside the file system",
                            in.ino, lblk, len, pblk);
                }
                if (in.ino != fs.superblock().s_journal_inum() && fs.systemZone().overlaps(pblk, len)) {
                    throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extent %d+%d at block %d maps file system metadata",
                            in.ino, lblk, len, pblk);
                }
                out.add(new Extent(lblk, len, pblk, unwritten));
            } else {
                long child = (node.getShort(at + 8) & 0xffffL) << 32 | (node.getInt(at + 4) & 0xffffffffL);
                disk.check(child, "inode " + in.ino + " extent index");
                if (fs.systemZone().overlaps(child, 1)) {
                    throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extent index points at block %d, file system metadata",
                            in.ino, child);
                }
                if (!seen.add(child)) {
                    throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: extent block %d referenced twice (a loop)", in.ino, child);
                }
                treeBlocks.add(child);
                ByteBuffer blk = disk.read(child, "inode " + in.ino + " extent block");
                verifyTail(in, blk, child);
                walk(in, blk, perBlock, depth, out, treeBlocks, seen);
            }
        }
    }

    private void verifyTail(Ext4Inode in, ByteBuffer blk, long block) throws FsException {
        if (!fs.superblock().hasCsum()) {
            return;
        }
        int max = blk.getShort(4) & 0xffff;
        int tail = 12 + Math.min(max, perBlock) * 12;
        int want = blk.getInt(tail);
        int got = Crc32c.update(in.csumSeed(fs.csumSeed()), blk.array(), 0, tail);
        if (want != got) {
            throw FsException.of(Errno.EBADMSG, "ext4: inode %d: extent block %d checksum 0x%08x, computed 0x%08x",
                    in.ino, block, want, got);
        }
    }

    /**
     * Writes {@code list} as the inode's tree: in i_block alone when four records do, else leaves and
     * index levels in blocks (the old {@code treeBlocks} reused first, extra ones allocated near the
     * data or, for the first, at the inode's goal, unused ones freed). Returns the tree blocks now in use, leaves first. A leaf whose
     * records are unchanged since this list was last written keeps its block and is not rewritten:
     * appending to a file of 100,000 extents then writes one leaf, not three hundred.
     */
    List<Long> write(Ext4Inode in, ExtentList list, List<Long> treeBlocks) throws FsException {
        List<Extent> recs = list.records();
        if (recs.size() <= 4 && treeBlocks.isEmpty()) {
            // The common case, a small file's tree in i_block alone: no blocks to take or give back.
            writeNode(in.b, ROOT, 4, 0, recs);
            in.treeFresh = null;
            list.written(0);
            return treeBlocks;
        }
        int cleanLeaves = list.savedLeaves() < 0 ? 0 : Math.min(list.savedLeaves(), list.cleanRecords(recs) / perBlock);
        int leaves = 0;
        ArrayDeque<Long> pool = new ArrayDeque<>(treeBlocks);
        List<Long> used = new ArrayList<>();
        if (recs.size() <= 4) {
            writeNode(in.b, ROOT, 4, 0, recs);
        } else {
            List<Long> children = new ArrayList<>();
            List<Long> firsts = new ArrayList<>();
            for (int i = 0; i < recs.size(); i += perBlock) {
                List<Extent> part = recs.subList(i, Math.min(recs.size(), i + perBlock));
                // A tree growing out of the inode gets its block where ext4_ext_grow_indepth asks
                // for it (the inode's goal block); a further leaf near its first extent, as a split's.
                long blk = take(pool, used, in, treeBlocks.isEmpty() && i == 0 ? fs.inodeGoal(in) : part.getFirst().pblk());
                if (leaves++ >= cleanLeaves) {
                    ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
                    writeNode(b, 0, perBlock, 0, part);
                    seal(in, b);
                    disk.write(blk, b, "extent leaf");
                }
                children.add(blk);
                firsts.add(part.getFirst().lblk());
            }
            int depth = 1;
            while (children.size() > 4) {
                List<Long> up = new ArrayList<>();
                List<Long> upFirst = new ArrayList<>();
                for (int i = 0; i < children.size(); i += perBlock) {
                    int to = Math.min(children.size(), i + perBlock);
                    long blk = take(pool, used, in, children.get(i));
                    ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
                    writeIndex(b, 0, perBlock, depth, firsts.subList(i, to), children.subList(i, to));
                    seal(in, b);
                    disk.write(blk, b, "extent index");
                    up.add(blk);
                    upFirst.add(firsts.get(i));
                }
                children = up;
                firsts = upFirst;
                depth++;
            }
            writeIndex(in.b, ROOT, 4, depth, firsts, children);
        }
        for (long unused : pool) {
            // A block this transaction gave the tree is free again at once: a crash loses both the
            // allocation and the free. So a write past EOF, whose new blocks stay unwritten (a fifth
            // record) until it ends, does not take another block each time it grows the tree for a
            // moment — Linux, whose new blocks are written at once, never grows it there.
            // (jbd2_journal_forget: the journal drops the leaf it holds, so nothing is written over
            // the block when the transaction commits, whoever has it by then.)
            Long tid = in.treeFresh == null ? null : in.treeFresh.remove(unused);
            boolean fresh = tid != null && tid == fs.currentTid() && tid >= 0;
            if (fresh) {
                disk.forget(unused);
            }
            fs.allocator().freeBlocks(unused, 1, !fresh);
        }
        if (in.treeFresh != null) {
            in.treeFresh.keySet().retainAll(new HashSet<>(used));
        }
        list.written(leaves);
        return used;
    }

    private long take(ArrayDeque<Long> pool, List<Long> used, Ext4Inode in, long goal) throws FsException {
        long blk;
        if (pool.isEmpty()) {
            blk = fs.allocator().allocBlocks(goal, 1)[0];
            if (in.treeFresh == null) {
                in.treeFresh = new java.util.HashMap<>();
            }
            in.treeFresh.put(blk, fs.currentTid());
        } else {
            blk = pool.removeFirst();
        }
        used.add(blk);
        return blk;
    }

    private static void header(ByteBuffer b, int base, int entries, int max, int depth) {
        b.putShort(base, (short) MAGIC);
        b.putShort(base + 2, (short) entries);
        b.putShort(base + 4, (short) max);
        b.putShort(base + 6, (short) depth);
        b.putInt(base + 8, 0);
    }

    /** A node of {@code max} records at {@code base} of {@code b} (0 in a block, {@link #ROOT} in the inode). */
    private static void writeNode(ByteBuffer b, int base, int max, int depth, List<Extent> recs) {
        clear(b, base, max);
        header(b, base, recs.size(), max, depth);
        for (int i = 0; i < recs.size(); i++) {
            Extent e = recs.get(i);
            int at = base + 12 + i * 12;
            b.putInt(at, (int) e.lblk());
            b.putShort(at + 4, (short) (e.unwritten() ? e.len() + Extent.MAX_WRITTEN : e.len()));
            b.putShort(at + 6, (short) (e.pblk() >>> 32));
            b.putInt(at + 8, (int) e.pblk());
        }
    }

    private static void writeIndex(ByteBuffer b, int base, int max, int depth, List<Long> firsts, List<Long> children) {
        clear(b, base, max);
        header(b, base, children.size(), max, depth);
        for (int i = 0; i < children.size(); i++) {
            int at = base + 12 + i * 12;
            b.putInt(at, (int) (long) firsts.get(i));
            b.putInt(at + 4, (int) (long) children.get(i));
            b.putShort(at + 8, (short) (children.get(i) >>> 32));
        }
    }

    /** Zeroes a node's header and its {@code max} records (a leaf's were 4,096 single-byte stores). */
    private static void clear(ByteBuffer b, int base, int max) {
        int from = b.arrayOffset() + base;
        Arrays.fill(b.array(), from, from + 12 + max * 12, (byte) 0);
    }

    private void seal(Ext4Inode in, ByteBuffer b) {
        if (fs.superblock().hasCsum()) {
            int tail = 12 + perBlock * 12;
            b.putInt(tail, Crc32c.update(in.csumSeed(fs.csumSeed()), b.array(), 0, tail));
        }
    }
}
