package dev.jdax.vfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.EncryptionPolicy;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.PathName;
import dev.jdax.api.fs.PathWalk;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.fs.VolumeIdentity;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.api.fs.XfsCounts;
import dev.jdax.api.fs.XfsGeometry;
import dev.jdax.api.fs.XfsInodeGroup;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.PerCpuSet;

import java.util.ArrayList;
import java.util.List;

/**
 * A mount: the {@link FileSystem} programs use, over a personality's {@link SuperBlock}. Every
 * call takes references on the inodes it uses and the locks {@code docs/LOCKING.md} names, and no
 * lock of the whole file system: calls on different names and files do not wait for each other.
 * Unmounting closes what is still open (open files, mappings), frees the inodes unlinked while
 * open, and leaves the format clean.
 */
final class VfsMount implements FileSystem {
    private static final System.Logger LOG = System.getLogger("dev.jdax.vfs");
    private static final int NOT_PASSED_DOWN = OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_TRUNC | OpenFlags.O_NOFOLLOW
            | OpenFlags.O_DIRECTORY;
    /** {@code __O_TMPFILE}: the bit of {@link OpenFlags#O_TMPFILE} that is not O_DIRECTORY. */
    private static final int TMPFILE_BIT = OpenFlags.O_TMPFILE & ~OpenFlags.O_DIRECTORY;

    private final SuperBlock sb;
    private final InodeCache icache;
    private final Dcache dcache;
    private final PathWalker walker;
    private final Namespace namespace;
    private final Renamer renamer;
    private final AccessTimes accessTimes;
    private final PerCpuSet<OpenFile> openFiles = new PerCpuSet<>();
    private final PerCpuSet<FileMapping> mappings = new PerCpuSet<>();
    private final Fscrypt fscrypt;
    private volatile boolean closed;

    SuperBlock superBlock() {
        return sb;
    }

    VfsMount(SuperBlock sb) {
        this.sb = sb;
        this.icache = new InodeCache(sb);
        sb.births(icache::claimed);
        this.dcache = new Dcache(icache, sb.rootIno());
        this.accessTimes = new AccessTimes(sb);
        this.walker = new PathWalker(icache, dcache, sb.rootIno(), accessTimes);
        this.namespace = new Namespace(sb, icache, dcache);
        this.renamer = new Renamer(sb, icache, dcache);
        this.fscrypt = new Fscrypt(this, sb);
    }

    // ---- the mount ---------------------------------------------------------------------------

    @Override
    public FileSystemType type() {
        return sb.type();
    }

    @Override
    public DaxDevice device() {
        return sb.device();
    }

    @Override
    public MountOptions options() {
        return sb.options();
    }

    @Override
    public boolean readOnly() {
        return sb.readOnly();
    }

    @Override
    public long rootIno() {
        return sb.rootIno();
    }

    /** The format's counts with the mount's flags, as Linux's statfs adds them (calculate_f_flags). */
    @Override
    public StatFs statfs() throws FsException {
        ensureOpen();
        return sb.statfs().withFlags(StatFs.ST_VALID | accessTimes.statfsFlags() | (sb.readOnly() ? StatFs.ST_RDONLY : 0));
    }

    @Override
    public XfsGeometry xfsGeometry() throws FsException {
        ensureOpen();
        return sb.xfsGeometry();
    }

    @Override
    public XfsCounts xfsCounts() throws FsException {
        ensureOpen();
        return sb.xfsCounts();
    }

    @Override
    public List<XfsInodeGroup> xfsInumbers(long from, int max) throws FsException {
        ensureOpen();
        return sb.xfsInumbers(from, max);
    }

    @Override
    public List<FsmapRecord> getfsmap(FsmapKeys keys) throws FsException {
        ensureOpen();
        return sb.getfsmap(keys);
    }

    @Override
    public long xfsBulkstatNext(long from) throws FsException {
        ensureOpen();
        return sb.xfsBulkstatNext(from);
    }

