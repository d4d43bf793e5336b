package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The blocks no file may map: superblock copies with their descriptor tables and reserved growth
 * blocks, bitmaps, inode tables and the journal — what Linux checks extents against when mounted
 * with block_validity (the default). An image whose extent names one of these is corrupt, and a
 * write through it would overwrite metadata, so the extent is refused when the tree is read.
 * Ranges are merged and searched by bisection: the memory grows with groups, not with blocks.
 */
final class SystemZone {
    private final long[] starts;
    private final long[] ends;

    private SystemZone(long[] starts, long[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    static SystemZone of(DaxDevice device, Ext4Superblock sb, GroupTable groups, Ext4Allocator allocator) throws FsException {
        List<long[]> ranges = new ArrayList<>();
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        // Block 0 holds the boot sector (and, with 4 KiB blocks, the superblock) before s_first_data_block.
        ranges.add(new long[] {0, sb.s_first_data_block() + 1});
        for (int g = 0; g < groups.count(); g++) {
            long area = allocator.superblockArea(g);
            if (area > 0) {
                ranges.add(new long[] {allocator.groupStart(g), allocator.groupStart(g) + area});
            }
            ranges.add(new long[] {groups.blockBitmap(g), groups.blockBitmap(g) + 1});
            ranges.add(new long[] {groups.inodeBitmap(g), groups.inodeBitmap(g) + 1});
            ranges.add(new long[] {groups.inodeTable(g), groups.inodeTable(g) + itb});
        }
        if (Mmp.enabled(sb)) {
            ranges.add(new long[] {sb.s_mmp_block(), sb.s_mmp_block() + 1});
        }
        if ((sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) != 0 && sb.s_journal_inum() != 0) {
            try {
                for (long b : JournalInode.blocks(device, sb)) {
                    ranges.add(new long[] {b, b + 1});
                }
            } catch (FsException e) {
                // No usable copy of the journal's map in the superblock: the journal inode's own
                // extents still pass the other checks, and a read-write mount refuses such an image.
            }
        }
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        long[] s = new long[ranges.size()];
        long[] e = new long[ranges.size()];
        int n = 0;
        for (long[] r : ranges) {
            if (n > 0 && r[0] <= e[n - 1]) {
                e[n - 1] = Math.max(e[n - 1], r[1]);
            } else {
                s[n] = r[0];
                e[n] = r[1];
                n++;
            }
        }
        return new SystemZone(Arrays.copyOf(s, n), Arrays.copyOf(e, n));
    }

    /** Whether blocks {@code [start, start + len)} meet any range of the zone. */
    boolean overlaps(long start, long len) {
        // The last range starting before the end of the extent is the only one that can meet it.
        int i = Arrays.binarySearch(starts, start + len);
        int last = i >= 0 ? i - 1 : -i - 2;
        return last >= 0 && ends[last] > start;
    }
}
