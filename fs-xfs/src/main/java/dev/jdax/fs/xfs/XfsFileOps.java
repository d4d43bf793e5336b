package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The block-mapping side of a regular file's data operations: allocation for writes
 * (xfs_direct_write_iomap_begin under IOMAP_DAX: real blocks at once, no delalloc, unwritten
 * extents converted as they are written), fallocate's modes (xfs_file_fallocate) and truncation.
 * Zeroing of partial blocks is the engine's; this class changes only mappings and sizes.
 */
final class XfsFileOps {
    private final XfsFileSystem fs;
    private final XfsDisk disk;

    XfsFileOps(XfsFileSystem fs) {
        this.fs = fs;
        this.disk = fs.disk();
    }

    private XfsMutations m() throws FsException {
        XfsMutations m = fs.mutations();
        if (m == null || fs.readOnly()) {
            throw FsException.of(Errno.EROFS, "xfs: read-only mount");
        }
        return m;
    }

    /**
     * Maps {@code [pos, pos + length)} for a write: an existing written extent as it is, an
     * unwritten one converted to written, a hole filled with newly allocated blocks (as many
     * contiguous ones as the allocator gives, at most the hole). New blocks are flagged F_NEW.
     */
    Iomap mapForWrite(XfsInode in, long pos, long length, int flags) throws FsException {
        m();
        // An overwrite of written blocks changes no metadata: no transaction (xfs_iomap's fast path).
        in.ilock.lockShared();
        try {
            List<BmapExtent> ext = fs.extents(in);
            Iomap m = XfsIomap.markShared(fs, in, ext, XfsIomap.map(disk, in, ext, pos, Math.min(length, 1024L * 4096)));
            if (m.type() == IomapType.MAPPED && !m.has(Iomap.F_SHARED)) {
                return m;
            }
        } finally {
            in.ilock.unlockShared();
        }
        return fs.log().op(h -> mapForWriteLocked(in, pos, length, flags));
    }

    private Iomap mapForWriteLocked(XfsInode in, long pos, long length, int flags) throws FsException {
        in.ilock.lockExclusive();
        try {
            List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
            // xfs_direct_write_iomap_begin maps at most 1024 pages per call: a write too large for the
            // free space comes back short by whole 4 MiB steps, as Linux 6.1 measured.
            long asked = Math.min(length, 1024L * 4096);
            Iomap m = XfsIomap.map(disk, ext, pos, asked);
            if (m.type() == IomapType.MAPPED) {
                m = XfsIomap.markShared(fs, in, ext, m);
                if (!m.has(Iomap.F_SHARED)) {
                    return m;
                }
                // A write(2) copies only what it does not cover and remaps in end (Linux's way); a
                // fault maps whole pages, and zeroing has no data of its own: those copy first.
                boolean write = (flags & (IomapOps.FAULT | IomapOps.ZERO)) == 0;
                return write ? cowForWrite(in, m) : copyOnWrite(in, ext, m);
            }
            int bl = disk.blockLog();
            long off = m.offset() >>> bl;
            long count = m.length() >>> bl;
            if (m.type() == IomapType.HOLE && pos + asked > in.size()) {
                // Past EOF the allocation ends on the extent size hint or stripe boundary
                // (xfs_iomap_eof_align_last_fsb), still short of the next extent.
                long end = DataAlloc.eofAlignEnd(fs.dataAlignment(), disk, in, ext, off + count);
                count = XfsIomap.map(disk, ext, pos, (end << bl) - pos).length() >>> bl;
            }
            if (m.type() == IomapType.UNWRITTEN) {
                // XFS_BMAPI_CONVERT | XFS_BMAPI_ZERO under DAX: zeroed before the conversion commits,
                // so that after a crash the blocks read zeros, never what they held before.
                disk.device().zeroData(m.addr(), m.length());
                ExtentList.setUnwritten(ext, off, count, false);
                save(in, ext);
                return new Iomap(m.offset(), m.length(), IomapType.MAPPED, m.addr(), Iomap.F_NEW, disk.device());
            }
            reserve(count);
            BmapExtent got = DataAlloc.allocate(disk, m().space(), fs.dataAlignment(), in, ext, off, count, true, false);
            // XFS_BMAPI_ZERO, as above
            disk.device().zeroData(disk.fsbToByte(got.startblock()), got.blockcount() << bl);
            ExtentList.add(ext, got);
            save(in, ext);
            return new Iomap(got.startoff() << bl, got.blockcount() << bl, IomapType.MAPPED,
                    disk.fsbToByte(got.startblock()), Iomap.F_NEW, disk.device());
        } finally {
            in.ilock.unlockExclusive();
        }
    }

