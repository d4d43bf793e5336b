package dev.jdax.fs.ext4;

import java.util.ArrayList;
import java.util.List;

/**
 * A preallocation ({@code struct ext4_prealloc_space}): bits of one group taken from the buddy for
 * later requests but free on disk (as Linux: {@code lstart} and {@code pstart} in blocks, {@code len}
 * and {@code free} in bits, clusters with bigalloc), so that nothing leaks when it is forgotten (as Linux, they live
 * in memory only). An inode's serve its later blocks at the same distance from {@code pstart} as
 * from {@code lstart}; a locality group's serve small files from its front. Fields guarded by the
 * owner's monitor ({@link #owner}: the inode's list or the locality group, pa_obj_lock), and the
 * bits it holds by its group's lock.
 */
final class Prealloc {
    /** Whose: an inode's list ({@code i_prealloc_list}) or a {@link LocalityGroup}; its monitor guards this. */
    final Object owner;
    final boolean groupPa;
    final int group;
    /** EXT4_CLUSTER_BITS: a bit is 2^cbits blocks. */
    final int cbits;
    long lstart;
    long pstart;
    int len;
    int free;
    /** No longer to be used (pa_deleted); its bits may still be held until {@link #released}. */
    boolean deleted;
    /** Its held bits were given back. */
    boolean released;

    Prealloc(Object owner, boolean groupPa, int group, int cbits, long lstart, long pstart, int len) {
        this.owner = owner;
        this.groupPa = groupPa;
        this.group = group;
        this.cbits = cbits;
        this.lstart = lstart;
        this.pstart = pstart;
        this.len = len;
        this.free = len;
    }

    /** pa_logical_end: the block after its last (EXT4_C2B of its length). */
    long lend() {
        return lstart + ((long) len << cbits);
    }

    /** The block after its last physical one. */
    long pend() {
        return pstart + ((long) len << cbits);
    }

    /**
     * The per-CPU locality group of small files ({@code struct ext4_locality_group}): its
     * preallocations by the order of their free bits ({@code lg_prealloc_list}), each list sorted by
     * free bits as ext4_mb_add_n_trim keeps it. Guarded by its own monitor.
     */
    static final class LocalityGroup {
        /** PREALLOC_TB_SIZE. */
        static final int TB_SIZE = 10;
        @SuppressWarnings("unchecked")
        final List<Prealloc>[] lists = new List[TB_SIZE];

        LocalityGroup() {
            for (int i = 0; i < TB_SIZE; i++) {
                lists[i] = new ArrayList<>();
            }
        }
    }
}
