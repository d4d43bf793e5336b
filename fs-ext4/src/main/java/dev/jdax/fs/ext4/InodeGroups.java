package dev.jdax.fs.ext4;

import java.nio.charset.StandardCharsets;

/**
 * Which group a new inode goes to, as Linux 6.1's __ext4_new_inode chooses it: a directory by
 * find_group_orlov (a top-level directory in the flex group its name hashes to, among those with
 * fewer directories and at least the average free inodes and blocks; a deeper one near its parent
 * unless that flex group is crowded), anything else by find_group_other (the first group of the
 * parent's flex group with a free inode). The descriptors' counts are read without their locks, as
 * Linux reads its per-flex counters; the allocator then takes the first free inode from that group on.
 */
final class InodeGroups {
    /** EXT4_TOPDIR_FL: a directory whose subdirectories are spread like top-level ones. */
    static final int TOPDIR_FL = 0x20000;

    private final Ext4Superblock sb;
    private final GroupTable groups;
    private final int logFlex;

    InodeGroups(Ext4Superblock sb, GroupTable groups) {
        this.sb = sb;
        this.groups = groups;
        this.logFlex = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_FLEX_BG) != 0 ? sb.s_log_groups_per_flex() : 0;
    }

    /** get_orlov_stats over flex group (or group, without flex_bg) {@code f}: {free inodes, free blocks, directories}. */
    private long[] stats(int f) {
        int flex = 1 << logFlex;
        long[] s = new long[3];
        long n = groups.count();
        for (long g = (long) f * flex; g < Math.min(n, (long) (f + 1) * flex); g++) {
            s[0] += groups.freeInodes((int) g);
            s[1] += groups.freeBlocks((int) g);
            s[2] += groups.usedDirs((int) g);
        }
        return s;
    }

    private long totalDirs() {
        long d = 0;
        for (int g = 0; g < groups.count(); g++) {
            d += groups.usedDirs(g);
        }
        return d;
    }

    /** The group to take a new inode from; {@code name} is the new entry's name in {@code parent}. */
    int choose(Ext4Inode parent, String name, boolean dir, boolean parentIsRoot) {
        int parentGroup = (int) ((parent.ino - 1) / sb.s_inodes_per_group());
        int g = dir ? orlov(parent, parentGroup, name, parentIsRoot || (parent.i_flags() & TOPDIR_FL) != 0)
                : other(parent, parentGroup);
        parent.lastAllocGroup = g;
        return g;
    }

    /** find_group_other with flex groups: the first group of the parent's flex group that has a free inode. */
    private int other(Ext4Inode parent, int parentGroup) {
        int flex = 1 << logFlex;
        if (flex <= 1) {
            return parentGroup; // the allocator goes on from there
        }
        int n = (int) groups.count();
        for (int attempt = 0; attempt < 2; attempt++) {
            int base = (attempt == 0 ? parentGroup : parent.lastAllocGroup) & ~(flex - 1);
            for (int g = base; g < Math.min(n, base + flex); g++) {
                if (groups.freeInodes(g) > 0) {
                    return g;
                }
            }
            if (parent.lastAllocGroup < 0) {
                break;
            }
        }
        return orlov(parent, parentGroup, null, false);
    }

    private int orlov(Ext4Inode parent, int parentGroup, String name, boolean topDir) {
        int realGroups = (int) groups.count();
        int flex = 1 << logFlex;
        int ngroups = (realGroups + flex - 1) >> logFlex;
        long ipg = sb.s_inodes_per_group();
        long freei = sb.s_free_inodes_count();
        long avefreei = freei / ngroups;
        long avefreec = sb.s_free_blocks_count() / ngroups;
        int found = -1;
        if (topDir && name != null) {
            long best = ipg;
            int[] seed = sb.s_hash_seed();
            long hash = DirHash.of(name.getBytes(StandardCharsets.UTF_8), DirHash.HALF_MD4, seed).major() & 0xffffffffL;
            int start = (int) (hash % ngroups);
            for (int i = 0; i < ngroups; i++) {
                int f = (start + i) % ngroups;
                long[] s = stats(f);
                if (s[0] == 0 || s[2] >= best || s[0] < avefreei || s[1] < avefreec) {
                    continue;
                }
                found = f;
                best = s[2];
            }
        } else if (!topDir) {
            long maxDirs = totalDirs() / ngroups + ipg * flex / 16;
            long minInodes = Math.max(1, avefreei - ipg * flex / 4);
            long minBlocks = Math.max(0, avefreec - sb.s_blocks_per_group() * flex / 4);
            int start = (parent.lastAllocGroup >= 0 ? parent.lastAllocGroup : parentGroup) >> logFlex;
            for (int i = 0; i < ngroups && found < 0; i++) {
                int f = (start + i) % ngroups;
                long[] s = stats(f);
                if (s[2] < maxDirs && s[0] >= minInodes && s[1] >= minBlocks) {
                    found = f;
                }
            }
        }
        if (found >= 0) {
            for (int g = found * flex; g < Math.min(realGroups, (found + 1) * flex); g++) {
                if (groups.freeInodes(g) > 0) {
                    return g;
                }
            }
        }
        // fallback: from the parent's group, the first with at least the average free inodes, then any.
        long ave = freei / realGroups;
        for (int pass = 0; pass < 2; pass++, ave = 0) {
            for (int i = 0; i < realGroups; i++) {
                int g = (parentGroup + i) % realGroups;
                int free = groups.freeInodes(g);
                if (free > 0 && free >= ave) {
                    return g;
                }
            }
        }
        return parentGroup;
    }
}