    /**
     * Copy on write of the shared blocks under {@code m}, as Linux does it under DAX: blocks from the
     * CoW fork where it has them, else a CoW extent size hint's worth allocated into it
     * (xfs_reflink_fill_cow_hole: rounded out to the hint, staged in the refcount B+tree); the old
     * blocks' data copied into them and made durable (dax_iomap_cow_copy); then, in the same
     * transaction here (Linux's xfs_reflink_end_cow is a second one), the file's mapping moved to
     * them and one count of the old ones dropped. The rest of the allocation stays in the CoW fork
     * for the next copies, until eviction or unmount gives it back. Caller holds the ILOCK, in a
     * transaction.
     *
     * @return the new blocks, flagged {@link Iomap#F_COW}: every mapping of the range must forget the old ones
     */
    private Iomap copyOnWrite(XfsInode in, List<BmapExtent> ext, Iomap m) throws FsException {
        int bl = disk.blockLog();
        long off = m.offset() >>> bl;
        BmapExtent cow = forkBlocks(in, off, m.length() >>> bl);
        long n = cow.blockcount();
        long newAddr = disk.fsbToByte(cow.startblock());
        disk.device().copyData(m.addr(), newAddr, n << bl);
        disk.device().fence();    // durable before the remap can commit
        remapFromFork(in, ext, cow);
        save(in, ext);
        return new Iomap(off << bl, n << bl, IomapType.MAPPED, newAddr, Iomap.F_COW, disk.device());
    }

    /**
     * xfs_direct_write_iomap_begin's CoW answer for a write(2) under DAX: the CoW fork's blocks for
     * the start of {@code m} (shared), allocated and staged if it has none, and the shared data as
     * the source; nothing copied or remapped yet ({@link #endCow} does, for what was written). Kept
     * inside one 2 MiB range, so that the engine holds one PMD's entry locks while it fills the
     * blocks: a fault there waits rather than map or copy over blocks half written.
     */
    private Iomap cowForWrite(XfsInode in, Iomap m) throws FsException {
        int bl = disk.blockLog();
        long off = m.offset() >>> bl;
        long pmdBlocks = (2L << 20) >>> bl;
        long n = Math.min(m.length() >>> bl, (off / pmdBlocks + 1) * pmdBlocks - off);
        BmapExtent cow = forkBlocks(in, off, n);
        return new Iomap(off << bl, cow.blockcount() << bl, IomapType.MAPPED, disk.fsbToByte(cow.startblock()),
                Iomap.F_COW, disk.device(), m.addr());
    }

    /**
     * The CoW fork's blocks from file block {@code off}, at most {@code count}: those it has there,
     * or a CoW extent size hint's worth allocated into its hole (xfs_reflink_fill_cow_hole: rounded
     * out to the hint, staged in the refcount B+tree). Caller holds the ILOCK, in a transaction.
     */
    private BmapExtent forkBlocks(XfsInode in, long off, long count) throws FsException {
        BmapExtent[] at = new BmapExtent[1];
        long n = ExtentList.run(in.cowFork, off, count, at);
        if (at[0] == null) {
            long hint = in.cowextsizeHint();
            reserve(Math.ceilDiv(off + n, hint) * hint - off / hint * hint);
            XfsSpace space = m().space();
            BmapExtent got = DataAlloc.allocateCow(disk, space, fs.dataAlignment(), in, off, n);
            space.stageCow(got.startblock(), got.blockcount());
            ExtentList.add(in.cowFork, got);
            cowChanged(in);
            n = ExtentList.run(in.cowFork, off, n, at);
            Corrupt.check(at[0] != null, "xfs: inode %d: CoW allocation [%d, +%d] misses file block %d", in.ino(),
                    got.startoff(), got.blockcount(), off);
        }
        return at[0].slice(off, n);
    }

    /**
     * xfs_reflink_end_cow_extent: the fork's blocks {@code cow} leave the CoW fork and the refcount
     * B+tree's staging records and replace the data fork's blocks there, which lose a count. Caller
     * holds the ILOCK, in a transaction, and saves {@code ext}.
     */
    private void remapFromFork(XfsInode in, List<BmapExtent> ext, BmapExtent cow) throws FsException {
        ExtentList.remove(in.cowFork, cow.startoff(), cow.blockcount());
        cowChanged(in);
        m().space().unstageCow(cow.startblock(), cow.blockcount());
        fs.log().handle().freeLater(ExtentList.remove(ext, cow.startoff(), cow.blockcount()));
        ExtentList.add(ext, new BmapExtent(cow.startoff(), cow.startblock(), cow.blockcount(), false));
    }

