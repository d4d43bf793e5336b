package dev.jdax.fs.ext4;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsmapGaps;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;
import dev.jdax.api.lock.Mutex;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;

/**
 * {@code FS_IOC_GETFSMAP} as ext4_getfsmap answers it: ext4 keeps no reverse map, so it reports
 * the fixed metadata of every group (superblock copies, descriptor blocks, reserved growth blocks,
 * bitmaps, inode tables), the free space as mballoc's in-memory bitmap holds it — blocks held for
 * a preallocation or freed in a transaction not yet committed count as used — and everything else
 * (file data, directories, extent blocks, the journal) as unknown.
 *
 * <p>The driver's own edges are kept: a free extent that reaches the end of its group waits to be
 * joined with one starting the next group; a free extent is cut at the high key; and the query
 * ends with the gap up to the high key's block, itself not reported. Units inside are blocks.
 */
final class Ext4Fsmap {
    /** A range of blocks and its owner (struct ext4_fsmap). */
    private record Rec(long start, long len, long owner) {
        long end() {
            return start + len;
        }
    }

    private final Ext4Superblock sb;
    private final GroupTable groups;
    private final Ext4Allocator allocator;
    private final int blockBits;
    private final int clusterBits;
    /** gfi_meta_list: the fixed metadata not yet reported, in block order. */
    private final LinkedList<Rec> meta = new LinkedList<>();
    /** The records, and gfi_next_fsblk: where the next one is expected. */
    private FsmapGaps gaps;
    /** gfi_low's block: records before it are passed over (a group-relative value, as the driver keeps it). */
    private long lowFilter;
    /** gfi_lastfree: a free extent that ended its group, held to be joined with the next group's first. */
    private Rec lastFree;
    /** gfi_last: the closing call, which reports only a gap. */
    private boolean last;

    Ext4Fsmap(Ext4Superblock sb, GroupTable groups, Ext4Allocator allocator) {
        this.sb = sb;
        this.groups = groups;
        this.allocator = allocator;
        this.blockBits = Integer.numberOfTrailingZeros(sb.blockSize());
        this.clusterBits = sb.clusterBits();
    }

    /** The records of the query: on the data device, from byte {@code keys.low()} to byte {@code keys.high()}. */
    List<FsmapRecord> query(FsmapKeys keys) throws FsException {
        keys.requireValid(blockBits);
        long lowBlock = keys.low() >>> blockBits;
        long highBlock = keys.high() >>> blockBits;
        long blocks = sb.s_blocks_count();
        if (!keys.dataDevice() || lowBlock >= blocks) {
            return List.of();     // no external log or realtime device (no handler for it), or past the end
        }
        gaps = new FsmapGaps(blockBits, lowBlock);
        long firstData = sb.s_first_data_block();
        lowBlock = Math.max(lowBlock, firstData);
        highBlock = Long.compareUnsigned(highBlock, blocks) >= 0 ? blocks - 1 : highBlock;
        int startGroup = allocator.groupOf(lowBlock);
        int endGroup = allocator.groupOf(highBlock);
        long firstCluster = (lowBlock - allocator.groupStart(startGroup)) >>> clusterBits;
        long lastCluster = (highBlock - allocator.groupStart(endGroup)) >>> clusterBits;
        lowFilter = firstCluster << clusterBits;
        fixedMetadata();
        for (int g = startGroup; g <= endGroup; g++) {
            long from = g == startGroup ? firstCluster : 0;
            long to = g == endGroup ? lastCluster : Long.MAX_VALUE;
            freeIn(g, from, to);
            if (g == startGroup) {
                lowFilter = 0;
            }
        }
        if (lastFree != null) {
            report(lastFree);
        }
        last = true;
        free(endGroup, lastCluster, 0);
        return gaps.records();
    }