    /**
     * xfs_bulkstat_one_int: an inode bulkstat reports; any other number is EINVAL, as xfs_iget with
     * XFS_IGET_UNTRUSTED answers for an inode not in use, and xfs_internal_inum for the file
     * system's own. A cached inode is read in core (an open file's times, as Linux's iget finds
     * them); any other is read by the personality and not cached, as XFS_IGET_DONTCACHE leaves it:
     * a walk must not hold numbers that unlinks free and creates take again (a walk that cached
     * them beside two creating threads met its own inode in the way of a create).
     */
    @Override
    public XfsBulkstat xfsBulkstat(long ino) throws FsException {
        ensureOpen();
        if (sb.xfsBulkstatNext(ino) != ino) {
            throw FsException.of(Errno.EINVAL, "XFS_IOC_FSBULKSTAT_SINGLE: inode %s is not in use or is internal",
                    Long.toUnsignedString(ino));
        }
        VfsInode i = icache.cached(ino);
        if (i == null) {
            return sb.xfsBulkstat(ino);
        }
        try {
            return i.vnode().xfsBulkstat();
        } finally {
            icache.release(i);
        }
    }

    @Override
    public EncryptionPolicy encryptionPolicy(long ino, boolean v1Ioctl) throws FsException {
        VfsInode i = get(ino);
        try {
            return fscrypt.policy(i, v1Ioctl);
        } finally {
            icache.release(i);
        }
    }

    @Override
    public void setEncryptionPolicy(long ino, EncryptionPolicy policy) throws FsException {
        VfsInode i = get(ino);
        try {
            fscrypt.setPolicy(i, policy);
        } finally {
            icache.release(i);
        }
    }

    @Override
    public int encryptionKeyStatus(byte[] keySpec) throws FsException {
        ensureOpen();
        return fscrypt.keyStatus(keySpec);
    }

    @Override
    public void removeEncryptionKey(byte[] keySpec, boolean allUsers) throws FsException {
        ensureOpen();
        fscrypt.removeKey(keySpec, allUsers);
    }

    @Override
    public void addEncryptionKey(byte[] keySpec, byte[] rawKey) throws FsException {
        ensureOpen();
        fscrypt.addKey(keySpec, rawKey);
    }

    @Override
    public byte[] label() throws FsException {
        ensureOpen();
        requireLabel("FS_IOC_GETFSLABEL");
        return VolumeIdentity.untilNul(sb.label());
    }

    /**
     * The checks every format's FS_IOC_SETFSLABEL makes before its own work (xfs_ioc_setlabel,
     * ext4_ioctl_setlabel): the label read as a C string, its length (EINVAL), then
     * mnt_want_write_file (EROFS).
     */
    @Override
    public void setLabel(byte[] label) throws FsException {
        ensureOpen();
        int max = requireLabel("FS_IOC_SETFSLABEL");
        byte[] cut = VolumeIdentity.untilNul(label);
        if (cut.length > max) {
            throw FsException.of(Errno.EINVAL, "FS_IOC_SETFSLABEL: a label of %d bytes: %s keeps at most %d",
                    cut.length, sb.type().name(), max);
        }
        requireWritable("FS_IOC_SETFSLABEL");
        sb.setLabel(cut);
    }

    /** {@return the format's longest label} Refuses a format without the label ioctls as Linux does (ENOTTY). */
    private int requireLabel(String ioctl) throws FsException {
        int max = sb.labelMax();
        if (max == 0) {
            throw FsException.of(Errno.ENOTTY, "%s: %s has no label ioctl", ioctl, sb.type().name());
        }
        return max;
    }

    @Override
    public void sync() throws FsException {
        ensureOpen();
        sb.sync();
    }

    @Override
    public MountCounters counters() {
        return sb.counters();
    }

    @Override
    public long statxAttributesMask() {
        return sb.statxAttributesMask();
    }

    void ensureOpen() throws FsException {
        if (closed) {
            throw FsException.of(Errno.EBADF, "%s: the file system is unmounted", sb.type().name());
        }
    }

    void requireWritable(String what) throws FsException {
        requireWritable(what, null);
    }

    /**
     * As {@link #requireWritable(String)} for an operation on a name: {@code verb "name"} in the
     * message, put together only when there is one to make (every create, link and unlink asks).
     */
    void requireWritable(String verb, String name) throws FsException {
        ensureOpen();
        if (sb.readOnly()) {
            String why = sb.readOnlyReason();
            String what = name == null ? verb : verb + " \"" + name + "\"";
            throw FsException.of(Errno.EROFS, "%s: read-only file system%s", what, why == null ? "" : " (mounted read-only: " + why + ")");
        }
    }

