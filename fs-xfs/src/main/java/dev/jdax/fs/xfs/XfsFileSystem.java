package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.InodeBirths;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.api.fs.XfsCounts;
import dev.jdax.api.fs.XfsGeometry;
import dev.jdax.api.fs.XfsInodeGroup;
import dev.jdax.iomap.AddressSpace;
import dev.jdax.iomap.CoarseClock;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.LockingModel;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A mounted XFS v5 file system: Linux's {@code fs/xfs} on its format. Reads inodes by number
 * (xfs_imap), directories in every form, symlinks, and maps file data through {@link XfsIomap}.
 * No lock covers the whole file system: the VFS locks directories and inodes (the IOLOCK is
 * {@code i_rwsem}), the ILOCK each inode's core and extents, {@link XfsSpace} each AG.
 */
final class XfsFileSystem implements SuperBlock {
    static final long XFS_SUPER_MAGIC = 0x58465342L;

    private final XfsFileSystemType type;
    private final XfsDisk disk;
    private final MountOptions options;
    private final boolean readOnly;
    /** The inodes whose CoW fork holds blocks, which unmount gives back. */
    final Set<XfsInode> withCowBlocks = ConcurrentHashMap.newKeySet();
    /** The scan that gives idle CoW forks' blocks back; on writable mounts. */
    private volatile CowBlockgc blockgc;
    /** A read-only mount's shared extents, read on first use. */
    private volatile SharedExtents[] readOnlyShared;
    private final XfsFileOps fileOps;
    private final DaxMode daxMode;
    private final DaxMount daxMount;
    private final DataAlignment dataAlignment;
    private final XfsLog.Opened opened;
    /** m_growlock's part here: held while the secondary superblocks are written. */
    private final Object secondaries = new Object();
    private XfsMutations mutations;
    private XfsTrans log;
    private boolean closed;
    /** Why a mount asked read-write is read-only (a feature jdax does not keep), or null. */
    volatile String readOnlyReason;

    XfsFileSystem(XfsFileSystemType type, XfsDisk disk, MountOptions options, XfsLog.Opened opened) throws FsException {
        this.opened = opened;
        // xfs_setup_dax_always: blocks smaller than a page turn DAX off (the mount goes on).
        DaxMode asked = DaxMode.parse(options);
        this.daxMode = disk.blockSize() == DaxDevice.PAGE_SIZE ? asked : DaxMode.NEVER;
        this.type = type;
        this.disk = disk;
        this.options = options;
        this.dataAlignment = DataAlignment.of(disk.sb(), options);
        this.readOnly = options.readOnly();
        this.fileOps = new XfsFileOps(this);
        this.daxMount = new DaxMount(disk.device(), options, LockingModel.XFS_IOLOCK_MMAPLOCK);
    }

    /**
     * Makes the mount writable: the log continued where the mount found it (stale blocks past its
     * head cleared), every AG's headers and trees loaded and checked, then what recovery leaves to a
     * live file system (xlog_recover_finish): the intents without their done items, in log order, and
     * the inodes a crash left on the unlinked lists. A mount that only finishes recovery for a
     * read-only one ({@code recoveryOnly}) leaves the CoW staging records be, as Linux frees them
     * only on writable mounts (xfs_reflink_recover_cow), and has no blockgc.
     */
    void enableWrites(XfsLog xlog, boolean recoveryOnly) throws FsException {
        LogWriter w = xlog.writer(opened.position());
        w.clearStale();
        XfsTrans t = new XfsTrans(w, new MetaCache(disk));
        try {
            disk.logging(t);
            XfsSpace space = new XfsSpace(disk);
            t.space(space);
            log = t;
            mutations = new XfsMutations(this, disk, space);
            for (LogIntent i : opened.intents()) {
                switch (i) {
                    case LogIntent.Free efi -> t.recoverIntent(efi);
                    case LogIntent.Refcount cui -> t.recoverIntent(cui);
                    case LogIntent.Bmap bui -> fileOps.recoverIntent(bui);
                }
            }
            mutations.unlinked().recover();
            if (!recoveryOnly) {
                t.run(h -> space.recoverCowStaging());
                CowBlockgc gc = new CowBlockgc(this);
                blockgc = gc;
                t.spaceFlush(gc::flushAll);
            }
        } catch (FsException | RuntimeException e) {
            t.abandon();
            throw e;
        }
    }

