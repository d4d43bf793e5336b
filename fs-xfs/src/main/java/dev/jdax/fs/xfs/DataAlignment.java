package dev.jdax.fs.xfs;

import dev.jdax.api.fs.MountOptions;

/**
 * The stripe geometry file data is aligned to (xfs_mount's m_dalign and m_swidth, in blocks): the
 * superblock's stripe unit and width when mkfs.xfs recorded them ({@code -d su=,sw=}), none when
 * mounted with {@code noalign}; with {@code swalloc} allocations align to the whole width.
 */
record DataAlignment(long dalign, long swidth, boolean swalloc) {
    /** XFS_SB_VERSION_DALIGNBIT: sb_unit and sb_width are set. */
    static final int XFS_SB_VERSION_DALIGNBIT = 0x0100;

    static DataAlignment of(XfsSuperblock sb, MountOptions options) {
        if ((sb.sb_versionnum() & XFS_SB_VERSION_DALIGNBIT) == 0 || options.has("noalign")) {
            return new DataAlignment(0, 0, false);
        }
        return new DataAlignment(sb.sb_unit(), sb.sb_width(), options.has("swalloc"));
    }

    /** The alignment of an allocation at EOF (xfs_bmap_compute_alignments' stripe_align). */
    long stripeAlign() {
        return swidth != 0 && swalloc ? swidth : dalign;
    }

    /**
     * xfs_eof_alignment: what a write past EOF rounds its end up to, in blocks: the stripe once the
     * file of {@code isize} bytes holds a whole one, then up to a multiple of the extent size hint
     * {@code extsz}; 0 for none.
     */
    long eofAlign(long isize, int blockLog, long extsz) {
        long align = stripeAlign();
        if (align != 0 && isize < align << blockLog) {
            align = 0;
        }
        if (extsz != 0) {
            align = align != 0 ? Math.ceilDiv(align, extsz) * extsz : extsz;
        }
        return align;
    }
}
