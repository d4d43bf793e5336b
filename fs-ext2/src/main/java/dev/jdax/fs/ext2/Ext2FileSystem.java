package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.InodeBirths;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.iomap.AddressSpace;
import dev.jdax.iomap.CoarseClock;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.GetBlockBridge;
import dev.jdax.iomap.LockingModel;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A mounted ext2 file system: Linux's {@code fs/ext2} on its format. Metadata is written in place
 * as it changes (ext2 has no journal); the superblock's counters and its clean flag are written at
 * sync and unmount, so a clean unmount leaves an image e2fsck finds clean. No lock covers the whole
 * file system: the VFS locks directories and inodes, the allocator each group, the block map each
 * inode.
 */
final class Ext2FileSystem implements SuperBlock {
    static final long ROOT_INO = 2;
    private static final Set<String> KNOWN_OPTIONS = Set.of("dax", "ro", "rw", "media_errors", "locking", "errors",
            "user_xattr", "nouser_xattr", "acl", "noacl");

    private final FileSystemType type;
    private final DaxDevice device;
    private final MountOptions options;
    private final boolean readOnly;
    private final boolean dax;
    private final Disk disk;
    private final Ext2Superblock sb;
    private final Groups groups;
    private final Allocator allocator;
    private final InodeGroups inodeGroups;
    private final BlockMap blockMap;
    private final Dir dir;
    private final Ext2Namespace namespace;
    private final DaxMount mount;
    private final GetBlockBridge bridge;
    /** The filetype feature, asked at every create and link: read once, not from the superblock's bytes each time. */
    private final boolean direntFileType;
    private boolean closed;

    private Ext2FileSystem(FileSystemType type, DaxDevice device, MountOptions options, Ext2Superblock sb, boolean readOnly)
            throws FsException {
        this.type = type;
        this.device = device;
        this.options = options;
        this.sb = sb;
        this.readOnly = readOnly;
        this.dax = options.has("dax");
        this.disk = new Disk(device, sb.blockSize(), sb.s_blocks_count());
        this.groups = Groups.read(disk, sb);
        this.allocator = new Allocator(disk, sb, groups);
        this.inodeGroups = new InodeGroups(sb, groups);
        this.blockMap = new BlockMap(this, disk);
        this.dir = new Dir(this, disk);
        this.namespace = new Ext2Namespace(this, dir);
        this.mount = new DaxMount(device, options, LockingModel.INODE_RWSEM, readOnly);
        this.bridge = new GetBlockBridge(blockMap, device);
        this.direntFileType = (sb.s_feature_incompat() & Ext2Superblock.INCOMPAT_FILETYPE) != 0;
    }

    static Ext2Superblock readSuperblock(DaxDevice device) throws FsException {
        if (device.size() < Ext2Superblock.OFFSET + Ext2Superblock.SIZE) {
            throw FsException.of(Errno.EINVAL, "ext2: device of %d bytes is too small for a superblock", device.size());
        }
        byte[] raw = new byte[Ext2Superblock.SIZE];
        device.load(Ext2Superblock.OFFSET, java.lang.foreign.MemorySegment.ofArray(raw), 0, raw.length);
        return new Ext2Superblock(raw);
    }

