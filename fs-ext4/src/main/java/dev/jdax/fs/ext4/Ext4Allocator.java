package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;

import java.util.BitSet;

/**
 * Blocks and inodes from the group bitmaps, each group's bitmaps held in memory once first used
 * ({@link GroupBits}: searched a word at a time through their free-space summaries, as mballoc
 * searches its buddy bitmaps, never bit by bit), uninitialised bitmaps (BLOCK_UNINIT / INODE_UNINIT)
 * built on first use as ext4_init_block_bitmap does, the free counts kept exact. Each group's bitmaps
 * have locks of their own ({@code ext4_lock_group}), so allocations in different groups run in
 * parallel. A change writes only the bitmap bytes it changed; with a journal the bitmap checksums
 * and the descriptor's own are computed once per changed group when the transaction commits
 * ({@link #seal}), not at every allocation.
 *
 * <p>A block freed in a transaction is busy until that transaction commits (mballoc's
 * {@code ext4_free_data}): the engine writes file data straight to the device, so giving the block
 * to another file before the free is durable could put that file's bytes into a file a crash brings
 * back.
 *
 * <p>With bigalloc a bitmap bit, a descriptor's free count and every allocation are a cluster of
 * 2^{@code cbits} blocks (EXT4_B2C / EXT4_C2B): mballoc works on bits, the methods take and
 * give blocks, whole clusters ({@link #allocBlocks}, {@link #allocData}) and the clusters holding
 * the given blocks ({@link #freeBlocks}); the superblock counts free blocks (clusters times the ratio), as ext4_commit_super does.
 */
final class Ext4Allocator {
    private final Disk disk;
    private final Ext4Superblock sb;
    private final GroupTable groups;
    private final Mutex[] blockLocks;
    private final Mutex[] inodeLocks;
    /** Per group, once used: its block bitmap, guarded by the group's block lock. */
    private final GroupBits[] blockBits;
    /** Per group, once used: its inode bitmap, guarded by the group's inode lock. */
    private final GroupBits[] inodeBits;
    /** Per group, once it freed blocks with a journal: those not yet committed, guarded by the group's block lock. */
    private final FreedBits[] freed;
    /** Groups whose block bitmap, inode bitmap or descriptor changed since the last seal. */
    private final DirtyGroups dirtyBlocks;
    private final DirtyGroups dirtyInodes;
    private volatile Jbd2 journal;
    private final Mballoc mballoc;
    /** EXT4_CLUSTER_BITS: a bit is 2^cbits blocks (0 without bigalloc). */
    private final int cbits;