    /**
     * {@link SharedExtents#run} at {@code fsb}: from the allocators' index on a writable mount, from
     * the refcount B+trees, read once, on a read-only one.
     */
    long[] sharedRun(long fsb, long count) throws FsException {
        XfsMutations mu = mutations;
        if (mu != null) {
            return mu.space().sharedRun(fsb, count);
        }
        SharedExtents[] ro = readOnlyShared;
        if (ro == null) {
            synchronized (this) {
                ro = readOnlyShared;
                if (ro == null) {
                    ro = new SharedExtents[(int) disk.agcount()];
                    for (int agno = 0; agno < ro.length; agno++) {
                        ro[agno] = XfsAg.readShared(disk, agno);
                    }
                    readOnlyShared = ro;
                }
            }
        }
        return ro[(int) disk.agno(fsb)].run(disk.agbno(fsb), count);
    }

    /** The stripe geometry file data is aligned to on this mount. */
    DataAlignment dataAlignment() {
        return dataAlignment;
    }

    /** What the mount found in the log. */
    XfsLog.Opened opened() {
        return opened;
    }

    /** The transactions of a writable mount; null when read-only. */
    XfsTrans log() {
        return log;
    }

    @Override
    public String readOnlyReason() {
        return readOnlyReason;
    }

    XfsMutations writer(String op) throws FsException {
        if (readOnly || mutations == null) {
            throw FsException.of(Errno.EROFS, "xfs: %s: read-only mount%s", op,
                    readOnlyReason == null ? "" : " (mounted read-only: " + readOnlyReason + ")");
        }
        return mutations;
    }

    XfsMutations mutations() {
        return mutations;
    }

    DaxMode daxMode() {
        return daxMode;
    }

    XfsDisk disk() {
        return disk;
    }

    XfsFileOps fileOps() {
        return fileOps;
    }

    // ---- inodes -----------------------------------------------------------------------------------

    @Override
    public XfsInode iget(long ino) throws FsException {
        XfsInode in = readInode(ino);
        if (in.di_mode() == 0) {
            throw FsException.of(Errno.ESTALE, "xfs: inode %d is free", ino);
        }
        adopt(in);
        return in;
    }

    /** The inode's bytes as the file system sees them (the log's cache first), verified. */
    XfsInode readInode(long ino) throws FsException {
        Corrupt.check(disk.inoValid(ino), "inode number %d out of range", ino);
        return XfsInode.decode(ino, disk.readInode(ino), disk.sb().metaUuid());
    }

    /**
     * xfs_nfs_get_inode (xfs_iget with XFS_IGET_UNTRUSTED): a number a program gave names a file
     * only when the inode B+tree has it allocated and it is in use; else ESTALE (the EINVAL and
     * ENOENT Linux translates). Linux 6.1 also hands out the realtime bitmap and summary and the
     * quota inodes this way; jdax refuses them as xfs_internal_inum names them for bulkstat: a
     * program that wrote into them would corrupt the file system.
     */
    @Override
    public XfsInode igetByNumber(long ino) throws FsException {
        XfsSuperblock sb = disk.sb();
        String why = !disk.inoValid(ino) ? "is outside the inode space"
                : sb.isRealtimeInode(ino) ? "is the realtime bitmap or summary, not a file"
                : sb.isQuotaInode(ino) ? "is a quota inode, not a file"
                : xfsBulkstatNext(ino) != ino ? "is not in use" : null;
        if (why != null) {
            throw FsException.of(Errno.ESTALE, "xfs: inode %s %s", Long.toUnsignedString(ino), why);
        }
        return iget(ino);
    }

    /** Makes an inode read or made by this mount an in-core one: its DAX state, its address space. */
    void adopt(XfsInode in) {
        in.fs = this;
        in.sDax = daxMode.enables(in);
        if (FileType.ofMode(in.di_mode()) == FileType.REGULAR) {
            in.space = daxMount.newAddressSpace(in, new XfsFile(this, in), in.di_size(), in.atime(), in.mtime(), in.ctime());
        }
    }

    /** The data fork's extents (read on first use). */
    List<BmapExtent> extents(XfsInode in) throws FsException {
        List<BmapExtent> e = in.extents;
        if (e == null) {
            synchronized (in) {
                e = in.extents;
                if (e == null) {
                    e = in.di_format() == XfsInode.FMT_LOCAL || in.di_format() == XfsInode.FMT_DEV ? List.of()
                            : List.copyOf(XfsBmap.read(disk, in));
                    in.extents = e;
                }
            }
        }
        return e;
    }

    /** The extent list changed (under the ILOCK): kept in core as it is now. */
    void cacheExtents(XfsInode in, List<BmapExtent> ext) {
        in.extents = List.copyOf(ext);
        in.lookupIndex = null; // of the list replaced: kept would only hold it in memory
    }

