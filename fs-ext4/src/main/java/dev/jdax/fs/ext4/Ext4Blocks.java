package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The block maps of a mounted ext4's inodes: looked up, extended through mballoc (as
 * ext4_ext_map_blocks and ext4_ind_map_blocks ask it), cut back and freed, and written back as the
 * inode's extent tree or indirect blocks with its i_blocks. Every method but the lookups is called
 * with the inode's i_data_sem held exclusively.
 */
final class Ext4Blocks {
    private final Ext4FileSystem fs;
    private final Ext4Superblock sb;
    private final Ext4Allocator allocator;
    private final Clusters clusters;
    private final ExtentTree tree;
    private final IndirectMap indirect;
    private final Ext4Inodes inodes;

    Ext4Blocks(Ext4FileSystem fs, Ext4Superblock sb, Ext4Allocator allocator, Clusters clusters, ExtentTree tree,
               IndirectMap indirect, Ext4Inodes inodes) {
        this.fs = fs;
        this.sb = sb;
        this.allocator = allocator;
        this.clusters = clusters;
        this.tree = tree;
        this.indirect = indirect;
        this.inodes = inodes;
    }

    /** Writes the extent list back as the inode's tree and i_blocks with it. Caller holds i_data_sem exclusively. */
    void saveExtents(Ext4Inode in) throws FsException {
        saveExtents(in, null);
    }

    /**
     * {@link #saveExtents(Ext4Inode)} with {@code alsoChange} (null: nothing) made in the same
     * change of the inode: a write past EOF converts its blocks and sets i_size with one inode
     * checksum and one copy into the journal, not two.
     */
    void saveExtents(Ext4Inode in, Consumer<Ext4Inode> alsoChange) throws FsException {
        synchronized (in) {
            in.treeBlocks = in.usesExtents() ? tree.write(in, in.extents, in.treeBlocks) : indirect.write(in, in.extents);
            // Every tree block and the xattr block take a cluster of their own (ext4_new_meta_blocks).
            long meta = (in.treeBlocks.size() + (in.b.getInt(0x68) != 0 ? 1 : 0)) << sb.clusterBits();
            long blocks = clusters.dataBlocks(in.extents) + meta;
            inodes.changeInode(in, i -> {
                i.i_blocks512(blocks * (sb.blockSize() / 512));
                if (alsoChange != null) {
                    alsoChange.accept(i);
                }
            });
        }
        in.dataSyncTid = Math.max(in.dataSyncTid, fs.currentTid());
    }

    /** The device block under file block {@code lblk}, or -1 for a hole. */
    long mapBlock(Ext4Inode in, long lblk) {
        Extent e = in.extents == null ? null : in.extents.find(lblk);
        return e == null ? -1 : e.pblkOf(lblk);
    }

