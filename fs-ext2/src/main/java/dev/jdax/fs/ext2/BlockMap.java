package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.iomap.BlockMapping;
import dev.jdax.iomap.GetBlock;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * ext2's block map: twelve direct pointers, then single, double and triple indirect blocks
 * ({@code ext2_get_blocks}). As a {@link GetBlock} it serves the engine through the legacy bridge;
 * it also frees what truncate cuts off ({@code ext2_truncate_blocks}).
 */
final class BlockMap implements GetBlock {
    private final Ext2FileSystem fs;
    private final Disk disk;
    private final int bs;
    private final long perBlock;

    BlockMap(Ext2FileSystem fs, Disk disk) {
        this.fs = fs;
        this.disk = disk;
        this.bs = disk.blockSize();
        this.perBlock = bs / 4;
    }

    @Override
    public int blockSize() {
        return bs;
    }

    /** The largest file the map can address (s_maxbytes of ext2_max_size, before the 2^32 i_blocks limit). */
    long maxBlocks() {
        return 12 + perBlock + perBlock * perBlock + perBlock * perBlock * perBlock;
    }

    /** The indices from i_block down to the data pointer ({@code ext2_block_to_path}). */
    int[] path(long iblock) throws FsException {
        if (iblock < 0) {
            throw FsException.of(Errno.EINVAL, "ext2: block %d", iblock);
        }
        if (iblock < Ext2Inode.NDIR_BLOCKS) {
            return new int[] {(int) iblock};
        }
        long i = iblock - Ext2Inode.NDIR_BLOCKS;
        if (i < perBlock) {
            return new int[] {12, (int) i};
        }
        i -= perBlock;
        if (i < perBlock * perBlock) {
            return new int[] {13, (int) (i / perBlock), (int) (i % perBlock)};
        }
        i -= perBlock * perBlock;
        if (i < perBlock * perBlock * perBlock) {
            return new int[] {14, (int) (i / (perBlock * perBlock)), (int) (i / perBlock % perBlock), (int) (i % perBlock)};
        }
        throw FsException.of(Errno.EFBIG, "ext2: file block %d beyond the triple indirect map", iblock);
    }

    @Override
    public BlockMapping getBlock(Inode in, long iblock, int maxBlocks, boolean create) throws FsException {
        return map((Ext2Inode) in, iblock, maxBlocks, create);
    }

    /**
     * Maps file block {@code iblock}: the light walk under the inode's block-map lock shared (an
     * overwrite or a read needs no more), the allocating one under it exclusively.
     */
    BlockMapping map(Ext2Inode inode, long iblock, int maxBlocks, boolean create) throws FsException {
        inode.dataSem.lockShared();
        BlockMapping found;
        try {
            found = lookup(inode, iblock, maxBlocks);
        } finally {
            inode.dataSem.unlockShared();
        }
        if (!create || found.isMapped()) {
            return found;
        }
        inode.dataSem.lockExclusive();
        try {
            return allocate(inode, iblock, maxBlocks);
        } finally {
            inode.dataSem.unlockExclusive();
        }
    }

    private BlockMapping allocate(Ext2Inode inode, long iblock, int maxBlocks) throws FsException {
        int[] path = path(iblock);
        long ptr = inode.i_block(path[0]);
        long parent = 0;
        ByteBuffer parentBuf = null;
        for (int level = 1; level < path.length; level++) {
            if (ptr == 0) {
                ptr = allocIndirect(inode, parent, parentBuf, path, level);
            }
            checkData(inode.ino, ptr);
            parent = ptr;
            parentBuf = disk.read(ptr, "inode " + inode.ino + " indirect block");
            ptr = parentBuf.getInt(path[level] * 4) & 0xffffffffL;
        }
        int slot = path[path.length - 1];
        int slots = path.length == 1 ? Ext2Inode.NDIR_BLOCKS : (int) perBlock;
        if (ptr != 0) {
            checkData(inode.ino, ptr);
            int n = 1;
            while (n < maxBlocks && slot + n < slots && entry(inode, parentBuf, slot + n) == ptr + n) {
                n++;
            }
            int state = BlockMapping.MAPPED | (slot + n == slots ? BlockMapping.BOUNDARY : 0);
            return new BlockMapping(ptr, n, state);
        }
        int want = 1;
        while (want < maxBlocks && slot + want < slots && entry(inode, parentBuf, slot + want) == 0) {
            want++;
        }
        long goal = goal(inode, parentBuf, slot, parent);
        long[] got = fs.allocator().allocBlocks(goal, want);
        for (int k = 0; k < got[1]; k++) {
            setEntry(inode, parentBuf, slot + k, got[0] + k);
        }
        if (parentBuf != null) {
            disk.write(parent, parentBuf, "inode " + inode.ino + " indirect block");
        }
        fs.changeInode(inode, i -> i.i_blocks(i.i_blocks() + got[1] * (bs / 512)));
        return new BlockMapping(got[0], (int) got[1], BlockMapping.MAPPED | BlockMapping.NEW);
    }