    /**
     * Changes fields of the inode and logs it with its CRC: one step under the inode's monitor, so
     * the bytes logged always match their CRC whichever lock the change was made under. An fsync
     * of the inode forces the log up to this transaction; an fdatasync too when {@code data}.
     */
    void changeInode(XfsInode in, Consumer<XfsInode> change) throws FsException {
        changeInode(in, true, change);
    }

    void changeInode(XfsInode in, boolean data, Consumer<XfsInode> change) throws FsException {
        logInode(in, true, data, change);
    }

    /**
     * xfs_iunlink_update_dinode: only the unlinked pointer changes, logged in the inode's cluster
     * buffer as Linux logs it, not with the inode core.
     */
    void changeNextUnlinked(XfsInode in, long next) throws FsException {
        logInode(in, false, false, i -> i.di_next_unlinked(next));
    }

    /**
     * Changes and logs the inode. Its CRC is not summed here: the cache sums it once when the bytes
     * leave it (frozen into the log, copied to a reader), as Linux sums an inode at xfs_iflush, so
     * {@code in.raw}'s CRC field is stale after a change.
     */
    private void logInode(XfsInode in, boolean core, boolean data, Consumer<XfsInode> change) throws FsException {
        long seq = log.handle().seq();
        synchronized (in) {
            // xfs_inode_to_log_dinode logs the in-core timestamps: the ones lazytime kept go with the core.
            AddressSpace.Times kept = core && daxMount.lazytime() && in.space != null ? in.space.takeDirtyTimes() : null;
            if (kept != null) {
                in.atime(kept.atime());
                in.mtime(kept.mtime());
                in.ctime(kept.ctime());
            }
            if (core && daxMount.lazytime()) {
                daxMount.written(in.ino(), in); // a directory's or link's kept access time is in the core logged now
            }
            change.accept(in);
            disk.writeInode(in.ino(), in.raw, core, !core);
            in.syncSeq = Math.max(in.syncSeq, seq);
            if (data) {
                in.dataSyncSeq = Math.max(in.dataSyncSeq, seq);
            }
        }
    }

    /** A file's CoW fork took blocks it had none of (xfs_inode_set_cowblocks_tag). */
    void cowBlocksTagged(XfsInode in) {
        if (withCowBlocks.add(in)) {
            CowBlockgc gc = blockgc;
            if (gc != null) {
                gc.tagged();
            }
        }
    }

    /** xfs_inactive: the last reference to an unlinked inode frees it; a linked one only leaves core. */
    void evict(XfsInode in) throws FsException {
        if (in.cowBlocks != 0 && mutations != null && !readOnly) {
            fileOps.cancelCow(in, 0);
        }
        if (in.space != null && !readOnly) {
            in.space.evicted(in.di_nlink() > 0);
        } else if (in.di_nlink() > 0 && !readOnly) {
            in.writeDirtyTimes();
        } else {
            daxMount.written(in.ino(), in); // freed: a kept access time goes with it
        }
        if (in.di_nlink() == 0 && mutations != null && !readOnly) {
            log.run(h -> {
                mutations.destroy(in);
                return null;
            });
        }
    }

