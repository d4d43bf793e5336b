package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.GetBlockBridge;
import dev.jdax.iomap.LockingModel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mounted ext2 file system. Metadata is written in place as it changes (ext2 has no journal); the
 * superblock's counters and its clean flag are written at sync and unmount, so a clean unmount
 * leaves an image e2fsck finds clean. One monitor serialises metadata changes.
 */
final class Ext2FileSystem implements FileSystem {
    static final long ROOT_INO = 2;
    private static final Set<String> KNOWN_OPTIONS = Set.of("dax", "ro", "rw", "media_errors", "locking", "errors",
            "user_xattr", "nouser_xattr", "acl", "noacl");

    private final FileSystemType type;
    private final DaxDevice device;
    private final MountOptions options;
    private final boolean readOnly;
    private final boolean dax;
    private final Disk disk;
    private final Superblock sb;
    private final Groups groups;
    private final Allocator allocator;
    private final BlockMap blockMap;
    private final Dir dir;
    private final DaxMount mount;
    private final GetBlockBridge bridge;
    private final Map<Long, Ext2Inode> inodes = new HashMap<>();
    private boolean closed;

    private Ext2FileSystem(FileSystemType type, DaxDevice device, MountOptions options, Superblock sb, boolean readOnly)
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
        this.blockMap = new BlockMap(this, disk);
        this.dir = new Dir(this, disk);
        this.mount = new DaxMount(device, options, LockingModel.INODE_RWSEM);
        this.bridge = new GetBlockBridge(blockMap, device);
    }

    static Superblock readSuperblock(DaxDevice device) throws FsException {
        if (device.size() < Superblock.OFFSET + Superblock.SIZE) {
            throw FsException.of(Errno.EINVAL, "ext2: device of %d bytes is too small for a superblock", device.size());
        }
        byte[] raw = new byte[Superblock.SIZE];
        device.load(Superblock.OFFSET, java.lang.foreign.MemorySegment.ofArray(raw), 0, raw.length);
        return new Superblock(raw);
    }

    static Ext2FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options) throws FsException {
        options.requireKnown("ext2", KNOWN_OPTIONS);
        if (options.has("dax") && !options.value("dax", "").isEmpty()) {
            throw FsException.of(Errno.EINVAL, "ext2: dax=%s: Linux's ext2 knows only \"dax\" (dax=always|never|inode are ext4 and XFS)",
                    options.value("dax", ""));
        }
        Superblock sb = readSuperblock(device);
        sb.validate(device.size());
        String incompat = Superblock.unknownFeatures("incompat", sb.s_feature_incompat(), Superblock.INCOMPAT_KNOWN);
        if (!incompat.isEmpty()) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext2: unsupported INCOMPAT features: %s", incompat);
        }
        if ((sb.s_feature_compat() & 0x4) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext2: has_journal: this is ext3/ext4, mount it as ext4");
        }
        boolean ro = options.readOnly()
                || !Superblock.unknownFeatures("ro_compat", sb.s_feature_ro_compat(), Superblock.RO_COMPAT_KNOWN).isEmpty();
        if (options.has("dax") && sb.blockSize() != DaxDevice.PAGE_SIZE) {
            throw FsException.of(Errno.EINVAL, "ext2: DAX needs a block size of 4096, this file system has %d", sb.blockSize());
        }
        Ext2FileSystem fs = new Ext2FileSystem(type, device, options, sb, ro);
        if (!ro) {
            fs.sb.s_state(fs.sb.s_state() & ~1);
            fs.sb.s_mtime(Instant.now().getEpochSecond());
            fs.writeSuperblock();
        }
        return fs;
    }

    Superblock superblock() {
        return sb;
    }

    Allocator allocator() {
        return allocator;
    }

    BlockMap blockMap() {
        return blockMap;
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

    /** Superblock copies, descriptor tables, bitmaps and inode tables: no file's block may be one. */
    boolean isMetadataBlock(long block) {
        int g = allocator.groupOfBlock(block);
        if (g < 0 || g >= groups.count()) {
            return true;
        }
        long first = sb.s_first_data_block() + (long) g * sb.s_blocks_per_group();
        boolean sparse = (sb.s_feature_ro_compat() & Superblock.RO_COMPAT_SPARSE_SUPER) != 0;
        if (Groups.hasSuper(g, sparse)) {
            long reserved = (sb.s_feature_compat() & Superblock.COMPAT_RESIZE_INODE) != 0 ? sb.u16(206) : 0;
            if (block < first + 1 + Groups.tableBlocks(groups.count(), sb.blockSize()) + reserved) {
                return true;
            }
        }
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
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

    synchronized Ext2Inode inode(long ino) throws FsException {
        Ext2Inode in = inodes.get(ino);
        if (in == null) {
            in = new Ext2Inode(ino, disk.readBytes(inodeOffset(ino), sb.s_inode_size()));
            if (in.i_links_count() == 0 && ino != ROOT_INO && in.i_mode() == 0) {
                throw FsException.of(Errno.EUCLEAN, "ext2: inode %d is not in use", ino);
            }
            inodes.put(ino, in);
        }
        return in;
    }

    synchronized void writeInode(Ext2Inode in) throws FsException {
        requireWritable();
        disk.writeBytes(inodeOffset(in.ino), in.b.array());
    }

    private Ext2Inode newInode(Ext2Inode parent, int mode, int uid, int gid) throws FsException {
        boolean isDir = FileType.ofMode(mode) == FileType.DIRECTORY;
        int group = (int) ((parent.ino - 1) / sb.s_inodes_per_group());
        long ino = allocator.allocInode(group, isDir);
        Ext2Inode in = new Ext2Inode(ino, new byte[sb.s_inode_size()]);
        long now = Instant.now().getEpochSecond();
        in.i_mode(mode);
        in.i_uid(uid);
        in.i_gid(gid);
        in.i_atime(now);
        in.i_ctime(now);
        in.i_mtime(now);
        in.i_links_count(isDir ? 2 : 1);
        if (sb.s_inode_size() > 128) {
            in.b.putShort(128, (short) 32); // i_extra_isize, as mke2fs leaves room for
        }
        inodes.put(ino, in);
        writeInode(in);
        return in;
    }

    /** Frees an inode whose last link and last open file are gone. */
    synchronized void evictIfUnused(Ext2Inode in) throws FsException {
        if (in.i_links_count() > 0 || in.openCount > 0 || readOnly) {
            return;
        }
        if (!(in.type() == FileType.SYMLINK && in.isFastSymlink(blockSize()))) {
            blockMap.truncate(in, 0);
        }
        in.i_dtime(Instant.now().getEpochSecond());
        in.i_size(0);
        writeInode(in);
        allocator.freeInode(in.ino, in.isDir());
        inodes.remove(in.ino);
    }

    private void requireWritable() throws FsException {
        if (readOnly) {
            throw FsException.of(Errno.EROFS, "ext2: read-only file system");
        }
    }

    private Ext2Inode directory(long ino) throws FsException {
        Ext2Inode d = inode(ino);
        if (!d.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "ext2: inode %d is not a directory", ino);
        }
        return d;
    }

    private static void checkName(String name) throws FsException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw FsException.of(Errno.EINVAL, "ext2: name \"%s\"", name);
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw FsException.of(Errno.ENAMETOOLONG, "ext2: name of %d bytes", name.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    private int ftype(FileType t) {
        return (sb.s_feature_incompat() & Superblock.INCOMPAT_FILETYPE) != 0 ? Dir.fileType(t) : 0;
    }

    // ---- FileSystem ----------------------------------------------------------------------------

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
    public long rootIno() {
        return ROOT_INO;
    }

    @Override
    public synchronized long lookup(long dirIno, String name) throws FsException {
        Ext2Inode d = directory(dirIno);
        if (name.equals(".")) {
            return dirIno;
        }
        Dir.Entry e = dir.find(d, name);
        if (e == null) {
            throw FsException.of(Errno.ENOENT, "ext2: no \"%s\" in directory %d", name, dirIno);
        }
        return e.ino();
    }

    private Ext2Inode createNode(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        requireWritable();
        checkName(name);
        Ext2Inode d = directory(dirIno);
        if (dir.find(d, name) != null) {
            throw FsException.of(Errno.EEXIST, "ext2: \"%s\" exists in directory %d", name, dirIno);
        }
        Ext2Inode in = newInode(d, mode, uid, gid);
        dir.add(d, name, in.ino, ftype(in.type()));
        return in;
    }

    @Override
    public synchronized long create(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        return createNode(dirIno, name, (mode & 07777) | FileType.REGULAR.modeBits(), uid, gid).ino;
    }

    @Override
    public synchronized long mkdir(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        Ext2Inode parent = directory(dirIno);
        if (parent.i_links_count() >= 32000) {
            throw FsException.of(Errno.EMLINK, "ext2: directory %d has %d links", dirIno, parent.i_links_count());
        }
        Ext2Inode in = createNode(dirIno, name, (mode & 07777) | FileType.DIRECTORY.modeBits(), uid, gid);
        dir.init(in, dirIno);
        parent.i_links_count(parent.i_links_count() + 1);
        writeInode(parent);
        return in.ino;
    }

    @Override
    public synchronized long symlink(long dirIno, String name, String target, int uid, int gid) throws FsException {
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0 || t.length >= sb.blockSize()) {
            throw FsException.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "ext2: symlink target of %d bytes", t.length);
        }
        Ext2Inode in = createNode(dirIno, name, 0777 | FileType.SYMLINK.modeBits(), uid, gid);
        if (t.length < 60) {
            in.b.put(40, t);
        } else {
            var m = blockMap.map(in, 0, 1, true);
            ByteBuffer blk = ByteBuffer.allocate(sb.blockSize());
            blk.put(0, t);
            disk.write(m.pblock(), blk, "symlink " + in.ino);
        }
        in.i_size(t.length);
        writeInode(in);
        return in.ino;
    }

    @Override
    public synchronized void link(long ino, long dirIno, String name) throws FsException {
        requireWritable();
        checkName(name);
        Ext2Inode in = inode(ino);
        if (in.isDir()) {
            throw FsException.of(Errno.EPERM, "ext2: hard link to directory %d", ino);
        }
        if (in.i_links_count() >= 32000) {
            throw FsException.of(Errno.EMLINK, "ext2: inode %d has %d links", ino, in.i_links_count());
        }
        Ext2Inode d = directory(dirIno);
        if (dir.find(d, name) != null) {
            throw FsException.of(Errno.EEXIST, "ext2: \"%s\" exists in directory %d", name, dirIno);
        }
        dir.add(d, name, ino, ftype(in.type()));
        in.i_links_count(in.i_links_count() + 1);
        in.touch(false, true);
        writeInode(in);
    }

    @Override
    public synchronized void unlink(long dirIno, String name) throws FsException {
        requireWritable();
        Ext2Inode d = directory(dirIno);
        Dir.Entry e = dir.find(d, name);
        if (e == null) {
            throw FsException.of(Errno.ENOENT, "ext2: no \"%s\" in directory %d", name, dirIno);
        }
        Ext2Inode in = inode(e.ino());
        if (in.isDir()) {
            throw FsException.of(Errno.EISDIR, "ext2: \"%s\" is a directory", name);
        }
        dir.remove(d, e);
        dropLink(in);
    }

    private void dropLink(Ext2Inode in) throws FsException {
        in.i_links_count(Math.max(0, in.i_links_count() - 1));
        in.touch(false, true);
        writeInode(in);
        evictIfUnused(in);
    }

    @Override
    public synchronized void rmdir(long dirIno, String name) throws FsException {
        requireWritable();
        if (name.equals(".") || name.equals("..")) {
            throw FsException.of(Errno.EINVAL, "ext2: rmdir \"%s\"", name);
        }
        Ext2Inode d = directory(dirIno);
        Dir.Entry e = dir.find(d, name);
        if (e == null) {
            throw FsException.of(Errno.ENOENT, "ext2: no \"%s\" in directory %d", name, dirIno);
        }
        Ext2Inode victim = directory(e.ino());
        if (!dir.isEmpty(victim)) {
            throw FsException.of(Errno.ENOTEMPTY, "ext2: directory \"%s\" is not empty", name);
        }
        dir.remove(d, e);
        victim.i_links_count(0);
        d.i_links_count(d.i_links_count() - 1);
        writeInode(d);
        evictIfUnused(victim);
    }

    @Override
    public synchronized void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException {
        requireWritable();
        checkName(toName);
        if ((flags & OpenFlags.RENAME_EXCHANGE) != 0) {
            throw FsException.of(Errno.EINVAL, "ext2: RENAME_EXCHANGE is not supported (as Linux's ext2)");
        }
        Ext2Inode src = directory(fromDir);
        Ext2Inode dst = directory(toDir);
        Dir.Entry from = dir.find(src, fromName);
        if (from == null) {
            throw FsException.of(Errno.ENOENT, "ext2: no \"%s\" in directory %d", fromName, fromDir);
        }
        Ext2Inode moving = inode(from.ino());
        if (moving.isDir() && isAncestor(moving.ino, toDir)) {
            throw FsException.of(Errno.EINVAL, "ext2: cannot move directory %d into itself", moving.ino);
        }
        Dir.Entry to = dir.find(dst, toName);
        if (to != null && to.ino() == moving.ino) {
            return;
        }
        if (to != null) {
            if ((flags & OpenFlags.RENAME_NOREPLACE) != 0) {
                throw FsException.of(Errno.EEXIST, "ext2: \"%s\" exists", toName);
            }
            Ext2Inode victim = inode(to.ino());
            if (victim.isDir() && !moving.isDir()) {
                throw FsException.of(Errno.EISDIR, "ext2: \"%s\" is a directory", toName);
            }
            if (!victim.isDir() && moving.isDir()) {
                throw FsException.of(Errno.ENOTDIR, "ext2: \"%s\" is not a directory", toName);
            }
            if (victim.isDir() && !dir.isEmpty(victim)) {
                throw FsException.of(Errno.ENOTEMPTY, "ext2: directory \"%s\" is not empty", toName);
            }
            dir.retarget(dst, to, moving.ino, ftype(moving.type()));
            if (victim.isDir()) {
                victim.i_links_count(0);
                dst.i_links_count(dst.i_links_count() - 1);
                writeInode(dst);
                evictIfUnused(victim);
            } else {
                dropLink(victim);
            }
        } else {
            dir.add(dst, toName, moving.ino, ftype(moving.type()));
        }
        dir.remove(src, dir.find(src, fromName));
        if (moving.isDir() && fromDir != toDir) {
            Dir.Entry dotdot = dir.find(moving, "..");
            if (dotdot != null) {
                dir.retarget(moving, dotdot, toDir, ftype(FileType.DIRECTORY));
            }
            src.i_links_count(src.i_links_count() - 1);
            writeInode(src);
            dst.i_links_count(dst.i_links_count() + 1);
            writeInode(dst);
        }
        moving.touch(false, true);
        writeInode(moving);
    }

    private boolean isAncestor(long ancestor, long dirIno) throws FsException {
        long cur = dirIno;
        for (int depth = 0; depth < 4096; depth++) {
            if (cur == ancestor) {
                return true;
            }
            if (cur == ROOT_INO) {
                return false;
            }
            cur = lookup(cur, "..");
        }
        throw FsException.of(Errno.ELOOP, "ext2: directory %d: \"..\" chain does not reach the root", dirIno);
    }

    @Override
    public synchronized List<DirEntry> readdir(long dirIno) throws FsException {
        List<DirEntry> out = new ArrayList<>();
        for (Dir.Entry e : dir.entries(directory(dirIno))) {
            if (e.ino() != 0) {
                out.add(new DirEntry(e.name(), e.ino(), typeOfDirent(e)));
            }
        }
        return out;
    }

    private FileType typeOfDirent(Dir.Entry e) throws FsException {
        return switch (e.fileType()) {
            case 1 -> FileType.REGULAR;
            case 2 -> FileType.DIRECTORY;
            case 3 -> FileType.CHAR_DEVICE;
            case 4 -> FileType.BLOCK_DEVICE;
            case 5 -> FileType.FIFO;
            case 6 -> FileType.SOCKET;
            case 7 -> FileType.SYMLINK;
            default -> inode(e.ino()).type();
        };
    }

    @Override
    public synchronized StatInfo stat(long ino) throws FsException {
        return statOf(inode(ino));
    }

    StatInfo statOf(Ext2Inode in) {
        long attrs = dax && in.type() == FileType.REGULAR ? StatInfo.STATX_ATTR_DAX : 0;
        return new StatInfo(in.ino, in.i_mode(), in.i_links_count(), in.i_uid(), in.i_gid(), 0, in.i_size(), in.i_blocks(),
                sb.blockSize(), Instant.ofEpochSecond(in.i_atime()), Instant.ofEpochSecond(in.i_mtime()),
                Instant.ofEpochSecond(in.i_ctime()), null, attrs);
    }

    @Override
    public synchronized void setattr(long ino, SetAttr attr) throws FsException {
        requireWritable();
        Ext2Inode in = inode(ino);
        if (attr.mode() != null) {
            in.i_mode((in.i_mode() & FileType.S_IFMT) | (attr.mode() & 07777));
        }
        if (attr.uid() != null) {
            in.i_uid(attr.uid());
        }
        if (attr.gid() != null) {
            in.i_gid(attr.gid());
        }
        if (attr.atime() != null) {
            in.i_atime(attr.atime().getEpochSecond());
        }
        if (attr.mtime() != null) {
            in.i_mtime(attr.mtime().getEpochSecond());
        }
        in.touch(false, true);
        writeInode(in);
    }

    @Override
    public synchronized String readlink(long ino) throws FsException {
        Ext2Inode in = inode(ino);
        if (in.type() != FileType.SYMLINK) {
            throw FsException.of(Errno.EINVAL, "ext2: inode %d is not a symlink", ino);
        }
        long size = in.i_size();
        if (size <= 0 || size >= sb.blockSize()) {
            throw FsException.of(Errno.EUCLEAN, "ext2: symlink %d: size %d", ino, size);
        }
        if (in.isFastSymlink(sb.blockSize())) {
            if (size >= 60) {
                throw FsException.of(Errno.EUCLEAN, "ext2: fast symlink %d: size %d does not fit i_block", ino, size);
            }
            return new String(in.b.array(), 40, (int) size, StandardCharsets.UTF_8);
        }
        var m = blockMap.map(in, 0, 1, false);
        if (!m.isMapped()) {
            throw FsException.of(Errno.EUCLEAN, "ext2: symlink %d has no block", ino);
        }
        return new String(disk.read(m.pblock(), "symlink " + ino).array(), 0, (int) size, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized StatFs statfs() {
        long overhead = sb.s_first_data_block();
        boolean sparse = (sb.s_feature_ro_compat() & Superblock.RO_COMPAT_SPARSE_SUPER) != 0;
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        long reserved = (sb.s_feature_compat() & Superblock.COMPAT_RESIZE_INODE) != 0 ? sb.u16(206) : 0;
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

    @Override
    public synchronized OpenFile open(long ino, int flags) throws FsException {
        Ext2Inode in = inode(ino);
        if (in.isDir()) {
            throw FsException.of(Errno.EISDIR, "ext2: inode %d is a directory", ino);
        }
        if (in.type() != FileType.REGULAR) {
            throw FsException.of(Errno.EINVAL, "ext2: inode %d is not a regular file", ino);
        }
        if (OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0) {
            requireWritable();
        }
        if (in.space == null) {
            in.space = mount.newAddressSpace(in, bridge);
        }
        in.openCount++;
        Ext2File f = new Ext2File(this, in, flags);
        if ((flags & OpenFlags.O_TRUNC) != 0 && in.i_size() > 0) {
            f.truncate(0);
        }
        return f;
    }

    synchronized void closed(Ext2Inode in) throws FsException {
        in.openCount--;
        evictIfUnused(in);
    }

    @Override
    public synchronized void sync() throws FsException {
        if (!readOnly) {
            writeSuperblock();
        }
        disk.barrier();
    }

    private void writeSuperblock() throws FsException {
        sb.s_wtime(Instant.now().getEpochSecond());
        disk.writeBytes(Superblock.OFFSET, sb.bytes());
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
        closed = true;
        if (!readOnly) {
            sb.s_state(sb.s_state() | 1);
            writeSuperblock();
        }
        disk.barrier();
    }
}