    /**
     * xfs_dax_write_iomap_end for a {@link Iomap#cowPending} answer: the blocks the write reached
     * ({@code [pos, pos + written)}, whole blocks; the engine completed a partial last one from the
     * source) are remapped from the CoW fork, where it still holds them at the answer's addresses (a
     * fault may have taken some meanwhile); with nothing written, the fork's blocks of the answer's
     * range go back (xfs_reflink_cancel_cow_range).
     */
    void endCow(XfsInode in, long pos, long length, long written, Iomap map) throws FsException {
        int bl = disk.blockLog();
        long first = pos >>> bl;
        XfsSpace space = m().space();
        fs.log().op(h -> {
            in.ilock.lockExclusive();
            try {
                if (written == 0) {
                    cancelCowLocked(in, first, ((pos + length + disk.blockSize() - 1) >>> bl) - first, space);
                    return null;
                }
                long last = (pos + written + disk.blockSize() - 1) >>> bl;
                List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
                boolean changed = false;
                BmapExtent[] at = new BmapExtent[1];
                for (long b = first; b < last; ) {
                    long n = ExtentList.run(in.cowFork, b, last - b, at);
                    if (at[0] != null && disk.fsbToByte(at[0].slice(b, n).startblock()) == map.addrOf(b << bl)) {
                        remapFromFork(in, ext, at[0].slice(b, n));
                        changed = true;
                    }
                    b += n;
                }
                if (changed) {
                    save(in, ext);
                }
            } finally {
                in.ilock.unlockExclusive();
            }
            return null;
        });
    }

    /** The CoW fork changed: its block count, and whether unmount must give its blocks back. */
    private void cowChanged(XfsInode in) {
        in.cowBlocks = ExtentList.mappedBlocks(in.cowFork);
        if (in.cowBlocks == 0) {
            fs.withCowBlocks.remove(in);
        } else {
            fs.cowBlocksTagged(in);
        }
    }

    /**
     * xfs_reflink_cancel_cow_range from file block {@code fromFsb} to the end: the CoW fork's blocks
     * there go back to the free space and out of the refcount B+tree, in a transaction of their own
     * (eviction, unmount, truncate).
     */
    void cancelCow(XfsInode in, long fromFsb) throws FsException {
        XfsSpace space = m().space();
        fs.log().op(h -> {
            in.ilock.lockExclusive();
            try {
                cancelCowToEnd(in, fromFsb, space);
            } finally {
                in.ilock.unlockExclusive();
            }
            return null;
        });
    }

    private void cancelCowToEnd(XfsInode in, long fromFsb, XfsSpace space) throws FsException {
        cancelCowLocked(in, fromFsb, Long.MAX_VALUE / 2 - fromFsb, space);
    }

    /** The CoW fork's blocks of file blocks {@code [fromFsb, +count)} given back. Caller holds the ILOCK, in a transaction. */
    private void cancelCowLocked(XfsInode in, long fromFsb, long count, XfsSpace space) throws FsException {
        if (in.cowFork.isEmpty()) {
            return;
        }
        for (long[] run : ExtentList.remove(in.cowFork, fromFsb, count)) {
            space.unstageCow(run[0], run[1]);
            space.freeBlocks(run[0], run[1]);
        }
        cowChanged(in);
    }

    /**
     * xfs_reflink_unshare: the shared blocks of {@code [offset, end)} copied on write
     * (dax_file_unshare through the write iomap), a transaction per run; then, if the file shares no
     * block any more, its CoW fork given back and its reflink flag cleared
     * (xfs_reflink_try_clear_inode_flag). The engine holds the file whole, the range unmapped.
     */
    private void unshare(XfsInode in, long offset, long end) throws FsException {
        if (!in.isReflink()) {
            return;
        }
        for (long pos = offset; pos < end; ) {
            long at = pos;
            pos = fs.log().op(h -> {
                in.ilock.lockExclusive();
                try {
                    List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
                    Iomap m = XfsIomap.markShared(fs, in, ext, XfsIomap.map(disk, ext, at, end - at));
                    return (m.has(Iomap.F_SHARED) ? copyOnWrite(in, ext, m) : m).end();
                } finally {
                    in.ilock.unlockExclusive();
                }
            });
        }
        XfsSpace space = m().space();
        fs.log().op(h -> {
            in.ilock.lockExclusive();
            try {
                if (!sharesBlocks(in)) {
                    cancelCowToEnd(in, 0, space);
                    m().changeInode(in, false, i -> i.di_flags2(i.di_flags2() & ~XfsInode.XFS_DIFLAG2_REFLINK));
                }
            } finally {
                in.ilock.unlockExclusive();
            }
            return null;
        });
    }