    /**
     * FS_IOC_FSSETXATTR's extent size hint (xfs_ioctl_setattr_check_extsize,
     * xfs_inode_validate_extsize): whole blocks, at most an extent's length and half an AG. A
     * regular file with extents keeps the hint it has; a directory's (XFS_DIFLAG_EXTSZINHERIT, the
     * hint its new files and directories inherit) changes at any time. 0 clears the hint and its flag.
     */
    void setExtsize(XfsInode in, long bytes) throws FsException {
        XfsMutations m = writer("setattr");
        long blocks = bytes >>> disk.blockLog();
        if (bytes < 0 || (bytes & (disk.blockSize() - 1)) != 0 || blocks > BmapExtent.MAX_BLOCKCOUNT
                || blocks > disk.agblocks() / 2) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d: extent size hint of %d bytes: not whole %d-byte blocks, "
                    + "or more than %d blocks", in.ino(), bytes, disk.blockSize(),
                    Math.min(BmapExtent.MAX_BLOCKCOUNT, disk.agblocks() / 2));
        }
        int flag = in.isDir() ? XfsInode.XFS_DIFLAG_EXTSZINHERIT : XfsInode.XFS_DIFLAG_EXTSIZE;
        changeAttributes(in, i -> {
            if (!i.isDir() && !extents(i).isEmpty() && i.di_extsize() != blocks) {
                throw FsException.of(Errno.EINVAL, "xfs: inode %d has extents: its extent size hint stays %d bytes",
                        i.ino(), i.di_extsize() << disk.blockLog());
            }
        }, i -> {
            int f = i.di_flags();
            i.di_flags(blocks != 0 ? f | flag : f & ~flag);
            i.di_extsize(blocks);
        });
    }

    /** FS_IOC_FSSETXATTR's DAX bit: stored now, in effect once the inode is evicted and read again. */
    void setDaxFlag(XfsInode in, boolean dax) throws FsException {
        changeAttributes(in, i -> {
            long f2 = i.di_flags2();
            i.di_flags2(dax ? f2 | XfsInode.XFS_DIFLAG2_DAX : f2 & ~XfsInode.XFS_DIFLAG2_DAX);
        });
        in.dontCache = true;
    }

    /**
     * FS_IOC_FSSETXATTR's immutable, append-only, sync, noatime, nodump, no-defrag and filestream
     * flags, and a directory's proj-inherit, nosymlinks and rt-inherit (xfs_flags2diflags drops
     * those from other inodes without a word, and prealloc and has-xattr from all): di_flags holds
     * them as the same bits, changed in one logged transaction with the ctime. Realtime is EINVAL
     * without a realtime section (xfs_ioctl_setattr_xflags); jdax mounts none. Otherwise XFS refuses
     * no change here; the VFS has checked what it checks. (Linux's filestreams allocator places a
     * flagged directory's files in one AG; jdax allocates as without the flag, which no output of
     * the allocator's callers shows.)
     */
    void setInodeFlags(XfsInode in, int xflags) throws FsException {
        if ((xflags & FsxAttr.FS_XFLAG_REALTIME) != 0) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d: realtime flag without a realtime section", in.ino());
        }
        int dirOnly = FsxAttr.FS_XFLAG_PROJINHERIT | FsxAttr.FS_XFLAG_NOSYMLINKS | FsxAttr.FS_XFLAG_RTINHERIT;
        int all = InodeFlags.CHATTR | FsxAttr.FS_XFLAG_NODEFRAG | FsxAttr.FS_XFLAG_FILESTREAM | dirOnly;
        int kept = xflags & all & (in.type() == FileType.DIRECTORY ? -1 : ~dirOnly);
        changeAttributes(in, i -> i.di_flags(i.di_flags() & ~all | kept));
    }

    /**
     * An attribute change (flags, DAX bit, extent size hint, project id) in one logged transaction
     * with a new ctime, which the engine's copy of the times then takes too, so that stat shows it.
     */
    private void changeAttributes(XfsInode in, Consumer<XfsInode> change) throws FsException {
        changeAttributes(in, i -> { }, change);
    }

    /** The same, refused by {@code check} when the inode, seen under its ilock, does not allow it. */
    private void changeAttributes(XfsInode in, AttributeCheck check, Consumer<XfsInode> change) throws FsException {
        XfsMutations m = writer("setattr");
        Instant now = CoarseClock.now(1);
        log.run(h -> {
            in.ilock.lockExclusive();
            try {
                check.verify(in);
                m.changeInode(in, i -> {
                    change.accept(i);
                    i.ctime(now);
                });
            } finally {
                in.ilock.unlockExclusive();
            }
            return null;
        });
        if (in.space != null) {
            in.space.timesSet(null, null, now);
        }
    }

    /** A precondition of an attribute change, checked inside its transaction. */
    private interface AttributeCheck {
        void verify(XfsInode in) throws FsException;
    }

    /**
     * FS_IOC_FSSETXATTR's project id (xfs_fileattr_set): above 65535 only with 32-bit project ids
     * (xfs_ioctl_setattr_check_projid, EINVAL), stored in di_projid_lo/hi with the ctime in one
     * logged transaction. An immutable inode takes it too (Linux 6.1 measured). jdax mounts no
     * project quota, so no dquot moves (xfs_qm_vop_chown runs only with it on).
     */
    void setProjid(XfsInode in, int projid) throws FsException {
        if (Integer.compareUnsigned(projid, 0xffff) > 0 && !disk.sb().hasProjid32()) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d: project id %d needs 32-bit project ids (projid32bit=0)",
                    in.ino(), Integer.toUnsignedLong(projid));
        }
        changeAttributes(in, i -> i.di_projid(projid));
    }

    /**
     * FS_IOC_FSSETXATTR's CoW extent size hint (xfs_fileattr_set): XFS_DIFLAG2_COWEXTSIZE and
     * di_cowextsize in blocks, with the ctime, in one logged transaction; refused with EINVAL as
     * xfs_inode_validate_cowextsize refuses it: without reflink, not whole blocks, longer than half
     * an AG or than an extent can be, or a size without the flag. jdax shares no blocks, so the hint
     * is kept and reported, and places nothing (Linux sizes its CoW staging extents by it).
     */
    void setCowextsize(XfsInode in, boolean flag, long bytes) throws FsException {
        long blocks = bytes >> disk.blockLog();
        boolean bad = flag && !disk.sb().hasReflink() || (bytes & (disk.blockSize() - 1)) != 0
                || blocks > BmapExtent.MAX_BLOCKCOUNT || blocks > disk.agblocks() / 2 || !flag && bytes != 0;
        if (bad) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d: CoW extent size hint of %d bytes%s", in.ino(), bytes,
                    flag ? "" : " without its flag");
        }
        changeAttributes(in, i -> {
            i.di_flags2(flag ? i.di_flags2() | XfsInode.XFS_DIFLAG2_COWEXTSIZE : i.di_flags2() & ~XfsInode.XFS_DIFLAG2_COWEXTSIZE);
            i.di_cowextsize(flag ? blocks : 0);
        });
    }

    /** xfs_getbmap's source for an inode opened as a directory: its data fork's records; a local fork has none. */
    List<FiemapExtent> dataForkExtents(XfsInode in) throws FsException {
        List<FiemapExtent> out = new ArrayList<>();
        in.ilock.lockShared();
        try {
            for (BmapExtent e : extents(in)) {
                out.add(new FiemapExtent(e.startoff() << disk.blockLog(), disk.fsbToByte(e.startblock()),
                        e.blockcount() << disk.blockLog(), e.unwritten() ? FiemapExtent.UNWRITTEN : 0));
            }
        } finally {
            in.ilock.unlockShared();
        }
        return out;
    }

    /** FS_IOC_FSGETXATTR (xfs_fill_fsxattr): the on-disk flags, sizes in bytes, extent counts. */
    FsxAttr fsxattr(XfsInode in) {
        int x = in.di_flags() & 0x7fff;      // XFS_DIFLAG_* and FS_XFLAG_* share these bits
        if ((in.di_flags2() & XfsInode.XFS_DIFLAG2_DAX) != 0) {
            x |= FsxAttr.FS_XFLAG_DAX;
        }
        if ((in.di_flags2() & XfsInode.XFS_DIFLAG2_COWEXTSIZE) != 0) {
            x |= 0x10000;                     // FS_XFLAG_COWEXTSIZE
        }
        if (in.di_forkoff() != 0) {
            x |= 0x80000000;                  // FS_XFLAG_HASATTR
        }
        // xfs_fill_fsxattr counts an in-core fork's records as its bytes over the 16 of an extent
        // record, even in a local (inline) fork: a short-form directory of 18 bytes says 1 extent.
        long nextents = in.di_format() == XfsInode.FMT_LOCAL ? in.di_size() / 16 : in.di_nextents();
        return new FsxAttr(x, (int) (in.di_extsize() << disk.blockLog()), (int) (in.di_cowextsize() << disk.blockLog()),
                (int) nextents, in.di_anextents(), in.di_projid());
    }

    // ---- directories and links ------------------------------------------------------------------

    private void requireDir(XfsInode in) throws FsException {
        if (!in.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "xfs: inode %d is not a directory", in.ino());
        }
    }

    List<DirRecord> dirRecords(XfsInode in) throws FsException {
        requireDir(in);
        return XfsDirs.read(disk, in, extents(in));
    }

    long lookup(XfsInode dir, String name) throws FsException {
        requireDir(dir);
        long found = DirLookup.find(disk, dir, extents(dir), name.getBytes(StandardCharsets.UTF_8));
        return found < 0 ? Vnode.NO_INO : found;
    }

    /** Whether lazytime keeps {@code in}'s access time in core, not yet logged. */
    boolean keepsTimes(XfsInode in) {
        return daxMount.keeps(in.ino(), in);
    }

    /** Under lazytime, a directory's or symbolic link's access time kept in core; {@return false without lazytime} */
    boolean keepAtime(XfsInode in, Instant atime) {
        return daxMount.keepAtime(in.ino(), in, () -> in.keepAtime(atime));
    }

    DirStream getdents(XfsInode dir) throws FsException {
        requireDir(dir);
        return XfsDirs.getdents(disk, dir, extents(dir));
    }

    List<DirEntry> readdir(XfsInode dir) throws FsException {
        List<DirEntry> out = new ArrayList<>();
        for (DirRecord r : dirRecords(dir)) {
            if (!r.isDot()) {
                out.add(new DirEntry(r.nameString(), r.ino(), r.fileType()));
            }
        }
        return out;
    }

    String readlink(XfsInode in) throws FsException {
        if (!in.isSymlink()) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d is not a symlink", in.ino());
        }
        return XfsSymlinks.read(disk, in, extents(in));
    }

    StatInfo statOf(XfsInode in) {
        long attrs = InodeFlags.statxAttributes(in.inodeFlags());
        if (in.sDax) attrs |= StatInfo.STATX_ATTR_DAX;
        long rdev = in.di_format() == XfsInode.FMT_DEV ? DeviceNumbers.sysvDecode((int) Buf.be32(in.raw, XfsInode.CORE_SIZE)) : 0;
        return new StatInfo(in.ino(), in.di_mode(), in.di_nlink(), in.di_uid(), in.di_gid(), rdev, in.size(),
                (in.di_nblocks() + in.cowBlocks) << (disk.blockLog() - 9), disk.blockSize(),
                in.space != null ? in.space.atime() : in.atime(),
                in.space != null ? in.space.mtime() : in.mtime(), in.space != null ? in.space.ctime() : in.ctime(),
                in.crtime(), attrs);
    }

    /**
     * xfs_bulkstat_one_int's record of {@code in}: the times in core (the engine's, for a file it
     * has), sizes and counts from the inode; the CoW extent size only when the inode has one set
     * (XFS_DIFLAG2_COWEXTSIZE), and blocks and rdev by the data fork's format. Linux 6.1 fills
     * one buffer for every inode of a batch and sets bs_cowextsize_blks only under that flag, so
     * an inode without one reports the one before it in the batch; here it is 0 (a declared
     * difference of scenario bulkstat).
     */
    XfsBulkstat bulkstatOf(XfsInode in) {
        StatInfo st = statOf(in);
        int format = in.di_format();
        boolean blocks = format == XfsInode.FMT_EXTENTS || format == XfsInode.FMT_BTREE;
        boolean dev = format == XfsInode.FMT_DEV;
        long cowextsize = (in.di_flags2() & XfsInode.XFS_DIFLAG2_COWEXTSIZE) != 0 ? in.di_cowextsize() : 0;
        return new XfsBulkstat(in.ino(), st.size(), blocks ? in.di_nblocks() + in.cowBlocks : 0, Integer.toUnsignedLong(fsxattr(in).xflags()),
                st.atime(), st.mtime(), st.ctime(), st.btime(), in.di_gen(), in.di_uid(), in.di_gid(),
                Integer.toUnsignedLong(in.di_projid()), dev ? BLKDEV_IOSIZE : disk.blockSize(),
                dev ? Buf.be32(in.raw, XfsInode.CORE_SIZE) : 0, cowextsize, in.di_extsize(), in.di_nlink(),
                format == XfsInode.FMT_LOCAL ? 0 : in.di_nextents(), in.di_anextents(), in.di_forkoff() << 3, in.di_mode());
    }

    /** An inode nobody holds, read as XFS_IGET_DONTCACHE reads it: bulkstat's record, nothing kept. */
    @Override
    public XfsBulkstat xfsBulkstat(long ino) throws FsException {
        XfsInode in = disk.inoValid(ino) ? readInode(ino) : null;
        if (in == null || in.di_mode() == 0) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %s is not in use", Long.toUnsignedString(ino));
        }
        return bulkstatOf(in);
    }

    /** BLKDEV_IOSIZE (xfs_linux.h): a device node's I/O size in bulkstat, the page size. */
    private static final int BLKDEV_IOSIZE = 4096;

    OpenFile open(XfsInode in, int flags) throws FsException {
        FileType t = FileType.ofMode(in.di_mode());
        if (t == FileType.DIRECTORY) {
            throw FsException.of(Errno.EISDIR, "xfs: inode %d is a directory", in.ino());
        }
        if (t != FileType.REGULAR) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d is not a regular file", in.ino());
        }
        return in.space.open(flags);
    }

    /**
     * fsync (xfs_file_fsync, xfs_fsync_flush_log): the log forced up to the last transaction that
     * changed the inode — for fdatasync the last that changed its size or mapping — then a fence
     * for the data the engine wrote back.
     */
    void fsync(XfsInode in, boolean dataOnly) throws FsException {
        long seq = dataOnly ? in.dataSyncSeq : in.syncSeq;
        if (log != null && seq > log.committedSeq()) {
            log.force(seq);
        }
        disk.device().fence();
    }

    // ---- SuperBlock ---------------------------------------------------------------------------------

    @Override
    public FileSystemType type() {
        return type;
    }

    @Override
    public DaxDevice device() {
        return disk.device();
    }

    @Override
    public MountOptions options() {
        return options;
    }

    /** xfs_file_remap_range: only where mkfs made the file system with reflink. */
    @Override
    public boolean remapsBlocks() {
        return (disk.sb().sb_features_ro_compat() & XfsSuperblock.RO_COMPAT_REFLINK) != 0;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public Instant currentTime() {
        return CoarseClock.now(1);
    }

    @Override
    public long rootIno() {
        return disk.sb().sb_rootino();
    }

    /** XFS_MAXLINK. */
    @Override
    public long maxLinks() {
        return (1L << 31) - 1;
    }

    /** xfs_vn_rename takes both flags (and RENAME_WHITEOUT, which jdax has no use for). */
    @Override
    public int renameFlags() {
        return dev.jdax.api.fs.OpenFlags.RENAME_NOREPLACE | dev.jdax.api.fs.OpenFlags.RENAME_EXCHANGE;
    }

    @Override
    public StatFs statfs() throws FsException {
        // xfs_fs_statfs: the log is not counted; free is what users may still allocate.
        XfsSuperblock sb = disk.sb();
        long logBlocks = sb.sb_logstart() != 0 ? sb.sb_logblocks() : 0;
        long bfree = mutations != null ? Math.max(0, XfsReservations.available(disk, mutations.space()))
                : Math.max(0, sb.sb_fdblocks() - XfsReservations.setAside(disk) - XfsReservations.reservePool(disk));
        long chunkBlocks = InobtRec.INODES / sb.sb_inopblock();
        long maxicount = (sb.sb_dblocks() * sb.sb_imax_pct() / 100 / chunkBlocks * chunkBlocks) << disk.inopblog();
        long files = Math.min(sb.sb_icount() + (bfree << disk.inopblog()), maxicount == 0 ? Long.MAX_VALUE : maxicount);
        files = Math.max(files, sb.sb_icount());
        long ffree = Math.max(0, files - (sb.sb_icount() - sb.sb_ifree()));
        return new StatFs(XFS_SUPER_MAGIC, disk.blockSize(), sb.sb_dblocks() - logBlocks, bfree, bfree, files, ffree,
                255);
    }

    @Override
    public int labelMax() {
        return XfsSuperblock.FNAME_LEN;
    }

    @Override
    public byte[] label() {
        return disk.sb().label();
    }

    /**
     * xfs_ioc_setlabel: sb_fname changed in core, the superblock logged in a synchronous
     * transaction, then written over every secondary superblock (xfs_update_secondary_sbs), so that
     * blkid and xfs_db, which read the device, see the new label at once. A secondary takes the
     * whole primary, its summed counters too, as Linux writes it; jdax's mkfs leaves them 0, as
     * mkfs.xfs does.
     */
    @Override
    public void setLabel(byte[] label) throws FsException {
        XfsMutations m = writer("FS_IOC_SETFSLABEL");
        XfsSuperblock sb = disk.sb();
        log.run(h -> {
            sb.label(label);
            m.writeSuperblockCounters();
            return null;
        });
        log.forceAll();
        // m_growlock: two label changes write the secondaries one after the other, each the
        // primary as it is then, so that the last one written holds the last label.
        synchronized (secondaries) {
            disk.writeSecondarySuperblocks(sb.sealed());
        }
    }

    @Override
    public XfsGeometry xfsGeometry() {
        XfsSuperblock sb = disk.sb();
        return new XfsGeometry(sb.sb_blocksize(), sb.sb_agblocks(), sb.sb_agcount(), sb.sb_dblocks(), sb.sb_rblocks(),
                sb.sb_rextents(), sb.sb_rextsize(), sb.sb_unit(), sb.sb_width(), sb.sb_inodesize());
    }

    /**
     * xfs_fs_counts, with one difference: Linux reads its per-CPU counters without their CPU-local
     * parts (percpu_counter_read_positive), so its figures lag by what each CPU has not folded in
     * yet; jdax sums them, and answers what statfs answers.
     */
    @Override
    public XfsCounts xfsCounts() throws FsException {
        XfsSuperblock sb = disk.sb();
        return new XfsCounts(statfs().bfree(), sb.sb_frextents(), sb.sb_ifree(), sb.sb_icount());
    }

    /**
     * xfs_inumbers: the chunks of every AG from {@code from}'s on. A writable mount reads the
     * records it keeps in core, under each AG's lock; a read-only one reads the inobt.
     */
    @Override
    public List<XfsInodeGroup> xfsInumbers(long from, int max) throws FsException {
        List<XfsInodeGroup> out = new ArrayList<>();
        long agcount = disk.sb().sb_agcount();
        for (long agno = disk.inoAgno(from), agino = disk.inoAgino(from); agno < agcount && out.size() < max;
             agno++, agino = 0) {
            List<InobtRec> chunks = mutations != null ? mutations.space().allocatedInodeChunks(agno, agino, max - out.size())
                    : AgInodes.readAllocatedFrom(disk, agno, agino, max - out.size());
            for (InobtRec r : chunks) {
                out.add(new XfsInodeGroup(disk.ino(agno, r.startino()), r.allocated()));
            }
        }
        return out;
    }

    /**
     * xfs_getfsmap: the free space of each AG's bnobt and the rest as unknown ({@link XfsFsmap}),
     * as Linux answers without a reverse-mapping B+tree (jdax makes none) — and on an image with
     * one (which jdax mounts read-only), as Linux answers a caller without CAP_SYS_ADMIN: jdax
     * does not read the rmapbt's owners. A writable mount reads the extents it keeps in core, each
     * AG under its lock; a read-only one reads the bnobt.
     */
    @Override
    public List<FsmapRecord> getfsmap(FsmapKeys keys) throws FsException {
        return new XfsFsmap(disk, mutations != null ? mutations.space() : null).query(keys);
    }

    /**
     * xfs_bulkstat's walk from {@code from}: the inumbers records, the allocated inodes in them
     * at or after {@code from}, xfs_internal_inum's skipped (jdax mounts no quota, so only the
     * realtime bitmap and summary are internal).
     */
    @Override
    public long xfsBulkstatNext(long from) throws FsException {
        XfsSuperblock sb = disk.sb();
        // The chunk that holds from first, alone: bulkstat asks this of every inode it reports (is
        // it one to report?), and the answer is nearly always in that chunk; a walk on past it
        // takes 16 chunks at a time.
        for (long at = from, batch = 1; ; batch = 16) {
            List<XfsInodeGroup> groups = xfsInumbers(at, (int) batch);
            if (groups.isEmpty()) {
                return -1;
            }
            for (XfsInodeGroup g : groups) {
                for (int i = 0; i < InobtRec.INODES; i++) {
                    long ino = g.startino() + i;
                    boolean reported = (g.allocmask() & (1L << i)) != 0 && !sb.isRealtimeInode(ino);
                    if (reported && Long.compareUnsigned(ino, from) >= 0) {
                        return ino;
                    }
                }
            }
            at = groups.getLast().startino() + InobtRec.INODES;
        }
    }

    @Override
    public long statxAttributesMask() {
        return StatInfo.STATX_ATTR_IMMUTABLE | StatInfo.STATX_ATTR_APPEND | StatInfo.STATX_ATTR_NODUMP;
    }

    /** xfs_fs_sync_fs: a log force; the lazy counters stay in core (recovery sums them after a crash). */
    /** Where a create says which inode number it took, before it writes the inode ({@link InodeBirths}). */
    volatile InodeBirths births = InodeBirths.NONE;

    @Override
    public void births(InodeBirths births) {
        this.births = births;
    }

    @Override
    public void sync() throws FsException {
        if (log != null && !closed) {
            daxMount.writeDirtyTimes();
            log.forceAll();
        }
        disk.device().fence();
    }

    @Override
    public MountCounters counters() {
        return daxMount.counters();
    }

    /**
     * Unmount (xfs_log_unmount): the superblock with its counters logged (xfs_log_sbcount), the log
     * forced, everything home, and an unmount record, so that the log is clean for Linux and xfsprogs.
     */
    @Override
    public synchronized void close() throws FsException {
        if (!closed) {
            if (log != null) {
                if (blockgc != null) {
                    blockgc.stop();
                }
                daxMount.writeDirtyTimes(); // before the unmount record: what lazytime kept goes into the log
                // Unmount evicts every inode: their CoW forks' blocks go back (xfs_inactive).
                for (XfsInode in : List.copyOf(withCowBlocks)) {
                    fileOps.cancelCow(in, 0);
                }
            }
            closed = true;
            if (log != null) {
                log.unmount(h -> {
                    mutations.writeSuperblockCounters();
                    return null;
                });
            }
            disk.device().fence();
        }
    }
}