    /**
     * The read-only walk, reading only the pointers it needs from each indirect block (a 4 KiB read
     * should not copy three 4 KiB blocks to find one pointer).
     */
    private BlockMapping lookup(Ext2Inode inode, long iblock, int maxBlocks) throws FsException {
        int[] path = path(iblock);
        long ptr = inode.i_block(path[0]);
        long parent = 0;
        for (int level = 1; level < path.length; level++) {
            if (ptr == 0) {
                return BlockMapping.hole(holeReach(path, level, maxBlocks));
            }
            checkData(inode.ino, ptr);
            parent = ptr;
            ptr = disk.readU32(ptr, path[level]);
        }
        if (ptr == 0) {
            return BlockMapping.unmapped();
        }
        checkData(inode.ino, ptr);
        int slot = path[path.length - 1];
        int slots = path.length == 1 ? Ext2Inode.NDIR_BLOCKS : (int) perBlock;
        int room = Math.min(maxBlocks, slots - slot);
        int n = 1;
        if (room > 1) {
            long[] next = path.length == 1 ? null : disk.readU32s(parent, slot, room);
            while (n < room && (next == null ? inode.i_block(slot + n) : next[n]) == ptr + n) {
                n++;
            }
        }
        int state = BlockMapping.MAPPED | (slot + n == slots ? BlockMapping.BOUNDARY : 0);
        return new BlockMapping(ptr, n, state);
    }

    /**
     * How many blocks from the one {@code path} names the hole reaches when the pointer above
     * {@code path[level]} is missing: the rest of what that indirect block would map (up to
     * {@code maxBlocks}). Linux's ext2 reports a hole one block at a time; a walk over a sparse
     * file (fiemap, a read of zeros) then asks once per block, a billion times for a file of 4 TiB
     * whose triple indirect block is missing. What it finds is the same.
     */
    private int holeReach(int[] path, int level, int maxBlocks) {
        long span = 1;
        long at = 0;
        for (int j = path.length - 1; j >= level; j--) {
            at += path[j] * span;
            span *= perBlock;
        }
        return (int) Math.min(maxBlocks, span - at);
    }

    private void checkData(long ino, long ptr) throws FsException {
        if (ptr >= disk.blocksCount() || ptr < fs.superblock().s_first_data_block() + 1) {
            throw FsException.of(Errno.EUCLEAN, "ext2: inode %d: block pointer %d outside the file system (%d blocks)",
                    ino, ptr, disk.blocksCount());
        }
        if (fs.isMetadataBlock(ptr)) {
            throw FsException.of(Errno.EUCLEAN, "ext2: inode %d: block pointer %d points into the group metadata", ino, ptr);
        }
    }

    private long entry(Ext2Inode inode, ByteBuffer buf, int slot) {
        return buf == null ? inode.i_block(slot) : buf.getInt(slot * 4) & 0xffffffffL;
    }

    private void setEntry(Ext2Inode inode, ByteBuffer buf, int slot, long v) {
        if (buf == null) {
            inode.i_block(slot, v);
        } else {
            buf.putInt(slot * 4, (int) v);
        }
    }

    /** ext2_find_goal: after the previous block of the file, else near the inode. */
    private long goal(Ext2Inode inode, ByteBuffer buf, int slot, long parent) {
        for (int s = slot - 1; s >= 0; s--) {
            long e = entry(inode, buf, s);
            if (e != 0) {
                return e + (slot - s);
            }
        }
        if (parent != 0) {
            return parent + 1;
        }
        return fs.inodeGroupFirstBlock(inode.ino);
    }

