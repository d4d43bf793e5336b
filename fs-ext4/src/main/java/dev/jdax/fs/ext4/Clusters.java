package dev.jdax.fs.ext4;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * bigalloc's rules for the clusters of one file. A logical cluster (2^bits file blocks, aligned)
 * maps to one physical cluster, block for block: file block l lies at offset {@code l mod ratio}
 * of it, as e2fsck's misaligned-cluster check demands. So a new block in a logical cluster that
 * already owns a physical one takes its place there without an allocation
 * ({@code get_implied_cluster_alloc} in ext4_ext_map_blocks); a physical cluster goes back to the
 * bitmap only when no block of its logical cluster is mapped any more (the partial cluster of
 * ext4_ext_rm_leaf and ext4_ext_remove_space); i_blocks counts whole clusters.
 * Without bigalloc ({@code bits == 0}) every rule reduces to blocks.
 */
final class Clusters {
    private final int bits;

    Clusters(int bits) {
        this.bits = bits;
    }

    long ratio() {
        return 1L << bits;
    }

    /**
     * The first device block of the physical cluster that {@code lblk}'s logical cluster already
     * maps to, or -1 when no block of that logical cluster is mapped.
     */
    long implied(ExtentList list, long lblk) {
        long first = lblk >>> bits << bits;
        long mapped = list.nextMapped(first);
        if (mapped >= first + ratio()) {
            return -1;
        }
        long pblk = list.find(mapped).pblkOf(mapped);
        return pblk - (mapped - first);
    }

    /**
     * How much of the hole [lblk, lblk + count) a new run of clusters may map: not into a later
     * logical cluster that already owns a physical cluster (its blocks must go there, not to the new run).
     */
    long newRunLength(ExtentList list, long lblk, long count) {
        long end = lblk + count;
        long last = end - 1;
        if (bits == 0 || last >>> bits == lblk >>> bits || (end & (ratio() - 1)) == 0 || implied(list, last) < 0) {
            return count;
        }
        return (end >>> bits << bits) - lblk;
    }

    /** i_blocks of the data in file-system blocks: every cluster a mapped block lies in, whole. */
    long dataBlocks(ExtentList list) {
        if (bits == 0) {
            return list.blocks();
        }
        long clusters = 0;
        long lastCluster = -1;
        for (Extent e : list.all()) {
            long from = Math.max(e.lblk() >>> bits, lastCluster + 1);
            long to = (e.end() - 1) >>> bits;
            if (to >= from) {
                clusters += to - from + 1;
                lastCluster = to;
            }
        }
        return clusters << bits;
    }

    /**
     * The device blocks to give back after {@code removed} left {@code list}: {first, count} runs of
     * whole physical clusters of which no block is mapped now; each once, however many removed
     * pieces lay in it.
     */
    List<long[]> freed(ExtentList list, List<Extent> removed) {
        List<long[]> out = new ArrayList<>();
        if (bits == 0) {
            for (Extent e : removed) {
                out.add(new long[] {e.pblk(), e.len()});
            }
            return out;
        }
        TreeSet<Long> clusters = new TreeSet<>();
        for (Extent e : removed) {
            for (long c = e.lblk() >>> bits; c <= (e.end() - 1) >>> bits; c++) {
                if (implied(list, c << bits) < 0) {
                    clusters.add(e.pblkOf(Math.max(e.lblk(), c << bits)) >>> bits);
                }
            }
        }
        for (long c : clusters) {
            long[] last = out.isEmpty() ? null : out.getLast();
            if (last != null && last[0] + last[1] == c << bits) {
                last[1] += ratio();
            } else {
                out.add(new long[] {c << bits, ratio()});
            }
        }
        return out;
    }
}
