package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;

/**
 * Where a file's new data blocks go and how many (xfs_bmapi_write's allocation of user data:
 * xfs_bmap_alloc_userdata, xfs_bmap_compute_alignments, xfs_bmap_btalloc). Two things shape it
 * beside the free space: the extent size hint, which rounds an allocation out to whole hints of the
 * file (a preallocation moves its start back and its end on; a DAX write or fault, which converts
 * as it allocates, keeps its start and only ends on a hint boundary), and the stripe unit, to which
 * an allocation at EOF of at least a stripe unit is aligned on disk.
 */
final class DataAlloc {
    private DataAlloc() {
    }

    /**
     * Allocates blocks for the hole at file block {@code off}, {@code len} blocks long at most (the
     * caller has cut it at the next extent), in inode {@code in} mapped by {@code ext}; {@code
     * convert} for a DAX write or fault (XFS_BMAPI_CONVERT: no start alignment to the hint). The new
     * extent, which may begin before {@code off} and end after the hole asked for when a hint
     * rounded it out, never over another extent.
     */
    static BmapExtent allocate(XfsDisk disk, XfsSpace space, DataAlignment alignment, XfsInode in,
                               List<BmapExtent> ext, long off, long len, boolean convert, boolean unwritten)
            throws FsException {
        return allocate(disk, space, alignment, in, ext, off, len, convert, unwritten, in.extsizeHint());
    }

    /**
     * xfs_reflink_fill_cow_hole's allocation for a copy on write of file blocks {@code [off,
     * +len)} (XFS_BMAPI_COWFORK | XFS_BMAPI_PREALLOC): rounded out to whole CoW extent size hints
     * ({@link XfsInode#cowextsizeHint}, 32 blocks by default) inside the CoW fork's hole, placed
     * after or before the CoW fork's neighbouring extents, near the inode when it has none.
     */
    static BmapExtent allocateCow(XfsDisk disk, XfsSpace space, DataAlignment alignment, XfsInode in, long off, long len)
            throws FsException {
        return allocate(disk, space, alignment, in, in.cowFork, off, len, false, false, in.cowextsizeHint());
    }

    private static BmapExtent allocate(XfsDisk disk, XfsSpace space, DataAlignment alignment, XfsInode in,
                                       List<BmapExtent> ext, long off, long len, boolean convert, boolean unwritten,
                                       long extsz) throws FsException {
        long length = Math.min(len, BmapExtent.MAX_BLOCKCOUNT);
        long stripe = alignment.dalign() != 0 && length >= alignment.dalign() && atEof(ext, off)
                ? alignment.stripeAlign() : 0;
        long aoff = off;
        long alen = length;
        if (extsz != 0 && !convert) {
            long[] a = extsizeAlign(ext, off, length, extsz);
            aoff = a[0];
            alen = a[1];
        }
        long prod = extsz != 0 ? extsz : 1;
        long mod = extsz != 0 ? (extsz - aoff % extsz) % extsz : 0;
        long goal = BmapGoal.of(disk, in.ino(), ext, aoff, alen);
        long[] got = space.allocData(goal, new AllocArgs(1, alen, 1, 0, prod, mod, true), stripe, aoff == 0);
        long n = got[1];
        // xfs_bmap_process_allocated_extent: an extent no longer than asked for covers the start
        // asked for; a longer one that would end before the end asked for is moved to end there.
        long start = n <= length ? off : aoff + n < off + length ? off + length - n : aoff;
        return new BmapExtent(start, got[0], n, unwritten);
    }

    /** xfs_bmap_isaeof: file block {@code off} is at or past the end of the last extent. */
    static boolean atEof(List<BmapExtent> ext, long off) {
        return ext.isEmpty() || off >= ext.get(ext.size() - 1).endoff();
    }

    /**
     * xfs_iomap_eof_align_last_fsb: the end of a write past EOF (file block {@code endFsb}) rounded
     * up to the stripe or the extent size hint, unless that would stop short of the last extent.
     */
    static long eofAlignEnd(DataAlignment alignment, XfsDisk disk, XfsInode in, List<BmapExtent> ext, long endFsb) {
        long align = alignment.eofAlign(in.size(), disk.blockLog(), in.extsizeHint());
        if (align == 0) {
            return endFsb;
        }
        long aligned = Math.ceilDiv(endFsb, align) * align;
        return ext.isEmpty() || aligned >= ext.get(ext.size() - 1).endoff() ? aligned : endFsb;
    }

    /**
     * xfs_bmap_extsize_align for a hole (not delayed, not realtime): {@code [off, +len)} rounded out
     * to whole multiples of {@code extsz}, the start kept after the previous extent and the end before
     * the next; {@code {offset, length}}.
     */
    static long[] extsizeAlign(List<BmapExtent> ext, long off, long len, long extsz) {
        BmapExtent prev = null;
        BmapExtent next = null;
        for (BmapExtent e : ext) {
            if (e.startoff() < off) {
                prev = e;
            } else {
                next = e;
                break;
            }
        }
        long end = off + len;
        long aoff = off;
        long alen = len;
        long over = aoff % extsz;
        if (over != 0) {
            alen += over;
            aoff -= over;
        }
        over = alen % extsz;
        if (over != 0) {
            alen += extsz - over;
        }
        while (alen > BmapExtent.MAX_BLOCKCOUNT) {
            alen -= extsz;
        }
        long prevo = prev != null ? prev.endoff() : 0;
        if (aoff != off && aoff < prevo) {
            aoff = prevo;
        }
        // Against the next extent: move the start back by what the end runs over, not before 0;
        // then, if the two still overlap, the hole cannot hold a whole hint: fill it.
        if (next != null && aoff + alen != end && aoff + alen > next.startoff()) {
            aoff = next.startoff() > alen ? next.startoff() - alen : 0;
        }
        if (aoff != off && aoff < prevo) {
            aoff = prevo;
        }
        if (next != null && aoff + alen != end && aoff + alen > next.startoff()) {
            alen = next.startoff() - aoff;
        }
        return new long[]{aoff, alen};
    }
}
