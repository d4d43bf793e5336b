package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * Blocks and inodes from the group bitmaps: uninitialised bitmaps (BLOCK_UNINIT / INODE_UNINIT)
 * built on first use as ext4_init_block_bitmap does, bitmap and descriptor checksums and the free
 * counts kept exact. Each group's bitmaps have locks of their own ({@code ext4_lock_group}), so
 * allocations in different groups run in parallel.
 *
 * <p>A block freed in a transaction is busy until that transaction commits (mballoc's
 * {@code ext4_free_data}): the engine writes file data straight to the device, so giving the block
 * to another file before the free is durable could put that file's bytes into a file a crash brings
 * back.
 */
final class Ext4Allocator {
    private final Disk disk;
    private final Ext4Superblock sb;
    private final GroupTable groups;
    private final Mutex[] blockLocks;
    private final Mutex[] inodeLocks;
    /** Per group: blocks freed by transactions not yet committed. Guarded by the group's block lock. */
    private final BitSet[] busy;
    private volatile Jbd2 journal;

    Ext4Allocator(Disk disk, Ext4Superblock sb, GroupTable groups) {
        this.disk = disk;
        this.sb = sb;
        this.groups = groups;
        int n = (int) groups.count();
        this.blockLocks = new Mutex[n];
        this.inodeLocks = new Mutex[n];
        this.busy = new BitSet[n];
        for (int g = 0; g < n; g++) {
            blockLocks[g] = new Mutex(LockClass.GROUP, LockClass.BLOCKS, g, "ext4 group " + g + " block bitmap");
            inodeLocks[g] = new Mutex(LockClass.GROUP, LockClass.INODES, g, "ext4 group " + g + " inode bitmap");
        }
    }

    /** Freed blocks stay busy until the transaction that freed them commits. */
    void journalled(Jbd2 j) {
        journal = j;
    }

    /** {@return whether freed blocks wait for a commit}: an ENOSPC may go away after one. */
    boolean anyBusy() {
        for (int g = 0; g < busy.length; g++) {
            BitSet b = busy[g];
            if (b != null) {
                blockLocks[g].lock();
                try {
                    if (!b.isEmpty()) {
                        return true;
                    }
                } finally {
                    blockLocks[g].unlock();
                }
            }
        }
        return false;
    }

    long groupStart(int g) {
        return sb.s_first_data_block() + (long) g * sb.s_blocks_per_group();
    }

    int blocksIn(int g) {
        return (int) Math.min(sb.s_blocks_per_group(), sb.s_blocks_count() - groupStart(g));
    }

    int groupOf(long block) {
        return (int) ((block - sb.s_first_data_block()) / sb.s_blocks_per_group());
    }

    /** Superblock copy, descriptor blocks and reserved growth blocks at the start of group g. */
    long superblockArea(int g) {
        return groups.baseMetaBlocks(g);
    }

    ByteBuffer blockBitmap(int g) throws FsException {
        if ((groups.flags(g) & GroupTable.BLOCK_UNINIT) == 0) {
            ByteBuffer bm = disk.read(groups.blockBitmap(g), "group " + g + " block bitmap");
            if (!groups.blockBitmapCsumOk(g, bm.array())) {
                throw FsException.of(Errno.EBADMSG, "ext4: group %d: block bitmap checksum does not match", g);
            }
            return bm;
        }
        ByteBuffer bm = ByteBuffer.allocate(sb.blockSize()).order(ByteOrder.LITTLE_ENDIAN);
        long start = groupStart(g);
        for (int i = 0; i < superblockArea(g); i++) {
            setBit(bm, i, true);
        }
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        for (long b : new long[] {groups.blockBitmap(g), groups.inodeBitmap(g)}) {
            if (b >= start && b < start + blocksIn(g)) {
                setBit(bm, (int) (b - start), true);
            }
        }
        for (long b = groups.inodeTable(g); b < groups.inodeTable(g) + itb; b++) {
            if (b >= start && b < start + blocksIn(g)) {
                setBit(bm, (int) (b - start), true);
            }
        }
        padBlocks(bm, g);
        return bm;
    }

    private void padBlocks(ByteBuffer bm, int g) {
        for (int bit = blocksIn(g); bit < sb.blockSize() * 8; bit++) {
            setBit(bm, bit, true);
        }
    }

    private void writeBlockBitmap(int g, ByteBuffer bm) throws FsException {
        disk.write(groups.blockBitmap(g), bm, "group " + g + " block bitmap");
        groups.flags(g, groups.flags(g) & ~GroupTable.BLOCK_UNINIT);
        groups.blockBitmapCsum(g, bm.array());
    }

