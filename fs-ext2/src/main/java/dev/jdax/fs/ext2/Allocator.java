package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;

import java.nio.ByteBuffer;

/**
 * Block and inode allocation in the group bitmaps, keeping the group descriptors' and the
 * superblock's free counts exact (they are what e2fsck checks first). Each group's block bitmap
 * and inode bitmap has a lock of its own ({@code ext2_lock_group}): allocations in different groups
 * run in parallel.
 */
final class Allocator {
    private final Disk disk;
    private final Ext2Superblock sb;
    private final Groups groups;
    private final Mutex[] blockLocks;
    private final Mutex[] inodeLocks;
    /** Per group, once used: its block bitmap, guarded by the group's block lock. */
    private final GroupBitmap[] blockBits;
    /** Per group, once used: its inode bitmap, guarded by the group's inode lock. */
    private final GroupBitmap[] inodeBits;

    Allocator(Disk disk, Ext2Superblock sb, Groups groups) {
        this.disk = disk;
        this.sb = sb;
        this.groups = groups;
        int n = (int) groups.count();
        this.blockLocks = new Mutex[n];
        this.inodeLocks = new Mutex[n];
        this.blockBits = new GroupBitmap[n];
        this.inodeBits = new GroupBitmap[n];
        for (int g = 0; g < n; g++) {
            blockLocks[g] = new Mutex(LockClass.GROUP, LockClass.BLOCKS, g, "ext2 group block bitmap");
            inodeLocks[g] = new Mutex(LockClass.GROUP, LockClass.INODES, g, "ext2 group inode bitmap");
        }
    }

    private long groupFirstBlock(int g) {
        return sb.s_first_data_block() + (long) g * sb.s_blocks_per_group();
    }

    private int blocksInGroup(int g) {
        long first = groupFirstBlock(g);
        return (int) Math.min(sb.s_blocks_per_group(), sb.s_blocks_count() - first);
    }

    int groupOfBlock(long block) {
        return (int) ((block - sb.s_first_data_block()) / sb.s_blocks_per_group());
    }

    /**
     * Allocates up to {@code max} contiguous blocks, at {@code goal} if free, else the first free run
     * after it (wrapping round the groups). Returns {first, count}; ENOSPC when no block is free.
     */
    long[] allocBlocks(long goal, int max) throws FsException {
        if (!sb.hasFreeBlocks(1)) {
            throw FsException.of(Errno.ENOSPC, "ext2: no free blocks");
        }
        long n = groups.count();
        if (goal < sb.s_first_data_block() || goal >= sb.s_blocks_count()) {
            goal = sb.s_first_data_block();
        }
        int g0 = groupOfBlock(goal);
        for (int i = 0; i <= n; i++) {
            int g = (int) ((g0 + i) % n);
            if (groups.freeBlocks(g) == 0) {
                continue;
            }
            blockLocks[g].lock();
            try {
                long[] got = allocInGroup(g, i == 0 ? (int) (goal - groupFirstBlock(g)) : 0, max);
                if (got != null) {
                    return got;
                }
            } finally {
                blockLocks[g].unlock();
            }
        }
        throw FsException.of(Errno.ENOSPC, "ext2: no free blocks");
    }