    private long allocIndirect(Ext2Inode inode, long parent, ByteBuffer parentBuf, int[] path, int level) throws FsException {
        long goal = parent != 0 ? parent + 1 : fs.inodeGroupFirstBlock(inode.ino);
        long blk = fs.allocator().allocBlocks(goal, 1)[0];
        disk.zero(blk);
        if (parentBuf == null) {
            inode.i_block(path[0], blk);
        } else {
            parentBuf.putInt(path[level - 1] * 4, (int) blk);
            disk.write(parent, parentBuf, "inode " + inode.ino + " indirect block");
        }
        fs.changeInode(inode, i -> i.i_blocks(i.i_blocks() + bs / 512));
        return blk;
    }

    /** Frees every block of the file from file block {@code from} on, indirect blocks left empty included. */
    void truncate(Ext2Inode inode, long from) throws FsException {
        inode.dataSem.lockExclusive();
        try {
            truncateLocked(inode, from);
        } finally {
            inode.dataSem.unlockExclusive();
        }
    }

    private void truncateLocked(Ext2Inode inode, long from) throws FsException {
        List<long[]> runs = new ArrayList<>();
        long freed = 0;
        for (int i = 0; i < Ext2Inode.NDIR_BLOCKS; i++) {
            long e = inode.i_block(i);
            if (e != 0 && i >= from) {
                add(runs, e, inode.ino);
                inode.i_block(i, 0);
                freed++;
            }
        }
        long base = Ext2Inode.NDIR_BLOCKS;
        for (int depth = 1; depth <= 3; depth++) {
            long span = pow(perBlock, depth);
            long e = inode.i_block(11 + depth);
            if (e != 0 && base + span > from) {
                long[] count = {0};
                if (truncTree(inode, e, depth, base, from, runs, count, 0)) {
                    inode.i_block(11 + depth, 0);
                }
                freed += count[0];
            }
            base += span;
        }
        for (long[] r : runs) {
            fs.allocator().freeBlocks(r[0], r[1]);
        }
        long gone = freed;
        fs.changeInode(inode, i -> i.i_blocks(Math.max(0, i.i_blocks() - gone * (bs / 512))));
    }

    private boolean truncTree(Ext2Inode inode, long ptr, int depth, long base, long from, List<long[]> runs, long[] count,
                              int guard) throws FsException {
        if (guard > 3) {
            throw FsException.of(Errno.EUCLEAN, "ext2: inode %d: indirect blocks nest deeper than three", inode.ino);
        }
        ByteBuffer buf = disk.read(ptr, "inode " + inode.ino + " indirect block");
        long span = pow(perBlock, depth - 1);
        boolean empty = true;
        boolean changed = false;
        for (int i = 0; i < perBlock; i++) {
            long e = buf.getInt(i * 4) & 0xffffffffL;
            if (e == 0) {
                continue;
            }
            long entryBase = base + i * span;
            if (entryBase + span <= from) {
                empty = false;
            } else if (depth == 1) {
                add(runs, e, inode.ino);
                count[0]++;
                buf.putInt(i * 4, 0);
                changed = true;
            } else if (truncTree(inode, e, depth - 1, entryBase, from, runs, count, guard + 1)) {
                buf.putInt(i * 4, 0);
                changed = true;
            } else {
                empty = false;
            }
        }
        if (empty) {
            add(runs, ptr, inode.ino);
            count[0]++;
            return true;
        }
        if (changed) {
            disk.write(ptr, buf, "inode " + inode.ino + " indirect block");
        }
        return false;
    }

    private void add(List<long[]> runs, long block, long ino) throws FsException {
        checkData(ino, block);
        if (!runs.isEmpty()) {
            long[] last = runs.getLast();
            if (last[0] + last[1] == block) {
                last[1]++;
                return;
            }
        }
        runs.add(new long[] {block, 1});
    }

    private static long pow(long b, int e) {
        long r = 1;
        for (int i = 0; i < e; i++) {
            r *= b;
        }
        return r;
    }
}