    private VfsInode get(long ino) throws FsException {
        ensureOpen();
        return icache.getByNumber(ino);
    }

    // ---- lookups --------------------------------------------------------------------------------

    @Override
    public long lookup(long dir, String name) throws FsException {
        VfsInode d = get(dir);
        try {
            VfsInode c = dcache.lookup(d, name);
            icache.release(c);
            return c.ino;
        } finally {
            icache.release(d);
        }
    }

    @Override
    public long resolve(String path, boolean followLast) throws FsException {
        ensureOpen();
        return resolve(walker.walkCached(path, followLast), path, followLast);
    }

    @Override
    public long resolve(PathName path, boolean followLast) throws FsException {
        ensureOpen();
        return resolve(walker.walkCached(path, followLast), path.path(), followLast);
    }

    /** The inode number of {@code path}, whose cached walk found {@code found}. */
    private long resolve(VfsInode found, String path, boolean followLast) throws FsException {
        if (found != null && found != PathWalker.ABSENT) {
            return found.ino;
        }
        VfsInode i = walker.walk(path, followLast);
        icache.release(i);
        return i.ino;
    }

    @Override
    public boolean exists(String path, boolean followLast) throws FsException {
        ensureOpen();
        return exists(walker.existsCached(path, followLast), path, followLast);
    }

    @Override
    public boolean exists(PathName path, boolean followLast) throws FsException {
        ensureOpen();
        return exists(walker.existsCached(path, followLast), path.path(), followLast);
    }

    /** Whether {@code path} names something, whose cached walk found {@code found}. */
    private boolean exists(VfsInode found, String path, boolean followLast) throws FsException {
        if (found != null) {
            return found != PathWalker.ABSENT;
        }
        return FileSystem.super.exists(path, followLast);
    }

    @Override
    public StatInfo stat(String path, boolean followLast) throws FsException {
        ensureOpen();
        return stat(walker.walkCached(path, followLast), path, followLast);
    }

    @Override
    public StatInfo stat(PathName path, boolean followLast) throws FsException {
        ensureOpen();
        return stat(walker.walkCached(path, followLast), path.path(), followLast);
    }

    /**
     * The attributes of {@code path}, whose cached walk found {@code found}: read without a
     * reference, they are good when the inode was not evicted meanwhile.
     */
    private StatInfo stat(VfsInode found, String path, boolean followLast) throws FsException {
        if (found != null && found != PathWalker.ABSENT) {
            try {
                StatInfo st = found.vnode().stat();
                if (found.live()) {
                    return st;
                }
            } catch (FsException | RuntimeException e) {
                if (found.live()) {
                    throw e;
                }
            }
        }
        VfsInode i = walker.walk(path, followLast);
        try {
            return i.vnode().stat();
        } finally {
            icache.release(i);
        }
    }

    @Override
    public long resolveParent(String path) throws FsException {
        ensureOpen();
        VfsInode i = walker.walkParent(path);
        icache.release(i);
        return i.ino;
    }

    @Override
    public StatInfo stat(long ino) throws FsException {
        VfsInode i = get(ino);
        try {
            return i.vnode().stat();
        } finally {
            icache.release(i);
        }
    }

    @Override
    public String readlink(long ino) throws FsException {
        VfsInode i = get(ino);
        try {
            if (i.type() == FileType.SYMLINK) {
                accessTimes.accessed(i.vnode(), false); // do_readlinkat's touch_atime, before the link is read
            }
            return i.vnode().readlink();
        } finally {
            icache.release(i);
        }
    }

    @Override
    public DirStream getdents(long dir) throws FsException {
        VfsInode d = get(dir);
        try {
            Dcache.requireDir(d, ".");
            return iterateDir(d, Vnode::getdents);
        } finally {
            icache.release(d);
        }
    }