    /** ext4_mballoc_query_range: group {@code g}'s free runs between clusters {@code from} and {@code to}, cut at {@code to}. */
    private void freeIn(int g, long from, long to) throws FsException {
        int limit = (int) Math.min(to, allocator.clustersPerGroup() - 1L) + 1;
        List<long[]> runs = new ArrayList<>();
        Mutex lock = allocator.blockLock(g);
        lock.lock();
        try {
            GroupBits bits = allocator.bitsOf(g);
            for (int at = (int) from; at < limit; ) {
                int start = bits.firstFree(at, limit);
                if (start < 0) {
                    break;
                }
                int end = bits.firstUsed(start, limit);
                runs.add(new long[] {start, end - start});
                at = end + 1;
            }
        } finally {
            lock.unlock();
        }
        for (long[] r : runs) {
            free(g, r[0], r[1]);
        }
    }

    /** ext4_getfsmap_datadev_helper: a free run of group {@code g}, with the metadata before it. */
    private void free(int g, long startCluster, long clusters) {
        long start = (startCluster << clusterBits) + allocator.groupStart(g);
        long len = clusters << clusterBits;
        if (lastFree != null) {
            if (lastFree.end() == start) {
                lastFree = new Rec(lastFree.start(), lastFree.len() + len, lastFree.owner());
                return;
            }
            report(lastFree);
            lastFree = null;
        }
        for (Iterator<Rec> it = meta.iterator(); it.hasNext(); ) {
            Rec p = it.next();
            if (p.end() <= gaps.next()) {
                it.remove();
            } else if (p.start() < start) {
                report(p);
                it.remove();
            }
        }
        Rec free = new Rec(start, len, FsmapRecord.OWN_FREE);
        if (free.end() == allocator.groupStart(g + 1)) {
            lastFree = free;
            return;
        }
        report(free);
    }

    /** ext4_getfsmap_helper: the gap before {@code r} as unknown, then {@code r} itself (not in the closing call). */
    private void report(Rec r) {
        if (r.start() < lowFilter) {
            gaps.pass(r.start(), r.len());
        } else {
            gaps.report(r.start(), r.len(), r.owner(), last);
        }
    }

    /** ext4_getfsmap_find_fixed_metadata: every group's, sorted, neighbours of one owner joined. */
    private void fixedMetadata() {
        List<Rec> all = new ArrayList<>();
        long itablePerGroup = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        for (int g = 0; g < allocator.groupCount(); g++) {
            superblockArea(g, all);
            all.add(new Rec(groups.blockBitmap(g), 1, FsmapRecord.OWN_EXT4_BLOCK_BITMAP));
            all.add(new Rec(groups.inodeBitmap(g), 1, FsmapRecord.OWN_EXT4_INODE_BITMAP));
            all.add(new Rec(groups.inodeTable(g), itablePerGroup, FsmapRecord.OWN_INODES));
        }
        all.sort(Comparator.comparingLong(Rec::start));
        for (Rec r : all) {
            Rec prev = meta.peekLast();
            if (prev != null && prev.owner() == r.owner() && prev.end() == r.start()) {
                meta.set(meta.size() - 1, new Rec(prev.start(), prev.len() + r.len(), r.owner()));
            } else {
                meta.add(r);
            }
        }
    }

    /** ext4_getfsmap_find_sb: the superblock copy, descriptor blocks and reserved growth blocks at group {@code g}'s start. */
    private void superblockArea(int g, List<Rec> all) {
        long at = allocator.groupStart(g);
        if (groups.hasSuperblock(g)) {
            all.add(new Rec(at, 1, FsmapRecord.OWN_FS));
            at++;
        }
        long gdt = groups.descriptorBlocksIn(g);
        if (gdt == 0) {
            return;
        }
        all.add(new Rec(at, gdt, FsmapRecord.OWN_EXT4_GDT));
        at += gdt;
        if (groups.hasReservedGdt(g)) {
            all.add(new Rec(at, sb.s_reserved_gdt_blocks(), FsmapRecord.OWN_EXT4_RESV_GDT));
        }
    }
}
