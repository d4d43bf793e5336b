package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.LockingModel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A mounted ext4 file system: Linux's {@code fs/ext4} on its format. Every operation is a jbd2
 * handle ({@link #op}) in the running transaction, which {@link Jbd2} commits as a group — at fsync,
 * every five seconds, when full — and then writes home; a crash leaves the state of the last commit.
 * A journal left needing recovery, by jdax or by the kernel, is replayed at mount, and the orphan
 * list frees what was unlinked while open. No lock covers the whole file system: the VFS locks
 * directories and inodes, {@code i_data_sem} each inode's extents, the allocator each group.
 */
final class Ext4FileSystem implements SuperBlock {
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
    private final InodeGroups inodeGroups;
    /** bigalloc's cluster rules for files' blocks (trivial without bigalloc). */
    private final Clusters clusters;
    private final ExtentTree tree;
    private final IndirectMap indirect;
    private final SystemZone systemZone;
    private final Ext4Dir dir;
    private final Orphans orphans;
    private final Ext4Namespace namespace;
    private final DaxMount mount;
    private final int seed;
    /**
     * What lock_buffer of a shared xattr block and inode_lock of a value inode are in Linux: one
     * reference count changed at a time (two files sharing them may be freed at once).
     */
    final Mutex xattrRefs = new Mutex(LockClass.I_DATA_SEM, 0, 0, "ext4 xattr blocks and value inodes");
    /** The quota files, kept true on every inode write; null without the quota feature. */
    private final Quotas quotas;
    private Jbd2 journal;
    /** The multiple-mount protection this read-write mount holds, or null. */
    private Mmp mmp;
    /** Why a mount asked read-write is read-only (a feature jdax cannot keep true), or null. */
    private String readOnlyReason;
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
        this.inodeGroups = new InodeGroups(sb, groups);
        this.clusters = new Clusters(sb.clusterBits());
        this.systemZone = SystemZone.of(device, sb, groups, allocator);
        this.tree = new ExtentTree(this, disk);
        this.indirect = new IndirectMap(this, disk);
        this.dir = new Ext4Dir(this, disk);
        this.orphans = new Orphans(this, sb);
        this.namespace = new Ext4Namespace(this, dir, orphans);
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
        MountCheck.dataMode(options.value("data", "ordered"), dax);
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
        if (recoverJournal(type, device, sb, torn) > 0 || torn) {
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
        fs.countFree();
        if (!ro) {
            fs.startWriting();
        }
        return fs;
    }

    /**
     * The free counts as the group descriptors have them (Linux sums them at mount; a crash may leave
     * the superblock's behind); a descriptor counts clusters, the superblock blocks.
     */
    private void countFree() {
        long blocks = 0;
        long inodes = 0;
        for (int g = 0; g < groups.count(); g++) {
            blocks += groups.freeBlocks(g);
            inodes += groups.freeInodes(g);
        }
        synchronized (sb) {
            sb.s_free_blocks_count(blocks << sb.clusterBits());
            sb.s_free_inodes_count(inodes);
        }
    }

    /** A read-write mount: the journal opened, needs_recovery set (as ext4 while mounted), orphans freed. */
    private void startWriting() throws FsException {
        boolean journalled = (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) != 0;
        if (journalled) {
            Jbd2 j = new Jbd2(Jbd2Journal.open(device, sb.blockSize(), journalBlockMap(device, sb)), disk);
            // Every commit logs the checksums of the groups it changed (once each) and the superblock
            // with the counts and the orphan list of that moment.
            j.beforeCommit(() -> {
                allocator.seal();
                disk.writeBytes(Ext4Superblock.OFFSET, sb.sealed());
            });
            disk.journalled(j);
            allocator.journalled(j);
            journal = j;
        }
        // Even this first superblock update is a transaction: a torn superblock fails its checksum.
        opVoid(() -> {
            synchronized (sb) {
                sb.s_state(sb.s_state() & ~1);
                sb.s_mtime(Instant.now().getEpochSecond());
                if (journalled) {
                    sb.b.putInt(0x60, sb.s_feature_incompat() | Ext4Superblock.INCOMPAT_RECOVER);
                }
            }
            superblockChanged();
        });
        cleanOrphans();
        sync();
    }

    /** ext4_orphan_cleanup: what a crash left on the orphan list goes now (unlinked: freed; else cut to i_size). */
    private void cleanOrphans() throws FsException {
        List<Long> list = Orphans.onDisk(sb, ino -> readRaw(ino).i_dtime());
        for (long ino : list) {
            Ext4Inode in = igetOrphan(ino);
            opVoid(() -> {
                if (in.i_links_count() == 0) {
                    release(in);
                } else {
                    in.dataSem.lockExclusive();
                    try {
                        freeRange(in, (in.i_size() + blockSize() - 1) / blockSize(), Long.MAX_VALUE);
                    } finally {
                        in.dataSem.unlockExclusive();
                    }
                    changeInode(in, i -> i.i_dtime(0));
                }
            });
        }
        if (!list.isEmpty()) {
            opVoid(() -> {
                synchronized (sb) {
                    sb.s_last_orphan(0);
                }
                superblockChanged();
            });
        }
    }

    /** The journal's blocks, from the superblock's copy of its inode ({@link JournalInode}). */
    static long[] journalBlockMap(DaxDevice device, Ext4Superblock sb) throws FsException {
        return JournalInode.blocks(device, sb);
    }

    /**
     * Replays a journal a crash left (ours or the kernel's): its committed transactions, then the
     * fast commits after them ({@link FastCommitReplay}), as jbd2_journal_recover does before the
     * journal is marked empty; returns the transactions replayed. A {@code torn} superblock is replayed
     * over only when a committed transaction logged its block: else nothing is written and the mount
     * fails on the checksum.
     */
    private static int recoverJournal(FileSystemType type, DaxDevice device, Ext4Superblock sb, boolean torn)
            throws FsException {
        if (sb.s_magic() != Ext4Superblock.MAGIC || (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) == 0
                || sb.s_journal_inum() == 0) {
            return 0;
        }
        Jbd2Journal j = Jbd2Journal.open(device, sb.blockSize(), journalBlockMap(device, sb));
        Jbd2Journal.Recovery r = j.scan();
        if (r == null || torn && !r.logs(Ext4Superblock.OFFSET / sb.blockSize())) {
            return 0;
        }
        List<FastCommitLog.Tag> fastCommits = FastCommitLog.scan(r.fastCommitBlocks(), r.endTid(), sb.s_inode_size());
        j.replay(r);
        if (!fastCommits.isEmpty()) {
            Ext4Superblock replayed = readSuperblock(device);
            String cannot = MountCheck.check(replayed, device.size(), false, "never").readOnlyReason();
            if (cannot != null) {
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: the journal holds %d fast-commit records to replay, and jdax "
                        + "cannot write this file system (%s)", fastCommits.size(), cannot);
            }
            FastCommitReplay.replay(new Ext4FileSystem(type, device, MountOptions.none(), replayed, false, "never",
                    LockingModel.INODE_RWSEM), fastCommits);
        }
        int replayed = r.replayed() + (fastCommits.isEmpty() ? 0 : 1);
        Ext4Superblock now = readSuperblock(device);
        boolean intact = !now.hasCsum() || now.b.getInt(0x3FC) == now.computeChecksum();
        boolean cleared = intact && (now.s_feature_incompat() & Ext4Superblock.INCOMPAT_RECOVER) != 0;
        if (cleared) {
            // What needs_recovery announced is done (ext4_mark_recovery_complete). Written in place
            // while the journal still holds its transactions, not after as Linux does: a crash that
            // tears this write leaves a superblock the next mount's replay repairs (see above).
            now.b.putInt(0x60, now.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_RECOVER);
            now.updateChecksum();
            device.store(Ext4Superblock.OFFSET, MemorySegment.ofArray(now.bytes()), 0, Ext4Superblock.SIZE);
            device.fence();
        }
        j.recovered(r);
        return cleared ? Math.max(replayed, 1) : replayed;
    }

    /** Runs one operation as one jbd2 handle: nested calls join it; without a journal it writes in place. */
    <T> T op(IoSupplier<T> body) throws FsException {
        Jbd2 j = journal;
        if (j == null) {
            return body.get();
        }
        try (Jbd2.Handle h = j.start()) {
            return body.get();
        }
    }

    void opVoid(IoRunnable body) throws FsException {
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

    /** The tid of the current thread's handle (what an inode's change waits for at fsync), or -1. */
    long currentTid() {
        Jbd2 j = journal;
        return j == null ? -1 : j.handle().tid();
    }

    /** fsync: commits the transaction that last changed the inode (or its data, for fdatasync). */
    void commitFor(Ext4Inode in, boolean dataOnly) throws FsException {
        Jbd2 j = journal;
        long tid = dataOnly ? in.dataSyncTid : in.syncTid;
        if (j != null && tid >= 0) {
            j.commit(tid);
        }
        device.fence();
    }

    /** Commits what is running now (an ENOSPC may go away once freed blocks are committed). */
    void commitRunning() throws FsException {
        Jbd2 j = journal;
        if (j != null) {
            j.commit(j.runningTid());
        }
    }

    /** The superblock changed in core: logged at the next commit, or written now without a journal. */
    void superblockChanged() throws FsException {
        if (journal == null && !readOnly) {
            writeSuperblock();
        }
    }

    Ext4Superblock superblock() {
        return sb;
    }

    Ext4Allocator allocator() {
        return allocator;
    }

    Ext4Namespace namespace() {
        return namespace;
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

    int csumSeed() {
        return seed;
    }

    DaxMount daxMount() {
        return mount;
    }

    int blockSize() {
        return sb.blockSize();
    }

    /** EXT4_CLUSTER_SIZE: what collapse and insert must be aligned to. */
    int clusterSize() {
        return sb.clusterSize();
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

    /** The inode's bytes as they are, checked, with nothing read beyond them (the journal's, an orphan's link). */
    private Ext4Inode readRaw(long ino) throws FsException {
        Ext4Inode in = new Ext4Inode(this, ino, disk.readBytes(inodeOffset(ino), sb.s_inode_size()));
        if (sb.hasCsum() && !in.checksumOk(seed)) {
            throw FsException.of(Errno.EBADMSG, "ext4: inode %d: checksum does not match", ino);
        }
        return in;
    }

    /**
     * ext4_iget outside orphan recovery: an inode with no link left is deleted (ext4_evict_inode
     * keeps i_mode, so the mode alone does not say it), asked for by a number resolved before its
     * last name went — ESTALE, never a zombie whose release would free it a second time.
     */
    @Override
    public Ext4Inode iget(long ino) throws FsException {
        Ext4Inode in = readRaw(ino);
        if (in.i_links_count() == 0) {
            throw FsException.of(Errno.ESTALE, "ext4: inode %d is not in use", ino);
        }
        return load(in);
    }

    /** ext4_iget under EXT4_ORPHAN_FS: an orphan with no link left is read in to be freed. */
    private Ext4Inode igetOrphan(long ino) throws FsException {
        Ext4Inode in = readRaw(ino);
        if (in.i_links_count() == 0 && in.i_mode() == 0) {
            throw FsException.of(Errno.ESTALE, "ext4: orphan list: inode %d is not in use", ino);
        }
        return load(in);
    }

    /** The in-core inode of {@code in}'s bytes: its block map read, its DAX state decided. */
    private Ext4Inode load(Ext4Inode in) throws FsException {
        boolean fastLink = in.isFastSymlink(sb.blockSize(), sb.clusterSize());
        boolean blockMapped = !fastLink && !InlineData.has(in);
        if (blockMapped && (in.type() == FileType.REGULAR || in.isDir() || in.type() == FileType.SYMLINK)) {
            List<Long> tb = new ArrayList<>();
            if (in.usesExtents()) {
                in.extents = new ExtentList(tree.read(in, tb));
            } else {
                in.extents = indirect.read(in); // ext3 style: ext4_ind_map_blocks' tree
                tb.addAll(in.indirect.values());
            }
            in.treeBlocks = tb;
        }
        // ext4_should_enable_dax: never an inline, a verity or an encrypted file.
        in.daxNow = in.type() == FileType.REGULAR && !InlineData.has(in) && (in.i_flags() & (Ext4Inode.VERITY_FL | NoKeyNames.ENCRYPT_FL)) == 0
                && switch (daxMode) {
            case "always" -> true;
            case "inode" -> (in.i_flags() & Ext4Inode.DAX_FL) != 0;
            default -> false;
        };
        if (in.type() == FileType.REGULAR) {
            attachSpace(in);
        }
        return in;
    }

    /** The engine's state of a regular file, made when the inode comes into core. */
    private void attachSpace(Ext4Inode in) {
        in.space = mount.newAddressSpace(in, new Ext4FileOps(this, in), in.i_size(), Instant.ofEpochSecond(in.i_mtime()),
                Instant.ofEpochSecond(in.i_ctime()));
    }

    /**
     * Changes fields of the inode and writes it with its checksum, in the current transaction: one
     * step under the inode's monitor, so the bytes written always match their checksum whichever
     * lock the change was made under.
     */
    void changeInode(Ext4Inode in, Consumer<Ext4Inode> change) throws FsException {
        requireWritable();
        long off = inodeOffset(in.ino);
        synchronized (in) {
            change.accept(in);
            if (quotas != null) {
                quotas.update(in);
            }
            if (sb.hasCsum()) {
                in.updateChecksum(seed);
            }
            disk.writeBytes(off, in.b.array());
        }
        in.syncTid = Math.max(in.syncTid, currentTid());
    }

    void writeInode(Ext4Inode in) throws FsException {
        changeInode(in, i -> { });
    }

    /** Writes the extent list back as the inode's tree and i_blocks with it. Caller holds i_data_sem exclusively. */
    void saveExtents(Ext4Inode in) throws FsException {
        synchronized (in) {
            in.treeBlocks = in.usesExtents() ? tree.write(in, in.extents, in.treeBlocks) : indirect.write(in, in.extents);
            // Every tree block and the xattr block take a cluster of their own (ext4_new_meta_blocks).
            long meta = (in.treeBlocks.size() + (in.b.getInt(0x68) != 0 ? 1 : 0)) << sb.clusterBits();
            long blocks = clusters.dataBlocks(in.extents) + meta;
            changeInode(in, i -> i.i_blocks512(blocks * (sb.blockSize() / 512)));
        }
        in.dataSyncTid = Math.max(in.dataSyncTid, currentTid());
    }

    /** The device block under file block {@code lblk}, or -1 for a hole. */
    long mapBlock(Ext4Inode in, long lblk) {
        Extent e = in.extents == null ? null : in.extents.find(lblk);
        return e == null ? -1 : e.pblkOf(lblk);
    }

    /**
     * ext4_ext_find_goal: the block at {@code lblk}'s distance from the extent at or before it (or
     * from the first extent), else ext4_inode_to_goal_block.
     */
    long goal(Ext4Inode in, long lblk) {
        if (in.extents != null) {
            Extent e = in.extents.floor(lblk);
            if (e == null) {
                e = in.extents.first();
            }
            if (e != null) {
                return lblk > e.lblk() ? e.pblk() + (lblk - e.lblk()) : e.pblk() - (e.lblk() - lblk);
            }
        }
        return inodeGoal(in);
    }

    /**
     * ext4_inode_to_goal_block: the first block of the inode's group; with flex groups of 4 or more,
     * of its flex group's first group, and for a regular file of the one after it (the first is kept
     * for directories). With delayed allocation on (ext4's default) no per-process colour is added.
     */
    long inodeGoal(Ext4Inode in) {
        long g = (in.ino - 1) / sb.s_inodes_per_group();
        int flex = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_FLEX_BG) != 0 ? 1 << sb.s_log_groups_per_flex() : 1;
        if (flex >= 4) {
            g &= ~(flex - 1);
            if (in.type() == FileType.REGULAR) {
                g++;
            }
        }
        return sb.s_first_data_block() + g * sb.s_blocks_per_group();
    }

    /**
     * ext4_calculate_resv_clusters: 2% of the blocks or 4096, whichever is less, kept back from file
     * data so that punching and unwritten conversion never meet ENOSPC.
     */
    long reservedClusters() {
        return Math.min((sb.s_blocks_count() >>> sb.clusterBits()) / 50, 4096);
    }

    /** Maps up to {@code count} new blocks at {@code lblk} (one contiguous run). Caller holds i_data_sem exclusively. */
    Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten) throws FsException {
        return allocate(in, lblk, count, unwritten, false);
    }

    /**
     * Maps up to {@code count} new blocks at {@code lblk} (one contiguous run), placed as
     * ext4_ext_map_blocks asks mballoc to: near {@link #goal}, between the neighbouring extents, a
     * regular file's as data (normalised and preallocated unless {@code noPrealloc}, fallocate's
     * EXT4_GET_BLOCKS_NO_NORMALIZE); fewer when free space is short (ext4_claim_free_clusters
     * halves the request). With bigalloc a logical cluster that already owns a physical one gets
     * its blocks there, and new clusters are whole, {@code lblk} at its offset in the first
     * ({@link #allocateClusters}). Caller holds i_data_sem exclusively.
     */
    Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten, boolean noPrealloc) throws FsException {
        if (clusters.ratio() > 1) {
            return allocateClusters(in, lblk, count, unwritten, noPrealloc);
        }
        long free = sb.s_free_blocks_count();
        long len = Math.min(count, unwritten ? Extent.MAX_UNWRITTEN : Extent.MAX_WRITTEN);
        while (len > 0 && free < len + reservedClusters()) {
            len >>= 1;
        }
        if (len <= 0) {
            throw FsException.of(Errno.ENOSPC, "ext4: no free blocks outside the %d reserved clusters", reservedClusters());
        }
        long[] run = allocator.allocData(request(in, lblk, 0, len, noPrealloc));
        in.extents.put(lblk, run[1], run[0], unwritten);
        saveExtents(in);
        return new Extent(lblk, run[1], run[0], unwritten);
    }

    /**
     * ext4_ext_map_blocks' request to mballoc for {@code len} blocks at {@code lblk}: the neighbours
     * found from {@code lblk}, then goal and logical block moved back by {@code offset} (lblk's
     * place in its cluster) and the length in clusters (EXT4_NUM_B2C of offset + len).
     */
    private Mballoc.Request request(Ext4Inode in, long lblk, long offset, long len, boolean noPrealloc) {
        Extent left = in.extents.floor(lblk);
        Extent right = in.extents.after(lblk);
        boolean data = in.type() == FileType.REGULAR;
        int flags = (data ? Mballoc.DATA : 0) | (noPrealloc ? Mballoc.NOPREALLOC : 0);
        int bits = (int) ((offset + len + clusters.ratio() - 1) >>> sb.clusterBits());
        return new Mballoc.Request(goal(in, lblk) - offset, lblk - offset, bits,
                left == null ? 0 : left.end() - 1, left == null ? 0 : left.pblk() + left.len() - 1,
                right == null ? 0 : right.lblk(), right == null ? 0 : right.pblk(), flags,
                in.i_size(), in.writers.get() > 0, in.prealloc);
    }

    /**
     * bigalloc's allocation: a logical cluster that already owns a physical one gets its blocks
     * there (get_implied_cluster_alloc); new clusters are whole, placed by mballoc working in
     * clusters, {@code lblk} at its offset in the first.
     */
    private Extent allocateClusters(Ext4Inode in, long lblk, long count, boolean unwritten, boolean noPrealloc)
            throws FsException {
        long ratio = clusters.ratio();
        long implied = clusters.implied(in.extents, lblk);
        long offset = lblk & (ratio - 1);
        long pblk;
        long len;
        if (implied >= 0) {
            pblk = implied + offset;
            len = Math.min(count, ratio - offset);
        } else {
            long available = sb.s_free_blocks_count() - (reservedClusters() << sb.clusterBits());
            if (available <= 0) {
                throw FsException.of(Errno.ENOSPC, "ext4: no free blocks outside the %d reserved clusters", reservedClusters());
            }
            long want = Math.min(Math.min(clusters.newRunLength(in.extents, lblk, count), available), Extent.MAX_UNWRITTEN);
            long[] run = allocator.allocData(request(in, lblk, offset, want, noPrealloc));
            pblk = run[0] + offset;
            len = Math.min(want, run[1] - offset);
        }
        in.extents.put(lblk, len, pblk, unwritten);
        saveExtents(in);
        return new Extent(lblk, len, pblk, unwritten);
    }

    /** ext4_discard_preallocations: the inode's preallocated blocks back to the allocator. Caller holds i_data_sem exclusively. */
    void discardPreallocations(Ext4Inode in) throws FsException {
        allocator.discardPreallocations(in.prealloc);
    }

    /** A directory's next block (the caller holds the directory's lock). */
    void appendBlock(Ext4Inode d) throws FsException {
        d.dataSem.lockExclusive();
        try {
            allocate(d, d.i_size() / sb.blockSize(), 1, false);
        } finally {
            d.dataSem.unlockExclusive();
        }
    }

    /** Unmaps file blocks [from, to) and frees them. Caller holds i_data_sem exclusively. */
    void freeRange(Ext4Inode in, long from, long to) throws FsException {
        freeExtents(in, in.extents.remove(from, to));
        saveExtents(in);
    }

    /** Gives back the blocks of extents just removed from the file's list: with bigalloc, the clusters no block of the file is left in. */
    void freeExtents(Ext4Inode in, List<Extent> removed) throws FsException {
        for (long[] run : clusters.freed(in.extents, removed)) {
            allocator.freeBlocks(run[0], run[1]);
        }
    }

    /** A new inode named {@code name} in {@code parent}, in the group Linux would choose ({@link InodeGroups}), written, in core. */
    Ext4Inode newInode(Ext4Inode parent, String name, int mode, int uid, int gid) throws FsException {
        boolean isDir = FileType.ofMode(mode) == FileType.DIRECTORY;
        int group = inodeGroups.choose(parent, name, isDir, parent.ino == ROOT_INO);
        long ino = allocator.allocInode(group, isDir);
        Ext4Inode in = new Ext4Inode(this, ino, new byte[sb.s_inode_size()]);
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
        // Every new inode starts with an empty block map; a fast symlink puts its target there instead.
        // ext4_mask_flags: of the inherited flags jdax keeps, a directory takes EXT4_CASEFOLD_FL too, a file not.
        in.i_flags(parent.i_flags() & (isDir ? Ext4Inode.DAX_FL | Casefold.CASEFOLD_FL : Ext4Inode.DAX_FL));
        startBlockMap(in);
        in.inheritProject(parent);
        in.daxNow = FileType.ofMode(mode) == FileType.REGULAR && (daxMode.equals("always")
                || (daxMode.equals("inode") && (in.i_flags() & Ext4Inode.DAX_FL) != 0));
        writeInode(in);
        if (in.type() == FileType.REGULAR) {
            attachSpace(in);
        }
        return in;
    }

    /** An empty block map: an extent root when the file system has extents, else zero pointers (ext3). */
    void startBlockMap(Ext4Inode in) {
        in.extents = new ExtentList(List.of());
        in.treeBlocks = new ArrayList<>();
        if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_EXTENTS) != 0) {
            in.i_flags(in.i_flags() | Ext4Inode.EXTENTS_FL);
            ByteBuffer root = in.b.slice(0x28, 60).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            root.putShort(0, (short) ExtentTree.MAGIC);
            root.putShort(4, (short) 4);
        }
    }

    /** ext4_evict_inode: an inode with no link left gives back its blocks and number, and leaves the orphan list. */
    void evict(Ext4Inode in) throws FsException {
        if (in.i_links_count() > 0 || readOnly) {
            return;
        }
        opVoid(() -> release(in));
    }

    /** Frees an unlinked inode, inside the caller's transaction. */
    void release(Ext4Inode in) throws FsException {
        Xattrs.release(this, in); // the xattr block and value inodes its attributes hold
        if (in.extents != null) {
            in.dataSem.lockExclusive();
            try {
                discardPreallocations(in); // ext4_clear_inode
                freeRange(in, 0, Long.MAX_VALUE);
                for (long b : in.treeBlocks) {
                    allocator.freeBlocks(b, 1);
                }
                in.treeBlocks = new ArrayList<>();
            } finally {
                in.dataSem.unlockExclusive();
            }
        }
        orphans.remove(in);
        changeInode(in, i -> {
            i.i_dtime(Instant.now().getEpochSecond());
            i.i_size(0);
            i.i_blocks512(0);
        });
        allocator.freeInode(in.ino, in.isDir());
    }

    void requireWritable() throws FsException {
        if (readOnly) {
            throw FsException.of(Errno.EROFS, "ext4: read-only file system%s",
                    readOnlyReason == null ? "" : " (mounted read-only: " + readOnlyReason + ")");
        }
    }

    // ---- SuperBlock -------------------------------------------------------------------------------

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
    public String readOnlyReason() {
        return readOnlyReason;
    }

    @Override
    public long rootIno() {
        return ROOT_INO;
    }

    /** EXT4_LINK_MAX. */
    @Override
    public long maxLinks() {
        return 65000;
    }

    /** ext4_rename2 takes both flags. */
    @Override
    public int renameFlags() {
        return dev.jdax.api.fs.OpenFlags.RENAME_NOREPLACE | dev.jdax.api.fs.OpenFlags.RENAME_EXCHANGE;
    }

    StatInfo statOf(Ext4Inode in) {
        long attrs = (in.daxNow ? StatInfo.STATX_ATTR_DAX : 0) | (NoKeyNames.encrypted(in) ? StatInfo.STATX_ATTR_ENCRYPTED : 0); // ext4_getattr
        Instant btime = sb.s_inode_size() > 128 && in.i_extra_isize() >= 24
                ? Instant.ofEpochSecond(in.b.getInt(0x90) & 0xffffffffL) : null;
        Instant mtime = in.space != null ? in.space.mtime() : Instant.ofEpochSecond(in.i_mtime());
        Instant ctime = in.space != null ? in.space.ctime() : Instant.ofEpochSecond(in.i_ctime());
        // fscrypt_symlink_getattr: an encrypted symlink's st_size is the length of what readlink gives.
        long size = in.size();
        if (in.type() == FileType.SYMLINK && NoKeyNames.encrypted(in)) {
            try {
                size = readlink(in).length();
            } catch (FsException e) {
                size = in.size();
            }
        }
        return new StatInfo(in.ino, in.i_mode(), in.i_links_count(), in.i_uid(), in.i_gid(), 0, size,
                in.i_blocks(sb.blockSize()), sb.blockSize(), Instant.ofEpochSecond(in.i_atime()), mtime, ctime, btime, attrs);
    }

    void setattr(Ext4Inode in, SetAttr attr) throws FsException {
        Instant now = Instant.ofEpochSecond(Instant.now().getEpochSecond());
        opVoid(() -> changeInode(in, i -> {
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
        }));
        if (in.space != null) {
            in.space.timesSet(attr.mtime() == null ? null : Instant.ofEpochSecond(attr.mtime().getEpochSecond()), now);
        }
    }

    String readlink(Ext4Inode in) throws FsException {
        long ino = in.ino;
        if (in.type() != FileType.SYMLINK) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d is not a symlink", ino);
        }
        long size = in.i_size();
        if (size <= 0 || size >= sb.blockSize()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: symlink %d: size %d", ino, size);
        }
        byte[] b;
        int at;
        if (InlineData.has(in)) {
            b = InlineData.bytes(in, size);
            at = 0;
        } else if (in.isFastSymlink(sb.blockSize(), sb.clusterSize())) {
            if (size >= 60) {
                throw FsException.of(Errno.EUCLEAN, "ext4: fast symlink %d: size %d does not fit i_block", ino, size);
            }
            b = in.b.array();
            at = 0x28;
        } else {
            long p = mapBlock(in, 0);
            if (p < 0) {
                throw FsException.of(Errno.EUCLEAN, "ext4: symlink %d has no block", ino);
            }
            b = disk.read(p, "symlink " + ino).array();
            at = 0;
        }
        return NoKeyNames.encrypted(in) ? NoKeyNames.symlinkTarget(ino, b, at, (int) size)
                : new String(b, at, (int) size, StandardCharsets.UTF_8);
    }

    @Override
    public StatFs statfs() {
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
            return j == 0 ? 0 : readRaw(j).i_blocks(sb.blockSize()) / (sb.blockSize() / 512);
        } catch (FsException e) {
            return 0;
        }
    }

    OpenFile open(Ext4Inode in, int flags) throws FsException {
        if (in.isDir()) {
            throw FsException.of(Errno.EISDIR, "ext4: inode %d is a directory", in.ino);
        }
        if (in.type() != FileType.REGULAR) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d is not a regular file", in.ino);
        }
        if (NoKeyNames.encrypted(in)) {
            // fscrypt_file_open: an encrypted file's contents need its key; jdax never has one.
            throw FsException.of(Errno.ENOKEY, "ext4: inode %d is encrypted and its key is not available", in.ino);
        }
        if ((in.i_flags() & Ext4Inode.VERITY_FL) != 0) {
            // __fsverity_file_open and __fsverity_prepare_setattr: a verity file is never written nor truncated.
            if (OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0) {
                throw FsException.of(Errno.EPERM, "ext4: inode %d is an fs-verity file: it cannot be opened for writing", in.ino);
            }
            VerityFile.of(this, in); // ensure_verity_info: a bad descriptor fails the open
        }
        if ((OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0) && InlineData.has(in)) {
            requireWritable();
            convertInline(in); // every change of an inline file starts with this
        }
        OpenFile f = in.space.open(flags);
        return OpenFlags.writable(flags) ? new WriterFile(f, in) : f;
    }

    /**
     * An open file that may write: counted on its inode, and the last one's close forgets the
     * inode's preallocations (ext4_release_file), so a closed file keeps no blocks from others.
     */
    private final class WriterFile implements dev.jdax.api.fs.ForwardingOpenFile {
        private final OpenFile delegate;
        private final Ext4Inode in;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        WriterFile(OpenFile delegate, Ext4Inode in) {
            this.delegate = delegate;
            this.in = in;
            in.writers.incrementAndGet();
        }

        @Override
        public OpenFile delegate() {
            return delegate;
        }

        @Override
        public void close() throws FsException {
            try {
                delegate.close();
            } finally {
                if (closed.compareAndSet(false, true) && in.writers.decrementAndGet() == 0 && !in.prealloc.isEmpty()) {
                    in.dataSem.lockExclusive();
                    try {
                        discardPreallocations(in);
                    } finally {
                        in.dataSem.unlockExclusive();
                    }
                }
            }
        }
    }

    /**
     * ext4_convert_inline_data for a file opened for writing: under its i_rwsem (as write_begin
     * holds it), so one opener converts and no reader sees it half way; one transaction.
     */
    private void convertInline(Ext4Inode in) throws FsException {
        in.rwsem().lockExclusive();
        try {
            if (InlineData.has(in)) {
                opVoid(() -> {
                    in.dataSem.lockExclusive();
                    try {
                        InlineData.fileToBlocks(this, in);
                    } finally {
                        in.dataSem.unlockExclusive();
                    }
                });
            }
        } finally {
            in.rwsem().unlockExclusive();
        }
    }

    @Override
    public void sync() throws FsException {
        if (!readOnly) {
            opVoid(this::writeSuperblock);
            commitRunning();
        }
        device.fence();
    }

    private void writeSuperblock() throws FsException {
        synchronized (sb) {
            sb.s_wtime(Instant.now().getEpochSecond());
        }
        disk.writeBytes(Ext4Superblock.OFFSET, sb.sealed());
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
                synchronized (sb) {
                    sb.s_state(sb.s_state() | 1);
                    sb.b.putInt(0x60, sb.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_RECOVER);
                }
                writeSuperblock();
            });
            if (journal != null) {
                journal.shutdown();
            }
        }
        device.fence();
        if (mmp != null) {
            mmp.close();
        }
    }
}