    /**
     * Up to {@code max} contiguous blocks at or after {@code goal}, starting on a multiple of
     * {@code align} blocks when one is free (so 2 MiB extents can be PMD mapped). {first, count};
     * ENOSPC when no block is free.
     */
    long[] allocBlocks(long goal, long max, long align) throws FsException {
        if (sb.s_free_blocks_count() == 0) {
            throw FsException.of(Errno.ENOSPC, "ext4: no free blocks");
        }
        long n = groups.count();
        if (goal <= sb.s_first_data_block() || goal >= sb.s_blocks_count()) {
            goal = sb.s_first_data_block() + 1;
        }
        for (long pass = align > 1 ? 0 : 1; pass < 2; pass++) {
            long a = pass == 0 ? align : 1;
            int g0 = groupOf(goal);
            for (int i = 0; i <= n; i++) {
                int g = (int) ((g0 + i) % n);
                if (groups.freeBlocks(g) == 0 || (pass == 0 && groups.freeBlocks(g) < Math.min(max, a))) {
                    continue;
                }
                blockLocks[g].lock();
                try {
                    long[] got = allocInGroup(g, i == 0 ? (int) (goal - groupStart(g)) : 0, max, a, pass == 0);
                    if (got != null) {
                        return got;
                    }
                } finally {
                    blockLocks[g].unlock();
                }
            }
        }
        throw FsException.of(Errno.ENOSPC, "ext4: no free blocks");
    }

    /** With group {@code g}'s block lock held: a run from bit {@code from} on (then from 0), or null. */
    private long[] allocInGroup(int g, int from, long max, long a, boolean aligned) throws FsException {
        if (groups.freeBlocks(g) == 0) {
            return null;
        }
        ByteBuffer bm = blockBitmap(g);
        BitSet taken = busy[g];
        long start = groupStart(g);
        long run = aligned ? Math.min(max, a) : 1;
        int bit = findFree(bm, taken, from, blocksIn(g), start, a, run);
        if (bit < 0 && from > 0) {
            bit = findFree(bm, taken, 0, blocksIn(g), start, a, run);
        }
        if (bit < 0) {
            return null;
        }
        int count = 0;
        while (count < max && bit + count < blocksIn(g) && free(bm, taken, bit + count)) {
            setBit(bm, bit + count, true);
            count++;
        }
        writeBlockBitmap(g, bm);
        groups.freeBlocks(g, groups.freeBlocks(g) - count);
        groups.write(disk, g);
        sb.addFreeBlocks(-count);
        return new long[] {start + bit, count};
    }

    private static boolean free(ByteBuffer bm, BitSet taken, int bit) {
        return !isSet(bm, bit) && (taken == null || !taken.get(bit));
    }

    private static int findFree(ByteBuffer bm, BitSet taken, int from, int limit, long groupStart, long align, long run) {
        for (int bit = from; bit < limit; bit++) {
            if (align > 1 && (groupStart + bit) % align != 0) {
                bit += (int) ((align - (groupStart + bit) % align) - 1);
                continue;
            }
            boolean ok = true;
            for (int k = 0; k < run && ok; k++) {
                ok = bit + k < limit && free(bm, taken, bit + k);
            }
            if (ok) {
                return bit;
            }
        }
        return -1;
    }

    void freeBlocks(long first, long count) throws FsException {
        long b = first;
        while (b < first + count) {
            disk.check(b, "freeing");
            int g = groupOf(b);
            long n = Math.min(first + count, groupStart(g) + blocksIn(g)) - b;
            blockLocks[g].lock();
            try {
                ByteBuffer bm = blockBitmap(g);
                for (long i = 0; i < n; i++) {
                    int bit = (int) (b + i - groupStart(g));
                    if (!isSet(bm, bit)) {
                        throw FsException.of(Errno.EUCLEAN, "ext4: freeing block %d, which is already free", b + i);
                    }
                    setBit(bm, bit, false);
                }
                writeBlockBitmap(g, bm);
                groups.freeBlocks(g, (int) (groups.freeBlocks(g) + n));
                groups.write(disk, g);
                sb.addFreeBlocks(n);
                markBusy(g, (int) (b - groupStart(g)), (int) n);
            } finally {
                blockLocks[g].unlock();
            }
            b += n;
        }
    }

    /** Blocks of group {@code g} freed in the running transaction, reusable once it commits. */
    private void markBusy(int g, int from, int n) {
        Jbd2 j = journal;
        if (j == null) {
            return;
        }
        if (busy[g] == null) {
            busy[g] = new BitSet();
        }
        busy[g].set(from, from + n);
        j.handle().onCommit(() -> {
            blockLocks[g].lock();
            try {
                busy[g].clear(from, from + n);
            } finally {
                blockLocks[g].unlock();
            }
        });
    }