    @Override
    public List<DirEntry> readdir(long dir) throws FsException {
        VfsInode d = get(dir);
        try {
            Dcache.requireDir(d, ".");
            List<DirEntry> out = new ArrayList<>();
            out.add(new DirEntry(".", d.ino, FileType.DIRECTORY));
            out.add(new DirEntry("..", dcache.parentOf(d), FileType.DIRECTORY)); // takes the rwsem itself
            out.addAll(iterateDir(d, Vnode::readdir));
            return out;
        } finally {
            icache.release(d);
        }
    }

    /** What a listing reads from a directory's vnode (its entries, or its getdents stream). */
    private interface DirRead<T> {
        T read(Vnode v) throws FsException;
    }

    /**
     * iterate_dir: {@code read} under the directory's rwsem shared (ENOENT once it was removed), its
     * access time after it (file_accessed), under the lock.
     */
    private <T> T iterateDir(VfsInode d, DirRead<T> read) throws FsException {
        d.rwsem().lockShared(LockClass.PARENT);
        try {
            if (d.deadDir) {
                throw FsException.of(Errno.ENOENT, "directory %d was removed", d.ino);
            }
            T out = read.read(d.vnode());
            accessTimes.accessed(d.vnode(), true);
            return out;
        } finally {
            d.rwsem().unlockShared();
        }
    }

    // ---- namespace changes ------------------------------------------------------------------------

    private long make(long dir, String name, Namespace.Kind kind, int mode, String target, long rdev, int uid, int gid)
            throws FsException {
        requireWritable(kind.verb(), name);
        VfsInode d = get(dir);
        try {
            VfsInode made = namespace.make(d, name, kind, mode, target, rdev, uid, gid);
            icache.release(made);
            return made.ino;
        } finally {
            icache.release(d);
        }
    }

    @Override
    public long create(long dir, String name, int mode, int uid, int gid) throws FsException {
        return make(dir, name, Namespace.Kind.FILE, mode, null, 0, uid, gid);
    }

    @Override
    public long mkdir(long dir, String name, int mode, int uid, int gid) throws FsException {
        return make(dir, name, Namespace.Kind.DIR, mode, null, 0, uid, gid);
    }

    @Override
    public long symlink(long dir, String name, String target, int uid, int gid) throws FsException {
        return make(dir, name, Namespace.Kind.SYMLINK, 0777, target, 0, uid, gid);
    }

    /**
     * do_mknodat and vfs_mknod: the type decides (may_mknod): a regular file (S_IFREG, or no type)
     * is made as create makes one; a device, FIFO or socket by the personality, a device's number
     * checked as the kernel takes it; a directory's type is EPERM, any other EINVAL.
     */
    @Override
    public long mknod(long dir, String name, int mode, long rdev, int uid, int gid) throws FsException {
        int type = mode & FileType.S_IFMT;
        return switch (FileType.ofMode(type == 0 ? FileType.REGULAR.modeBits() : mode)) {
            case REGULAR -> make(dir, name, Namespace.Kind.FILE, mode & 07777, null, 0, uid, gid);
            case CHAR_DEVICE, BLOCK_DEVICE -> make(dir, name, Namespace.Kind.NODE, mode & (FileType.S_IFMT | 07777),
                    null, DeviceNumbers.checked(rdev, name), uid, gid);
            case FIFO, SOCKET -> make(dir, name, Namespace.Kind.NODE, mode & (FileType.S_IFMT | 07777), null, 0, uid, gid);
            case DIRECTORY -> throw FsException.of(Errno.EPERM, "mknod \"%s\": a directory is made by mkdir", name);
            default -> throw FsException.of(Errno.EINVAL, "mknod \"%s\": file type %#o is not one mknod makes", name, type);
        };
    }

    @Override
    public void link(long ino, long dir, String name) throws FsException {
        requireWritable("link", name);
        VfsInode target = get(ino);
        try {
            VfsInode d = get(dir);
            try {
                namespace.link(target, d, name);
            } finally {
                icache.release(d);
            }
        } finally {
            icache.release(target);
        }
    }

    @Override
    public void unlink(long dir, String name) throws FsException {
        remove(dir, name, false);
    }

    @Override
    public void rmdir(long dir, String name) throws FsException {
        remove(dir, name, true);
    }

