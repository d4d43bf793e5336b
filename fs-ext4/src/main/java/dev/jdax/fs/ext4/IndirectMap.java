package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The block map of a file without extents (ext3, and files ext4 never converted), as
 * {@code ext4_ind_map_blocks} reads it: i_block's twelve direct pointers, then an indirect, a
 * double indirect and a triple indirect block, each a block of 32-bit pointers (0: a hole).
 *
 * <p>It is read whole into the {@link ExtentList} every operation works on (runs of consecutive
 * blocks) and written back from it: the nodes covering blocks from the list's first change on are
 * rebuilt in place (a node keeps its block; a node whose pointers are unchanged is not written,
 * so not journalled), new nodes are allocated, nodes left covering only holes are freed, as
 * ext4_ind_remove_space frees them. Nodes are known by their height and the first file block they
 * cover; the map of them lives in {@link Ext4Inode#indirect}.
 */
final class IndirectMap {
    static final int NDIR = 12;

    private final Ext4FileSystem fs;
    private final Disk disk;
    private final int bs;
    private final long ppb;

    IndirectMap(Ext4FileSystem fs, Disk disk) {
        this.fs = fs;
        this.disk = disk;
        this.bs = disk.blockSize();
        this.ppb = bs / 4;
    }

    /** How many file blocks a node of {@code height} covers (1: pointers to data). */
    private long span(int height) {
        long s = 1;
        for (int i = 0; i < height; i++) {
            s *= ppb;
        }
        return s;
    }

    /** The first file block the tree under i_block[12 + h - 1] covers. */
    private long rootStart(int height) {
        long start = NDIR;
        for (int h = 1; h < height; h++) {
            start += span(h);
        }
        return start;
    }

    /** One past the last file block the map can address: 12 + p + p^2 + p^3. */
    long limit() {
        return rootStart(3) + span(3);
    }

    /**
     * ext4_max_bitmap_size: the largest file whose data and indirect blocks, in 512-byte sectors,
     * fit i_blocks (32 bits without huge_file, 48 with it), and that the tree can address.
     */
    static long maxBytes(int blockSize, boolean hugeFile) {
        int bits = Integer.numberOfTrailingZeros(blockSize);
        long ppb = blockSize / 4;
        long upper = hugeFile ? (1L << 48) - 1 : ((1L << 32) - 1) >>> (bits - 9);
        long res = NDIR + ppb + ppb * ppb + ppb * ppb * ppb;
        long meta = 1 + (1 + ppb) + (1 + ppb + ppb * ppb);
        if (res + meta > upper) {
            res = upper;
            long left = upper - NDIR;
            meta = 1;
            left -= ppb;
            if (left < ppb * ppb) {
                meta += 1 + (left + ppb - 1) / ppb;
            } else {
                meta += 1 + ppb;
                left -= ppb * ppb;
                meta += 1 + (left + ppb - 1) / ppb + (left + ppb * ppb - 1) / (ppb * ppb);
            }
            res -= meta;
        }
        return Math.min(res << bits, Long.MAX_VALUE);
    }

    /**
     * How many blocks from {@code lblk}, a hole, ext4_ind_map_blocks reports as one hole: to the end
     * of the subtree whose pointer is missing, so one block where a leaf pointer is missing (a
     * direct pointer, or one in an existing indirect block), a whole missing subtree otherwise.
     */
    long holeBlocks(Ext4Inode in, long lblk) {
        if (lblk < NDIR) {
            return 1;
        }
        int height = 1;
        while (height < 3 && lblk >= rootStart(height) + span(height)) {
            height++;
        }
        long start = rootStart(height);
        NavigableMap<Long, Long> nodes = in.indirect == null ? new TreeMap<>() : in.indirect;
        while (true) {
            if (!nodes.containsKey(key(start, height))) {
                return start + span(height) - lblk;
            }
            if (height == 1) {
                return 1;
            }
            long child = span(height - 1);
            start += (lblk - start) / child * child;
            height--;
        }
    }

    private static long key(long start, int height) {
        return start << 2 | height;
    }

    /**
     * The file's blocks as an extent list (as written: the next write rebuilds only what changes),
     * every pointer checked; the tree's nodes go to {@code in.indirect}.
     */
    ExtentList read(Ext4Inode in) throws FsException {
        List<Extent> out = new ArrayList<>();
        NavigableMap<Long, Long> nodes = new TreeMap<>();
        Set<Long> seen = new HashSet<>();
        ByteBuffer iblock = ByteBuffer.wrap(in.b.array(), 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < NDIR; i++) {
            add(in, out, i, iblock.getInt(i * 4) & 0xffffffffL);
        }
        for (int h = 1; h <= 3; h++) {
            long p = iblock.getInt((NDIR + h - 1) * 4) & 0xffffffffL;
            if (p != 0) {
                walk(in, p, rootStart(h), h, out, nodes, seen);
            }
        }
        in.indirect = nodes;
        ExtentList list = new ExtentList(out);
        list.written(0);
        return list;
    }

    private void walk(Ext4Inode in, long node, long start, int height, List<Extent> out, NavigableMap<Long, Long> nodes,
                      Set<Long> seen) throws FsException {
        checkPointer(in, node, "indirect block");
        if (!seen.add(node)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: indirect block %d referenced twice (a loop)", in.ino, node);
        }
        nodes.put(key(start, height), node);
        ByteBuffer b = disk.read(node, "inode " + in.ino + " indirect block");
        long child = span(height - 1);
        for (int i = 0; i < ppb; i++) {
            long p = b.getInt(i * 4) & 0xffffffffL;
            if (p == 0) {
                continue;
            }
            if (height == 1) {
                add(in, out, start + i, p);
            } else {
                walk(in, p, start + i * child, height - 1, out, nodes, seen);
            }
        }
    }

    /** ext4_check_blockref: inside the file system, outside its metadata (block_validity). */
    private void checkPointer(Ext4Inode in, long p, String what) throws FsException {
        if (p <= fs.superblock().s_first_data_block() || p >= disk.blocks()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: %s %d outside the file system", in.ino, what, p);
        }
        if (in.ino != fs.superblock().s_journal_inum() && fs.systemZone().overlaps(p, 1)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: %s %d is file system metadata", in.ino, what, p);
        }
    }

    private void add(Ext4Inode in, List<Extent> out, long lblk, long p) throws FsException {
        if (p == 0) {
            return;
        }
        checkPointer(in, p, "block " + lblk + " at");
        Extent last = out.isEmpty() ? null : out.getLast();
        if (last != null && last.end() == lblk && last.pblk() + last.len() == p && last.len() < Extent.MAX_WRITTEN) {
            out.set(out.size() - 1, new Extent(last.lblk(), last.len() + 1, last.pblk(), false));
        } else {
            out.add(new Extent(lblk, 1, p, false));
        }
    }

    /**
     * Writes {@code list} as the inode's block map: i_block in the inode (the caller writes it) and
     * the indirect blocks. Returns the tree's blocks now in use.
     */
    List<Long> write(Ext4Inode in, ExtentList list) throws FsException {
        if (list.end() > limit()) {
            throw FsException.of(Errno.EFBIG, "ext4: inode %d: block %d beyond what an indirect map addresses (%d)",
                    in.ino, list.end() - 1, limit());
        }
        NavigableMap<Long, Long> nodes = in.indirect == null ? new TreeMap<>() : in.indirect;
        long from = Math.max(0, list.changedFrom());
        ByteBuffer iblock = ByteBuffer.wrap(in.b.array(), 0x28, 60).slice().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < NDIR; i++) {
            if (i >= from) {
                iblock.putInt(i * 4, (int) pointer(in, list, i));
            }
        }
        for (int h = 1; h <= 3; h++) {
            long start = rootStart(h);
            if (start + span(h) > from) {
                iblock.putInt((NDIR + h - 1) * 4, (int) build(in, list, start, h, from, nodes));
            }
        }
        in.indirect = nodes;
        list.written(0);
        return new ArrayList<>(nodes.values());
    }

    private long pointer(Ext4Inode in, ExtentList list, long lblk) throws FsException {
        Extent e = list.find(lblk);
        if (e != null && (e.unwritten() || e.pblkOf(lblk) >= 1L << 32)) {
            throw FsException.of(Errno.EIO, "ext4: inode %d: block %d %s in a file without extents", in.ino, lblk,
                    e.unwritten() ? "unwritten" : "at " + e.pblkOf(lblk) + ", past 32 bits,");
        }
        return e == null ? 0 : e.pblkOf(lblk);
    }

    /**
     * The node of {@code height} covering file blocks from {@code start}, rebuilt for the blocks from
     * {@code from} on; returns its block, or 0 when it covers only holes (and is freed).
     */
    private long build(Ext4Inode in, ExtentList list, long start, int height, long from, NavigableMap<Long, Long> nodes) throws FsException {
        long key = key(start, height);
        Long old = nodes.get(key);
        long end = start + span(height);
        if (list.nextMapped(start) >= end) {
            if (old != null) {
                freeSubtree(in, start, height, nodes);
            }
            return 0;
        }
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer current = old == null ? null : disk.read(old, "inode " + in.ino + " indirect block");
        long child = span(height - 1);
        for (int i = 0; i < ppb; i++) {
            long cs = start + i * child;
            if (cs + child <= from && current != null) {
                b.putInt(i * 4, current.getInt(i * 4)); // below the first change: as it is
                continue;
            }
            long p = height == 1 ? pointer(in, list, cs) : build(in, list, cs, height - 1, from, nodes);
            b.putInt(i * 4, (int) p);
        }
        long blk;
        if (old != null) {
            blk = old;
        } else {
            Extent first = list.find(list.nextMapped(start));
            blk = fs.allocator().allocBlocks(first == null ? 0 : first.pblk() - 1, 1)[0];
            nodes.put(key, blk);
        }
        if (current == null || !current.equals(b)) {
            disk.write(blk, b, "inode " + in.ino + " indirect block");
        }
        return blk;
    }

    /** Frees a node and every node under it (their keys sort within its range of file blocks). */
    private void freeSubtree(Ext4Inode in, long start, int height, NavigableMap<Long, Long> nodes) throws FsException {
        var under = nodes.subMap(key(start, 0), true, key(start + span(height), 0), false);
        for (long blk : under.values()) {
            fs.allocator().freeBlocks(blk, 1);
        }
        under.clear();
    }
}