    /** xfs_reflink_inode_has_shared_extents: whether any written block of the file is shared. Under the ILOCK. */
    private boolean sharesBlocks(XfsInode in) throws FsException {
        for (BmapExtent e : fs.extents(in)) {
            if (!e.unwritten()) {
                long[] run = fs.sharedRun(e.startblock(), e.blockcount());
                if (run[0] != 0 || run[1] < e.blockcount()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * xfs_reflink_remap_blocks: file blocks from {@code posIn} of {@code src} are mapped at {@code
     * posOut} of {@code dst}, {@code len} bytes (rounded up to blocks), one transaction per run of
     * the source (xfs_reflink_remap_extent): what {@code dst} mapped there loses a count, written
     * source blocks gain one and are mapped, unwritten ones and holes leave a hole. Both files get
     * the reflink flag first (xfs_reflink_set_inode_flag). The engine holds both files whole, the
     * ranges checked and unmapped.
     *
     * @param newSize {@code dst}'s size once all is remapped, reached run by run as Linux's
     * @return {@code dst}'s size after
     */
    long remap(XfsInode src, XfsInode dst, long posIn, long posOut, long len, long newSize) throws FsException {
        XfsMutations mu = m();
        int bl = disk.blockLog();
        if (!src.isReflink() || !dst.isReflink()) {
            fs.log().run(h -> {
                for (XfsInode i : src == dst ? List.of(src) : List.of(src, dst)) {
                    if (!i.isReflink()) {
                        mu.changeInode(i, true, x -> x.di_flags2(x.di_flags2() | XfsInode.XFS_DIFLAG2_REFLINK));
                    }
                }
                return null;
            });
        }
        long blocks = (len + disk.blockSize() - 1) >>> bl;
        long srcOff = posIn >>> bl;
        long dstOff = posOut >>> bl;
        for (long done = 0; done < blocks; ) {
            long d = done;
            done += fs.log().op(h -> remapRun(src, dst, srcOff + d, dstOff + d, blocks - d, newSize));
        }
        return dst.di_size();
    }

    /** xfs_reflink_remap_extent: the first run of {@code [srcOff, +max)}, in the caller's transaction; its length. */
    private long remapRun(XfsInode src, XfsInode dst, long srcOff, long dstOff, long max, long newSize) throws FsException {
        XfsInode first = src.ino() <= dst.ino() ? src : dst;
        XfsInode second = first == src ? dst : src;
        first.ilock.lockExclusive();
        if (second != first) {
            second.ilock.lockExclusive();
        }
        try {
            BmapExtent[] s = new BmapExtent[1];
            long n = ExtentList.run(fs.extents(src), srcOff, max, s);
            List<BmapExtent> ext = new ArrayList<>(fs.extents(dst));
            BmapExtent[] d = new BmapExtent[1];
            n = ExtentList.run(ext, dstOff, n, d);
            BmapExtent from = s[0] == null ? null : s[0].slice(srcOff, n);
            BmapExtent to = d[0] == null ? null : d[0].slice(dstOff, n);
            boolean written = from != null && !from.unwritten();
            if (from != null && to != null && from.startblock() == to.startblock()) {
                Corrupt.check(from.unwritten() == to.unwritten(), "xfs: inode %d block %d mapped twice in two states",
                        dst.ino(), to.startblock());
                return n;
            }
            if (!written && (to == null || from != null && to.unwritten())) {
                return n;   // a hole over a hole, or unwritten over unwritten: nothing changes
            }
            reserve(0);   // a bmbt split: sharing takes no data block (Linux's retry without the quota's blocks)
            if (to != null) {
                fs.log().handle().freeLater(ExtentList.remove(ext, dstOff, n));
            }
            if (written) {
                m().space().shareData(from.startblock(), n);
                ExtentList.add(ext, new BmapExtent(dstOff, from.startblock(), n, false));
            }
            long newlen = Math.min((dstOff + n) << disk.blockLog(), newSize);
            synchronized (dst) {
                if (newlen > dst.di_size()) {
                    dst.di_size(newlen);
                }
                save(dst, ext);
            }
            return n;
        } finally {
            if (second != first) {
                second.ilock.unlockExclusive();
            }
            first.ilock.unlockExclusive();
        }
    }

    /**
     * Finishes a bmap update intent recovery found without its done item (xfs_bui_item_recover), in
     * one transaction with its done item: a mapping into a hole of the data fork (xfs_bmapi_remap,
     * as written blocks whatever state the intent names, as Linux 6.1 maps them) or the unmapping of
     * a range (__xfs_bunmapi with XFS_BMAPI_REMAP). Neither frees nor counts a block: the refcount
     * intents of the same chain do.
     */
    void recoverIntent(LogIntent.Bmap bui) throws FsException {
        XfsInode in = fs.iget(bui.owner());
        Corrupt.check(FileType.ofMode(in.di_mode()) == FileType.REGULAR, "log: BUI %d: inode %d is not a regular file",
                bui.id(), in.ino());
        fs.log().run(h -> {
            h.cp.intents.add(bui.done());
            h.cp.bytes.addAndGet(16 + 64);
            in.ilock.lockExclusive();
            try {
                reserve(0);
                List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
                if (bui.unmap()) {
                    ExtentList.remove(ext, bui.startoff(), bui.length());
                } else {
                    BmapExtent[] at = new BmapExtent[1];
                    long n = ExtentList.run(ext, bui.startoff(), bui.length(), at);
                    Corrupt.check(at[0] == null && n == bui.length(), "log: BUI %d: inode %d: file blocks [%d, +%d]"
                            + " are not a hole", bui.id(), in.ino(), bui.startoff(), bui.length());
                    ExtentList.add(ext, new BmapExtent(bui.startoff(), bui.startblock(), bui.length(), false));
                }
                save(in, ext);
            } finally {
                in.ilock.unlockExclusive();
            }
            return null;
        });
    }

    /** Writes the new extent list into the fork and the inode, one step under the inode's monitor (caller holds the ILOCK). */
    private void save(XfsInode in, List<BmapExtent> ext) throws FsException {
        XfsMutations m = m();
        synchronized (in) {
            m.forks().persist(in, ext);
            fs.cacheExtents(in, ext);
            m.writeInode(in);
        }
    }

    /** The engine's i_size and times, written into the inode (xfs_setfilesize). */
    void setSize(XfsInode in, long size, Instant mtime, Instant ctime) throws FsException {
        XfsMutations mu = m();
        fs.log().run(h -> {
            // Times alone are not what fdatasync must make durable (XFS_ILOG_TIMESTAMP).
            mu.changeInode(in, size != in.di_size(), i -> {
                i.di_size(size);
                i.mtime(mtime);
                i.ctime(ctime);
            });
            return null;
        });
    }

    /** xfs_fs_dirty_inode: the inode's core as it is in core, logged in a transaction of its own. */
    void writeInode(XfsInode in) throws FsException {
        XfsMutations mu = m();
        fs.log().run(h -> {
            mu.changeInode(in, false, i -> { });
            return null;
        });
    }

    /**
     * xfs_vn_update_time(S_ATIME): the access time alone, logged as a timestamp change, which
     * fdatasync does not wait for; under lazytime a directory's or symbolic link's is kept in the
     * in-core inode (generic_update_time's I_DIRTY_TIME) and logged with its core's next logging,
     * fsync, sync, unmount or eviction.
     */
    void setAtime(XfsInode in, Instant atime) throws FsException {
        if (in.space == null && fs.keepAtime(in, atime)) {
            return;
        }
        XfsMutations mu = m();
        fs.log().run(h -> {
            mu.changeInode(in, false, i -> i.atime(atime));
            return null;
        });
    }

    /**
     * Truncate down (xfs_itruncate_extents): the blocks wholly beyond {@code newSize} leave the
     * mapping with the new size in one transaction, and are freed as it ends, in its checkpoint.
     */
    void truncate(XfsInode in, long newSize, Instant now) throws FsException {
        XfsMutations mu = m();
        fs.log().op(h -> {
            in.ilock.lockExclusive();
            try {
                synchronized (in) {
                    mu.freeBeyond(in, newSize);
                    setSize(in, newSize, now, now);
                }
                // xfs_itruncate_extents: the CoW fork's blocks past the new EOF go too.
                cancelCowToEnd(in, (newSize + disk.blockSize() - 1) >>> disk.blockLog(), mu.space());
            } finally {
                in.ilock.unlockExclusive();
            }
            return null;
        });
    }

    /**
     * xfs_swap_extents without an rmapbt (xfs_swap_extent_forks): under both ILOCKs (by inode
     * number) in one transaction, after its checks in Linux's order — the whole of both files
     * (EFAULT), forks that can change places (xfs_swap_extents_check_format: EINVAL), the target's
     * times as the caller read them (EBUSY) — the data forks change places with di_nextents and
     * di_nblocks (each keeping its attribute fork's blocks), and the reflink flags with them; sizes
     * and times stay. A B+tree fork's bmbt blocks move with it and are given their new owner
     * (xfs_swap_change_owner), a root laid out again for the other inode's fork size.
     */
    void swapExtents(XfsInode ip, XfsInode tip, long offset, long length, Instant ctime, Instant mtime) throws FsException {
        XfsMutations mu = m();
        fs.log().op(h -> {
            XfsInode first = ip.ino() < tip.ino() ? ip : tip;
            XfsInode second = first == ip ? tip : ip;
            first.ilock.lockExclusive();
            second.ilock.lockExclusive();
            try {
                if (offset != 0 || length != ip.space.size() || length != tip.space.size()) {
                    throw FsException.of(Errno.EFAULT, "xfs: XFS_IOC_SWAPEXT of %d+%d: inodes %d and %d are %d and %d bytes",
                            offset, length, ip.ino(), tip.ino(), ip.space.size(), tip.space.size());
                }
                checkSwapFormat(ip, tip);
                if (!ctime.equals(ip.space.ctime()) || !mtime.equals(ip.space.mtime())) {
                    throw FsException.of(Errno.EBUSY, "xfs: inode %d changed since its times were read", ip.ino());
                }
                cancelCowToEnd(tip, 0, mu.space());
                List<BmapExtent> mine = fs.extents(ip);
                List<BmapExtent> theirs = fs.extents(tip);
                List<List<Long>> myTree = mu.forks().levels(ip);
                List<List<Long>> theirTree = mu.forks().levels(tip);
                long myAttrBlocks = attrForkBlocks(ip);
                long theirAttrBlocks = attrForkBlocks(tip);
                synchronized (first) {
                    synchronized (second) {
                        byte[] myFork = ip.dataFork();
                        byte[] theirFork = tip.dataFork();
                        int myFormat = ip.di_format();
                        long myExtents = ip.di_nextents();
                        long myBlocks = ip.di_nblocks();
                        mu.forks().placeFork(ip, theirFork, tip.di_format(), tip.di_nextents());
                        mu.forks().placeFork(tip, myFork, myFormat, myExtents);
                        ip.di_nblocks(tip.di_nblocks() - theirAttrBlocks + myAttrBlocks);
                        tip.di_nblocks(myBlocks + theirAttrBlocks - myAttrBlocks);
                        mu.forks().changeOwner(myTree, tip);
                        mu.forks().changeOwner(theirTree, ip);
                        fs.cacheExtents(ip, theirs);
                        fs.cacheExtents(tip, mine);
                        long ipReflink = ip.di_flags2() & XfsInode.XFS_DIFLAG2_REFLINK;
                        long tipReflink = tip.di_flags2() & XfsInode.XFS_DIFLAG2_REFLINK;
                        ip.di_flags2(ip.di_flags2() & ~XfsInode.XFS_DIFLAG2_REFLINK | tipReflink);
                        tip.di_flags2(tip.di_flags2() & ~XfsInode.XFS_DIFLAG2_REFLINK | ipReflink);
                        // The CoW forks change places too (the donor's was given back first).
                        List<BmapExtent> myCow = new ArrayList<>(ip.cowFork);
                        ip.cowFork.clear();
                        ip.cowFork.addAll(tip.cowFork);
                        tip.cowFork.clear();
                        tip.cowFork.addAll(myCow);
                        cowChanged(ip);
                        cowChanged(tip);
                        // The data forks are logged (XFS_ILOG_DEXT/DBROOT): fdatasync of either forces them.
                        mu.changeInode(ip, true, i -> { });
                        mu.changeInode(tip, true, i -> { });
                    }
                }
            } finally {
                second.ilock.unlockExclusive();
                first.ilock.unlockExclusive();
            }
            return null;
        });
    }

    /**
     * The blocks of an inode's attribute fork, which stay with it (xfs_bmap_count_blocks of the
     * attribute fork): none for a local or absent one, the records' blocks for an extents one. A
     * B+tree attribute fork is not counted here: EOPNOTSUPP, said.
     */
    private static long attrForkBlocks(XfsInode in) throws FsException {
        if (in.di_forkoff() == 0 || in.di_anextents() == 0 || in.di_aformat() == XfsInode.FMT_LOCAL) {
            return 0;
        }
        if (in.di_aformat() != XfsInode.FMT_EXTENTS) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: inode %d: XFS_IOC_SWAPEXT beside an attribute fork in B+tree form",
                    in.ino());
        }
        long blocks = 0;
        int at = XfsInode.CORE_SIZE + in.di_forkoff() * 8;
        for (int i = 0; i < in.di_anextents(); i++) {
            blocks += BmapExtent.decode(in.raw, at + i * BmapExtent.SIZE).blockcount();
        }
        return blocks;
    }

    /**
     * xfs_swap_extents_check_format without quotas and an rmapbt: no local fork; the target with at
     * least the donor's extents; no extents-format target taking a B+tree; each side's records
     * fitting the other inode's fork when they are to stay inline, and a B+tree root fitting it and
     * having more records than would fit inline there.
     */
    private static void checkSwapFormat(XfsInode ip, XfsInode tip) throws FsException {
        int f = ip.di_format();
        int tf = tip.di_format();
        boolean ok = f != XfsInode.FMT_LOCAL && tf != XfsInode.FMT_LOCAL
                && ip.di_nextents() >= tip.di_nextents()
                && !(f == XfsInode.FMT_EXTENTS && tf == XfsInode.FMT_BTREE)
                && !(tf == XfsInode.FMT_EXTENTS && tip.di_nextents() > maxInline(ip))
                && !(f == XfsInode.FMT_EXTENTS && ip.di_nextents() > maxInline(tip))
                && !(tf == XfsInode.FMT_BTREE && (rootDoesNotFit(tip, ip) || tip.di_nextents() <= maxInline(ip)))
                && !(f == XfsInode.FMT_BTREE && (rootDoesNotFit(ip, tip) || ip.di_nextents() <= maxInline(tip)));
        if (!ok) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d (format %d, %d extents) and %d (format %d, %d extents) "
                    + "cannot exchange forks", ip.ino(), f, ip.di_nextents(), tip.ino(), tf, tip.di_nextents());
        }
    }

