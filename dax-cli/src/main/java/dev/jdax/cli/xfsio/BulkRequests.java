package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.api.fs.XfsGeometry;
import dev.jdax.api.fs.XfsInodeGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * What xfs_io's bulkstat, bulkstat_single and inumbers get from one call of libfrog's
 * {@code xfrog_bulkstat}, {@code xfrog_bulkstat_single} and {@code xfrog_inumbers} (xfsprogs 6.1)
 * on Linux 6.1: the v5 ioctls (XFS_IOC_BULKSTAT, XFS_IOC_INUMBERS) unless {@code -v 1} forces the
 * v1 ones, and the v1 ones (FSBULKSTAT, FSBULKSTAT_SINGLE, FSINUMBERS) after any error of a v5 call
 * unless {@code -v 5} forces v5 — libfrog falls back on every error, not only on a kernel without
 * v5, so that {@code -a 99} prints nothing (v1's emulation finds no such AG) where {@code -v 5 -a 99}
 * prints EINVAL. The kernel's part is {@code xfs_bulk_ireq_setup}, {@code xfs_ioc_fsbulkstat}'s
 * lastino arithmetic and the walks of {@code xfs_bulkstat}/{@code xfs_inumbers}, over the inode
 * chunks and records the mounted file system reports ({@link FileSystem#xfsInumbers},
 * {@link FileSystem#xfsBulkstat}). Measured: scenarios {@code bulkstat} and {@code bulkstat-walks}.
 */
final class BulkRequests {
    /** XFS_BULK_IREQ_AGNO: only this AG. */
    static final int IREQ_AGNO = 1;
    /** XFS_BULK_IREQ_SPECIAL: {@code ino} names a special inode. */
    static final int IREQ_SPECIAL = 2;
    /** XFS_BULK_IREQ_SPECIAL_ROOT. */
    static final long SPECIAL_ROOT = 1;
    /** XFS_INODES_PER_CHUNK. */
    private static final int CHUNK = 64;

    /** Which ioctls a call uses ({@code -v}): v5 falling back to v1, or one of them only. */
    enum Version { ANY, V1, V5 }

    /**
     * {@code struct xfs_bulk_ireq} as the caller keeps it between calls: the inode to go on from
     * (the cursor each call moves), the flags, the AG, how many records to ask for and how many
     * came.
     */
    static final class Header {
        long ino;
        int flags;
        long agno;
        final long icount;
        long ocount;

        Header(long ino, long icount) {
            this.ino = ino;
            this.icount = icount;
        }
    }

    private final FileSystem fs;
    private final long agcount;
    /** libfrog's {@code aginolog}: the bits of an inode number that number it within its AG. */
    private final int aginoLog;
    private final long rootIno;
    private final Version version;
    /** Whether the last call was answered by a v1 ioctl (its records then say version 1). */
    private boolean usedV1;

    BulkRequests(FileSystem fs, Version version) throws FsException {
        this.fs = fs;
        this.version = version;
        XfsGeometry g = fs.xfsGeometry();
        this.agcount = g.agcount();
        int agblklog = 64 - Long.numberOfLeadingZeros(g.agblocks() - 1); // log2, rounded up
        this.aginoLog = agblklog + Long.numberOfTrailingZeros(g.blocksize()) - Long.numberOfTrailingZeros(g.inodesize());
        this.rootIno = fs.resolve("/", true);
    }

    private long agnoOf(long ino) {
        return ino >>> aginoLog;
    }

    /** cvt_ino_to_agno: libfrog keeps the AG of an inode number in 32 bits. */
    private long agnoOf32(long ino) {
        return (ino >>> aginoLog) & 0xffffffffL;
    }

    /** {@code xfrog_bulkstat}: the next records of {@code h}'s walk, the cursor moved. */
    List<XfsBulkstat> bulkstat(Header h) throws FsException {
        return call(h, this::walkInodes, XfsBulkstat::ino, 1);
    }

    /** {@code xfrog_inumbers}: the next chunks of {@code h}'s walk, the cursor moved. */
    List<XfsInodeGroup> inumbers(Header h) throws FsException {
        return call(h, this::walkChunks, XfsInodeGroup::startino, CHUNK);
    }

    /** {@return whether the last call was answered by a v1 ioctl} */
    boolean usedV1() {
        return usedV1;
    }

    /** A kernel walk (xfs_bulkstat's or xfs_inumbers') and the records it returns. */
    private interface Walker<T> {
        List<T> walk(Walk w) throws FsException;
    }

    /**
     * One call of libfrog: the v5 ioctl unless v1 is forced, then the v1 one after any error of it
     * unless v5 is forced. {@code inoOf} and {@code next} are how a record moves v1's cursor: its
     * inode number plus one for bulkstat, plus a chunk for inumbers (xfrog_bulk_req_v1_cleanup's
     * startino_adj).
     */
    private <T> List<T> call(Header h, Walker<T> walker, ToLongFunction<T> inoOf, int next)
            throws FsException {
        usedV1 = false;
        if (version != Version.V1) {
            try {
                return call5(h, walker);
            } catch (FsException e) {
                if (version == Version.V5) {
                    throw e;
                }
            }
        }
        usedV1 = true;
        return call1(h, walker, inoOf, next);
    }

    /** XFS_IOC_BULKSTAT or XFS_IOC_INUMBERS: xfs_bulk_ireq_setup, the walk, xfs_bulk_ireq_teardown. */
    private <T> List<T> call5(Header h, Walker<T> walker) throws FsException {
        Walk w = setup5(h);
        List<T> out = w == null ? List.of() : walker.walk(w);
        h.ino = w == null ? h.ino : w.cursor;
        h.ocount = out.size();
        return out;
    }

    /** The walk xfs_bulk_ireq_setup leaves a v5 request: its first inode, its AG when one, its count; null for none. */
    private Walk setup5(Header h) throws FsException {
        if (h.icount == 0) {
            throw FsException.of(Errno.EINVAL, "bulk request for 0 records");
        }
        long start = h.ino;
        long icount = h.icount;
        if ((h.flags & IREQ_SPECIAL) != 0) {
            if ((h.flags & IREQ_AGNO) != 0 || h.ino != SPECIAL_ROOT) {
                throw FsException.of(Errno.EINVAL, "bulk request for special inode %d", h.ino);
            }
            start = rootIno;
            icount = 1;
        }
        boolean sameAg = (h.flags & IREQ_AGNO) != 0;
        if (sameAg) {
            if (h.agno >= agcount) {
                throw FsException.of(Errno.EINVAL, "bulk request for AG %d of %d", h.agno, agcount);
            }
            if (start == 0) {
                start = h.agno << aginoLog;
            } else if (Long.compareUnsigned(agnoOf(start), h.agno) < 0) {
                throw FsException.of(Errno.EINVAL, "bulk request for AG %d from inode %s", h.agno, Long.toUnsignedString(start));
            }
            if (Long.compareUnsigned(agnoOf(start), h.agno) > 0) {
                return null;
            }
        }
        if (Long.compareUnsigned(agnoOf(start), agcount) >= 0) {
            return null;
        }
        return new Walk(start, sameAg, h.agno, icount);
    }

    /**
     * FSBULKSTAT or FSINUMBERS, called as libfrog's v1 emulation calls them: the records of the
     * request's AG only (the v1 walk does not keep to one), the cursor after the last of them, or
     * where the ioctl left its lastino.
     */
    private <T> List<T> call1(Header h, Walker<T> walker, ToLongFunction<T> inoOf, int next)
            throws FsException {
        if (!setup1(h)) {
            return List.of();
        }
        if (h.icount <= 0 || h.icount > Integer.MAX_VALUE) {
            throw FsException.of(Errno.EINVAL, "v1 bulk request for %d records", h.icount);
        }
        // xfs_ioc_fsbulkstat: lastino 0 means the first inode, else the walk goes on after it.
        Walk w = new Walk(h.ino != 0 ? h.ino + 1 : 0, false, 0, h.icount);
        boolean done = alreadyDone(w.start);
        List<T> got = done ? List.of() : walker.walk(w);
        h.ino = (done ? w.start : w.cursor) - 1;
        List<T> out = new ArrayList<>();
        for (T r : got) {
            long ino = inoOf.applyAsLong(r);
            if ((h.flags & IREQ_AGNO) != 0 && agnoOf32(ino) != h.agno) {
                break;
            }
            out.add(r);
            h.ino = ino + next;
        }
        h.ocount = out.size();
        return out;
    }

    /**
     * xfrog_bulk_req_v1_setup: an AG's first inode for a request from 0, EINVAL for an inode of an
     * AG before it; false (no records, the cursor as it was) for one after it or beyond the AGs.
     * Otherwise the cursor becomes the v1 ioctl's lastino: one before the inode to start with.
     */
    private boolean setup1(Header h) throws FsException {
        if ((h.flags & IREQ_AGNO) != 0) {
            long agno = agnoOf32(h.ino);
            if (h.ino == 0) {
                h.ino = h.agno << aginoLog;
            } else if (agno < h.agno) {
                throw FsException.of(Errno.EINVAL, "bulk request for AG %d from inode %s", h.agno, Long.toUnsignedString(h.ino));
            } else if (agno > h.agno) {
                h.ocount = 0;
                return false;
            }
        }
        if (agnoOf32(h.ino) > agcount) { // libfrog's test, one AG more lenient than the kernel's
            h.ocount = 0;
            return false;
        }
        if (h.ino != 0) {
            h.ino--;
        }
        return true;
    }

    /** xfs_bulkstat_already_done: a first inode in no AG. */
    private boolean alreadyDone(long start) {
        return Long.compareUnsigned(agnoOf(start), agcount) >= 0;
    }

    /** {@code xfrog_bulkstat_single}: inode {@code ino} (or the next in use, through v5), or the root. */
    XfsBulkstat single(long ino, int flags) throws FsException {
        usedV1 = false;
        if (version != Version.V1) {
            try {
                Header h = new Header(ino, 1);
                h.flags = flags;
                List<XfsBulkstat> got = call5(h, this::walkInodes);
                if (got.isEmpty()) {
                    throw FsException.of(Errno.ENOENT, "no inode in use at or after %s", Long.toUnsignedString(ino));
                }
                return got.get(0);
            } catch (FsException e) {
                if (version == Version.V5) {
                    throw e;
                }
            }
        }
        usedV1 = true;
        if (flags != 0) {
            throw FsException.of(Errno.EINVAL, "FSBULKSTAT_SINGLE of a special inode");
        }
        return fs.xfsBulkstat(ino); // xfs_bulkstat_one: that inode or EINVAL
    }

    /** One walk of xfs_bulkstat or xfs_inumbers: where it starts, its AG when it keeps to one, how many records it takes. */
    private static final class Walk {
        final long start;
        final boolean sameAg;
        final long agno;
        final long icount;
        /** breq->startino: after the last inode (or chunk) looked at; where the next call goes on. */
        long cursor;

        Walk(long start, boolean sameAg, long agno, long icount) {
            this.start = start;
            this.cursor = start;
            this.sameAg = sameAg;
            this.agno = agno;
            this.icount = icount;
        }
    }

    /**
     * xfs_iwalk with xfs_bulkstat_iwalk: the inodes in use from the walk's start, chunk by chunk,
     * each one's record (an internal inode, or one freed meanwhile, passed over with the cursor
     * moved past it) until {@code icount} records.
     */
    private List<XfsBulkstat> walkInodes(Walk w) throws FsException {
        List<XfsBulkstat> out = new ArrayList<>();
        eachChunk(w, g -> {
            for (int i = 0; i < CHUNK; i++) {
                long ino = g.startino() + i;
                if ((g.allocmask() & (1L << i)) == 0 || Long.compareUnsigned(ino, w.start) < 0) {
                    continue;
                }
                w.cursor = ino + 1;
                try {
                    out.add(fs.xfsBulkstat(ino));
                } catch (FsException e) {
                    if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                    continue;
                }
                if (out.size() == w.icount) {
                    return false;
                }
            }
            return true;
        });
        return out;
    }

    /** What a walk does with one chunk: false when it has taken all it wants. */
    private interface ChunkVisit {
        boolean visit(XfsInodeGroup g) throws FsException;
    }

    /** The walk's chunks with an inode in use, from the one that holds its start on, within its AG when it keeps to one. */
    private void eachChunk(Walk w, ChunkVisit visit) throws FsException {
        for (long from = w.start; ; ) {
            List<XfsInodeGroup> got = fs.xfsInumbers(from, CHUNK);
            for (XfsInodeGroup g : got) {
                if (w.sameAg && agnoOf(g.startino()) != w.agno || !visit.visit(g)) {
                    return;
                }
            }
            if (got.size() < CHUNK) {
                return;
            }
            from = got.getLast().startino() + CHUNK;
        }
    }

    /** xfs_inobt_walk with xfs_inumbers_walk: the chunks from the one that holds the start, the cursor after each. */
    private List<XfsInodeGroup> walkChunks(Walk w) throws FsException {
        List<XfsInodeGroup> out = new ArrayList<>();
        eachChunk(w, g -> {
            out.add(g);
            w.cursor = g.startino() + CHUNK;
            return out.size() < w.icount;
        });
        return out;
    }
}
