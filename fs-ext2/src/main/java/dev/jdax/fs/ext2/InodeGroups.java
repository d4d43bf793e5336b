package dev.jdax.fs.ext2;

/**
 * Which group a new inode is looked for in first, as fs/ext2/ialloc.c decides: Orlov's rules for
 * directories ({@code find_group_orlov}) and the parent's group, then a quadratic hash, for
 * everything else ({@code find_group_other}). Spreading directories is what lets creates in two
 * directories take two groups' locks instead of one.
 *
 * <p>The counts are read without the group locks, as Linux reads its approximate per-cpu counters:
 * the answer is a preference, and {@link Allocator#allocInode} takes the lock and looks on when the
 * group filled meanwhile. One difference: fs/ext2 starts its search for a top-level directory at a
 * random group; jdax starts at a hash of the name (as ext4's Orlov does), so that the same
 * operations place the same inodes.
 */
final class InodeGroups {
    /** fs/ext2's INODE_COST and BLOCK_COST: what a directory is taken to cost its group. */
    private static final int INODE_COST = 64;
    private static final int BLOCK_COST = 256;
    /** ext2 inode flag EXT2_TOPDIR_FL: the directory's subdirectories are spread as top-level ones. */
    static final int TOPDIR_FL = 0x00020000;

    private final Ext2Superblock sb;
    private final Groups groups;
    /**
     * {@code s_debts}: per group, directories made in it less files made in it (0 to 255), in
     * memory only; it keeps a group from taking directories faster than files can follow them.
     */
    private final byte[] debts;

    InodeGroups(Ext2Superblock sb, Groups groups) {
        this.sb = sb;
        this.groups = groups;
        this.debts = new byte[(int) groups.count()];
    }

    /** The group to look in first for a new inode under {@code parent}. */
    int choose(Ext2Inode parent, String name, boolean dir) {
        int parentGroup = (int) ((parent.ino - 1) / sb.s_inodes_per_group());
        int g = dir ? orlov(parent, parentGroup, name) : other(parent, parentGroup);
        return g < 0 ? parentGroup : g;
    }

    /**
     * ext2_new_inode's bookkeeping once the inode is in group {@code g}. A file made in a group
     * with no debt changes nothing, and is told so without the monitor (a directory counted at the
     * same time is then as if it came after): most creates, from any number of threads.
     */
    void made(int g, boolean dir) {
        if (!dir && debts[g] == 0) {
            return;
        }
        synchronized (this) {
            pay(g, dir);
        }
    }

    private void pay(int g, boolean dir) {
        int d = debts[g] & 0xff;
        if (dir) {
            debts[g] = (byte) Math.min(255, d + 1);
        } else if (d > 0) {
            debts[g] = (byte) (d - 1);
        }
    }

    private int orlov(Ext2Inode parent, int parentGroup, String name) {
        int n = (int) groups.count();
        long inodesPerGroup = sb.s_inodes_per_group();
        long blocksPerGroup = sb.s_blocks_per_group();
        long freeBlocks = sb.s_free_blocks_count();
        long aveFreeInodes = sb.s_free_inodes_count() / n;
        long aveFreeBlocks = freeBlocks / n;
        if (parent.ino == Ext2FileSystem.ROOT_INO || (parent.i_flags() & TOPDIR_FL) != 0) {
            // A top-level directory: of the groups with at least the average free inodes and
            // blocks, the one with fewest directories.
            int start = Integer.remainderUnsigned(name.hashCode() * 0x9E3779B9, n);
            int best = -1;
            long bestDirs = inodesPerGroup;
            for (int i = 0; i < n; i++) {
                int g = (start + i) % n;
                if (groups.freeInodes(g) == 0 || groups.usedDirs(g) >= bestDirs
                        || groups.freeInodes(g) < aveFreeInodes || groups.freeBlocks(g) < aveFreeBlocks) {
                    continue;
                }
                best = g;
                bestDirs = groups.usedDirs(g);
            }
            return best >= 0 ? best : fallback(parentGroup, aveFreeInodes);
        }
        long dirs = 0;
        for (int g = 0; g < n; g++) {
            dirs += groups.usedDirs(g);
        }
        dirs = Math.max(dirs, 1);
        long blocksPerDir = (sb.s_blocks_count() - freeBlocks) / dirs;
        long maxDirs = dirs / n + inodesPerGroup / 16;
        long minInodes = aveFreeInodes - inodesPerGroup / 4;
        long minBlocks = aveFreeBlocks - blocksPerGroup / 4;
        long maxDebt = blocksPerGroup / Math.max(blocksPerDir, BLOCK_COST);
        if (maxDebt * INODE_COST > inodesPerGroup) {
            maxDebt = inodesPerGroup / INODE_COST;
        }
        maxDebt = Math.clamp(maxDebt, 1, 255);
        for (int i = 0; i < n; i++) {
            int g = (parentGroup + i) % n;
            if (groups.freeInodes(g) == 0 || (debts[g] & 0xff) >= maxDebt || groups.usedDirs(g) >= maxDirs
                    || groups.freeInodes(g) < minInodes || groups.freeBlocks(g) < minBlocks) {
                continue;
            }
            return g;
        }
        return fallback(parentGroup, aveFreeInodes);
    }

    /** Orlov's last resort: a group with the average free inodes, or (the average being 0) any. */
    private int fallback(int parentGroup, long aveFreeInodes) {
        int n = (int) groups.count();
        for (long ave = aveFreeInodes; ; ave = 0) {
            for (int i = 0; i < n; i++) {
                int g = (parentGroup + i) % n;
                if (groups.freeInodes(g) > 0 && groups.freeInodes(g) >= ave) {
                    return g;
                }
            }
            if (ave == 0) {
                return -1;
            }
        }
    }

    /** find_group_other: the parent's group with free inodes and blocks, else a quadratic hash, else any. */
    private int other(Ext2Inode parent, int parentGroup) {
        int n = (int) groups.count();
        if (groups.freeInodes(parentGroup) > 0 && groups.freeBlocks(parentGroup) > 0) {
            return parentGroup;
        }
        int g = (int) ((parentGroup + parent.ino) % n);
        for (int i = 1; i < n; i <<= 1) {
            g += i;
            if (g >= n) {
                g -= n;
            }
            if (groups.freeInodes(g) > 0 && groups.freeBlocks(g) > 0) {
                return g;
            }
        }
        g = parentGroup;
        for (int i = 0; i < n; i++) {
            if (++g >= n) {
                g = 0;
            }
            if (groups.freeInodes(g) > 0) {
                return g;
            }
        }
        return -1;
    }
}