    private void remove(long dir, String name, boolean rmdir) throws FsException {
        requireWritable(rmdir ? "rmdir" : "unlink", name);
        VfsInode d = get(dir);
        try {
            namespace.remove(d, name, rmdir);
        } finally {
            icache.release(d);
        }
    }

    @Override
    public void unlink(String path) throws FsException {
        remove(path, false);
    }

    @Override
    public void rmdir(String path) throws FsException {
        remove(path, true);
    }

    /** The walk's parent kept to the removal: not looked up again by number. */
    private void remove(String path, boolean rmdir) throws FsException {
        ensureOpen();
        VfsInode d = walker.walkParent(path);
        try {
            String name = PathWalk.lastName(path);
            requireWritable(rmdir ? "rmdir" : "unlink", name);
            namespace.remove(d, name, rmdir);
        } finally {
            icache.release(d);
        }
    }

    @Override
    public void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException {
        requireWritable("rename", fromName);
        VfsInode from = get(fromDir);
        try {
            VfsInode to = get(toDir);
            try {
                renamer.rename(from, fromName, to, toName, flags);
            } finally {
                icache.release(to);
            }
        } finally {
            icache.release(from);
        }
    }

    /**
     * Both parents held from their walks to the rename, as {@code do_renameat2} holds its paths
     * (the walks' errors first, then EROFS, in Linux's order).
     */
    @Override
    public void rename(String fromPath, String toPath, int flags) throws FsException {
        ensureOpen();
        VfsInode from = walker.walkParent(fromPath);
        try {
            VfsInode to = walker.walkParent(toPath);
            try {
                String fromName = PathWalk.lastName(fromPath);
                requireWritable("rename", fromName);
                renamer.rename(from, fromName, to, PathWalk.lastName(toPath), flags);
            } finally {
                icache.release(to);
            }
        } finally {
            icache.release(from);
        }
    }

    @Override
    public void setattr(long ino, SetAttr attr) throws FsException {
        requireWritable("setattr");
        VfsInode i = get(ino);
        try {
            i.rwsem().lockExclusive(LockClass.CHILD);
            try {
                FlagChecks.maySetattr(i, attr);
                i.vnode().setattr(attr);
            } finally {
                i.rwsem().unlockExclusive();
            }
        } finally {
            icache.release(i);
        }
    }

    /** One change of an inode's FS_IOC_FSSETXATTR attributes, made by its format. */
    @FunctionalInterface
    interface FileattrChange {
        void apply(Vnode v) throws FsException;
    }

    /**
     * vfs_fileattr_set of an inode the VFS changes itself (a directory's flags and hint, any
     * inode's chattr flags): EROFS, then the inode's i_rwsem exclusive (what the refusals by those
     * flags hold too), then the format.
     */
    void fileattrSet(VfsInode i, FileattrChange change) throws FsException {
        requireWritable("FS_IOC_FSSETXATTR");
        i.rwsem().lockExclusive(LockClass.CHILD);
        try {
            change.apply(i.vnode());
        } finally {
            i.rwsem().unlockExclusive();
        }
    }

    @Override
    public void fsync(long ino, boolean dataOnly) throws FsException {
        VfsInode i = get(ino);
        try {
            i.vnode().fsync(dataOnly);
        } finally {
            icache.release(i);
        }
    }

    // ---- open --------------------------------------------------------------------------------------

    @Override
    public OpenFile open(long ino, int flags) throws FsException {
        return openInode(get(ino), flags);
    }

    @Override
    public OpenFile open(String path, int flags, int mode, int uid, int gid) throws FsException {
        ensureOpen();
        if ((flags & TMPFILE_BIT) != 0) {
            return openTmpfile(path, flags, mode, uid, gid);
        }
        if ((flags & OpenFlags.O_CREAT) == 0) {
            return openExisting(walker.walkCached(path, (flags & OpenFlags.O_NOFOLLOW) == 0), path, flags);
        }
        return openOrCreate(path, flags, mode, uid, gid);
    }

