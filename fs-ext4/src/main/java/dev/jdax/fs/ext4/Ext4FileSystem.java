package dev.jdax.fs.ext4;

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
import dev.jdax.iomap.LockingModel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mounted ext4 file system. Every operation is one jbd2 transaction: its metadata blocks (every
 * checksum right) are buffered, logged to the journal, committed and checkpointed when the operation
 * ends ({@link #op}), so a crash leaves the state before or after it. A journal left needing recovery,
 * by jdax or by the kernel, is replayed at mount.
 */
final class Ext4FileSystem implements FileSystem {
    static final long ROOT_INO = 2;
    private static final Set<String> KNOWN_OPTIONS = Set.of("dax", "ro", "rw", "media_errors", "locking", "errors",
            "dioread_nolock", "nodioread_nolock", "user_xattr", "nouser_xattr", "acl", "noacl", "data", "barrier", "nobarrier");

    private final FileSystemType type;
    private final DaxDevice device;
    private final MountOptions options;
    private final boolean readOnly;
    private final String daxMode;
    private final Disk disk;
    private final Ext4Superblock sb;
    private final GroupTable groups;
    private final Ext4Allocator allocator;
    private final ExtentTree tree;
    private final IndirectMap indirect;
    private final SystemZone systemZone;
    private final Ext4Dir dir;
    private final DaxMount mount;
    /** The quota files, kept true on every inode write; null without the quota feature. */
    private final Quotas quotas;
    private final int seed;
    private final Map<Long, Ext4Inode> inodes = new HashMap<>();
    private final Map<Long, List<Long>> treeBlocks = new HashMap<>();
    private Jbd2Journal journal;
    /** The multiple-mount protection this read-write mount holds, or null. */
    private Mmp mmp;
    /** Why a mount asked read-write is read-only (a feature jdax cannot keep true), or null. */
    private String readOnlyReason;
    private int depth;
    private boolean closed;

    /** The blocks no file may map (block_validity). */
    SystemZone systemZone() {
        return systemZone;
    }

    private Ext4FileSystem(FileSystemType type, DaxDevice device, MountOptions options, Ext4Superblock sb, boolean ro,
                           String daxMode, LockingModel locking) throws FsException {
        this.type = type;
        this.device = device;
        this.options = options;
        this.sb = sb;
        this.readOnly = ro;
        this.daxMode = daxMode;
        this.disk = new Disk(device, sb.blockSize(), sb.s_blocks_count());
        this.groups = GroupTable.read(disk, sb);
        this.allocator = new Ext4Allocator(disk, sb, groups);
        this.systemZone = SystemZone.of(device, sb, groups, allocator);
        this.tree = new ExtentTree(this, disk);
        this.indirect = new IndirectMap(this, disk);
        this.dir = new Ext4Dir(this, disk);
        this.mount = new DaxMount(device, options, locking);
        this.seed = sb.csumSeed();
        this.quotas = Quotas.of(this, disk);
    }

    static Ext4Superblock readSuperblock(DaxDevice device) throws FsException {
        byte[] raw = new byte[Ext4Superblock.SIZE];
        device.load(Ext4Superblock.OFFSET, MemorySegment.ofArray(raw), 0, raw.length);
        return new Ext4Superblock(raw);
    }

    static Ext4FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options) throws FsException {
        options.requireKnown("ext4", KNOWN_OPTIONS);
        String dax = !options.has("dax") ? "never" : options.value("dax", "").isEmpty() ? "always" : options.value("dax", "");
        if (!Set.of("always", "never", "inode").contains(dax)) {
            throw FsException.of(Errno.EINVAL, "ext4: dax=%s: want always, never or inode", dax);
        }
        Ext4Superblock sb = readSuperblock(device);
        // Checked before the journal is touched, as ext4_fill_super does: a refused mount writes nothing.
        boolean torn = MountCheck.tornAwaitingReplay(sb);
        MountCheck.Verdict verdict = torn ? null : MountCheck.check(sb, device.size(), options.readOnly(), dax);
        // ext4_multi_mount_protect, for a read-write mount, before the journal is loaded.
        Mmp mmp = verdict != null && !options.readOnly() && !verdict.readOnly() && Mmp.enabled(sb)
                ? Mmp.start(device, sb, Mmp.REAL_TIME) : null;
        try {
            return mount(type, device, options, sb, torn, verdict, dax, mmp);
        } catch (FsException | RuntimeException e) {
            if (mmp != null) {
                mmp.close();
            }
            throw e;
        }
    }

    private static Ext4FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options, Ext4Superblock sb,
                                        boolean torn, MountCheck.Verdict verdict, String dax, Mmp mmp) throws FsException {
        if (recoverJournal(device, sb) > 0 || torn) {
            sb = readSuperblock(device);
            verdict = MountCheck.check(sb, device.size(), options.readOnly(), dax);
        }
        if (dax.equals("inode") && !verdict.daxCapable()) {
            dax = "never"; // ext4_should_enable_dax: no file is DAX on a device that cannot be
        }
        boolean ro = options.readOnly() || verdict.readOnly();
        if (mmp == null && !ro && Mmp.enabled(sb)) {
            mmp = Mmp.start(device, sb, Mmp.REAL_TIME); // the superblock could only be checked after the replay
        }
        LockingModel locking = options.has("dioread_nolock") ? LockingModel.DIOREAD_NOLOCK : LockingModel.INODE_RWSEM;
        Ext4FileSystem fs = new Ext4FileSystem(type, device, options, sb, ro, dax, locking);
        fs.readOnlyReason = verdict.readOnlyReason();
        fs.mmp = mmp;
        if (!ro) {
            // As ext4 while mounted: needs_recovery set, cleared at a clean unmount.
            boolean journalled = (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) != 0;
            if (journalled) {
                // Even this first superblock update is a transaction: a torn superblock fails its checksum.
                fs.journal = Jbd2Journal.open(device, sb.blockSize(), journalBlockMap(device, sb));
                fs.disk.bufferWrites();
            }
            fs.opVoid(() -> {
                fs.sb.s_state(fs.sb.s_state() & ~1);
                fs.sb.s_mtime(Instant.now().getEpochSecond());
                if (journalled) {
                    fs.sb.b.putInt(0x60, fs.sb.s_feature_incompat() | Ext4Superblock.INCOMPAT_RECOVER);
                }
                fs.writeSuperblock();
            });
            device.fence();
        }
        return fs;
    }

    /** The journal's blocks, from the superblock's copy of its inode ({@link JournalInode}). */
    static long[] journalBlockMap(DaxDevice device, Ext4Superblock sb) throws FsException {
        return JournalInode.blocks(device, sb);
    }

    /** Replays a journal a crash left (ours or the kernel's); returns the transactions replayed. */
    private static int recoverJournal(DaxDevice device, Ext4Superblock sb) throws FsException {
        if (sb.s_magic() != Ext4Superblock.MAGIC || (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) == 0
                || sb.s_journal_inum() == 0) {
            return 0;
        }
        Jbd2Journal j = Jbd2Journal.open(device, sb.blockSize(), journalBlockMap(device, sb));
        if (!j.needsRecovery()) {
            return 0;
        }
        int replayed = j.recover();
        Ext4Superblock now = readSuperblock(device);
        boolean intact = !now.hasCsum() || now.b.getInt(0x3FC) == now.computeChecksum();
        if (intact && (now.s_feature_incompat() & Ext4Superblock.INCOMPAT_RECOVER) != 0) {
            // The journal is empty now: what needs_recovery announced is done (ext4_clear_journal_err's twin).
            now.b.putInt(0x60, now.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_RECOVER);
            now.updateChecksum();
            device.store(Ext4Superblock.OFFSET, MemorySegment.ofArray(now.bytes()), 0, Ext4Superblock.SIZE);
            device.fence();
            return Math.max(replayed, 1);
        }
        return replayed;
    }

    /** Runs one operation as one transaction: nested calls join it; the outermost commits it. */
    synchronized <T> T op(IoSupplier<T> body) throws FsException {
        depth++;
        try {
            return body.get();
        } finally {
            if (--depth == 0) {
                commitTransaction();
            }
        }
    }

    synchronized void opVoid(IoRunnable body) throws FsException {
        op(() -> {
            body.run();
            return null;
        });
    }

    interface IoSupplier<T> {
        T get() throws FsException;
    }

    interface IoRunnable {
        void run() throws FsException;
    }

    private void commitTransaction() throws FsException {
        if (journal == null) {
            return;
        }
        var dirty = disk.takeDirty();
        if (!dirty.isEmpty()) {
            journal.commit(dirty, journal.nextSequence());
        }
    }

    Ext4Superblock superblock() {
        return sb;
    }

    Disk disk() {
        return disk;
    }

    IndirectMap indirectMap() {
        return indirect;
    }

    /** The quota files, or null without the quota feature. */
    Quotas quotas() {
        return quotas;
    }

    Ext4Allocator allocator() {
        return allocator;
    }

    int csumSeed() {
        return seed;
    }

    DaxMount daxMount() {
        return mount;
    }

    int blockSize() {
        return sb.blockSize();
    }

    String daxMode() {
        return daxMode;
    }

    // ---- inodes and their extents ----------------------------------------------------------------

    private long inodeOffset(long ino) throws FsException {
        if (ino < 1 || ino > sb.s_inodes_count()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d outside 1..%d", ino, sb.s_inodes_count());
        }
        long ipg = sb.s_inodes_per_group();
        int g = (int) ((ino - 1) / ipg);
        return groups.inodeTable(g) * sb.blockSize() + ((ino - 1) % ipg) * sb.s_inode_size();
    }

    /** The device byte offset of inode {@code ino}. */
    long inodeOffsetOf(long ino) throws FsException {
        return inodeOffset(ino);
    }

    synchronized Ext4Inode inode(long ino) throws FsException {
        Ext4Inode in = inodes.get(ino);
        if (in != null) {
            return in;
        }
        in = new Ext4Inode(ino, disk.readBytes(inodeOffset(ino), sb.s_inode_size()));
        if (in.i_links_count() == 0 && in.i_mode() == 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d is not in use", ino);
        }
        if (sb.hasCsum() && !in.checksumOk(seed)) {
            throw FsException.of(Errno.EBADMSG, "ext4: inode %d: checksum does not match", ino);
        }
        boolean fastLink = in.isFastSymlink(sb.blockSize());
        boolean blockMapped = !fastLink && !InlineData.has(in);
        if (blockMapped && (in.type() == FileType.REGULAR || in.isDir() || in.type() == FileType.SYMLINK)) {
            List<Long> tb = new ArrayList<>();
            if (in.usesExtents()) {
                in.extents = new ExtentList(tree.read(in, tb));
            } else {
                in.extents = indirect.read(in); // ext3 style: ext4_ind_map_blocks' tree
                tb.addAll(in.indirect.values());
            }
            treeBlocks.put(ino, tb);
        }
        in.daxNow = in.type() == FileType.REGULAR && !InlineData.has(in) && switch (daxMode) {
            case "always" -> true;
            case "inode" -> (in.i_flags() & Ext4Inode.DAX_FL) != 0;
            default -> false;
        };
        inodes.put(ino, in);
        return in;
    }

    synchronized void writeInode(Ext4Inode in) throws FsException {
        requireWritable();
        if (quotas != null) {
            quotas.update(in);
        }
        if (sb.hasCsum()) {
            in.updateChecksum(seed);
        }
        disk.writeBytes(inodeOffset(in.ino), in.b.array());
    }

    /** Writes the extent list back as the inode's tree and i_blocks with it. */
    synchronized void saveExtents(Ext4Inode in) throws FsException {
        List<Long> tb = in.usesExtents() ? tree.write(in, in.extents, treeBlocks.getOrDefault(in.ino, List.of()))
                : indirect.write(in, in.extents);
        treeBlocks.put(in.ino, tb);
        long blocks = in.extents.blocks() + tb.size() + (in.b.getInt(0x68) != 0 ? 1 : 0);
        in.i_blocks512(blocks * (sb.blockSize() / 512));
        writeInode(in);
    }

    synchronized long mapBlock(Ext4Inode in, long lblk) {
        Extent e = in.extents == null ? null : in.extents.find(lblk);
        return e == null ? -1 : e.pblkOf(lblk);
    }

    /** Where a file's next block should go: after its previous block, else its group's start. */
    long goal(Ext4Inode in, long lblk) {
        if (in.extents != null) {
            Extent prev = null;
            for (Extent e : in.extents.all()) {
                if (e.lblk() <= lblk) {
                    prev = e;
                }
            }
            if (prev != null) {
                return prev.pblk() + (lblk - prev.lblk());
            }
        }
        int g = (int) ((in.ino - 1) / sb.s_inodes_per_group());
        return allocator.groupStart(g) + allocator.superblockArea(g);
    }

    /**
     * ext4_calculate_resv_clusters: 2% of the blocks or 4096, whichever is less, kept back from file
     * data so that punching and unwritten conversion never meet ENOSPC.
     */
    long reservedClusters() {
        return Math.min(sb.s_blocks_count() / 50, 4096);
    }

    /** Maps up to {@code count} new data blocks at {@code lblk} (one contiguous run); returns it. */
    synchronized Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten, long align) throws FsException {
        long available = sb.s_free_blocks_count() - reservedClusters();
        if (available <= 0) {
            throw FsException.of(Errno.ENOSPC, "ext4: no free blocks outside the %d reserved clusters", reservedClusters());
        }
        long[] run = allocator.allocBlocks(goal(in, lblk), Math.min(Math.min(count, available), Extent.MAX_UNWRITTEN), align);
        in.extents.put(lblk, run[1], run[0], unwritten);
        saveExtents(in);
        return new Extent(lblk, run[1], run[0], unwritten);
    }

    synchronized void appendBlock(Ext4Inode d) throws FsException {
        allocate(d, d.i_size() / sb.blockSize(), 1, false, 1);
    }

    /** Unmaps file blocks [from, to) and frees them. */
    synchronized void freeRange(Ext4Inode in, long from, long to) throws FsException {
        for (Extent e : in.extents.remove(from, to)) {
            allocator.freeBlocks(e.pblk(), e.len());
        }
        saveExtents(in);
    }

    private Ext4Inode newInode(Ext4Inode parent, int mode, int uid, int gid) throws FsException {
        boolean isDir = FileType.ofMode(mode) == FileType.DIRECTORY;
        int group = (int) ((parent.ino - 1) / sb.s_inodes_per_group());
        long ino = allocator.allocInode(group, isDir);
        Ext4Inode in = new Ext4Inode(ino, new byte[sb.s_inode_size()]);
        long now = Instant.now().getEpochSecond();
        in.i_mode(mode);
        in.i_uid(uid);
        in.i_gid(gid);
        in.i_atime(now);
        in.i_ctime(now);
        in.i_mtime(now);
        in.i_links_count(isDir ? 2 : 1);
        in.b.putInt(0x64, (int) (ino * 0x9E3779B9L));
        if (sb.s_inode_size() > 128) {
            in.b.putShort(0x80, (short) 32);
            in.b.putInt(0x90, (int) now);
        }
        if (FileType.ofMode(mode) != FileType.SYMLINK) {
            in.i_flags(parent.i_flags() & Ext4Inode.DAX_FL);
            startBlockMap(in);
        }
        in.inheritProject(parent);
        in.daxNow = FileType.ofMode(mode) == FileType.REGULAR && (daxMode.equals("always")
                || (daxMode.equals("inode") && (in.i_flags() & Ext4Inode.DAX_FL) != 0));
        inodes.put(ino, in);
        writeInode(in);
        return in;
    }

    /** An empty block map: an extent root when the file system has extents, else zero pointers (ext3). */
    void startBlockMap(Ext4Inode in) {
        in.extents = new ExtentList(List.of());
        treeBlocks.put(in.ino, new ArrayList<>());
        if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_EXTENTS) != 0) {
            in.i_flags(in.i_flags() | Ext4Inode.EXTENTS_FL);
            ByteBuffer root = in.b.slice(0x28, 60).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            root.putShort(0, (short) ExtentTree.MAGIC);
            root.putShort(4, (short) 4);
        }
    }

    synchronized void evictIfUnused(Ext4Inode in) throws FsException {
        if (in.openCount > 0) {
            return;
        }
        if (in.i_links_count() > 0 || readOnly) {
            // Closed for good: the next load sees the flags as they are now (per-file DAX, ext4_set_inode_flags).
            inodes.remove(in.ino);
            treeBlocks.remove(in.ino);
            return;
        }
        Xattrs.release(this, in); // the xattr block and value inodes its attributes hold
        if (in.extents != null) {
            freeRange(in, 0, Long.MAX_VALUE);
            for (long b : treeBlocks.getOrDefault(in.ino, List.of())) {
                allocator.freeBlocks(b, 1);
            }
        }
        in.i_dtime(Instant.now().getEpochSecond());
        in.i_size(0);
        in.i_blocks512(0);
        writeInode(in);
        allocator.freeInode(in.ino, in.isDir());
        inodes.remove(in.ino);
        treeBlocks.remove(in.ino);
    }

    private void requireWritable() throws FsException {
        if (readOnly) {
            throw FsException.of(Errno.EROFS, "ext4: read-only file system%s",
                    readOnlyReason == null ? "" : " (mounted read-only: " + readOnlyReason + ")");
        }
    }

    private Ext4Inode directory(long ino) throws FsException {
        Ext4Inode d = inode(ino);
        if (!d.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "ext4: inode %d is not a directory", ino);
        }
        return d;
    }

    private static void checkName(String name) throws FsException {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw FsException.of(Errno.EINVAL, "ext4: name \"%s\"", name);
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw FsException.of(Errno.ENAMETOOLONG, "ext4: name of %d bytes", name.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    // ---- FileSystem -------------------------------------------------------------------------------

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
        Ext4Inode d = directory(dirIno);
        if (name.equals(".")) {
            return dirIno;
        }
        Ext4Dir.Entry e = dir.find(d, name);
        if (e == null) {
            throw FsException.of(Errno.ENOENT, "ext4: no \"%s\" in directory %d", name, dirIno);
        }
        return e.ino();
    }

    private Ext4Inode createNode(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        requireWritable();
        checkName(name);
        Ext4Inode d = directory(dirIno);
        if (dir.find(d, name) != null) {
            throw FsException.of(Errno.EEXIST, "ext4: \"%s\" exists in directory %d", name, dirIno);
        }
        dir.readyForChange(d); // a refusal must come before the inode is allocated
        Ext4Inode in = newInode(d, mode, uid, gid);
        dir.add(d, name, in.ino, Ext4Dir.fileType(in.type()));
        return in;
    }

    @Override
    public synchronized long create(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        return this.op(() -> {
            return createNode(dirIno, name, (mode & 07777) | FileType.REGULAR.modeBits(), uid, gid).ino;
        });
    }

    @Override
    public synchronized long mkdir(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        return this.op(() -> {
            Ext4Inode parent = directory(dirIno);
            Ext4Inode in = createNode(dirIno, name, (mode & 07777) | FileType.DIRECTORY.modeBits(), uid, gid);
            dir.init(in, dirIno);
            // dir_nlink: past 65000 a directory's link count stays 1, "many".
            int links = parent.i_links_count();
            parent.i_links_count(links >= 65000 || links == 1 ? 1 : links + 1);
            writeInode(parent);
            return in.ino;
        });
    }

    @Override
    public synchronized long symlink(long dirIno, String name, String target, int uid, int gid) throws FsException {
        return this.op(() -> {
            byte[] t = target.getBytes(StandardCharsets.UTF_8);
            if (t.length == 0 || t.length >= sb.blockSize()) {
                throw FsException.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "ext4: symlink target of %d bytes", t.length);
            }
            Ext4Inode in = createNode(dirIno, name, 0777 | FileType.SYMLINK.modeBits(), uid, gid);
            if (t.length < 60) {
                in.b.put(0x28, t);
            } else {
                startBlockMap(in);
                Extent e = allocate(in, 0, 1, false, 1);
                ByteBuffer blk = ByteBuffer.allocate(sb.blockSize());
                blk.put(0, t);
                disk.write(e.pblk(), blk, "symlink " + in.ino);
            }
            in.i_size(t.length);
            writeInode(in);
            return in.ino;
        });
    }

    @Override
    public synchronized void link(long ino, long dirIno, String name) throws FsException {
        this.opVoid(() -> {
            requireWritable();
            checkName(name);
            Ext4Inode in = inode(ino);
            if (in.isDir()) {
                throw FsException.of(Errno.EPERM, "ext4: hard link to directory %d", ino);
            }
            if (in.i_links_count() >= 65000) {
                throw FsException.of(Errno.EMLINK, "ext4: inode %d has %d links", ino, in.i_links_count());
            }
            Ext4Inode d = directory(dirIno);
            if (dir.find(d, name) != null) {
                throw FsException.of(Errno.EEXIST, "ext4: \"%s\" exists in directory %d", name, dirIno);
            }
            dir.add(d, name, ino, Ext4Dir.fileType(in.type()));
            in.i_links_count(in.i_links_count() + 1);
            in.touch(false, true);
            writeInode(in);
        });
    }

    @Override
    public synchronized void unlink(long dirIno, String name) throws FsException {
        this.opVoid(() -> {
            requireWritable();
            Ext4Inode d = directory(dirIno);
            Ext4Dir.Entry e = dir.find(d, name);
            if (e == null) {
                throw FsException.of(Errno.ENOENT, "ext4: no \"%s\" in directory %d", name, dirIno);
            }
            Ext4Inode in = inode(e.ino());
            if (in.isDir()) {
                throw FsException.of(Errno.EISDIR, "ext4: \"%s\" is a directory", name);
            }
            dir.remove(d, e);
            dropLink(in);
        });
    }

    private void dropLink(Ext4Inode in) throws FsException {
        in.i_links_count(Math.max(0, in.i_links_count() - 1));
        in.touch(false, true);
        writeInode(in);
        evictIfUnused(in);
    }

    private void dropDirLink(Ext4Inode parent) throws FsException {
        if (parent.i_links_count() > 2) {
            parent.i_links_count(parent.i_links_count() - 1);
        }
        writeInode(parent);
    }

    @Override
    public synchronized void rmdir(long dirIno, String name) throws FsException {
        this.opVoid(() -> {
            requireWritable();
            if (name.equals(".") || name.equals("..")) {
                throw FsException.of(Errno.EINVAL, "ext4: rmdir \"%s\"", name);
            }
            Ext4Inode d = directory(dirIno);
            Ext4Dir.Entry e = dir.find(d, name);
            if (e == null) {
                throw FsException.of(Errno.ENOENT, "ext4: no \"%s\" in directory %d", name, dirIno);
            }
            Ext4Inode victim = directory(e.ino());
            if (!dir.isEmpty(victim)) {
                throw FsException.of(Errno.ENOTEMPTY, "ext4: directory \"%s\" is not empty", name);
            }
            dir.remove(d, e);
            victim.i_links_count(0);
            dropDirLink(d);
            evictIfUnused(victim);
        });
    }

    @Override
    public synchronized void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException {
        this.opVoid(() -> {
            requireWritable();
            checkName(toName);
            if ((flags & OpenFlags.RENAME_EXCHANGE) != 0) {
                throw FsException.of(Errno.EINVAL, "ext4: RENAME_EXCHANGE is not implemented in jdax");
            }
            Ext4Inode src = directory(fromDir);
            Ext4Inode dst = directory(toDir);
            Ext4Dir.Entry from = dir.find(src, fromName);
            if (from == null) {
                throw FsException.of(Errno.ENOENT, "ext4: no \"%s\" in directory %d", fromName, fromDir);
            }
            Ext4Inode moving = inode(from.ino());
            if (moving.isDir() && isAncestor(moving.ino, toDir)) {
                throw FsException.of(Errno.EINVAL, "ext4: cannot move directory %d into itself", moving.ino);
            }
            Ext4Dir.Entry to = dir.find(dst, toName);
            if (to != null && to.ino() == moving.ino) {
                return;
            }
            int ftype = Ext4Dir.fileType(moving.type());
            if (to != null) {
                if ((flags & OpenFlags.RENAME_NOREPLACE) != 0) {
                    throw FsException.of(Errno.EEXIST, "ext4: \"%s\" exists", toName);
                }
                Ext4Inode victim = inode(to.ino());
                if (victim.isDir() != moving.isDir()) {
                    throw FsException.of(victim.isDir() ? Errno.EISDIR : Errno.ENOTDIR, "ext4: \"%s\" is %sa directory", toName,
                            victim.isDir() ? "" : "not ");
                }
                if (victim.isDir() && !dir.isEmpty(victim)) {
                    throw FsException.of(Errno.ENOTEMPTY, "ext4: directory \"%s\" is not empty", toName);
                }
                dir.retarget(dst, toName, moving.ino, ftype);
                if (victim.isDir()) {
                    victim.i_links_count(0);
                    dropDirLink(dst);
                    evictIfUnused(victim);
                } else {
                    dropLink(victim);
                }
            } else {
                dir.add(dst, toName, moving.ino, ftype);
            }
            dir.remove(src, dir.find(src, fromName));
            if (moving.isDir() && fromDir != toDir) {
                dir.retarget(moving, "..", toDir, Ext4Dir.fileType(FileType.DIRECTORY));
                dropDirLink(src);
                int links = dst.i_links_count();
                dst.i_links_count(links >= 65000 || links == 1 ? 1 : links + 1);
                writeInode(dst);
            }
            moving.touch(false, true);
            writeInode(moving);
        });
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
        throw FsException.of(Errno.ELOOP, "ext4: directory %d: \"..\" chain does not reach the root", dirIno);
    }

    @Override
    public synchronized List<DirEntry> readdir(long dirIno) throws FsException {
        List<DirEntry> out = new ArrayList<>();
        for (Ext4Dir.Entry e : dir.entries(directory(dirIno))) {
            if (e.ino() != 0) {
                FileType t = switch (e.fileType()) {
                    case 1 -> FileType.REGULAR;
                    case 2 -> FileType.DIRECTORY;
                    case 7 -> FileType.SYMLINK;
                    case 3 -> FileType.CHAR_DEVICE;
                    case 4 -> FileType.BLOCK_DEVICE;
                    case 5 -> FileType.FIFO;
                    case 6 -> FileType.SOCKET;
                    default -> inode(e.ino()).type();
                };
                out.add(new DirEntry(e.name(), e.ino(), t));
            }
        }
        return out;
    }

    @Override
    public synchronized StatInfo stat(long ino) throws FsException {
        return statOf(inode(ino));
    }

    StatInfo statOf(Ext4Inode in) {
        long attrs = in.daxNow ? StatInfo.STATX_ATTR_DAX : 0;
        Instant btime = sb.s_inode_size() > 128 && in.i_extra_isize() >= 24
                ? Instant.ofEpochSecond(in.b.getInt(0x90) & 0xffffffffL) : null;
        return new StatInfo(in.ino, in.i_mode(), in.i_links_count(), in.i_uid(), in.i_gid(), 0, in.i_size(),
                in.i_blocks(sb.blockSize()), sb.blockSize(), Instant.ofEpochSecond(in.i_atime()),
                Instant.ofEpochSecond(in.i_mtime()), Instant.ofEpochSecond(in.i_ctime()), btime, attrs);
    }

    @Override
    public synchronized void setattr(long ino, SetAttr attr) throws FsException {
        this.opVoid(() -> {
            requireWritable();
            Ext4Inode in = inode(ino);
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
        });
    }

    @Override
    public synchronized String readlink(long ino) throws FsException {
        Ext4Inode in = inode(ino);
        if (in.type() != FileType.SYMLINK) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d is not a symlink", ino);
        }
        long size = in.i_size();
        if (size <= 0 || size >= sb.blockSize()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: symlink %d: size %d", ino, size);
        }
        if (InlineData.has(in)) {
            return new String(InlineData.bytes(in, size), StandardCharsets.UTF_8);
        }
        if (in.isFastSymlink(sb.blockSize())) {
            if (size >= 60) {
                throw FsException.of(Errno.EUCLEAN, "ext4: fast symlink %d: size %d does not fit i_block", ino, size);
            }
            return new String(in.b.array(), 0x28, (int) size, StandardCharsets.UTF_8);
        }
        long p = mapBlock(in, 0);
        if (p < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: symlink %d has no block", ino);
        }
        return new String(disk.read(p, "symlink " + ino).array(), 0, (int) size, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized StatFs statfs() {
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        long overhead = sb.s_first_data_block();
        for (int g = 0; g < groups.count(); g++) {
            overhead += allocator.superblockArea(g) + 2 + itb;
        }
        overhead += journalBlocks();
        long bfree = sb.s_free_blocks_count();
        return new StatFs(0xEF53, sb.blockSize(), sb.s_blocks_count() - overhead, bfree,
                Math.max(0, bfree - sb.s_r_blocks_count()), sb.s_inodes_count(), sb.s_free_inodes_count(), 255);
    }

    private long journalBlocks() {
        try {
            long j = sb.s_journal_inum();
            return j == 0 ? 0 : inode(j).i_blocks(sb.blockSize()) / (sb.blockSize() / 512);
        } catch (FsException e) {
            return 0;
        }
    }

    @Override
    public synchronized OpenFile open(long ino, int flags) throws FsException {
        return this.op(() -> {
            Ext4Inode in = inode(ino);
            if (in.isDir()) {
                throw FsException.of(Errno.EISDIR, "ext4: inode %d is a directory", ino);
            }
            if (in.type() != FileType.REGULAR) {
                throw FsException.of(Errno.EINVAL, "ext4: inode %d is not a regular file", ino);
            }
            if ((in.i_flags() & Ext4Inode.VERITY_FL) != 0) {
                // Linux checks every block read against the Merkle tree; jdax does not, so it serves none.
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d is an fs-verity file: jdax does not verify its Merkle "
                        + "tree, so it does not serve its data unverified", ino);
            }
            if (OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0) {
                requireWritable();
                if (InlineData.has(in)) {
                    InlineData.fileToBlocks(this, in); // every change of an inline file starts with this
                }
            }
            if (in.space == null) {
                in.space = mount.newAddressSpace(in, new Ext4Iomap(this, in));
            }
            in.openCount++;
            Ext4File f = new Ext4File(this, in, flags);
            if ((flags & OpenFlags.O_TRUNC) != 0 && in.i_size() > 0) {
                f.truncate(0);
            }
            return f;
        });
    }

    synchronized void closed(Ext4Inode in) throws FsException {
        this.opVoid(() -> {
            in.openCount--;
            evictIfUnused(in);
        });
    }

    @Override
    public synchronized void sync() throws FsException {
        if (!readOnly) {
            opVoid(this::writeSuperblock);
        }
        device.fence();
    }

    private void writeSuperblock() throws FsException {
        sb.s_wtime(Instant.now().getEpochSecond());
        sb.updateChecksum();
        disk.writeBytes(Ext4Superblock.OFFSET, sb.bytes());
    }

    @Override
    public MountCounters counters() {
        return mount.counters();
    }

    @Override
    public long statxAttributesMask() {
        return 0x100874;
    }

    @Override
    public synchronized void close() throws FsException {
        if (closed) {
            return;
        }
        closed = true;
        if (!readOnly) {
            opVoid(() -> {
                sb.s_state(sb.s_state() | 1);
                sb.b.putInt(0x60, sb.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_RECOVER);
                writeSuperblock();
            });
        }
        device.fence();
        if (mmp != null) {
            mmp.close();
        }
    }
}
