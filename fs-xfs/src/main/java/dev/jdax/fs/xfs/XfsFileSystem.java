package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A mounted XFS v5 file system. Reads inodes by number (xfs_imap), directories in every form,
 * symlinks, and maps file data through {@link XfsIomap}.
 */
final class XfsFileSystem implements FileSystem {
    static final long XFS_SUPER_MAGIC = 0x58465342L;

    private final XfsFileSystemType type;
    private final XfsDisk disk;
    private final MountOptions options;
    private final boolean readOnly;
    private final XfsIomap iomap;
    private final XfsFileOps fileOps;
    private final Map<Long, XfsInode> inodes = new HashMap<>();
    private final Map<Long, List<BmapExtent>> extentCache = new HashMap<>();
    private final Map<Long, Integer> openCounts = new HashMap<>();
    private XfsMutations mutations;
    private final DaxMode daxMode;
    private boolean closed;

    XfsFileSystem(XfsFileSystemType type, XfsDisk disk, MountOptions options) throws FsException {
        // xfs_setup_dax_always: blocks smaller than a page turn DAX off (the mount goes on).
        DaxMode asked = DaxMode.parse(options);
        this.daxMode = disk.blockSize() == DaxDevice.PAGE_SIZE ? asked : DaxMode.NEVER;
        this.type = type;
        this.disk = disk;
        this.options = options;
        this.readOnly = options.readOnly();
        this.iomap = new XfsIomap(this);
        this.fileOps = new XfsFileOps(this);
    }

    /** Makes the mount writable: loads and checks every AG's headers and trees. */
    void enableWrites() throws FsException {
        mutations = new XfsMutations(this, disk, new XfsSpace(disk));
    }

    private XfsMutations writer(String op) throws FsException {
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

    /** FS_IOC_FSSETXATTR's DAX bit: stored now, in effect once the inode is evicted and read again. */
    synchronized void setDaxFlag(XfsInode in, boolean dax) throws FsException {
        long f2 = in.di_flags2();
        in.di_flags2(dax ? f2 | XfsInode.XFS_DIFLAG2_DAX : f2 & ~XfsInode.XFS_DIFLAG2_DAX);
        in.ctime(java.time.Instant.now());
        writer("setattr").writeInode(in);
        in.dontCache = true;
        if (!isOpen(in.ino())) {
            forget(in.ino());
        }
    }

    /** FS_IOC_FSGETXATTR (xfs_fill_fsxattr): the on-disk flags, sizes in bytes, extent counts. */
    synchronized FsxAttr fsxattr(XfsInode in) {
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

    /** An open file holds the in-core inode. */
    synchronized void opened(long ino) {
        openCounts.merge(ino, 1, Integer::sum);
    }

    /** The last close of an unlinked inode frees it; an inode marked dontcache is evicted. */
    synchronized void released(XfsInode in) throws FsException {
        int n = openCounts.merge(in.ino(), -1, Integer::sum);
        if (n > 0) {
            return;
        }
        openCounts.remove(in.ino());
        if (in.di_nlink() == 0 && mutations != null) {
            mutations.destroy(in);
        } else if (in.dontCache) {
            forget(in.ino());
        }
    }

    synchronized void adopt(XfsInode in, List<BmapExtent> ext) {
        inodes.put(in.ino(), in);
        extentCache.put(in.ino(), ext);
    }

    synchronized void cacheExtents(long ino, List<BmapExtent> ext) {
        extentCache.put(ino, ext);
    }

    synchronized void forget(long ino) {
        inodes.remove(ino);
        extentCache.remove(ino);
    }

    synchronized boolean isOpen(long ino) {
        return openCounts.getOrDefault(ino, 0) > 0;
    }

    XfsDisk disk() {
        return disk;
    }

    XfsFileOps fileOps() {
        return fileOps;
    }

    XfsIomap iomapOps() {
        return iomap;
    }

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

    /** The in-core inode, read and verified on first use. */
    synchronized XfsInode inode(long ino) throws FsException {
        XfsInode in = inodes.get(ino);
        if (in != null) {
            return in;
        }
        Corrupt.check(disk.inoValid(ino), "inode number %d out of range", ino);
        byte[] raw = new byte[disk.sb().sb_inodesize()];
        disk.readBytes(disk.inoToByte(ino), raw, raw.length);
        in = XfsInode.decode(ino, raw, disk.sb().metaUuid());
        if (in.di_mode() == 0) {
            throw FsException.of(Errno.ESTALE, "xfs: inode %d is free", ino);
        }
        in.sDax = daxMode.enables(in);
        inodes.put(ino, in);
        return in;
    }

    synchronized List<BmapExtent> extents(XfsInode in) throws FsException {
        List<BmapExtent> e = extentCache.get(in.ino());
        if (e == null) {
            e = in.di_format() == XfsInode.FMT_LOCAL || in.di_format() == XfsInode.FMT_DEV ? List.of()
                    : XfsBmap.read(disk, in);
            extentCache.put(in.ino(), e);
        }
        return e;
    }

    private XfsInode dirInode(long dir) throws FsException {
        XfsInode in = inode(dir);
        if (!in.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "xfs: inode %d is not a directory", dir);
        }
        return in;
    }

    synchronized List<DirRecord> dirRecords(long dir) throws FsException {
        XfsInode in = dirInode(dir);
        return XfsDirs.read(disk, in, extents(in));
    }

    @Override
    public long lookup(long dir, String name) throws FsException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        long found;
        synchronized (this) {
            XfsInode in = dirInode(dir);
            found = DirLookup.find(disk, in, extents(in), n);
        }
        if (found < 0) {
            throw FsException.of(Errno.ENOENT, "xfs: %s: no such entry in directory %d", name, dir);
        }
        return found;
    }