    /** XFS_IFORK_MAXEXT: the extent records the inode's data fork holds inline. */
    private static long maxInline(XfsInode in) {
        return in.dataForkSize() / BmapExtent.SIZE;
    }

    /** Whether {@code from}'s B+tree root (XFS_BMAP_BMDR_SPACE) is larger than {@code to}'s data fork beside an attribute fork. */
    private static boolean rootDoesNotFit(XfsInode from, XfsInode to) {
        int numrecs = Buf.be16(from.raw, XfsInode.CORE_SIZE + 2);
        return to.di_forkoff() != 0 && 4 + numrecs * 16 > to.di_forkoff() * 8;
    }

    /** xfs_file_fallocate for the modes Linux 6.1 XFS supports on DAX files; returns the new size. */
    long fallocate(XfsInode in, int mode, long offset, long length, long size) throws FsException {
        if (offset < 0 || length <= 0) {
            throw FsException.of(Errno.EINVAL, "xfs: fallocate offset %d length %d", offset, length);
        }
        int supported = Falloc.KEEP_SIZE | Falloc.PUNCH_HOLE | Falloc.COLLAPSE_RANGE | Falloc.ZERO_RANGE
                | Falloc.INSERT_RANGE | Falloc.UNSHARE_RANGE;
        if ((mode & ~supported) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: fallocate mode 0x%x not supported", mode);
        }
        if ((mode & Falloc.UNSHARE_RANGE) != 0) {
            // vfs_fallocate: unsharing goes with allocation only. xfs_file_fallocate then unshares
            // (xfs_reflink_unshare) and allocates the range as a plain fallocate does, the size too
            // unless KEEP_SIZE.
            if ((mode & ~(Falloc.UNSHARE_RANGE | Falloc.KEEP_SIZE)) != 0) {
                throw FsException.of(Errno.EINVAL, "xfs: fallocate mode 0x%x: unshare with another mode", mode);
            }
            unshare(in, offset, Math.min(offset + length, size));
            return fallocate(in, mode & ~Falloc.UNSHARE_RANGE, offset, length, size);
        }
        m();
        return fs.log().op(h -> fallocateLocked(in, mode, offset, length, size));
    }