    Ext4Allocator(Disk disk, Ext4Superblock sb, GroupTable groups) {
        this.disk = disk;
        this.sb = sb;
        this.groups = groups;
        this.cbits = sb.clusterBits();
        int n = (int) groups.count();
        this.blockLocks = new Mutex[n];
        this.inodeLocks = new Mutex[n];
        this.blockBits = new GroupBits[n];
        this.inodeBits = new GroupBits[n];
        this.freed = new FreedBits[n];
        this.dirtyBlocks = new DirtyGroups(n);
        this.dirtyInodes = new DirtyGroups(n);
        for (int g = 0; g < n; g++) {
            blockLocks[g] = new Mutex(LockClass.GROUP, LockClass.BLOCKS, g, "ext4 group block bitmap");
            inodeLocks[g] = new Mutex(LockClass.GROUP, LockClass.INODES, g, "ext4 group inode bitmap");
        }
        int logFlex = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_FLEX_BG) != 0 ? sb.s_log_groups_per_flex() : 0;
        this.mballoc = new Mballoc(this, sb.blockSize(), logFlex, n, cbits);
    }

    /** Freed blocks stay busy until the transaction that freed them commits; checksums wait for the commit. */
    void journalled(Jbd2 j) {
        journal = j;
    }

    /** {@return whether freed blocks wait for a commit}: an ENOSPC may go away after one. */
    boolean anyBusy() {
        for (int g = 0; g < blockBits.length; g++) {
            if (blockBits[g] != null) {
                blockLocks[g].lock();
                try {
                    if (blockBits[g].anyBusy()) {
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

    /** The bits of group g's block bitmap that count: its clusters (its blocks without bigalloc), the last one maybe partial. */
    private int bitsIn(int g) {
        return (blocksIn(g) + (1 << cbits) - 1) >>> cbits;
    }

    /** The bit of group g holding {@code block}. */
    private int bitOf(int g, long block) {
        return (int) ((block - groupStart(g)) >>> cbits);
    }

    /** Superblock copy, descriptor blocks and reserved growth blocks at the start of group g. */
    long superblockArea(int g) {
        return groups.baseMetaBlocks(g);
    }

    /** Group {@code g}'s block bitmap in memory, read (and its checksum verified) or built on first use. Under its lock. */
    private GroupBits blockBits(int g) throws FsException {
        GroupBits bits = blockBits[g];
        if (bits != null) {
            return bits;
        }
        byte[] bm;
        if ((groups.flags(g) & GroupTable.BLOCK_UNINIT) == 0) {
            bm = disk.read(groups.blockBitmap(g), "group " + g + " block bitmap").array();
            if (!groups.blockBitmapCsumOk(g, bm)) {
                throw FsException.of(Errno.EBADMSG, "ext4: group %d: block bitmap checksum does not match", g);
            }
        } else {
            bm = initBlockBitmap(g);
        }
        bits = new GroupBits(bm, bitsIn(g));
        blockBits[g] = bits;
        return bits;
    }

    /** ext4_init_block_bitmap: the group's own superblock area, bitmaps and inode table, and the padding. */
    private byte[] initBlockBitmap(int g) {
        byte[] bm = new byte[sb.blockSize()];
        MkfsLayout.setBits(bm, 0, (int) ((superblockArea(g) + (1 << cbits) - 1) >>> cbits));
        long start = groupStart(g);
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        for (long[] r : new long[][] {{groups.blockBitmap(g), 1}, {groups.inodeBitmap(g), 1}, {groups.inodeTable(g), itb}}) {
            long from = Math.max(r[0], start);
            long to = Math.min(r[0] + r[1], start + blocksIn(g));
            if (from < to) {
                MkfsLayout.setBits(bm, bitOf(g, from), bitOf(g, to - 1) + 1);
            }
        }
        MkfsLayout.setBits(bm, bitsIn(g), sb.blockSize() * 8);
        return bm;
    }

    /**
     * Up to {@code max} contiguous blocks for metadata (an extent tree or indirect block, a
     * directory's), near {@code goal}: mballoc without normalisation or preallocation.
     * {first, count}; ENOSPC when no block is free. With bigalloc: whole clusters, the goal's
     * cluster first (ext4_new_meta_blocks asks for clusters).
     */
    long[] allocBlocks(long goal, long max) throws FsException {
        if (!sb.hasFreeBlocks(1)) {
            throw FsException.of(Errno.ENOSPC, "ext4: no free blocks");
        }
        long bits = (max + (1L << cbits) - 1) >>> cbits;
        return mballoc.newBlocks(new Mballoc.Request(goal, 0, (int) Math.min(bits, clustersPerGroup()), 0, 0, 0, 0, 0, 0,
                false, null));
    }

    /** A file's data blocks as mballoc places them ({@link Mballoc}). {first block, blocks}: whole clusters with bigalloc. */
    long[] allocData(Mballoc.Request r) throws FsException {
        if (!sb.hasFreeBlocks(1)) {
            throw FsException.of(Errno.ENOSPC, "ext4: no free blocks");
        }
        return mballoc.newBlocks(r);
    }

    /** ext4_discard_preallocations: the inode's preallocated bits back to the allocator. Under its i_data_sem. */
    void discardPreallocations(java.util.List<Prealloc> inodePa) throws FsException {
        if (!inodePa.isEmpty()) {
            mballoc.discard(inodePa);
        }
    }

    // ---- for Mballoc ---------------------------------------------------------------------------

    Mutex blockLock(int g) {
        return blockLocks[g];
    }

    /** Group {@code g}'s block bitmap in memory; under its lock. */
    GroupBits bitsOf(int g) throws FsException {
        return blockBits(g);
    }

    /** The descriptor's free count of group {@code g} (bits free on disk). */
    int descFree(int g) {
        return groups.freeBlocks(g);
    }

    boolean blockUninit(int g) {
        return (groups.flags(g) & GroupTable.BLOCK_UNINIT) != 0;
    }

    int groupCount() {
        return (int) groups.count();
    }

    long blocksCount() {
        return sb.s_blocks_count();
    }

    /** EXT4_BLOCKS_PER_GROUP. */
    int blocksPerGroup() {
        return (int) sb.s_blocks_per_group();
    }

    /** EXT4_CLUSTERS_PER_GROUP: the bits of a group's block bitmap. */
    int clustersPerGroup() {
        return (int) (sb.s_blocks_per_group() >>> cbits);
    }

    int log2BlockSize() {
        return Integer.numberOfTrailingZeros(sb.blockSize());
    }

    /** Bits [bit, bit + count) of group {@code g} become used on disk, the counts with them. Under its lock. */
    void take(int g, GroupBits bits, int bit, int count) throws FsException {
        for (int b = bit; b < bit + count; b++) {
            if (bits.isSet(b)) {
                throw FsException.of(Errno.EUCLEAN, "ext4: group %d: allocating block %d, which is in use",
                        g, groupStart(g) + ((long) b << cbits));
            }
        }
        bits.set(bit, bit + count, true);
        storeBlockBits(g, bits, bit, bit + count);
        groups.freeBlocks(g, groups.freeBlocks(g) - count);
        changed(g, dirtyBlocks);
        sb.addFreeBlocks(-((long) count << cbits));
    }

    /**
     * Stores the bytes of group {@code g}'s block bitmap holding bits [from, to); the whole block
     * the first time, when the group leaves BLOCK_UNINIT (its home held no bitmap yet).
     */
    private void storeBlockBits(int g, GroupBits bits, int from, int to) throws FsException {
        if ((groups.flags(g) & GroupTable.BLOCK_UNINIT) != 0) {
            disk.writeBytes(groups.blockBitmap(g) * sb.blockSize(), bits.bytes);
            groups.flags(g, groups.flags(g) & ~GroupTable.BLOCK_UNINIT);
        } else {
            writeBytes(groups.blockBitmap(g), bits.bytes, from >>> 3, ((to - 1) >>> 3) - (from >>> 3) + 1);
        }
    }

    /** Writes bytes [from, from + n) of a bitmap block held in memory. */
    private void writeBytes(long block, byte[] bitmap, int from, int n) throws FsException {
        disk.check(block, "bitmap");
        disk.writeBytes(block * sb.blockSize() + from, bitmap, from, n);
    }

    /** Frees blocks [first, first + count): with bigalloc the whole clusters holding them (the caller knows no other block of theirs is in use). */
    void freeBlocks(long first, long count) throws FsException {
        freeBlocks(first, count, true);
    }

    /**
     * Frees blocks; {@code busy} false only for blocks allocated in the running transaction, which a
     * crash would give back anyway, so they may be reused before it commits.
     */
    void freeBlocks(long first, long count, boolean busy) throws FsException {
        disk.released(first, count);
        long b = first;
        while (b < first + count) {
            disk.check(b, "freeing");
            int g = groupOf(b);
            long end = Math.min(first + count, groupStart(g) + blocksIn(g));
            blockLocks[g].lock();
            try {
                GroupBits bits = blockBits(g);
                mballoc.loadedBy(g); // ext4_mb_clear_bb loads the group's buddy
                int from = bitOf(g, b);
                int to = bitOf(g, end - 1) + 1;
                long n = (long) (to - from) << cbits;
                for (int bit = from; bit < to; bit++) {
                    if (!bits.isSet(bit)) {
                        throw FsException.of(Errno.EUCLEAN, "ext4: freeing block %d, which is already free",
                                groupStart(g) + ((long) bit << cbits));
                    }
                }
                if (journal != null && busy) {
                    bits.busy(from, to, true); // before the bits go: never given out in between
                }
                bits.set(from, to, false);
                storeBlockBits(g, bits, from, to);
                groups.freeBlocks(g, groups.freeBlocks(g) + to - from);
                changed(g, dirtyBlocks);
                sb.addFreeBlocks(n);
                if (busy) {
                    markBusy(g, from, to);
                }
            } finally {
                blockLocks[g].unlock();
            }
            b = end;
        }
    }

    /**
     * Blocks of group {@code g} freed in the running transaction become reusable once it commits:
     * recorded in the group's {@link FreedBits}, released by one callback per group and transaction
     * (not one per free: a transaction's frees would otherwise be kept, and copied by every young
     * collection, until its commit). Under the group's block lock.
     */
    private void markBusy(int g, int from, int to) {
        Jbd2 j = journal;
        if (j == null) {
            return;
        }
        Jbd2.Handle h = j.handle();
        FreedBits f = freed[g];
        if (f == null) {
            f = new FreedBits(bitsIn(g));
            freed[g] = f;
        }
        long tid = h.tid();
        if (f.add(tid, from, to)) {
            FreedBits released = f;
            h.onCommit(() -> {
                blockLocks[g].lock();
                try {
                    released.release(tid, blockBits[g]);
                } finally {
                    blockLocks[g].unlock();
                }
            });
        }
    }

    /** Group {@code g}'s inode bitmap in memory, read or built on first use. Under its lock. */
    private GroupBits inodeBits(int g) throws FsException {
        GroupBits bits = inodeBits[g];
        if (bits != null) {
            return bits;
        }
        byte[] bm;
        if ((groups.flags(g) & GroupTable.INODE_UNINIT) == 0) {
            bm = disk.read(groups.inodeBitmap(g), "group " + g + " inode bitmap").array();
        } else {
            bm = new byte[sb.blockSize()];
            MkfsLayout.setBits(bm, (int) sb.s_inodes_per_group(), sb.blockSize() * 8);
        }
        bits = new GroupBits(bm, (int) sb.s_inodes_per_group());
        inodeBits[g] = bits;
        return bits;
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
        boolean uninit = (groups.flags(g) & GroupTable.INODE_UNINIT) != 0;
        GroupBits bits = inodeBits(g);
        int bit = bits.firstFree(g == 0 ? (int) sb.s_first_ino() - 1 : 0, (int) ipg);
        if (bit < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: group %d: %d inodes free by its descriptor, none in its bitmap",
                    g, groups.freeInodes(g));
        }
        bits.set(bit, bit + 1, true);
        if (uninit) {
            disk.check(groups.inodeBitmap(g), "group " + g + " inode bitmap");
            disk.writeBytes(groups.inodeBitmap(g) * sb.blockSize(), bits.bytes);
            groups.flags(g, groups.flags(g) & ~GroupTable.INODE_UNINIT);
        } else {
            writeBytes(groups.inodeBitmap(g), bits.bytes, bit >>> 3, 1);
        }
        groups.freeInodes(g, groups.freeInodes(g) - 1);
        if (dir) {
            groups.usedDirs(g, groups.usedDirs(g) + 1);
        }
        long used = ipg - groups.itableUnused(g);
        if (bit + 1 > used) {
            groups.itableUnused(g, (int) (ipg - bit - 1));
        }
        changed(g, dirtyInodes);
        sb.addFreeInodes(-1);
        return (long) g * ipg + bit + 1;
    }

    void freeInode(long ino, boolean dir) throws FsException {
        long ipg = sb.s_inodes_per_group();
        int g = (int) ((ino - 1) / ipg);
        int bit = (int) ((ino - 1) % ipg);
        inodeLocks[g].lock();
        try {
            GroupBits bits = inodeBits(g);
            if (!bits.isSet(bit)) {
                throw FsException.of(Errno.EUCLEAN, "ext4: freeing inode %d, which is already free", ino);
            }
            bits.set(bit, bit + 1, false);
            writeBytes(groups.inodeBitmap(g), bits.bytes, bit >>> 3, 1);
            groups.freeInodes(g, groups.freeInodes(g) + 1);
            if (dir) {
                groups.usedDirs(g, groups.usedDirs(g) - 1);
            }
            changed(g, dirtyInodes);
            sb.addFreeInodes(1);
        } finally {
            inodeLocks[g].unlock();
        }
    }

    /**
     * ext4_mb_mark_bb, for fast-commit replay: the blocks of group {@code g} whose bits are set in
     * {@code blocks} (bit i: block {@code groupStart(g) + i}; with bigalloc, its cluster) become
     * {@code used}, whatever the bitmap said before, and the free counts follow the bits that changed.
     */
    void markBlocks(int g, BitSet blocks, boolean used) throws FsException {
        blockLocks[g].lock();
        try {
            GroupBits bits = blockBits(g);
            int changed = 0;
            int lo = Integer.MAX_VALUE;
            int hi = -1;
            for (int b = blocks.nextSetBit(0); b >= 0 && b < blocksIn(g); b = blocks.nextSetBit(b + 1)) {
                int bit = b >>> cbits;
                if (bits.isSet(bit) != used) {
                    bits.set(bit, bit + 1, used);
                    changed++;
                    lo = Math.min(lo, bit);
                    hi = bit;
                }
            }
            if (changed > 0) {
                storeBlockBits(g, bits, lo, hi + 1);
                groups.freeBlocks(g, groups.freeBlocks(g) + (used ? -changed : changed));
                changed(g, dirtyBlocks);
                sb.addFreeBlocks((long) (used ? -changed : changed) << cbits);
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
            boolean uninit = (groups.flags(g) & GroupTable.INODE_UNINIT) != 0;
            GroupBits bits = inodeBits(g);
            if (bits.isSet(bit) == used) {
                return;
            }
            bits.set(bit, bit + 1, used);
            if (uninit) {
                disk.check(groups.inodeBitmap(g), "group " + g + " inode bitmap");
                disk.writeBytes(groups.inodeBitmap(g) * sb.blockSize(), bits.bytes);
                groups.flags(g, groups.flags(g) & ~GroupTable.INODE_UNINIT);
            } else {
                writeBytes(groups.inodeBitmap(g), bits.bytes, bit >>> 3, 1);
            }
            groups.freeInodes(g, groups.freeInodes(g) + (used ? -1 : 1));
            if (dir) {
                groups.usedDirs(g, groups.usedDirs(g) + (used ? 1 : -1));
            }
            if (used && bit + 1 > ipg - groups.itableUnused(g)) {
                groups.itableUnused(g, (int) (ipg - bit - 1));
            }
            changed(g, dirtyInodes);
            sb.addFreeInodes(used ? -1 : 1);
        } finally {
            inodeLocks[g].unlock();
        }
    }

    /**
     * Group {@code g} changed (its block or inode bitmap, per {@code which}, and its descriptor): with
     * a journal, sealed at the commit; without one, its checksums and descriptor are written now.
     */
    private void changed(int g, DirtyGroups which) throws FsException {
        if (journal == null) {
            sealGroup(g, which == dirtyBlocks, which == dirtyInodes);
            return;
        }
        which.mark(g);
    }

    /**
     * Before a commit freezes its blocks (no handle open): every group changed in the transaction gets
     * its bitmap checksums and descriptor checksum computed once, and its descriptor written.
     */
    void seal() throws FsException {
        BitSet blocks = dirtyBlocks.take();
        BitSet inodes = dirtyInodes.take();
        BitSet any = (BitSet) blocks.clone();
        any.or(inodes);
        for (int g = any.nextSetBit(0); g >= 0; g = any.nextSetBit(g + 1)) {
            sealGroup(g, blocks.get(g), inodes.get(g));
        }
    }

    private void sealGroup(int g, boolean blockBitmap, boolean inodeBitmap) throws FsException {
        if (inodeBitmap) {
            inodeLocks[g].lock();
            try {
                groups.inodeBitmapCsum(g, inodeBits[g].bytes);
            } finally {
                inodeLocks[g].unlock();
            }
        }
        if (blockBitmap) {
            blockLocks[g].lock();
            try {
                groups.blockBitmapCsum(g, blockBits[g].bytes);
            } finally {
                blockLocks[g].unlock();
            }
        }
        groups.write(disk, g);
    }
}