    @Override
    public List<DirEntry> readdir(long dir) throws FsException {
        List<DirEntry> out = new ArrayList<>();
        for (DirRecord r : dirRecords(dir)) {
            if (!r.isDot()) {
                out.add(new DirEntry(r.nameString(), r.ino(), r.fileType()));
            }
        }
        return out;
    }

    @Override
    public synchronized StatInfo stat(long ino) throws FsException {
        XfsInode in = inode(ino);
        long attrs = 0;
        int fl = in.di_flags();
        if ((fl & XfsInode.XFS_DIFLAG_IMMUTABLE) != 0) attrs |= StatInfo.STATX_ATTR_IMMUTABLE;
        if ((fl & XfsInode.XFS_DIFLAG_APPEND) != 0) attrs |= StatInfo.STATX_ATTR_APPEND;
        if ((fl & XfsInode.XFS_DIFLAG_NODUMP) != 0) attrs |= StatInfo.STATX_ATTR_NODUMP;
        if (in.sDax) attrs |= StatInfo.STATX_ATTR_DAX;
        long rdev = 0;
        if (in.di_format() == XfsInode.FMT_DEV) {
            long d = Buf.be32(in.raw, XfsInode.CORE_SIZE);
            rdev = d;
        }
        return new StatInfo(ino, in.di_mode(), in.di_nlink(), in.di_uid(), in.di_gid(), rdev, in.di_size(),
                in.di_nblocks() << (disk.blockLog() - 9), disk.blockSize(), in.atime(), in.mtime(), in.ctime(),
                in.crtime(), attrs);
    }

    @Override
    public synchronized String readlink(long ino) throws FsException {
        XfsInode in = inode(ino);
        if (!in.isSymlink()) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d is not a symlink", ino);
        }
        return XfsSymlinks.read(disk, in, extents(in));
    }

    @Override
    public synchronized StatFs statfs() throws FsException {
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
    public synchronized long create(long dir, String name, int mode, int uid, int gid) throws FsException {
        return writer("create").create(dir, name, mode, uid, gid);
    }

    @Override
    public synchronized long mkdir(long dir, String name, int mode, int uid, int gid) throws FsException {
        return writer("mkdir").mkdir(dir, name, mode, uid, gid);
    }

    @Override
    public synchronized long symlink(long dir, String name, String target, int uid, int gid) throws FsException {
        return writer("symlink").symlink(dir, name, target, uid, gid);
    }

    @Override
    public synchronized void link(long ino, long dir, String name) throws FsException {
        writer("link").link(ino, dir, name);
    }

    @Override
    public synchronized void unlink(long dir, String name) throws FsException {
        writer("unlink").unlink(dir, name, false);
    }

    @Override
    public synchronized void rmdir(long dir, String name) throws FsException {
        writer("rmdir").unlink(dir, name, true);
    }

    @Override
    public synchronized void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException {
        writer("rename").rename(fromDir, fromName, toDir, toName, flags);
    }

    @Override
    public synchronized void setattr(long ino, SetAttr attr) throws FsException {
        writer("setattr").setattr(ino, attr);
    }

    @Override
    public synchronized OpenFile open(long ino, int flags) throws FsException {
        XfsInode in = inode(ino);
        dev.jdax.api.fs.FileType t = dev.jdax.api.fs.FileType.ofMode(in.di_mode());
        if (t == dev.jdax.api.fs.FileType.DIRECTORY) {
            throw FsException.of(Errno.EISDIR, "xfs: inode %d is a directory", ino);
        }
        if (t != dev.jdax.api.fs.FileType.REGULAR) {
            throw FsException.of(Errno.EINVAL, "xfs: inode %d is not a regular file", ino);
        }
        if ((dev.jdax.api.fs.OpenFlags.writable(flags) || (flags & dev.jdax.api.fs.OpenFlags.O_TRUNC) != 0) && readOnly()) {
            throw FsException.of(Errno.EROFS, "xfs: read-only mount");
        }
        opened(ino);
        XfsFile f = new XfsFile(this, in, flags);
        if ((flags & dev.jdax.api.fs.OpenFlags.O_TRUNC) != 0 && in.di_size() > 0) {
            f.truncate(0);
        }
        return f;
    }

    /** The engine's state for the file system, made on first open. */
    private dev.jdax.iomap.DaxMount daxMount;
    private final Map<Long, dev.jdax.iomap.AddressSpace> spaces = new HashMap<>();

    /** One address space per in-core inode, as the engine requires (xfs_inode's i_mapping). */
    synchronized dev.jdax.iomap.AddressSpace addressSpace(XfsInode in) throws FsException {
        if (daxMount == null) {
            daxMount = new dev.jdax.iomap.DaxMount(device(), options(), dev.jdax.iomap.LockingModel.XFS_IOLOCK_MMAPLOCK);
        }
        dev.jdax.iomap.AddressSpace s = spaces.get(in.ino());
        if (s == null || s.inode() != in) {
            s = daxMount.newAddressSpace(in, iomap);
            spaces.put(in.ino(), s);
        }
        return s;
    }

    @Override
    public synchronized void sync() throws FsException {
        if (mutations != null && !closed) {
            // Lazy-count keeps the summary counters in core; with no log to rebuild them from,
            // every sync stores them so that the image on the device is always self-consistent.
            mutations.writeSuperblockCounters();
        }
        disk.device().fence();
    }

    @Override
    public synchronized MountCounters counters() {
        return daxMount == null ? new MountCounters(0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, 0) : daxMount.counters();
    }

    @Override
    public synchronized void close() throws FsException {
        if (!closed) {
            sync();
            closed = true;
        }
    }
}