    private long fallocateLocked(XfsInode in, int mode, long offset, long length, long size) throws FsException {
        int bs = disk.blockSize();
        int bl = disk.blockLog();
        in.ilock.lockExclusive();
        try {
            List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
            long end = offset + length;
            if ((mode & Falloc.PUNCH_HOLE) != 0) {
                if ((mode & Falloc.KEEP_SIZE) == 0) {
                    throw FsException.of(Errno.EOPNOTSUPP, "xfs: PUNCH_HOLE needs KEEP_SIZE");
                }
                m().space().reserve(XfsReservations.write(disk, 0), true);  // a punch inside an extent splits it
                removeWhole(ext, offset, end);
                save(in, ext);
                return size;
            }
            if ((mode & (Falloc.COLLAPSE_RANGE | Falloc.INSERT_RANGE)) != 0) {
                if ((offset | length) % bs != 0 || (mode & Falloc.KEEP_SIZE) != 0) {
                    throw FsException.of(Errno.EINVAL, "xfs: collapse/insert range %d+%d not block aligned", offset,
                            length);
                }
                // xfs_prepare_shift: CoW blocks past the shift would land at the wrong offsets.
                cancelCowToEnd(in, offset >>> bl, m().space());
                if ((mode & Falloc.COLLAPSE_RANGE) != 0) {
                    if (end >= size) {
                        throw FsException.of(Errno.EINVAL, "xfs: collapse range end %d beyond EOF %d", end, size);
                    }
                    m().space().reserve(XfsReservations.write(disk, 0), true);
                    removeWhole(ext, offset, end);
                    shift(ext, end >>> bl, -(length >>> bl));
                    save(in, ext);
                    return size - length;
                } else {
                    if (offset >= size) {
                        throw FsException.of(Errno.EINVAL, "xfs: insert range offset %d at or beyond EOF %d", offset, size);
                    }
                    if (size + length > maxBytes() || size + length < 0) {
                        throw FsException.of(Errno.EFBIG, "xfs: insert range would grow the file past the limit");
                    }
                    m().space().reserve(XfsReservations.write(disk, 0), false);
                    shift(ext, offset >>> bl, length >>> bl);
                    save(in, ext);
                    return size + length;
                }
            }
            // mode 0 / KEEP_SIZE / ZERO_RANGE: unwritten extents over every hole in the range, the
            // whole of them reserved first so that no allocation fails once blocks are taken.
            long first = offset >>> bl;
            long last = (end + bs - 1) >>> bl;
            if ((mode & Falloc.ZERO_RANGE) != 0) {
                // xfs_zero_file_space: a punch that completes, then an allocation of its own.
                m().space().reserve(XfsReservations.write(disk, 0), true);
                removeWhole(ext, offset, end);
                save(in, ext);
            }
            // An extent size hint rounds each allocation out to whole hints: the holes of the range
            // so rounded are the most it can take.
            long hint = in.extsizeHint();
            reserve(hint == 0 ? holes(ext, first, last) : holes(ext, first / hint * hint, Math.ceilDiv(last, hint) * hint));
            long cur = first;
            while (cur < last) {
                Iomap m = XfsIomap.map(disk, ext, cur << bl, (last - cur) << bl);
                long n = m.length() >>> bl;
                if (m.type() == IomapType.HOLE) {
                    BmapExtent got = DataAlloc.allocate(disk, m().space(), fs.dataAlignment(), in, ext, cur, n, false, true);
                    ExtentList.add(ext, got);
                    n = got.endoff() - cur;
                }
                cur += n;
            }
            synchronized (in) {
                in.di_flags(in.di_flags() | XFS_DIFLAG_PREALLOC); // xfs_update_prealloc_flags
                save(in, ext);
            }
            return (mode & Falloc.KEEP_SIZE) == 0 && end > size ? end : size;
        } finally {
            in.ilock.unlockExclusive();
        }
    }