    /** With group {@code g}'s block lock held: up to {@code max} blocks from bit {@code start} on, or null. */
    private long[] allocInGroup(int g, int start, int max) throws FsException {
        if (groups.freeBlocks(g) == 0) {
            return null;
        }
        GroupBitmap bm = blockBits(g);
        int limit = blocksInGroup(g);
        int bit = bm.nextClear(start, limit);
        if (bit < 0 && start > 0) {
            bit = bm.nextClear(0, limit);
        }
        if (bit < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext2: group %d: %d blocks free by its descriptor, none in its bitmap",
                    g, groups.freeBlocks(g));
        }
        // The free run is looked at no further than it may be taken: in an empty group the run
        // reaches the group's end, and a one-block allocation would scan the whole bitmap for it.
        int want = (int) Math.min(max, groups.freeBlocks(g));
        int count = bm.nextSet(bit, (int) Math.min(limit, (long) bit + want)) - bit;
        bm.change(bit, bit + count, true);
        store(groups.blockBitmap(g), bm, bit, bit + count);
        groups.freeBlocks(g, groups.freeBlocks(g) - count);
        groups.write(disk, g);
        sb.addFreeBlocks(-count);
        return new long[] {groupFirstBlock(g) + bit, count};
    }

    void freeBlocks(long first, long count) throws FsException {
        long b = first;
        while (b < first + count) {
            disk.check(b, "freeing");
            int g = groupOfBlock(b);
            long groupEnd = groupFirstBlock(g) + blocksInGroup(g);
            long n = Math.min(first + count, groupEnd) - b;
            blockLocks[g].lock();
            try {
                GroupBitmap bm = blockBits(g);
                int from = (int) (b - groupFirstBlock(g));
                int to = (int) (from + n);
                int used = bm.nextClear(from, to);
                if (used >= 0) {
                    throw FsException.of(Errno.EUCLEAN, "ext2: freeing block %d, which is already free", groupFirstBlock(g) + used);
                }
                bm.change(from, to, false);
                store(groups.blockBitmap(g), bm, from, to);
                int freed = to - from;
                groups.freeBlocks(g, groups.freeBlocks(g) + freed);
                groups.write(disk, g);
                sb.addFreeBlocks(freed);
            } finally {
                blockLocks[g].unlock();
            }
            b += n;
        }
    }

    /** A free inode, in {@code preferredGroup} if it has one; directories count in bg_used_dirs_count. */
    long allocInode(int preferredGroup, boolean dir) throws FsException {
        long n = groups.count();
        long ipg = sb.s_inodes_per_group();
        for (int i = 0; i < n; i++) {
            int g = (int) ((preferredGroup + i) % n);
            if (groups.freeInodes(g) == 0) {
                continue;
            }
            inodeLocks[g].lock();
            try {
                if (groups.freeInodes(g) == 0) {
                    continue;
                }
                GroupBitmap bm = inodeBits(g);
                int from = g == 0 ? (int) sb.s_first_ino() - 1 : 0;
                int bit = bm.nextClear(from, (int) ipg);
                if (bit < 0) {
                    throw FsException.of(Errno.EUCLEAN, "ext2: group %d: %d inodes free by its descriptor, none in its bitmap",
                            g, groups.freeInodes(g));
                }
                bm.change(bit, bit + 1, true);
                store(groups.inodeBitmap(g), bm, bit, bit + 1);
                groups.freeInodes(g, groups.freeInodes(g) - 1);
                if (dir) {
                    groups.usedDirs(g, groups.usedDirs(g) + 1);
                }
                groups.write(disk, g);
                sb.addFreeInodes(-1);
                return (long) g * ipg + bit + 1;
            } finally {
                inodeLocks[g].unlock();
            }
        }
        throw FsException.of(Errno.ENOSPC, "ext2: no free inodes");
    }

    void freeInode(long ino, boolean dir) throws FsException {
        long ipg = sb.s_inodes_per_group();
        int g = (int) ((ino - 1) / ipg);
        int bit = (int) ((ino - 1) % ipg);
        inodeLocks[g].lock();
        try {
            GroupBitmap bm = inodeBits(g);
            if (!bm.get(bit)) {
                throw FsException.of(Errno.EUCLEAN, "ext2: freeing inode %d, which is already free", ino);
            }
            bm.change(bit, bit + 1, false);
            store(groups.inodeBitmap(g), bm, bit, bit + 1);
            groups.freeInodes(g, groups.freeInodes(g) + 1);
            if (dir) {
                groups.usedDirs(g, groups.usedDirs(g) - 1);
            }
            groups.write(disk, g);
            sb.addFreeInodes(1);
        } finally {
            inodeLocks[g].unlock();
        }
    }

    static boolean isSet(ByteBuffer bm, int bit) {
        return (bm.get(bit >>> 3) & (1 << (bit & 7))) != 0;
    }

    static void setBit(ByteBuffer bm, int bit, boolean on) {
        int i = bit >>> 3;
        int v = bm.get(i);
        bm.put(i, (byte) (on ? v | (1 << (bit & 7)) : v & ~(1 << (bit & 7))));
    }

    /** Group {@code g}'s block bitmap, read on first use. Under its block lock. */
    private GroupBitmap blockBits(int g) throws FsException {
        if (blockBits[g] == null) {
            blockBits[g] = new GroupBitmap(disk.read(groups.blockBitmap(g), "group " + g + " block bitmap").array());
        }
        return blockBits[g];
    }

    /** Group {@code g}'s inode bitmap, read on first use. Under its inode lock. */
    private GroupBitmap inodeBits(int g) throws FsException {
        if (inodeBits[g] == null) {
            inodeBits[g] = new GroupBitmap(disk.read(groups.inodeBitmap(g), "group " + g + " inode bitmap").array());
        }
        return inodeBits[g];
    }

    /** Stores home the bytes of {@code block} (a bitmap) that hold bits [from, to). */
    private void store(long block, GroupBitmap bm, int from, int to) throws FsException {
        disk.check(block, "bitmap");
        bm.store(disk, block * sb.blockSize(), from, to);
    }
}
