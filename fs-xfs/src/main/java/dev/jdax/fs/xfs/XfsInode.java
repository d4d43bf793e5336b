package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;
import dev.jdax.iomap.AddressSpace;
import dev.jdax.iomap.KeptTimes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * One in-core inode (struct xfs_dinode, version 3, as its raw bytes with named accessors), plus
 * what XFS keeps with it: its data fork's extent list once read, its locks — the IOLOCK, which is
 * the VFS's {@code i_rwsem}, and the ILOCK over the inode core and the extent list — and for a
 * regular file the engine's address space. Decoding follows xfs_dinode_verify: magic, version,
 * CRC, di_ino, UUID, fork format against the file type. As a {@link Vnode} it hands the VFS's calls
 * to the file system.
 *
 * <p>Its bytes change only inside {@link XfsFileSystem#changeInode} (one step with the CRC and the
 * write, under this object's monitor); the extent list is replaced whole, under the ILOCK.
 */
final class XfsInode implements Vnode, KeptTimes {
    static final int XFS_DINODE_MAGIC = 0x494e;
    static final int CORE_SIZE = 176;
    static final int DI_CRC_OFF = 100;

    static final int FMT_DEV = 0;
    static final int FMT_LOCAL = 1;
    static final int FMT_EXTENTS = 2;
    static final int FMT_BTREE = 3;

    static final int XFS_DIFLAG_IMMUTABLE = 0x8;
    static final int XFS_DIFLAG_APPEND = 0x10;
    /** A regular file's extent size hint, {@link #di_extsize}, is set. */
    static final int XFS_DIFLAG_EXTSIZE = 0x800;
    /** A directory's {@link #di_extsize} is the hint what is created in it inherits. */
    static final int XFS_DIFLAG_EXTSZINHERIT = 0x1000;
    static final long XFS_DIFLAG2_DAX = 1;
    /** di_cowextsize holds a CoW extent size hint. */
    static final long XFS_DIFLAG2_COWEXTSIZE = 1L << 2;
    static final long XFS_DIFLAG2_REFLINK = 1 << 1;
    static final long XFS_DIFLAG2_BIGTIME = 1 << 3;
    static final long XFS_DIFLAG2_NREXT64 = 1 << 4;

    private final long ino;
    final byte[] raw;
    /** The file system, or null for an inode read outside a mount (mkfs, tests). */
    XfsFileSystem fs;
    /** IOLOCK: i_rwsem. */
    final RwSem rwsem;
    /** ILOCK: the inode core and the extent list; shared to map, exclusive to change. */
    final RwSem ilock;
    /** The data fork's extents, replaced whole when they change (null until read). */
    volatile List<BmapExtent> extents;
    /** {@link XfsIomap}'s index of one {@link #extents} list, once it was looked up often enough. */
    volatile XfsIomap.Indexed lookupIndex;
    /** A directory's blocks by file block, of one {@link #extents} list ({@link DirWriter#mapped(XfsInode, List, long)}). */
    volatile DirBlocks dirBlocks;
    /** Lookups of the list {@code lookupsOf} since it became the inode's ({@link #searchedOften}). */
    private int lookups;
    private List<BmapExtent> lookupsOf;
    /**
     * The CoW fork (i_cowfp): blocks allocated for copies on write and not yet written, in core only
     * (their refcount B+tree records say they are staged). Under the ILOCK, exclusive to change.
     */
    final List<BmapExtent> cowFork = new ArrayList<>();
    /** The blocks of {@link #cowFork} (counted in st_blocks as Linux's i_delayed_blks). */
    volatile long cowBlocks;
    /** The engine's state, for a regular file. */
    AddressSpace space;
    /** In-core S_DAX, fixed when the inode is loaded (xfs_setup_inode); a flag change waits for eviction. */
    boolean sDax;
    /** I_DONTCACHE: evict at the last close so that a changed DAX flag takes effect. */
    boolean dontCache;
    /** The last checkpoint that changed this inode (ili_commit_seq): what fsync forces the log to. */
    volatile long syncSeq;
    /** The last checkpoint that changed its size or mapping: what fdatasync forces the log to. */
    volatile long dataSyncSeq;

    XfsInode(long ino, byte[] raw) {
        this.ino = ino;
        this.raw = raw;
        // The inode number is the locks' key, which every report prints beside the name: a name
        // per inode cost two strings built on every create.
        this.rwsem = new RwSem(LockClass.I_RWSEM, ino, "IOLOCK of xfs inode");
        this.ilock = new RwSem(LockClass.I_DATA_SEM, ino, "ILOCK of xfs inode");
    }

    /** Decodes and verifies inode {@code ino} from its bytes. */
    static XfsInode decode(long ino, byte[] raw, UUID uuid) throws FsException {
        String what = "inode " + ino;
        XfsInode in = new XfsInode(ino, raw);
        Corrupt.check(in.di_magic() == XFS_DINODE_MAGIC, "%s: magic 0x%x (want 0x%x)", what, in.di_magic(),
                XFS_DINODE_MAGIC);
        Corrupt.check(in.di_version() == 3, "%s: di_version %d (want 3)", what, in.di_version());
        XfsCrc.verify(raw, 0, raw.length, DI_CRC_OFF, what);
        Corrupt.check(in.di_ino() == ino, "%s: di_ino %d", what, in.di_ino());
        Corrupt.check(in.di_uuid().equals(uuid), "%s: di_uuid %s (want %s)", what, in.di_uuid(), uuid);
        Corrupt.check((in.di_flags2() & XFS_DIFLAG2_NREXT64) == 0, "%s: large extent counters (nrext64) unsupported", what);
        if (in.di_mode() != 0) {
            Corrupt.check(in.di_size() >= 0, "%s: di_size %d", what, in.di_size());
            int fmt = in.di_format();
            int type = in.di_mode() & 0170000;
            boolean ok = switch (type) {
                case 0100000 -> fmt == FMT_EXTENTS || fmt == FMT_BTREE;
                case 0040000, 0120000 -> fmt == FMT_LOCAL || fmt == FMT_EXTENTS || fmt == FMT_BTREE;
                case 0020000, 0060000, 0010000, 0140000 -> fmt == FMT_DEV;
                default -> false;
            };
            Corrupt.check(ok, "%s: di_format %d for mode 0%o", what, fmt, in.di_mode());
            Corrupt.check(in.di_forkoff() * 8 < in.literalSize(), "%s: di_forkoff %d", what, in.di_forkoff());
            if (fmt == FMT_LOCAL) {
                Corrupt.check(in.di_size() <= in.dataForkSize(), "%s: local fork of %d bytes in a %d-byte fork", what,
                        in.di_size(), in.dataForkSize());
            }
        }
        return in;
    }

    @Override
    public long ino() {
        return ino;
    }

    /** {@code i_size}: the engine's for a regular file (it owns it), the format's for the others. */
    @Override
    public long size() {
        return space != null ? space.size() : di_size();
    }

    /**
     * Counts a lookup of extent list {@code list}; {@return whether it has now been looked up more
     * often than it has extents}: when an index of it (a starts index, a directory's blocks) has paid
     * for its making. Racy between lookups under the shared ILOCK: a hint, not a count.
     */
    boolean searchedOften(List<BmapExtent> list) {
        if (lookupsOf != list) {
            lookupsOf = list;
            lookups = 0;
        }
        return ++lookups > list.size();
    }

    @Override
    public RwSem rwsem() {
        return rwsem;
    }

    @Override
    public FileType type() {
        return FileType.ofMode(di_mode());
    }

    @Override
    public long nlink() {
        return di_nlink();
    }

    @Override
    public StatInfo stat() throws FsException {
        return fs.statOf(this);
    }

    @Override
    public void setCowextsize(boolean flag, long bytes) throws FsException {
        fs.setCowextsize(this, flag, bytes);
    }

    /** Under the ILOCK shared, as xfs_bulkstat_one_int reads the inode: no transaction half done in it. */
    @Override
    public XfsBulkstat xfsBulkstat() {
        ilock.lockShared();
        try {
            return fs.bulkstatOf(this);
        } finally {
            ilock.unlockShared();
        }
    }

    @Override
    public FsxAttr fsxattr() {
        return fs.fsxattr(this);
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        fs.setDaxFlag(this, dax);
    }

    /** di_flags' immutable, append-only, sync, noatime and nodump bits, which are the FS_XFLAG_* ones. */
    @Override
    public int inodeFlags() {
        return di_flags() & InodeFlags.CHATTR;
    }

    @Override
    public void setInodeFlags(int xflags) throws FsException {
        fs.setInodeFlags(this, xflags);
    }

    @Override
    public void setProjid(int projid) throws FsException {
        fs.setProjid(this, projid);
    }

    @Override
    public void setExtsize(long bytes) throws FsException {
        fs.setExtsize(this, bytes);
    }

    @Override
    public List<FiemapExtent> dataForkExtents() throws FsException {
        return fs.dataForkExtents(this);
    }

    @Override
    public long lookup(String name) throws FsException {
        return fs.lookup(this, name);
    }

    @Override
    public List<DirEntry> readdir() throws FsException {
        return fs.readdir(this);
    }

    /** A directory's or symbolic link's access time, kept in the in-core inode (lazytime). */
    synchronized void keepAtime(Instant t) {
        atime(t);
    }

    /** xfs_fs_dirty_inode of a directory or symbolic link whose access time lazytime kept. */
    @Override
    public void writeDirtyTimes() throws FsException {
        if (fs.keepsTimes(this)) {
            fs.fileOps().writeInode(this);
        }
    }

    @Override
    public DirStream getdents() throws FsException {
        return fs.getdents(this);
    }

    @Override
    public Vnode create(String name, int mode, int uid, int gid) throws FsException {
        XfsMutations m = fs.writer("create");
        return fs.log().op(h -> m.create(this, name, mode, uid, gid));
    }

    @Override
    public Vnode mkdir(String name, int mode, int uid, int gid) throws FsException {
        XfsMutations m = fs.writer("mkdir");
        return fs.log().op(h -> m.mkdir(this, name, mode, uid, gid));
    }

    @Override
    public Vnode symlink(String name, String target, int uid, int gid) throws FsException {
        XfsMutations m = fs.writer("symlink");
        return fs.log().op(h -> m.symlink(this, name, target, uid, gid));
    }

    @Override
    public Vnode mknod(String name, int mode, long rdev, int uid, int gid) throws FsException {
        XfsMutations m = fs.writer("mknod");
        return fs.log().op(h -> m.mknod(this, name, mode, rdev, uid, gid));
    }

    @Override
    public Vnode tmpfile(int mode, int uid, int gid) throws FsException {
        XfsMutations m = fs.writer("tmpfile");
        return fs.log().op(h -> m.tmpfile(this, mode, uid, gid));
    }

    @Override
    public void link(String name, Vnode target) throws FsException {
        XfsMutations m = fs.writer("link");
        fs.log().op(h -> {
            m.link(this, name, (XfsInode) target);
            return null;
        });
    }

    @Override
    public void unlink(String name, Vnode victim) throws FsException {
        XfsMutations m = fs.writer("unlink");
        fs.log().op(h -> {
            m.unlink(this, name, (XfsInode) victim);
            return null;
        });
    }

    @Override
    public void rmdir(String name, Vnode victim) throws FsException {
        XfsMutations m = fs.writer("rmdir");
        fs.log().op(h -> {
            m.rmdir(this, name, (XfsInode) victim);
            return null;
        });
    }

    @Override
    public void rename(String name, Vnode moving, Vnode newDir, String newName, Vnode victim, int flags)
            throws FsException {
        XfsMutations m = fs.writer("rename");
        boolean exchange = (flags & dev.jdax.api.fs.OpenFlags.RENAME_EXCHANGE) != 0;
        fs.log().op(h -> {
            XfsMutations.requireProject((XfsInode) newDir, (XfsInode) moving, "rename to", newName);
            if (exchange) {
                m.exchange(this, name, (XfsInode) moving, (XfsInode) newDir, newName, (XfsInode) victim);
            } else {
                m.rename(this, name, (XfsInode) moving, (XfsInode) newDir, newName, (XfsInode) victim);
            }
            return null;
        });
    }

    @Override
    public String readlink() throws FsException {
        return fs.readlink(this);
    }

    @Override
    public void updateAtime(Instant atime) throws FsException {
        fs.fileOps().setAtime(this, atime);
    }

    @Override
    public void setattr(SetAttr attr) throws FsException {
        XfsMutations m = fs.writer("setattr");
        fs.log().op(h -> {
            m.setattr(this, attr);
            return null;
        });
    }

    @Override
    public OpenFile open(int flags) throws FsException {
        return fs.open(this, flags);
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        if (!dataOnly) {
            (space != null ? space : this).writeDirtyTimes(); // what lazytime kept, as vfs_fsync_range writes it
        }
        fs.fsync(this, dataOnly);
    }

    @Override
    public boolean dontCache() {
        return dontCache;
    }

    @Override
    public void evict() throws FsException {
        fs.evict(this);
    }

    /** Bytes after the core: both forks (XFS_LITINO). */
    int literalSize() {
        return raw.length - CORE_SIZE;
    }

    int dataForkSize() {
        return di_forkoff() == 0 ? literalSize() : di_forkoff() * 8;
    }

    int di_magic() { return be16(raw, 0); }
    int di_mode() { return be16(raw, 2); }
    void di_mode(int v) { put16(raw, 2, v); }
    int di_version() { return u8(raw, 4); }
    int di_format() { return u8(raw, 5); }
    void di_format(int v) { put8(raw, 5, v); }
    int di_uid() { return (int) be32(raw, 8); }
    void di_uid(int v) { put32(raw, 8, v); }
    int di_gid() { return (int) be32(raw, 12); }
    void di_gid(int v) { put32(raw, 12, v); }
    long di_nlink() { return be32(raw, 16); }
    void di_nlink(long v) { put32(raw, 16, v); }
    int di_projid() { return be16(raw, 20) | be16(raw, 22) << 16; }
    void di_projid(int v) { put16(raw, 20, v & 0xffff); put16(raw, 22, v >>> 16); }
    long di_size() { return be64(raw, 56); }
    void di_size(long v) { put64(raw, 56, v); }
    long di_nblocks() { return be64(raw, 64); }
    void di_nblocks(long v) { put64(raw, 64, v); }
    long di_extsize() { return be32(raw, 72); }
    void di_extsize(long v) { put32(raw, 72, v); }
    long di_nextents() { return be32(raw, 76); }
    void di_nextents(long v) { put32(raw, 76, v); }
    int di_anextents() { return be16(raw, 80); }
    int di_forkoff() { return u8(raw, 82); }
    int di_aformat() { return u8(raw, 83); }
    int di_flags() { return be16(raw, 90); }
    void di_flags(int v) { put16(raw, 90, v); }
    long di_gen() { return be32(raw, 92); }
    long di_next_unlinked() { return be32(raw, 96); }
    void di_next_unlinked(long v) { put32(raw, 96, v); }
    long di_flags2() { return be64(raw, 120); }
    void di_flags2(long v) { put64(raw, 120, v); }
    void di_cowextsize(long v) { put32(raw, 128, v); }
    long di_cowextsize() { return be32(raw, 128); }
    long di_ino() { return be64(raw, 152); }
    UUID di_uuid() { return new UUID(be64(raw, 160), be64(raw, 168)); }

    /** xfs_get_extsz_hint: the extent size hint in blocks, 0 when none is set. */
    long extsizeHint() {
        return (di_flags() & XFS_DIFLAG_EXTSIZE) != 0 ? di_extsize() : 0;
    }

    /** XFS_DEFAULT_COWEXTSZ_HINT: copy-on-write allocates 32 blocks at a time when no hint says otherwise. */
    static final long DEFAULT_COWEXTSZ_HINT = 32;

    /** xfs_get_cowextsz_hint: the larger of the CoW and the extent size hints, 32 blocks when neither is set. */
    long cowextsizeHint() {
        long cow = (di_flags2() & XFS_DIFLAG2_COWEXTSIZE) != 0 ? di_cowextsize() : 0;
        long hint = Math.max(cow, extsizeHint());
        return hint == 0 ? DEFAULT_COWEXTSZ_HINT : hint;
    }

    /** xfs_is_reflink_inode: the file may share blocks with others (XFS_DIFLAG2_REFLINK). */
    boolean isReflink() {
        return (di_flags2() & XFS_DIFLAG2_REFLINK) != 0;
    }

    Instant atime() { return time(32); }
    Instant mtime() { return time(40); }
    Instant ctime() { return time(48); }
    Instant crtime() { return time(144); }
    void atime(Instant t) { time(32, t); }
    void mtime(Instant t) { time(40, t); }
    void ctime(Instant t) { time(48, t); }
    void crtime(Instant t) { time(144, t); }

    /** Bigtime: nanoseconds since 1901-12-13 (xfs_bigtime_to_unix); legacy: seconds and nanoseconds. */
    private Instant time(int off) {
        if ((di_flags2() & XFS_DIFLAG2_BIGTIME) != 0) {
            long ns = be64(raw, off);
            long s = Long.divideUnsigned(ns, 1_000_000_000L);
            long n = Long.remainderUnsigned(ns, 1_000_000_000L);
            return Instant.ofEpochSecond(s - (1L << 31), n);
        }
        return Instant.ofEpochSecond((int) be32(raw, off), be32(raw, off + 4));
    }

    private void time(int off, Instant t) {
        if ((di_flags2() & XFS_DIFLAG2_BIGTIME) != 0) {
            long s = Math.max(t.getEpochSecond(), -(1L << 31));
            put64(raw, off, (s + (1L << 31)) * 1_000_000_000L + t.getNano());
        } else {
            long s = Math.clamp(t.getEpochSecond(), Integer.MIN_VALUE, Integer.MAX_VALUE);
            put32(raw, off, s);
            put32(raw, off + 4, t.getNano());
        }
    }

    /** The data fork's literal bytes (local format) or records (extents) / bmdr root (btree). */
    byte[] dataFork() {
        byte[] f = new byte[dataForkSize()];
        System.arraycopy(raw, CORE_SIZE, f, 0, f.length);
        return f;
    }

    void seal() {
        XfsCrc.update(raw, 0, raw.length, DI_CRC_OFF);
    }

    boolean isDir() {
        return (di_mode() & 0170000) == 0040000;
    }

    boolean isReg() {
        return (di_mode() & 0170000) == 0100000;
    }

    boolean isSymlink() {
        return (di_mode() & 0170000) == 0120000;
    }
}