    /**
     * ext4_fiemap of a directory, as ext4_iomap_begin_report answers it: an extent per record of its
     * block map, FIEMAP_EXTENT_MERGED on those of a block-mapped one, the last record LAST.
     */
    List<FiemapExtent> fiemapDirectory(Ext4Inode d, long start, long length) throws FsException {
        if (!d.isDir()) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: FIEMAP of inode %d outside an open file", d.ino);
        }
        long bs = sb.blockSize();
        d.dataSem.lockShared();
        try {
            if (d.extents == null) {
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: FIEMAP of inline directory %d", d.ino);
            }
            int merged = (d.i_flags() & Ext4Inode.EXTENTS_FL) == 0 ? FiemapExtent.MERGED : 0;
            List<Extent> all = d.extents.all();
            List<FiemapExtent> out = new ArrayList<>();
            for (int k = 0; k < all.size(); k++) {
                Extent e = all.get(k);
                if (e.end() * bs > start && e.lblk() * bs < start + length) {
                    int flags = merged | (e.unwritten() ? FiemapExtent.UNWRITTEN : 0) | (k == all.size() - 1 ? FiemapExtent.LAST : 0);
                    out.add(new FiemapExtent(e.lblk() * bs, e.pblk() * bs, e.len() * bs, flags));
                }
            }
            return out;
        } finally {
            d.dataSem.unlockShared();
        }
    }

    /**
     * ext4_ext_find_goal: the block at {@code lblk}'s distance from the extent at or before it (or
     * from the first extent), else ext4_inode_to_goal_block.
     */
    long goal(Ext4Inode in, long lblk) {
        if (in.extents != null) {
            Extent e = in.extents.floor(lblk);
            if (e == null) {
                e = in.extents.first();
            }
            if (e != null) {
                return lblk > e.lblk() ? e.pblk() + (lblk - e.lblk()) : e.pblk() - (e.lblk() - lblk);
            }
        }
        return inodeGoal(in);
    }

    /**
     * ext4_inode_to_goal_block: the first block of the inode's group; with flex groups of 4 or more,
     * of its flex group's first group, and for a regular file of the one after it (the first is kept
     * for directories). With delayed allocation on (ext4's default) no per-process colour is added.
     */
    long inodeGoal(Ext4Inode in) {
        long g = (in.ino - 1) / sb.s_inodes_per_group();
        int flex = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_FLEX_BG) != 0 ? 1 << sb.s_log_groups_per_flex() : 1;
        if (flex >= 4) {
            g &= ~(flex - 1);
            if (in.type() == FileType.REGULAR) {
                g++;
            }
        }
        return sb.s_first_data_block() + g * sb.s_blocks_per_group();
    }

    /**
     * ext4_calculate_resv_clusters: 2% of the blocks or 4096, whichever is less, kept back from file
     * data so that punching and unwritten conversion never meet ENOSPC; none without extents (an
     * ext2/ext3 image), where the estimates are exact and nothing is unwritten.
     */
    long reservedClusters() {
        if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_EXTENTS) == 0) {
            return 0;
        }
        return Math.min((sb.s_blocks_count() >>> sb.clusterBits()) / 50, 4096);
    }

    /** Maps up to {@code count} new blocks at {@code lblk} (one contiguous run). Caller holds i_data_sem exclusively. */
    Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten) throws FsException {
        return allocate(in, lblk, count, unwritten, false);
    }

    /**
     * Maps up to {@code count} new blocks at {@code lblk} (one contiguous run), placed as
     * ext4_ext_map_blocks asks mballoc to: near {@link #goal}, between the neighbouring extents, a
     * regular file's as data (normalised and preallocated unless {@code noPrealloc}, fallocate's
     * EXT4_GET_BLOCKS_NO_NORMALIZE); fewer when free space is short (ext4_claim_free_clusters
     * halves the request). With bigalloc a logical cluster that already owns a physical one gets
     * its blocks there, and new clusters are whole, {@code lblk} at its offset in the first
     * ({@link #allocateClusters}). Caller holds i_data_sem exclusively.
     */
    Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten, boolean noPrealloc) throws FsException {
        if (clusters.ratio() > 1) {
            return allocateClusters(in, lblk, count, unwritten, noPrealloc);
        }
        long len = Math.min(count, unwritten ? Extent.MAX_UNWRITTEN : Extent.MAX_WRITTEN);
        while (len > 0 && !sb.hasFreeBlocks(len + reservedClusters())) {
            len >>= 1;
        }
        if (len <= 0) {
            throw FsException.of(Errno.ENOSPC, "ext4: no free blocks outside the %d reserved clusters", reservedClusters());
        }
        long[] run = allocator.allocData(request(in, lblk, 0, len, noPrealloc));
        in.extents.put(lblk, run[1], run[0], unwritten);
        saveExtents(in);
        return new Extent(lblk, run[1], run[0], unwritten);
    }

    /**
     * ext4_ext_map_blocks' request to mballoc for {@code len} blocks at {@code lblk}: the neighbours
     * found from {@code lblk}, then goal and logical block moved back by {@code offset} (lblk's
     * place in its cluster) and the length in clusters (EXT4_NUM_B2C of offset + len).
     */
    private Mballoc.Request request(Ext4Inode in, long lblk, long offset, long len, boolean noPrealloc) {
        Extent left = in.extents.floor(lblk);
        Extent right = in.extents.after(lblk);
        boolean data = in.type() == FileType.REGULAR;
        int flags = (data ? Mballoc.DATA : 0) | (noPrealloc ? Mballoc.NOPREALLOC : 0);
        int bits = (int) ((offset + len + clusters.ratio() - 1) >>> sb.clusterBits());
        return new Mballoc.Request(goal(in, lblk) - offset, lblk - offset, bits,
                left == null ? 0 : left.end() - 1, left == null ? 0 : left.pblk() + left.len() - 1,
                right == null ? 0 : right.lblk(), right == null ? 0 : right.pblk(), flags,
                in.i_size(), in.writers.get() > 0, in.prealloc);
    }

    /**
     * bigalloc's allocation: a logical cluster that already owns a physical one gets its blocks
     * there (get_implied_cluster_alloc); new clusters are whole, placed by mballoc working in
     * clusters, {@code lblk} at its offset in the first.
     */
    private Extent allocateClusters(Ext4Inode in, long lblk, long count, boolean unwritten, boolean noPrealloc)
            throws FsException {
        long ratio = clusters.ratio();
        long implied = clusters.implied(in.extents, lblk);
        long offset = lblk & (ratio - 1);
        long pblk;
        long len;
        if (implied >= 0) {
            pblk = implied + offset;
            len = Math.min(count, ratio - offset);
        } else {
            long available = sb.s_free_blocks_count() - (reservedClusters() << sb.clusterBits());
            if (available <= 0) {
                throw FsException.of(Errno.ENOSPC, "ext4: no free blocks outside the %d reserved clusters", reservedClusters());
            }
            long want = Math.min(Math.min(clusters.newRunLength(in.extents, lblk, count), available), Extent.MAX_UNWRITTEN);
            long[] run = allocator.allocData(request(in, lblk, offset, want, noPrealloc));
            pblk = run[0] + offset;
            len = Math.min(want, run[1] - offset);
        }
        in.extents.put(lblk, len, pblk, unwritten);
        saveExtents(in);
        return new Extent(lblk, len, pblk, unwritten);
    }

    /** ext4_discard_preallocations: the inode's preallocated blocks back to the allocator. Caller holds i_data_sem exclusively. */
    void discardPreallocations(Ext4Inode in) throws FsException {
        allocator.discardPreallocations(in.prealloc);
    }

    /** A directory's next block (the caller holds the directory's lock). */
    void appendBlock(Ext4Inode d) throws FsException {
        d.dataSem.lockExclusive();
        try {
            allocate(d, d.i_size() / sb.blockSize(), 1, false);
        } finally {
            d.dataSem.unlockExclusive();
        }
    }

    /** Unmaps file blocks [from, to) and frees them. Caller holds i_data_sem exclusively. */
    void freeRange(Ext4Inode in, long from, long to) throws FsException {
        freeExtents(in, in.extents.remove(from, to));
        saveExtents(in);
    }

    /** Gives back the blocks of extents just removed from the file's list: with bigalloc, the clusters no block of the file is left in. */
    void freeExtents(Ext4Inode in, List<Extent> removed) throws FsException {
        for (long[] run : clusters.freed(in.extents, removed)) {
            allocator.freeBlocks(run[0], run[1]);
        }
    }

}