    /**
     * The transaction reservation of an allocation (XFS_DIOSTRAT_SPACE_RES: the blocks plus a bmbt
     * split at every level): ENOSPC when users may not have that many, even if part would fit —
     * which is why a large write comes back short and a small one after it can still succeed.
     */
    private void reserve(long blocks) throws FsException {
        m().space().reserve(XfsReservations.write(disk, blocks), false);
    }

    /** The blocks of {@code [first, last)} no extent maps. */
    private long holes(List<BmapExtent> ext, long first, long last) throws FsException {
        long n = 0;
        for (long cur = first; cur < last; ) {
            Iomap m = XfsIomap.map(disk, ext, cur << disk.blockLog(), (last - cur) << disk.blockLog());
            long len = m.length() >>> disk.blockLog();
            if (m.type() == IomapType.HOLE) {
                n += len;
            }
            cur += len;
        }
        return n;
    }

    static final int XFS_DIFLAG_PREALLOC = 0x2;

    static long maxBytes() {
        return Long.MAX_VALUE;
    }

    /** Frees the blocks wholly inside {@code [start, end)}; partial blocks stay (the engine zeroes them). */
    private void removeWhole(List<BmapExtent> ext, long start, long end) throws FsException {
        int bl = disk.blockLog();
        long first = (start + disk.blockSize() - 1) >>> bl;
        long last = end >>> bl;
        if (last > first) {
            fs.log().handle().freeLater(ExtentList.remove(ext, first, last - first));
        }
    }

    /** Moves every mapping at or after file block {@code from} by {@code delta} blocks, splitting one that spans it. */
    private static void shift(List<BmapExtent> ext, long from, long delta) {
        List<BmapExtent> out = new ArrayList<>(ext.size() + 1);
        for (BmapExtent e : ext) {
            if (e.endoff() <= from) {
                out.add(e);
            } else if (e.startoff() >= from) {
                out.add(new BmapExtent(e.startoff() + delta, e.startblock(), e.blockcount(), e.unwritten()));
            } else {
                long head = from - e.startoff();
                out.add(new BmapExtent(e.startoff(), e.startblock(), head, e.unwritten()));
                out.add(new BmapExtent(from + delta, e.startblock() + head, e.blockcount() - head, e.unwritten()));
            }
        }
        ext.clear();
        ext.addAll(out);
    }
}