    @Override
    public OpenFile open(PathName path, int flags, int mode, int uid, int gid) throws FsException {
        ensureOpen();
        if ((flags & TMPFILE_BIT) != 0) {
            return openTmpfile(path.path(), flags, mode, uid, gid);
        }
        if ((flags & OpenFlags.O_CREAT) == 0) {
            return openExisting(walker.walkCached(path, (flags & OpenFlags.O_NOFOLLOW) == 0), path.path(), flags);
        }
        return openOrCreate(path.path(), flags, mode, uid, gid);
    }

    /**
     * {@code do_tmpfile}: the flags first (build_open_flags: O_TMPFILE wants O_DIRECTORY and write
     * access, and no O_CREAT), then the walk to the directory, then EROFS, then the format's
     * {@code ->tmpfile}. The file is opened without O_TRUNC, as Linux opens it.
     */
    private OpenFile openTmpfile(String path, int flags, int mode, int uid, int gid) throws FsException {
        if ((flags & OpenFlags.O_TMPFILE) != OpenFlags.O_TMPFILE || (flags & OpenFlags.O_CREAT) != 0) {
            throw FsException.of(Errno.EINVAL, "%s: O_TMPFILE needs O_DIRECTORY and no O_CREAT", path);
        }
        if (!OpenFlags.writable(flags)) {
            throw FsException.of(Errno.EINVAL, "%s: O_TMPFILE needs O_WRONLY or O_RDWR", path);
        }
        VfsInode made;
        VfsInode dir = walker.walk(path, true);
        try {
            if (!dir.isDir()) {
                throw FsException.of(Errno.ENOTDIR, "%s: not a directory, where O_TMPFILE makes its file", path);
            }
            requireWritable("tmpfile in", path);
            made = namespace.tmpfile(dir, mode, uid, gid, (flags & OpenFlags.O_EXCL) != 0);
        } finally {
            icache.release(dir);
        }
        return openInode(made, flags & ~(OpenFlags.O_TMPFILE | OpenFlags.O_EXCL | OpenFlags.O_TRUNC));
    }

    /** Opens the file at {@code path}, whose cached walk found {@code found}, without O_CREAT. */
    private OpenFile openExisting(VfsInode found, String path, int flags) throws FsException {
        if (found != null && found != PathWalker.ABSENT && found.tryRef()) {
            return openInode(found, flags);
        }
        return openInode(walker.walk(path, (flags & OpenFlags.O_NOFOLLOW) == 0), flags);
    }

    /** open with O_CREAT. */
    private OpenFile openOrCreate(String path, int flags, int mode, int uid, int gid) throws FsException {
        boolean nofollow = (flags & OpenFlags.O_NOFOLLOW) != 0;
        if (path.endsWith("/")) {
            throw FsException.of(Errno.EISDIR, "%s: O_CREAT of a directory name", path);
        }
        VfsInode child = lookupOrCreate(path, flags, mode, uid, gid);
        if (child.type() == FileType.SYMLINK && !nofollow && (flags & OpenFlags.O_EXCL) == 0) {
            icache.release(child);
            child = walker.walk(path, true);
        }
        return openInode(child, flags);
    }

    /**
     * O_CREAT's lookup and create as one step under the directory's exclusive lock
     * ({@code open_last_lookups}): of many threads opening one new name, one creates it and all open it.
     */
    private VfsInode lookupOrCreate(String path, int flags, int mode, int uid, int gid) throws FsException {
        String name = PathWalk.lastName(path);
        Names.checkNew(name);
        VfsInode dir = walker.walkParent(path);
        try {
            dir.rwsem().lockExclusive(LockClass.PARENT);
            try {
                long ino = dcache.lookupLocked(dir, name);
                if (ino == Vnode.NO_INO) {
                    requireWritable("create", name);
                    return namespace.makeLocked(dir, name, Namespace.Kind.FILE, mode, null, 0, uid, gid);
                }
                if ((flags & OpenFlags.O_EXCL) != 0) {
                    throw FsException.of(Errno.EEXIST, "%s: exists", path);
                }
                return dcache.child(dir, name, ino);
            } finally {
                dir.rwsem().unlockExclusive();
            }
        } finally {
            icache.release(dir);
        }
    }