    static Ext2FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options) throws FsException {
        options.requireKnown("ext2", KNOWN_OPTIONS);
        if (options.has("dax") && !options.value("dax", "").isEmpty()) {
            throw FsException.of(Errno.EINVAL, "ext2: dax=%s: Linux's ext2 knows only \"dax\" (dax=always|never|inode are ext4 and XFS)",
                    options.value("dax", ""));
        }
        Ext2Superblock sb = readSuperblock(device);
        sb.validate(device.size());
        String incompat = Ext2Superblock.unknownFeatures("incompat", sb.s_feature_incompat(), Ext2Superblock.INCOMPAT_KNOWN);
        if (!incompat.isEmpty()) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext2: unsupported INCOMPAT features: %s", incompat);
        }
        if ((sb.s_feature_compat() & 0x4) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext2: has_journal: this is ext3/ext4, mount it as ext4");
        }
        boolean ro = options.readOnly()
                || !Ext2Superblock.unknownFeatures("ro_compat", sb.s_feature_ro_compat(), Ext2Superblock.RO_COMPAT_KNOWN).isEmpty();
        if (options.has("dax") && sb.blockSize() != DaxDevice.PAGE_SIZE) {
            throw FsException.of(Errno.EINVAL, "ext2: DAX needs a block size of 4096, this file system has %d", sb.blockSize());
        }
        Ext2FileSystem fs = new Ext2FileSystem(type, device, options, sb, ro);
        if (!ro) {
            // ext2_setup_super counts the mount; ext2_sync_fs takes EXT2_VALID_FS off while mounted.
            fs.sb.s_mnt_count(fs.sb.s_mnt_count() + 1);
            fs.sb.s_state(fs.sb.s_state() & ~1);
            fs.sb.s_mtime(Instant.now().getEpochSecond());
            fs.writeSuperblock();
        }
        return fs;
    }

    Ext2Superblock superblock() {
        return sb;
    }

    Allocator allocator() {
        return allocator;
    }

    BlockMap blockMap() {
        return blockMap;
    }

    Disk disk() {
        return disk;
    }

    Ext2Namespace namespace() {
        return namespace;
    }

    Dir dir() {
        return dir;
    }

    DaxMount daxMount() {
        return mount;
    }

    GetBlockBridge bridge() {
        return bridge;
    }

    boolean dax() {
        return dax;
    }

    int blockSize() {
        return sb.blockSize();
    }

    /** The first block of the group holding {@code ino}: where its data goes first. */
    long inodeGroupFirstBlock(long ino) {
        long g = (ino - 1) / sb.s_inodes_per_group();
        return sb.s_first_data_block() + g * sb.s_blocks_per_group();
    }

    /** Ext2Superblock copies, descriptor tables, bitmaps and inode tables: no file's block may be one. */
    boolean isMetadataBlock(long block) {
        int g = allocator.groupOfBlock(block);
        if (g < 0 || g >= groups.count()) {
            return true;
        }
        long first = sb.s_first_data_block() + (long) g * sb.s_blocks_per_group();
        if (Groups.hasSuper(g, sb.sparseSuper())
                && block < first + 1 + Groups.tableBlocks(groups.count(), sb.blockSize()) + sb.s_reserved_gdt_blocks()) {
            return true;
        }
        long itb = sb.inodeTableBlocks();
        return block == groups.blockBitmap(g) || block == groups.inodeBitmap(g)
                || (block >= groups.inodeTable(g) && block < groups.inodeTable(g) + itb);
    }

    // ---- inodes --------------------------------------------------------------------------------

    private long inodeOffset(long ino) throws FsException {
        if (ino < 1 || ino > sb.s_inodes_count()) {
            throw FsException.of(Errno.EUCLEAN, "ext2: inode %d outside 1..%d", ino, sb.s_inodes_count());
        }
        long ipg = sb.s_inodes_per_group();
        int g = (int) ((ino - 1) / ipg);
        long index = (ino - 1) % ipg;
        return groups.inodeTable(g) * sb.blockSize() + index * sb.s_inode_size();
    }

    @Override
    public Ext2Inode iget(long ino) throws FsException {
        Ext2Inode in = new Ext2Inode(this, ino, disk.readBytes(inodeOffset(ino), sb.s_inode_size()));
        // ext2_iget: no link left and a deletion time (ext2_evict_inode keeps i_mode) is a deleted
        // inode, asked for by a number resolved before its last name went: ESTALE, never a zombie
        // whose release would free it a second time.
        if (in.i_links_count() == 0 && ino != ROOT_INO && (in.i_mode() == 0 || in.i_dtime() != 0)) {
            throw FsException.of(Errno.ESTALE, "ext2: inode %d is not in use", ino);
        }
        if (in.type() == FileType.REGULAR) {
            attachSpace(in);
        }
        return in;
    }

    /**
     * ext2_nfs_get_inode: a number below s_first_ino other than the root's (the resize inode among
     * them) or past the inode table names no file a program may open.
     */
    @Override
    public Ext2Inode igetByNumber(long ino) throws FsException {
        String why = ino < 1 || ino > sb.s_inodes_count() ? "is outside 1.." + sb.s_inodes_count()
                : ino < sb.s_first_ino() && ino != ROOT_INO ? "is reserved (below s_first_ino " + sb.s_first_ino() + "), not a file" : null;
        if (why != null) {
            throw FsException.of(Errno.ESTALE, "ext2: inode %s %s", Long.toUnsignedString(ino), why);
        }
        return iget(ino);
    }

    /** The engine's state of a regular file, made when the inode comes into core. */
    private void attachSpace(Ext2Inode in) {
        in.space = mount.newAddressSpace(in, new Ext2FileOps(this, in, bridge), in.i_size(),
                Instant.ofEpochSecond(in.i_atime()), Instant.ofEpochSecond(in.i_mtime()), Instant.ofEpochSecond(in.i_ctime()));
    }

    /**
     * Writes the inode's bytes to its slot in the inode table. Copy and store are one step per
     * inode, so the last store holds every field changed before it, whichever lock changed it.
     */
    void writeInode(Ext2Inode in) throws FsException {
        requireWritable();
        long off = inodeOffset(in.ino);
        synchronized (in) {
            disk.writeBytes(off, in.b.array());
        }
    }

    /** Changes fields of the inode and writes it, as one step. */
    void changeInode(Ext2Inode in, Consumer<Ext2Inode> change) throws FsException {
        requireWritable();
        long off = inodeOffset(in.ino);
        synchronized (in) {
            // ext2_write_inode writes the in-core inode whole: the times lazytime kept go with it.
            AddressSpace.Times kept = mount.lazytime() && in.space != null ? in.space.takeDirtyTimes() : null;
            if (kept != null) {
                in.i_atime(kept.atime().getEpochSecond());
                in.i_mtime(kept.mtime().getEpochSecond());
                in.i_ctime(kept.ctime().getEpochSecond());
            }
            if (mount.lazytime()) {
                mount.written(in.ino, in); // a directory's or link's kept access time is in the bytes written now
            }
            change.accept(in);
            disk.writeBytes(off, in.b.array());
        }
    }

    /** A new inode for {@code name} in {@code parent}, in the group ext2_new_inode would pick, written, in core. */
    Ext2Inode newInode(Ext2Inode parent, String name, int mode, int uid, int gid) throws FsException {
        boolean isDir = FileType.ofMode(mode) == FileType.DIRECTORY;
        long ino = allocator.allocInode(inodeGroups.choose(parent, name, isDir), isDir);
        inodeGroups.made((int) ((ino - 1) / sb.s_inodes_per_group()), isDir);
        births.claimed(ino);
        Ext2Inode in = new Ext2Inode(this, ino, new byte[sb.s_inode_size()]);
        long now = CoarseClock.seconds();
        in.i_mode(mode);
        in.i_uid(uid);
        in.i_gid(gid);
        in.i_atime(now);
        in.i_ctime(now);
        in.i_mtime(now);
        in.i_links_count(isDir ? 2 : 1);
        in.i_flags(inheritedFlags(parent.i_flags(), FileType.ofMode(mode)));
        if (sb.s_inode_size() > 128) {
            in.b.putShort(128, (short) 32); // i_extra_isize, as mke2fs leaves room for
        }
        writeInode(in);
        if (in.type() == FileType.REGULAR) {
            attachSpace(in);
        }
        return in;
    }

    /** EXT2_FL_INHERITED: secrm, unrm, compr, sync, nodump, noatime, comprblk, nocompr, journal_data, notail, dirsync. */
    private static final int FL_INHERITED = 0x1 | 0x2 | 0x4 | InodeFlags.FS_SYNC_FL | InodeFlags.FS_NODUMP_FL
            | InodeFlags.FS_NOATIME_FL | 0x200 | 0x400 | 0x4000 | 0x8000 | 0x10000;
    /** EXT2_REG_FLMASK: what a regular file may hold of them, all but dirsync and topdir. */
    private static final int REG_FLMASK = ~(0x10000 | 0x20000);

    /** ext2_new_inode's flags: the parent's inheritable ones, masked by type (ext2_mask_flags). */
    static int inheritedFlags(int parentFlags, FileType type) {
        int f = parentFlags & FL_INHERITED;
        return switch (type) {
            case DIRECTORY -> f;
            case REGULAR -> f & REG_FLMASK;
            default -> f & (InodeFlags.FS_NODUMP_FL | InodeFlags.FS_NOATIME_FL);
        };
    }

    /**
     * ext2_fileattr_set of the chattr flags: i_flags takes them (they are EXT2_FL_USER_MODIFIABLE),
     * with a new ctime. An FS_XFLAG_* flag beyond FS_XFLAG_COMMON (XFS's nosymlinks,
     * no-defrag, filestream, realtime, rt-inherit, prealloc, has-xattr) is EOPNOTSUPP (fileattr_has_fsx); proj-inherit is common, and EXT2_FL_USER_MODIFIABLE
     * drops it without a word.
     */
    void setInodeFlags(Ext2Inode in, int xflags) throws FsException {
        int beyondCommon = xflags & InodeFlags.PER_FORMAT & ~FsxAttr.FS_XFLAG_PROJINHERIT;
        if (beyondCommon != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext2: inode %d: FS_IOC_FSSETXATTR flags %#x are not ext2's",
                    in.ino, beyondCommon);
        }
        long now = CoarseClock.seconds();
        changeInode(in, i -> {
            i.i_flags(i.i_flags() & ~InodeFlags.FS_FLAGS | InodeFlags.fsFlags(xflags));
            i.i_ctime(now);
        });
        if (in.space != null) {
            in.space.timesSet(null, null, Instant.ofEpochSecond(now));
        }
    }

    /** ext2_evict_inode: an inode with no link left gives back its blocks and its number. */
    void evict(Ext2Inode in) throws FsException {
        if (in.space != null) {
            in.space.evicted(in.i_links_count() > 0);
        } else if (in.i_links_count() > 0) {
            in.writeDirtyTimes();
        }
        if (in.i_links_count() > 0 || readOnly) {
            return;
        }
        if (in.holdsBlockMap(blockSize())) {
            blockMap.truncate(in, 0);
        }
        changeInode(in, i -> {
            i.i_dtime(CoarseClock.seconds());
            i.i_size(0);
        });
        allocator.freeInode(in.ino, in.isDir());
    }

    /** Whether lazytime keeps {@code in}'s access time in core, not yet written. */
    boolean keepsTimes(Ext2Inode in) {
        return mount.keeps(in.ino, in);
    }

    void requireWritable() throws FsException {
        if (readOnly) {
            throw FsException.of(Errno.EROFS, "ext2: read-only file system");
        }
    }

    int ftype(FileType t) {
        return direntFileType ? Dir.fileType(t) : 0;
    }

    // ---- SuperBlock --------------------------------------------------------------------------------

    @Override
    public FileSystemType type() {
        return type;
    }

    @Override
    public DaxDevice device() {
        return device;
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
    public Instant currentTime() {
        return Instant.ofEpochSecond(CoarseClock.seconds());
    }

    @Override
    public long rootIno() {
        return ROOT_INO;
    }

    /** EXT2_LINK_MAX. */
    @Override
    public long maxLinks() {
        return 32000;
    }

    StatInfo statOf(Ext2Inode in) {
        long attrs = (dax && in.type() == FileType.REGULAR ? StatInfo.STATX_ATTR_DAX : 0)
                | InodeFlags.statxAttributes(in.inodeFlags());
        Instant atime = in.space != null ? in.space.atime() : Instant.ofEpochSecond(in.i_atime());
        Instant mtime = in.space != null ? in.space.mtime() : Instant.ofEpochSecond(in.i_mtime());
        Instant ctime = in.space != null ? in.space.ctime() : Instant.ofEpochSecond(in.i_ctime());
        long rdev = DeviceNumbers.hasDevice(in.type()) ? DeviceNumbers.extDecode(in.i_block(0), in.i_block(1)) : 0;
        return new StatInfo(in.ino, in.i_mode(), in.i_links_count(), in.i_uid(), in.i_gid(), rdev, in.size(), in.i_blocks(),
                sb.blockSize(), atime, mtime, ctime, null, attrs);
    }

    /**
     * update_time(S_ATIME): the access time alone, written in place as ext2_write_inode writes it;
     * under lazytime a directory's or symbolic link's is kept in the in-core inode (I_DIRTY_TIME)
     * and goes out with its next write, fsync, sync, unmount or eviction.
     */
    void updateAtime(Ext2Inode in, Instant atime) throws FsException {
        if (in.space == null && mount.keepAtime(in.ino, in, () -> in.keepAtime(atime.getEpochSecond()))) {
            return;
        }
        changeInode(in, i -> i.i_atime(atime.getEpochSecond()));
    }

    void setattr(Ext2Inode in, SetAttr attr) throws FsException {
        Instant now = Instant.ofEpochSecond(CoarseClock.seconds());
        changeInode(in, i -> {
            if (attr.mode() != null) {
                i.i_mode((i.i_mode() & FileType.S_IFMT) | (attr.mode() & 07777));
            }
            if (attr.uid() != null) {
                i.i_uid(attr.uid());
            }
            if (attr.gid() != null) {
                i.i_gid(attr.gid());
            }
            if (attr.atime() != null) {
                i.i_atime(attr.atime().getEpochSecond());
            }
            if (attr.mtime() != null) {
                i.i_mtime(attr.mtime().getEpochSecond());
            }
            i.i_ctime(now.getEpochSecond());
        });
        if (in.space != null) {
            in.space.timesSet(attr.atime() == null ? null : Instant.ofEpochSecond(attr.atime().getEpochSecond()),
                    attr.mtime() == null ? null : Instant.ofEpochSecond(attr.mtime().getEpochSecond()), now);
        }
    }

    String readlink(Ext2Inode in) throws FsException {
        if (in.type() != FileType.SYMLINK) {
            throw FsException.of(Errno.EINVAL, "ext2: inode %d is not a symlink", in.ino);
        }
        long size = in.i_size();
        if (size <= 0 || size >= sb.blockSize()) {
            throw FsException.of(Errno.EUCLEAN, "ext2: symlink %d: size %d", in.ino, size);
        }
        if (in.isFastSymlink(sb.blockSize())) {
            if (size >= 60) {
                throw FsException.of(Errno.EUCLEAN, "ext2: fast symlink %d: size %d does not fit i_block", in.ino, size);
            }
            return new String(in.b.array(), 40, (int) size, StandardCharsets.UTF_8);
        }
        var m = blockMap.map(in, 0, 1, false);
        if (!m.isMapped()) {
            throw FsException.of(Errno.EUCLEAN, "ext2: symlink %d has no block", in.ino);
        }
        return new String(disk.read(m.pblock(), "symlink " + in.ino).array(), 0, (int) size, StandardCharsets.UTF_8);
    }

    @Override
    public StatFs statfs() {
        long overhead = sb.s_first_data_block();
        boolean sparse = sb.sparseSuper();
        long itb = sb.inodeTableBlocks();
        long reserved = sb.s_reserved_gdt_blocks();
        for (int g = 0; g < groups.count(); g++) {
            if (Groups.hasSuper(g, sparse)) {
                overhead += 1 + Groups.tableBlocks(groups.count(), sb.blockSize()) + reserved;
            }
            overhead += 2 + itb;
        }
        long bfree = sb.s_free_blocks_count();
        return new StatFs(0xEF53, sb.blockSize(), sb.s_blocks_count() - overhead, bfree,
                Math.max(0, bfree - sb.s_r_blocks_count()), sb.s_inodes_count(), sb.s_free_inodes_count(), 255);
    }

    OpenFile open(Ext2Inode in, int flags) throws FsException {
        if (in.isDir()) {
            throw FsException.of(Errno.EISDIR, "ext2: inode %d is a directory", in.ino);
        }
        if (in.type() != FileType.REGULAR) {
            throw FsException.of(Errno.EINVAL, "ext2: inode %d is not a regular file", in.ino);
        }
        return in.space.open(flags);
    }

    /** Where a create says which inode number it took, before it writes the inode ({@link InodeBirths}). */
    volatile InodeBirths births = InodeBirths.NONE;

    @Override
    public void births(InodeBirths births) {
        this.births = births;
    }

    @Override
    public void sync() throws FsException {
        if (!readOnly) {
            mount.writeDirtyTimes();
            writeSuperblock();
        }
        disk.barrier();
    }

    private void writeSuperblock() throws FsException {
        sb.s_wtime(Instant.now().getEpochSecond());
        disk.writeBytes(Ext2Superblock.OFFSET, sb.snapshot());
    }

    @Override
    public MountCounters counters() {
        return mount.counters();
    }

    @Override
    public long statxAttributesMask() {
        return 0x874;
    }

    @Override
    public synchronized void close() throws FsException {
        if (closed) {
            return;
        }
        if (!readOnly) {
            mount.writeDirtyTimes(); // what lazytime kept
        }
        closed = true;
        if (!readOnly) {
            sb.s_state(sb.s_state() | 1);
            writeSuperblock();
        }
        disk.barrier();
    }
}
