package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.LockingModel;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    private final XfsFileOps fileOps;
    private final DaxMode daxMode;
    private final DaxMount daxMount;
    private XfsMutations mutations;
    private boolean closed;

    XfsFileSystem(XfsFileSystemType type, XfsDisk disk, MountOptions options) throws FsException {
        // xfs_setup_dax_always: blocks smaller than a page turn DAX off (the mount goes on).
        DaxMode asked = DaxMode.parse(options);
        this.daxMode = disk.blockSize() == DaxDevice.PAGE_SIZE ? asked : DaxMode.NEVER;
        this.type = type;
        this.disk = disk;
        this.options = options;
        this.readOnly = options.readOnly();
        this.fileOps = new XfsFileOps(this);
        this.daxMount = new DaxMount(disk.device(), options, LockingModel.XFS_IOLOCK_MMAPLOCK);
    }

    /** Makes the mount writable: loads and checks every AG's headers and trees, frees what a crash left unlinked. */
    void enableWrites() throws FsException {
        mutations = new XfsMutations(this, disk, new XfsSpace(disk));
        mutations.unlinked().recover();
    }

    XfsMutations writer(String op) throws FsException {
        if (readOnly || mutations == null) {
            throw FsException.of(Errno.EROFS, "xfs: %s: read-only mount", op);
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

    /** The inode's bytes as they are on the device, verified. */
    XfsInode readInode(long ino) throws FsException {
        Corrupt.check(disk.inoValid(ino), "inode number %d out of range", ino);
        byte[] raw = new byte[disk.sb().sb_inodesize()];
        disk.readBytes(disk.inoToByte(ino), raw, raw.length);
        return XfsInode.decode(ino, raw, disk.sb().metaUuid());
    }

    /** Makes an inode read or made by this mount an in-core one: its DAX state, its address space. */
    void adopt(XfsInode in) {
        in.fs = this;
        in.sDax = daxMode.enables(in);
        if (FileType.ofMode(in.di_mode()) == FileType.REGULAR) {
            in.space = daxMount.newAddressSpace(in, new XfsFile(this, in), in.di_size(), in.mtime(), in.ctime());
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
    }

    /**
     * Changes fields of the inode and writes it with its CRC: one step under the inode's monitor, so
     * the bytes written always match their CRC whichever lock the change was made under.
     */
    void changeInode(XfsInode in, Consumer<XfsInode> change) throws FsException {
        synchronized (in) {
            change.accept(in);
            in.seal();
            disk.writeBytes(disk.inoToByte(in.ino()), in.raw, in.raw.length);
        }
    }

    /** xfs_inactive: the last reference to an unlinked inode frees it; a linked one only leaves core. */
    void evict(XfsInode in) throws FsException {
        if (in.di_nlink() == 0 && mutations != null && !readOnly) {
            mutations.destroy(in);
        }
    }

    /** FS_IOC_FSSETXATTR's DAX bit: stored now, in effect once the inode is evicted and read again. */
    void setDaxFlag(XfsInode in, boolean dax) throws FsException {
        writer("setattr").changeInode(in, i -> {
            long f2 = i.di_flags2();
            i.di_flags2(dax ? f2 | XfsInode.XFS_DIFLAG2_DAX : f2 & ~XfsInode.XFS_DIFLAG2_DAX);
            i.ctime(java.time.Instant.now());
        });
        in.dontCache = true;
    }

    /** FS_IOC_FSGETXATTR (xfs_fill_fsxattr): the on-disk flags, sizes in bytes, extent counts. */
    FsxAttr fsxattr(XfsInode in) {
        int x = in.di_flags() & 0x7fff;      // XFS_DIFLAG_* and FS_XFLAG_* share these bits
        if ((in.di_flags2() & XfsInode.XFS_DIFLAG2_DAX) != 0) {
            x |= FsxAttr.FS_XFLAG_DAX;
        }
        if ((in.di_flags2() & (1L << 2)) != 0) {
            x |= 0x10000;                     // FS_XFLAG_COWEXTSIZE
        }
        if (in.di_forkoff() != 0) {
            x |= 0x80000000;                  // FS_XFLAG_HASATTR
        }
        return new FsxAttr(x, (int) (in.di_extsize() << disk.blockLog()), (int) (in.di_cowextsize() << disk.blockLog()),
                (int) in.di_nextents(), in.di_anextents(), in.di_projid());
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
        long attrs = 0;
        int fl = in.di_flags();
        if ((fl & XfsInode.XFS_DIFLAG_IMMUTABLE) != 0) attrs |= StatInfo.STATX_ATTR_IMMUTABLE;
        if ((fl & XfsInode.XFS_DIFLAG_APPEND) != 0) attrs |= StatInfo.STATX_ATTR_APPEND;
        if ((fl & XfsInode.XFS_DIFLAG_NODUMP) != 0) attrs |= StatInfo.STATX_ATTR_NODUMP;
        if (in.sDax) attrs |= StatInfo.STATX_ATTR_DAX;
        long rdev = in.di_format() == XfsInode.FMT_DEV ? Buf.be32(in.raw, XfsInode.CORE_SIZE) : 0;
        return new StatInfo(in.ino(), in.di_mode(), in.di_nlink(), in.di_uid(), in.di_gid(), rdev, in.size(),
                in.di_nblocks() << (disk.blockLog() - 9), disk.blockSize(), in.atime(),
                in.space != null ? in.space.mtime() : in.mtime(), in.space != null ? in.space.ctime() : in.ctime(),
                in.crtime(), attrs);
    }

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

    /** fsync: metadata is written in place (no log yet); what is left is the counters and the fence. */
    void fsync(boolean dataOnly) throws FsException {
        if (dataOnly) {
            disk.device().fence();
        } else {
            sync();
        }
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

    @Override
    public boolean readOnly() {
        return readOnly;
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
    public long statxAttributesMask() {
        return StatInfo.STATX_ATTR_IMMUTABLE | StatInfo.STATX_ATTR_APPEND | StatInfo.STATX_ATTR_NODUMP;
    }

    @Override
    public void sync() throws FsException {
        if (mutations != null && !closed) {
            // Lazy-count keeps the summary counters in core; with no log to rebuild them from,
            // every sync stores them so that the image on the device is always self-consistent.
            mutations.writeSuperblockCounters();
        }
        disk.device().fence();
    }

    @Override
    public MountCounters counters() {
        return daxMount.counters();
    }

    @Override
    public synchronized void close() throws FsException {
        if (!closed) {
            sync();
            closed = true;
        }
    }
}
