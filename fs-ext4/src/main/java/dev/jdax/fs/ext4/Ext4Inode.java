package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;
import dev.jdax.iomap.AddressSpace;
import dev.jdax.iomap.KeptTimes;
import dev.jdax.iomap.CoarseClock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An in-core ext4 inode: its on-disk bytes ({@code struct ext4_inode}, s_inode_size long), accessors
 * named after the fields, the inode checksum, its locks, and the in-core state ext4 keeps with it —
 * the extent list ({@link #extents}, written back as a tree by {@link ExtentTree}) and the blocks
 * of that tree, the transactions that last changed it (what fsync commits), and for a regular file
 * the engine's address space. As a {@link Vnode} it hands the VFS's calls to the file system.
 *
 * <p>Its bytes change only inside {@link Ext4FileSystem#changeInode} (one step with the checksum
 * and the write, under this object's monitor); the extent list only under {@link #dataSem}.
 */
final class Ext4Inode implements Vnode, KeptTimes {
    private static final VarHandle LE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final int EXTENTS_FL = 0x80000;
    static final int INDEX_FL = 0x1000;
    static final int HUGE_FILE_FL = 0x40000;
    static final int DAX_FL = 0x2000000;
    static final int EA_INODE_FL = 0x200000;
    static final int VERITY_FL = 0x100000;
    static final int PROJINHERIT_FL = 0x20000000;
    /** i_projid, in the large inode's extra fields. */
    private static final int I_PROJID = 0x9C;

    final long ino;
    final ByteBuffer b;
    final Ext4FileSystem fs;
    final RwSem rwsem;
    /** ext4's {@code i_data_sem}: the extent list and tree, shared to read, exclusive to change. */
    final RwSem dataSem;
    AddressSpace space;
    ExtentList extents;
    /** The inode's preallocations (i_prealloc_list), in memory only; the list's monitor is i_prealloc_lock. */
    final List<Prealloc> prealloc = new ArrayList<>();
    /** Open files that may write: the last one's close forgets the preallocations (ext4_release_file). */
    final java.util.concurrent.atomic.AtomicInteger writers = new java.util.concurrent.atomic.AtomicInteger();
    /** On the orphan list ({@link Orphans}), and its neighbours there (newer, older): under the orphan lock. */
    boolean orphaned;
    Ext4Inode orphanPrev;
    Ext4Inode orphanNext;
    /** Unlinked in the running transaction, and recorded as an orphan only if still one at its commit ({@link Orphans}): under the inode's monitor. */
    boolean orphanPending;
    /**
     * While {@link #orphanPending}: its slot's list in {@link PendingOrphans} (-1 when in none) and
     * its neighbours there (newer, older), under that slot's lock.
     */
    int pendingSlot = -1;
    Ext4Inode pendingPrev;
    Ext4Inode pendingNext;
    /** Its entry in the orphan file ({@link OrphanFile}: EXT4_STATE_ORPHAN_FILE and i_orphan_idx), or -1: under the inode's monitor. */
    int orphanSlot = -1;
    /**
     * The names this directory's index hashed last ({@link HashedName}); null until one is. Written
     * under its i_rwsem, shared by lookups: a race between them only loses a kept hash.
     */
    HashedName hashedNames;
    /**
     * A directory's block writes so far ({@link Ext4Dir}), and what its last change left in a leaf
     * ({@link LastDirent}, or null): both changed under its i_rwsem held exclusively, as every change
     * of a directory holds it, and read by lookups under the shared side.
     */
    long dirWrites;
    LastDirent lastDirent;
    /** What is kept of a directory's leaves ({@link DirLeaves}); null until a leaf is searched. */
    volatile DirLeaves dirLeaves;
    /** A hashed directory's index as one list ({@link FlatIndex}); null until a lookup needs it, and again once an index block is written. */
    volatile FlatIndex flatIndex;
    /** i_last_alloc_group: where this directory's last new inode went (-1: none yet); under its i_rwsem. */
    int lastAllocGroup = -1;
    /** Tree blocks allocated in a transaction still running: block to tid (under i_data_sem); null while there are none. */
    java.util.Map<Long, Long> treeFresh;
    /** The blocks of the extent tree below the inode (index and leaf blocks), or of its indirect map; replaced, never changed in place. */
    List<Long> treeBlocks = List.of();
    /** A file without extents: its indirect blocks by height and first file block ({@link IndirectMap}). */
    java.util.NavigableMap<Long, Long> indirect;
    /** The bytes this inode was last charged to the quota files for ({@link Quotas}): as loaded, or empty when new; replaced, never changed. */
    byte[] quotaBase;
    /** An fs-verity file's descriptor and verified tree blocks, read at its first open ({@link VerityFile#of}). */
    volatile VerityFile verity;
    /** The DAX state chosen when the inode was loaded (Linux decides it in ext4_set_inode_flags). */
    boolean daxNow;
    /** I_DONTCACHE: a changed DAX flag takes effect when the inode is read again. */
    volatile boolean dontCache;
    /** {@code i_sync_tid}: the transaction that last changed the inode (fsync commits it). */
    volatile long syncTid = -1;
    /** {@code i_datasync_tid}: the transaction that last changed what reading the data needs (fdatasync). */
    volatile long dataSyncTid = -1;

    Ext4Inode(Ext4FileSystem fs, long ino, byte[] raw) {
        this(fs, ino, raw, raw.clone());
    }

    /** An inode whose bytes were last charged to the quota files as {@code quotaBase} (never changed in place: shareable). */
    Ext4Inode(Ext4FileSystem fs, long ino, byte[] raw, byte[] quotaBase) {
        this.fs = fs;
        this.ino = ino;
        this.b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        this.quotaBase = quotaBase;
        // The lock checker names a lock by class and key (the inode number): no string per inode.
        this.rwsem = new RwSem(LockClass.I_RWSEM, ino, "ext4 i_rwsem");
        this.dataSem = new RwSem(LockClass.I_DATA_SEM, ino, "ext4 i_data_sem");
    }

    @Override
    public long ino() {
        return ino;
    }

    /** {@code i_size}: the engine's for a regular file (it owns it), the format's for the others. */
    @Override
    public long size() {
        return space != null ? space.size() : i_size();
    }

    @Override
    public RwSem rwsem() {
        return rwsem;
    }

    @Override
    public long nlink() {
        return i_links_count();
    }

    @Override
    public StatInfo stat() {
        return fs.statOf(this);
    }

    /** EXT4_XATTR_INDEX_ENCRYPTION and the name ext4 keeps an fscrypt context under (ext4_get_context). */
    private static final int XATTR_INDEX_ENCRYPTION = 9;
    private static final byte[] ENCRYPTION_CONTEXT = {'c'};

    @Override
    public byte[] encryptionContext() throws FsException {
        return Xattrs.value(fs, this, XATTR_INDEX_ENCRYPTION, ENCRYPTION_CONTEXT);
    }

    /**
     * ext4_set_context: the context as the encryption index's {@code c} attribute, created
     * (XATTR_CREATE: EEXIST when one is there) in the inode's body beside what it keeps, with
     * EXT4_ENCRYPT_FL and the change time (ext4_xattr_set_handle's), in one handle. A body without
     * room, or a 128-byte inode, is EOPNOTSUPP, where Linux would put the attribute in a block.
     */
    @Override
    public void setEncryptionContext(byte[] context) throws FsException {
        if (Xattrs.value(fs, this, XATTR_INDEX_ENCRYPTION, ENCRYPTION_CONTEXT) != null) {
            throw FsException.of(Errno.EEXIST, "ext4: inode %d already keeps an fscrypt context", ino);
        }
        if (b.capacity() <= 128 || (fs.superblock().s_feature_compat() & Ext4Superblock.COMPAT_EXT_ATTR) == 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: no room for extended attributes in the inode", ino);
        }
        int header = 128 + i_extra_isize();
        // Asked before the change, so that a body without room changes nothing (not even the times).
        if (Xattrs.placeInBody(b, header, ENCRYPTION_CONTEXT.length, context.length) == null) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: its body has no room for the fscrypt context, and jdax"
                    + " writes no attribute block", ino);
        }
        changeAttributes(i -> {
            Xattrs.addInBody(i.b, header, XATTR_INDEX_ENCRYPTION, ENCRYPTION_CONTEXT, context);
            i.i_flags(i.i_flags() | NoKeyNames.ENCRYPT_FL);
        });
    }

    /**
     * ext4_fileattr_get of a directory: its flags, FS_XFLAG_DAX among them, and its project id with
     * the project feature (fileattr_fill_flags leaves the counts 0).
     */
    @Override
    public FsxAttr fsxattr() {
        return new FsxAttr(xflags(), 0, 0, 0, 0, (int) projectId());
    }

    /** ext4_iflags_to_xflags of the flags jdax knows: the chattr ones, proj-inherit and FS_XFLAG_DAX. */
    int xflags() {
        int f = i_flags();
        return InodeFlags.xflags(f) | ((f & DAX_FL) != 0 ? FsxAttr.FS_XFLAG_DAX : 0)
                | ((f & PROJINHERIT_FL) != 0 ? FsxAttr.FS_XFLAG_PROJINHERIT : 0);
    }

    /** i_flags' immutable, append-only, sync, noatime and nodump bits (FS_*_FL values), as FS_XFLAG_* ones. */
    @Override
    public int inodeFlags() {
        return InodeFlags.xflags(i_flags());
    }

    /**
     * ext4_fileattr_set of the chattr flags and proj-inherit: a flag ext4_mask_flags would take
     * from this type of inode (proj-inherit from anything but a directory) is EOPNOTSUPP; with
     * ext4_ioctl_check_immutable, an immutable inode that stays immutable takes no other change
     * (EPERM). Stored with a new ctime. XFS's other flags (nosymlinks, no-defrag, filestream,
     * realtime, ...) are dropped: ext4 reads only the FS_*_FL form of the request, where they have no bit.
     */
    @Override
    public void setInodeFlags(int xflags) throws FsException {
        int want = InodeFlags.fsFlags(xflags) | ((xflags & FsxAttr.FS_XFLAG_PROJINHERIT) != 0 ? PROJINHERIT_FL : 0);
        if ((want & PROJINHERIT_FL) != 0 && type() != FileType.DIRECTORY) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: proj-inherit is a directory's flag", ino);
        }
        int kept = InodeFlags.FS_FLAGS | PROJINHERIT_FL;
        int old = i_flags();
        if ((old & InodeFlags.FS_IMMUTABLE_FL) != 0 && (want & InodeFlags.FS_IMMUTABLE_FL) != 0
                && (old & kept) != want) {
            throw FsException.of(Errno.EPERM, "ext4: inode %d is immutable: only that flag can change", ino);
        }
        changeAttributes(i -> i.i_flags(i.i_flags() & ~kept | want));
    }

    /**
     * FS_IOC_FSSETXATTR's extent size hint: ext4_fileattr_set reads only the flags and the project
     * id, so a hint is taken without an error and not kept (FS_IOC_FSGETXATTR answers 0).
     */
    @Override
    public void setExtsize(long bytes) {
    }

    /** The CoW extent size hint: taken without an error and not kept, as the extent size hint is. */
    @Override
    public void setCowextsize(boolean flag, long bytes) {
    }

    /**
     * FS_XFLAG_DAX, of a regular file or a directory (which gives it to what is created in it):
     * stored at once, in force when the inode is next loaded (Linux 6.1, measured).
     */
    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        synchronized (this) {
            InlineFile.refuseDax(this);
        }
        if ((i_flags() & InodeFlags.FS_IMMUTABLE_FL) != 0 && dax != ((i_flags() & DAX_FL) != 0)) {
            throw FsException.of(Errno.EPERM, "ext4: inode %d is immutable: FS_XFLAG_DAX cannot change", ino);
        }
        if (dax && (i_flags() & Ext4Inode.VERITY_FL) != 0) {
            // dax_compatible: EXT4_DAX_MUT_EXCL holds EXT4_VERITY_FL (a verity file is read through
            // checked pages, never mapped from the device).
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d is an fs-verity file: FS_XFLAG_DAX cannot be set", ino);
        }
        fs.opVoid(() -> fs.changeInode(this, i -> {
            i.i_flags(dax ? i.i_flags() | Ext4Inode.DAX_FL : i.i_flags() & ~Ext4Inode.DAX_FL);
            i.touch(false, true);
        }));
        dontCache = true; // ext4_dax_dontcache
    }

    @Override
    public long lookup(String name) throws FsException {
        return fs.namespace().lookup(this, name);
    }

    /** In a casefolded directory the folded name (d_hash of ext4's casefold dentries), so one dentry serves every spelling. */
    @Override
    public String dentryName(String name) {
        return fs.namespace().dentryName(this, name);
    }

    /** ext4_fiemap of a directory: the regular file's goes through the engine. */
    @Override
    public List<FiemapExtent> fiemap(long start, long length) throws FsException {
        return fs.fiemapDirectory(this, start, length);
    }

    @Override
    public long directorySeekEnd() {
        return fs.namespace().directorySeekEnd(this);
    }

    @Override
    public List<DirEntry> readdir() throws FsException {
        return fs.namespace().readdir(this);
    }

    /** A directory's or symbolic link's access time, kept in the in-core bytes (lazytime). */
    synchronized void keepAtime(Instant t) {
        atime(t);
    }

    /** ext4_dirty_inode of a directory or symbolic link whose access time lazytime kept. */
    @Override
    public void writeDirtyTimes() throws FsException {
        if (fs.keepsTimes(this)) {
            fs.opVoid(() -> fs.writeInode(this));
        }
    }

    @Override
    public DirStream getdents() throws FsException {
        return fs.directories().getdents(this);
    }

    @Override
    public Vnode create(String name, int mode, int uid, int gid) throws FsException {
        return fs.namespace().create(this, name, mode, uid, gid);
    }

    @Override
    public Vnode mkdir(String name, int mode, int uid, int gid) throws FsException {
        return fs.namespace().mkdir(this, name, mode, uid, gid);
    }

    @Override
    public Vnode symlink(String name, String target, int uid, int gid) throws FsException {
        return fs.namespace().symlink(this, name, target, uid, gid);
    }

    @Override
    public Vnode mknod(String name, int mode, long rdev, int uid, int gid) throws FsException {
        return fs.namespace().mknod(this, name, mode, rdev, uid, gid);
    }

    @Override
    public Vnode tmpfile(int mode, int uid, int gid) throws FsException {
        return fs.namespace().tmpfile(this, mode, uid, gid);
    }

    @Override
    public void link(String name, Vnode target) throws FsException {
        fs.namespace().link(this, name, (Ext4Inode) target);
    }

    @Override
    public void unlink(String name, Vnode victim) throws FsException {
        fs.namespace().unlink(this, name, (Ext4Inode) victim);
    }

    @Override
    public void rmdir(String name, Vnode victim) throws FsException {
        fs.namespace().rmdir(this, name, (Ext4Inode) victim);
    }

    @Override
    public void rename(String name, Vnode moving, Vnode newDir, String newName, Vnode victim, int flags)
            throws FsException {
        fs.namespace().rename(this, name, (Ext4Inode) moving, (Ext4Inode) newDir, newName, (Ext4Inode) victim, flags);
    }

    @Override
    public String readlink() throws FsException {
        return fs.readlink(this);
    }

    @Override
    public void updateAtime(Instant atime) throws FsException {
        fs.updateAtime(this, atime);
    }

    @Override
    public void setattr(SetAttr attr) throws FsException {
        fs.setattr(this, attr);
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
        fs.commitFor(this, dataOnly);
    }

    @Override
    public boolean dontCache() {
        return dontCache;
    }

    @Override
    public void evict() throws FsException {
        fs.evict(this);
    }

    int i_mode() { return b.getShort(0x0) & 0xffff; }
    int i_uid() { return (b.getShort(0x2) & 0xffff) | (b.getShort(0x78) & 0xffff) << 16; }
    long i_size() { return (b.getInt(0x4) & 0xffffffffL) | (long) b.getInt(0x6C) << 32; }
    /** i_dtime, which on the orphan list holds the next orphan's number. */
    long i_dtime() { return b.getInt(0x14) & 0xffffffffL; }
    int i_gid() { return (b.getShort(0x18) & 0xffff) | (b.getShort(0x7A) & 0xffff) << 16; }
    int i_links_count() { return b.getShort(0x1A) & 0xffff; }
    int i_flags() { return b.getInt(0x20); }
    int i_generation() { return b.getInt(0x64); }
    int i_extra_isize() { return b.capacity() > 128 ? b.getShort(0x80) & 0xffff : 0; }

    /** i_blocks in 512-byte units (huge_file: 48 bits; HUGE_FILE_FL: in file-system blocks). */
    long i_blocks(int blockSize) {
        long v = (b.getInt(0x1C) & 0xffffffffL) | (long) (b.getShort(0x74) & 0xffff) << 32;
        return (i_flags() & HUGE_FILE_FL) != 0 ? v * (blockSize / 512) : v;
    }

    void i_mode(int v) { b.putShort(0x0, (short) v); }
    void i_uid(int v) { b.putShort(0x2, (short) v); b.putShort(0x78, (short) (v >>> 16)); }
    void i_size(long v) { b.putInt(0x4, (int) v); b.putInt(0x6C, (int) (v >>> 32)); }
    void i_dtime(long v) { b.putInt(0x14, (int) v); }
    void i_gid(int v) { b.putShort(0x18, (short) v); b.putShort(0x7A, (short) (v >>> 16)); }
    void i_links_count(int v) { b.putShort(0x1A, (short) v); }
    void i_flags(int v) { b.putInt(0x20, v); }

    void i_blocks512(long v) {
        i_flags(i_flags() & ~HUGE_FILE_FL);
        b.putInt(0x1C, (int) v);
        b.putShort(0x74, (short) (v >>> 32));
    }

    @Override
    public FileType type() {
        return FileType.ofMode(i_mode());
    }

    boolean isDir() {
        return type() == FileType.DIRECTORY;
    }

    boolean usesExtents() {
        return (i_flags() & EXTENTS_FL) != 0;
    }

    /** i_projid, kept in the large inode's extra fields (0 where they do not reach it). */
    long i_projid() {
        return fits(I_PROJID) ? b.getInt(I_PROJID) & 0xffffffffL : 0;
    }

    /** The project id ext4_iget gives the inode: i_projid with the project feature, EXT4_DEF_PROJID (0) without. */
    long projectId() {
        return fs.superblock().hasProject() ? i_projid() : 0;
    }

    /**
     * __ext4_new_inode's project: a directory with PROJINHERIT_FL passes its project id to what is
     * made in it (the flag itself goes by ext4_mask_flags, to directories only).
     */
    void inheritProject(Ext4Inode parent) {
        if ((parent.i_flags() & PROJINHERIT_FL) != 0 && fits(I_PROJID)) {
            b.putInt(I_PROJID, (int) parent.projectId());
        }
    }

    /**
     * ext4_ioctl_setproject: only with the project feature (EOPNOTSUPP without it, and in 128-byte
     * inodes); an immutable inode keeps its project (EPERM, ext4_ioctl_check_immutable: the VFS has
     * cleared immutable first when the same call clears it). Where i_extra_isize stops short of
     * i_projid, the extra fields grow to 32 bytes as ext4_expand_extra_isize grows them, when no
     * extended attributes follow them in the inode (jdax does not move those: ENOSPC). Stored with a
     * new ctime; the quota files move the inode's charge to the new project in the same transaction
     * ({@link Quotas}, as __dquot_transfer).
     */
    @Override
    public void setProjid(int projid) throws FsException {
        if (!fs.superblock().hasProject() || b.capacity() <= 128) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: project id %d: %s", ino, Integer.toUnsignedLong(projid),
                    b.capacity() <= 128 ? "128-byte inodes keep none" : "no project feature (mke2fs -O project)");
        }
        if ((i_flags() & InodeFlags.FS_IMMUTABLE_FL) != 0) {
            throw FsException.of(Errno.EPERM, "ext4: inode %d is immutable: its project id stays %d", ino, i_projid());
        }
        int reach = I_PROJID + 4 - 128;   // the i_extra_isize that reaches past i_projid
        boolean grow = !fits(I_PROJID);
        if (grow && (Xattrs.inInodeEntries(this) >= 0 || b.capacity() < 128 + reach)) {
            throw FsException.of(Errno.ENOSPC, "ext4: inode %d: i_extra_isize %d does not reach i_projid, and the extended "
                    + "attributes kept after it would have to move (jdax does not move them)", ino, i_extra_isize());
        }
        changeAttributes(i -> {
            if (grow) {
                for (int at = 128 + i.i_extra_isize(); at < 128 + reach; at++) {
                    i.b.put(at, (byte) 0);
                }
                i.b.putShort(0x80, (short) reach);
            }
            i.b.putInt(I_PROJID, projid);
        });
    }

    /**
     * An attribute change (flags, project id) in one handle with a new ctime, which the engine's
     * copy of the times then takes too.
     */
    private void changeAttributes(Consumer<Ext4Inode> change) throws FsException {
        fs.opVoid(() -> fs.changeInode(this, i -> {
            change.accept(i);
            i.touch(false, true);
        }));
        if (space != null) {
            space.timesSet(null, null, ctime());
        }
    }

    /**
     * ext4_inode_is_fast_symlink: a symlink whose target is in i_block, told by owning no block but
     * its extended-attribute block, a whole cluster with bigalloc (an ext3 slow symlink has no
     * EXTENTS_FL either).
     */
    boolean isFastSymlink(int blockSize, int clusterSize) {
        long eaBlocks = b.getInt(0x68) != 0 ? clusterSize / 512 : 0;
        return type() == FileType.SYMLINK && i_blocks(blockSize) - eaBlocks == 0;
    }

    void touch(boolean m, boolean c) {
        Instant now = CoarseClock.now(fs.timeGranularityNanos());
        if (m) {
            mtime(now);
        }
        if (c) {
            ctime(now);
        }
    }

    // The times: i_atime/i_ctime/i_mtime (and i_crtime in the large inode) hold signed 32-bit
    // seconds; where the inode's i_extra_isize reaches the matching extra word, that word adds two
    // epoch bits above them (reaching 2446) and the nanoseconds (ext4_decode_extra_time).
    Instant atime() { return time(0x8, 0x8C); }
    Instant ctime() { return time(0xC, 0x84); }
    Instant mtime() { return time(0x10, 0x88); }
    /** i_crtime, the birth time, or null where the inode has no room for it. */
    Instant crtime() { return fits(0x90) ? time(0x90, 0x94) : null; }
    void atime(Instant t) { time(0x8, 0x8C, t); }
    void ctime(Instant t) { time(0xC, 0x84, t); }
    void mtime(Instant t) { time(0x10, 0x88, t); }
    void crtime(Instant t) {
        if (fits(0x90)) {
            time(0x90, 0x94, t);
        }
    }

    /** Whether mtime and ctime hold these times already, as they would be stored. */
    boolean holdsTimes(Instant m, Instant c) {
        return holds(0x10, 0x88, m) && holds(0xC, 0x84, c);
    }

    /** EXT4_FITS_IN_INODE: the 4-byte field at {@code offset} lies within 128 + i_extra_isize bytes. */
    private boolean fits(int offset) {
        return b.capacity() > 128 && offset + 4 <= 128 + i_extra_isize();
    }

    private Instant time(int at, int extraAt) {
        long sec = b.getInt(at);
        long nsec = 0;
        if (fits(extraAt)) {
            int extra = b.getInt(extraAt);
            sec += (long) (extra & 3) << 32;
            nsec = extra >>> 2;
        }
        return Instant.ofEpochSecond(sec, nsec);
    }

    private void time(int at, int extraAt, Instant t) {
        b.putInt(at, (int) t.getEpochSecond());
        if (fits(extraAt)) {
            b.putInt(extraAt, extra(t));
        }
    }

    /** Whether the words at {@code at} and {@code extraAt} are what {@link #time(int, int, Instant)} would store. */
    private boolean holds(int at, int extraAt, Instant t) {
        return b.getInt(at) == (int) t.getEpochSecond() && (!fits(extraAt) || b.getInt(extraAt) == extra(t));
    }

    /** ext4_encode_extra_time: the epoch bits the signed 32-bit seconds miss, and the nanoseconds. */
    private static int extra(Instant t) {
        long sec = t.getEpochSecond();
        return (int) (((sec - (int) sec) >> 32) & 3) | t.getNano() << 2;
    }

    /** A seed computed, with what it was computed from (final fields: safe to share between threads). */
    private record Seed(int fsSeed, int generation, int value) {
    }

    /** The last seed computed: every checksum of the inode, its extent blocks and its directory blocks starts from it. */
    private Seed seed;

    /** The seed extent and directory block checksums of this inode start from. */
    int csumSeed(int fsSeed) {
        int generation = i_generation();
        Seed s = seed;
        if (s == null || s.fsSeed() != fsSeed || s.generation() != generation) {
            s = new Seed(fsSeed, generation, seedOf(fsSeed, ino, generation));
            seed = s;
        }
        return s.value();
    }

    /** The checksum seed of inode {@code ino} of generation {@code generation}: its number and generation summed from the file system's. */
    private static int seedOf(int fsSeed, long ino, int generation) {
        return Crc32c.update(Crc32c.update(fsSeed, (int) ino), generation);
    }

    /**
     * ext4_inode_csum: crc32c of the raw inode with its checksum fields as zero, summed in one pass
     * with the fields zeroed for the sum and put back (five pieces around them took 44 ns where one
     * pass takes 21 ns, and a create + write + unlink sums its inodes eight times). So only an inode
     * whose checksum fields no other thread reads is summed: one under its monitor
     * ({@link Ext4Inodes#changeInode}), one just read, or one in a block the commit freezes.
     */
    private int checksum(int fsSeed) {
        return sum(b.array(), 0, b.capacity(), csumSeed(fsSeed));
    }

    private static int sum(byte[] a, int off, int size, int seed) {
        boolean hi = hasCsumHi(a, off, size);
        short lo = (short) LE_SHORT.get(a, off + 0x7C);
        short high = hi ? (short) LE_SHORT.get(a, off + 0x82) : 0;
        LE_SHORT.set(a, off + 0x7C, (short) 0);
        if (hi) {
            LE_SHORT.set(a, off + 0x82, (short) 0);
        }
        int c = Crc32c.update(seed, a, off, size);
        LE_SHORT.set(a, off + 0x7C, lo);
        if (hi) {
            LE_SHORT.set(a, off + 0x82, high);
        }
        return c;
    }

    private static boolean hasCsumHi(byte[] a, int off, int size) {
        return size > 128 && ((short) LE_SHORT.get(a, off + 0x80) & 0xffff) >= 4;
    }

    private static void putChecksum(byte[] a, int off, int size, int c) {
        LE_SHORT.set(a, off + 0x7C, (short) c);
        if (hasCsumHi(a, off, size)) {
            LE_SHORT.set(a, off + 0x82, (short) (c >>> 16));
        }
    }

    /**
     * Sums inode {@code ino}, the {@code size} bytes at {@code off} of an inode table block, and puts
     * the checksum in: the commit's seal of the inodes a transaction changed ({@link Ext4Inodes}).
     */
    static void sealAt(byte[] block, int off, int size, long ino, int fsSeed) {
        int seed = seedOf(fsSeed, ino, (int) LE_INT.get(block, off + 0x64));
        putChecksum(block, off, size, sum(block, off, size, seed));
    }

    boolean checksumOk(int fsSeed) {
        int c = checksum(fsSeed);
        int lo = b.getShort(0x7C) & 0xffff;
        if (hasCsumHi(b.array(), 0, b.capacity())) {
            return ((b.getShort(0x82) & 0xffff) << 16 | lo) == c;
        }
        return lo == (c & 0xffff);
    }

    /** Sets the checksum fields (under the inode's monitor: see {@link #checksum}). */
    void updateChecksum(int fsSeed) {
        putChecksum(b.array(), 0, b.capacity(), checksum(fsSeed));
    }
}