    /** Opens the referenced inode {@code i}; the open file takes the reference over (released on failure). */
    private OpenFile openInode(VfsInode i, int flags) throws FsException {
        boolean handedOver = false;
        try {
            boolean writes = OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0;
            OpenFile f;
            if ((flags & OpenFlags.O_DIRECTORY) != 0 && i.type() != FileType.DIRECTORY) {
                throw FsException.of(Errno.ENOTDIR, "inode %d is not a directory (O_DIRECTORY)", i.ino);
            }
            switch (i.type()) {
                case DIRECTORY -> {
                    if (writes) {
                        throw FsException.of(Errno.EISDIR, "inode %d is a directory", i.ino);
                    }
                    f = new DirectoryFile(this, i, flags);
                }
                case SYMLINK -> throw FsException.of(Errno.ELOOP, "inode %d is a symbolic link", i.ino);
                // Linux opens a device node through its driver and a FIFO as a pipe; jdax has
                // neither, and answers as Linux does for a device with no driver (chrdev_open).
                case CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET -> throw FsException.of(Errno.ENXIO,
                        "inode %d is a %s: jdax opens no devices, pipes or sockets", i.ino, describe(i));
                default -> {
                    if (writes) {
                        requireWritable("open for writing");
                    }
                    FlagChecks.mayOpen(i, flags);
                    f = new VfsFile(this, i, i.vnode().open(flags & ~NOT_PASSED_DOWN));
                }
            }
            openFiles.add(f);
            handedOver = true;
            if ((flags & OpenFlags.O_TRUNC) != 0) {
                truncateOnOpen(f, i, flags);
            }
            return f;
        } finally {
            if (!handedOver) {
                icache.release(i);
            }
        }
    }

    /** What an open of special file {@code i} calls it: "FIFO", or "character device 1,3". */
    private String describe(VfsInode i) throws FsException {
        return switch (i.type()) {
            case FIFO -> "FIFO";
            case SOCKET -> "socket";
            default -> {
                long rdev = i.vnode().stat().rdev();
                yield (i.type() == FileType.CHAR_DEVICE ? "character" : "block") + " device "
                        + DeviceNumbers.major(rdev) + "," + DeviceNumbers.minor(rdev);
            }
        };
    }

    /** {@code handle_truncate}: O_TRUNC after the open, through the engine's truncate like ftruncate. */
    private void truncateOnOpen(OpenFile f, VfsInode i, int flags) throws FsException {
        try {
            if (OpenFlags.writable(flags)) {
                f.truncate(0);
            } else {
                try (OpenFile w = i.vnode().open(OpenFlags.O_WRONLY)) {
                    w.truncate(0);
                }
            }
        } catch (FsException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** A mapping of {@code i} was made: it holds the inode until it is unmapped. */
    void mapped(VfsInode i, FileMapping m) throws FsException {
        if (!i.tryRef()) {
            m.close();
            throw FsException.of(Errno.ESTALE, "inode %d is being evicted", i.ino);
        }
        mappings.add(m);
        m.onClose(() -> {
            mappings.remove(m);
            try {
                icache.release(i);
            } catch (FsException e) {
                LOG.log(System.Logger.Level.ERROR, "releasing inode " + i.ino + " at munmap: " + e.getMessage());
            }
        });
    }

    /** An open file was closed: it drops its reference. */
    void closed(OpenFile f, VfsInode i) throws FsException {
        if (openFiles.remove(f)) {
            icache.release(i);
        }
    }

    @Override
    public void close() throws FsException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        FsException first = null;
        for (OpenFile f : openFiles.snapshot()) {
            try {
                f.close();
            } catch (FsException e) {
                first = first == null ? e : first;
            }
        }
        for (FileMapping m : mappings.snapshot()) {
            m.close();
        }
        FsException evict = icache.evictAll();
        first = first == null ? evict : first;
        sb.close();
        if (first != null) {
            throw first;
        }
    }

    /** {@return the references to inode {@code ino}, -1 when it is not cached}, for tests. */
    int references(long ino) {
        return icache.references(ino);
    }

    /** {@return how many inodes and dentries are cached, and how many inodes are on the unused list}, for tests and counters. */
    long[] cacheSizes() {
        return new long[] {icache.size(), dcache.size(), icache.unusedCount()};
    }
}