    private ByteBuffer inodeBitmap(int g) throws FsException {
        if ((groups.flags(g) & GroupTable.INODE_UNINIT) == 0) {
            return disk.read(groups.inodeBitmap(g), "group " + g + " inode bitmap");
        }
        ByteBuffer bm = ByteBuffer.allocate(sb.blockSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (long bit = sb.s_inodes_per_group(); bit < sb.blockSize() * 8L; bit++) {
            setBit(bm, (int) bit, true);
        }
        return bm;
    }

    private void writeInodeBitmap(int g, ByteBuffer bm) throws FsException {
        disk.write(groups.inodeBitmap(g), bm, "group " + g + " inode bitmap");
        groups.flags(g, groups.flags(g) & ~GroupTable.INODE_UNINIT);
        groups.inodeBitmapCsum(g, bm.array());
    }

    long allocInode(int preferred, boolean dir) throws FsException {
        long n = groups.count();
        for (int i = 0; i < n; i++) {
            int g = (int) ((preferred + i) % n);
            if (groups.freeInodes(g) == 0) {
                continue;
            }
            inodeLocks[g].lock();
            try {
                long ino = allocInodeIn(g, dir);
                if (ino > 0) {
                    return ino;
                }
            } finally {
                inodeLocks[g].unlock();
            }
        }
        throw FsException.of(Errno.ENOSPC, "ext4: no free inodes");
    }

    private long allocInodeIn(int g, boolean dir) throws FsException {
        long ipg = sb.s_inodes_per_group();
        if (groups.freeInodes(g) == 0) {
            return 0;
        }
        ByteBuffer bm = inodeBitmap(g);
        int from = g == 0 ? (int) sb.s_first_ino() - 1 : 0;
        int bit = -1;
        for (int k = from; k < ipg; k++) {
            if (!isSet(bm, k)) {
                bit = k;
                break;
            }
        }
        if (bit < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: group %d: %d inodes free by its descriptor, none in its bitmap",
                    g, groups.freeInodes(g));
        }
        setBit(bm, bit, true);
        writeInodeBitmap(g, bm);
        groups.freeInodes(g, groups.freeInodes(g) - 1);
        if (dir) {
            groups.usedDirs(g, groups.usedDirs(g) + 1);
        }
        long used = ipg - groups.itableUnused(g);
        if (bit + 1 > used) {
            groups.itableUnused(g, (int) (ipg - bit - 1));
        }
        groups.write(disk, g);
        sb.addFreeInodes(-1);
        return (long) g * ipg + bit + 1;
    }

    void freeInode(long ino, boolean dir) throws FsException {
        long ipg = sb.s_inodes_per_group();
        int g = (int) ((ino - 1) / ipg);
        int bit = (int) ((ino - 1) % ipg);
        inodeLocks[g].lock();
        try {
            ByteBuffer bm = inodeBitmap(g);
            if (!isSet(bm, bit)) {
                throw FsException.of(Errno.EUCLEAN, "ext4: freeing inode %d, which is already free", ino);
            }
            setBit(bm, bit, false);
            writeInodeBitmap(g, bm);
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

    /**
     * ext4_mb_mark_bb, for fast-commit replay: the blocks of group {@code g} whose bits are set in
     * {@code blocks} (bit i: block {@code groupStart(g) + i}) become {@code used}, whatever the bitmap
     * said before, and the free counts follow the bits that changed.
     */
    void markBlocks(int g, BitSet blocks, boolean used) throws FsException {
        blockLocks[g].lock();
        try {
            ByteBuffer bm = blockBitmap(g);
            int changed = 0;
            for (int bit = blocks.nextSetBit(0); bit >= 0 && bit < blocksIn(g); bit = blocks.nextSetBit(bit + 1)) {
                if (isSet(bm, bit) != used) {
                    setBit(bm, bit, used);
                    changed++;
                }
            }
            if (changed > 0) {
                writeBlockBitmap(g, bm);
                groups.freeBlocks(g, groups.freeBlocks(g) + (used ? -changed : changed));
                groups.write(disk, g);
                sb.addFreeBlocks(used ? -changed : changed);
            }
        } finally {
            blockLocks[g].unlock();
        }
    }

    /** ext4_mark_inode_used, for fast-commit replay (and its reverse for an inode the replay frees): idempotent. */
    void markInode(long ino, boolean used, boolean dir) throws FsException {
        long ipg = sb.s_inodes_per_group();
        int g = (int) ((ino - 1) / ipg);
        int bit = (int) ((ino - 1) % ipg);
        inodeLocks[g].lock();
        try {
            ByteBuffer bm = inodeBitmap(g);
            if (isSet(bm, bit) == used) {
                return;
            }
            setBit(bm, bit, used);
            writeInodeBitmap(g, bm);
            groups.freeInodes(g, groups.freeInodes(g) + (used ? -1 : 1));
            if (dir) {
                groups.usedDirs(g, groups.usedDirs(g) + (used ? 1 : -1));
            }
            if (used && bit + 1 > ipg - groups.itableUnused(g)) {
                groups.itableUnused(g, (int) (ipg - bit - 1));
            }
            groups.write(disk, g);
            sb.addFreeInodes(used ? -1 : 1);
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
}
