package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.InodeBirths;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;
import dev.jdax.iomap.CoarseClock;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.LockingModel;

import java.time.Instant;
import java.util.List;
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

    private final FileSystemType type;
    private final DaxDevice device;
    private final MountOptions options;
    private final boolean readOnly;
    private final String daxMode;
    private final Disk disk;
    private final Ext4Superblock sb;
    private final GroupTable groups;
    /** Held while a label goes into the superblock and its copies (ext4_update_superblocks_fn). */
    private final Object backups = new Object();
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
    private final Ext4Inodes inodes;
    private final Ext4Blocks blocks;
    private final Ext4InodeOps inodeOps;
    private Jbd2 journal;
    /** The multiple-mount protection this read-write mount holds, or null (set by {@link Ext4Mounting}). */
    Mmp mmp;
    /** Why a mount asked read-write is read-only (a feature jdax cannot keep true), or null (set by {@link Ext4Mounting}). */
    String readOnlyReason;
    private boolean closed;

    /** The blocks no file may map (block_validity). */
    SystemZone systemZone() {
        return systemZone;
    }

    Ext4FileSystem(FileSystemType type, DaxDevice device, MountOptions options, Ext4Superblock sb, boolean ro,
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
        this.mount = new DaxMount(device, options, locking, ro);
        this.seed = sb.csumSeed();
        this.inodes = new Ext4Inodes(this, sb, disk, groups, allocator, inodeGroups, tree, indirect, orphans, mount, daxMode);
        this.blocks = new Ext4Blocks(this, sb, allocator, clusters, tree, indirect, inodes);
        this.inodeOps = new Ext4InodeOps(this, sb, disk);
        this.quotas = Quotas.of(this, disk); // reads the quota inodes: last
    }


    static Ext4Superblock readSuperblock(DaxDevice device) throws FsException {
        return Ext4Mounting.readSuperblock(device);
    }

    static Ext4FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options) throws FsException {
        return Ext4Mounting.mount(type, device, options);
    }

    /** The journal's blocks, from the superblock's copy of its inode ({@link JournalInode}). */
    static long[] journalBlockMap(DaxDevice device, Ext4Superblock sb) throws FsException {
        return JournalInode.blocks(device, sb);
    }

    /**
     * The free counts as the group descriptors have them (Linux sums them at mount; a crash may leave
     * the superblock's behind); a descriptor counts clusters, the superblock blocks.
     */
    void countFree() {
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
    void startWriting() throws FsException {
        boolean journalled = (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) != 0;
        if (journalled) {
            Jbd2Journal log = Jbd2Journal.open(device, sb.blockSize(), journalBlockMap(device, sb))
                    .withMountFeatures(sb.hasCsum(), sb.is64());
            Jbd2 j = new Jbd2(log, disk);
            // Every commit records the orphans its transaction left, and logs the checksums of the
            // groups it changed (once each) and the superblock with the counts and the orphan list
            // of that moment.
            orphans.deferToCommit();
            j.beforeCommit(() -> {
                orphans.recordPending();
                allocator.seal();
                orphans.seal();
                disk.writeBytes(Ext4Superblock.OFFSET, sb.sealed());
            });
            disk.journalled(j);
            allocator.journalled(j);
            journal = j;
        }
        boolean orphanFile = (sb.s_feature_compat() & Ext4Superblock.COMPAT_ORPHAN_FILE) != 0;
        if (orphanFile) {
            orphans.use(OrphanFile.load(sb, disk, orphanFileInode(), seed, journalled));
        }
        // Even this first superblock update is a transaction: a torn superblock fails its checksum.
        opVoid(() -> {
            synchronized (sb) {
                if (orphanFile) { // orphan entries may be taken from now on (ext4's orphan_present)
                    sb.b.putInt(0x64, sb.s_feature_ro_compat() | Ext4Superblock.RO_COMPAT_ORPHAN_PRESENT);
                }
                sb.s_mnt_count(sb.s_mnt_count() + 1);
                sb.s_mtime(Instant.now().getEpochSecond());
                // ext4_setup_super: with a journal, needs_recovery says a crash happened and the state
                // stays valid (a kernel mounting what a crash left must not warn "mounting unchecked
                // fs", as it did on jdax's images till 2026-12); without one, the state loses EXT4_VALID_FS.
                if (journalled) {
                    sb.b.putInt(0x60, sb.s_feature_incompat() | Ext4Superblock.INCOMPAT_RECOVER);
                } else {
                    sb.s_state(sb.s_state() & ~1);
                }
            }
            superblockChanged();
        });
        inodes.cleanOrphans();
        sync();
    }

    /** The orphan file's inode, as the superblock names it (a regular file in no directory). */
    private Ext4Inode orphanFileInode() throws FsException {
        long ino = sb.s_orphan_file_inum();
        if (ino <= ROOT_INO || ino > sb.s_inodes_count()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: orphan_file: s_orphan_file_inum %d is not an inode", ino);
        }
        Ext4Inode in = inodes.iget(ino);
        if (in.type() != FileType.REGULAR) {
            throw FsException.of(Errno.EUCLEAN, "ext4: orphan_file: inode %d is a %s, not a regular file", ino, in.type());
        }
        return in;
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

    /** {@return the directories' format} (for tests that read a directory's records) */
    Ext4Dir directories() {
        return dir;
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

    /** The journal, or null without one. */
    Jbd2 journal() {
        return journal;
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

    /**
     * s_time_gran as ext4_fill_super sets it: nanoseconds when the inodes have room for
     * i_atime_extra (at least 144 bytes), else whole seconds.
     */
    long timeGranularityNanos() {
        return extraTimes() ? 1 : 1_000_000_000L;
    }

    /** Whether the inodes reach i_atime_extra (0x8C..0x90), the last of the three times' extra words. */
    private boolean extraTimes() {
        return sb.s_inode_size() >= 0x90;
    }

    /**
     * timestamp_truncate: a time at this file system's granularity, within the range its inodes
     * hold (1901 to 2446 with the extra words, to 2038 without); at either end the nanoseconds go.
     */
    Instant truncateTime(Instant t) {
        long min = Integer.MIN_VALUE;
        long max = extraTimes() ? Integer.MAX_VALUE + (3L << 32) : Integer.MAX_VALUE;
        long sec = Math.max(min, Math.min(max, t.getEpochSecond()));
        if (sec == min || sec == max) {
            return Instant.ofEpochSecond(sec);
        }
        long gran = timeGranularityNanos();
        return Instant.ofEpochSecond(sec, t.getNano() - t.getNano() % gran);
    }

    /** EXT4_CLUSTER_SIZE: what collapse and insert must be aligned to. */
    int clusterSize() {
        return sb.clusterSize();
    }

    String daxMode() {
        return daxMode;
    }


    // ---- inodes and their block maps ({@link Ext4Inodes}, {@link Ext4Blocks}) ------------------------

    /** The device byte offset of inode {@code ino}. */
    long inodeOffsetOf(long ino) throws FsException {
        return inodes.inodeOffsetOf(ino);
    }

    @Override
    public Ext4Inode iget(long ino) throws FsException {
        return inodes.iget(ino);
    }

    @Override
    public Ext4Inode igetByNumber(long ino) throws FsException {
        return inodes.igetByNumber(ino);
    }

    List<FiemapExtent> fiemapDirectory(Ext4Inode d, long start, long length) throws FsException {
        return blocks.fiemapDirectory(d, start, length);
    }

    void changeInode(Ext4Inode in, Consumer<Ext4Inode> change) throws FsException {
        inodes.changeInode(in, change);
    }

    void writeInode(Ext4Inode in) throws FsException {
        inodes.writeInode(in);
    }

    Ext4Inode newInode(Ext4Inode parent, String name, int mode, int uid, int gid) throws FsException {
        return inodes.newInode(parent, name, mode, uid, gid);
    }

    void startBlockMap(Ext4Inode in) {
        inodes.startBlockMap(in);
    }

    void evict(Ext4Inode in) throws FsException {
        inodes.evict(in);
    }

    void release(Ext4Inode in) throws FsException {
        inodes.release(in);
    }

    void saveExtents(Ext4Inode in) throws FsException {
        blocks.saveExtents(in);
    }

    void saveExtents(Ext4Inode in, Consumer<Ext4Inode> alsoChange) throws FsException {
        blocks.saveExtents(in, alsoChange);
    }

    long mapBlock(Ext4Inode in, long lblk) {
        return blocks.mapBlock(in, lblk);
    }

    long goal(Ext4Inode in, long lblk) {
        return blocks.goal(in, lblk);
    }

    long inodeGoal(Ext4Inode in) {
        return blocks.inodeGoal(in);
    }

    long reservedClusters() {
        return blocks.reservedClusters();
    }

    Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten) throws FsException {
        return blocks.allocate(in, lblk, count, unwritten);
    }

    Extent allocate(Ext4Inode in, long lblk, long count, boolean unwritten, boolean noPrealloc) throws FsException {
        return blocks.allocate(in, lblk, count, unwritten, noPrealloc);
    }

    void discardPreallocations(Ext4Inode in) throws FsException {
        blocks.discardPreallocations(in);
    }

    void appendBlock(Ext4Inode d) throws FsException {
        blocks.appendBlock(d);
    }

    void freeRange(Ext4Inode in, long from, long to) throws FsException {
        blocks.freeRange(in, from, to);
    }

    void freeExtents(Ext4Inode in, List<Extent> removed) throws FsException {
        blocks.freeExtents(in, removed);
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

    @Override
    public Instant currentTime() {
        return CoarseClock.now(timeGranularityNanos());
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
        return inodeOps.statOf(in);
    }

    /** Whether lazytime keeps {@code in}'s access time in core, not yet written. */
    boolean keepsTimes(Ext4Inode in) {
        return mount.keeps(in.ino, in);
    }

    /** Under lazytime, a directory's or symbolic link's access time kept in core; {@return false without lazytime} */
    boolean keepAtime(Ext4Inode in, Instant atime) {
        return mount.keepAtime(in.ino, in, () -> in.keepAtime(atime));
    }

    void updateAtime(Ext4Inode in, Instant atime) throws FsException {
        inodeOps.updateAtime(in, atime);
    }

    void setattr(Ext4Inode in, SetAttr attr) throws FsException {
        inodeOps.setattr(in, attr);
    }

    String readlink(Ext4Inode in) throws FsException {
        return inodeOps.readlink(in);
    }

    OpenFile open(Ext4Inode in, int flags) throws FsException {
        return inodeOps.open(in, flags);
    }

    /** ext4_getfsmap: fixed metadata, free space from mballoc's in-memory bitmaps, the rest unknown ({@link Ext4Fsmap}). */
    @Override
    public List<FsmapRecord> getfsmap(FsmapKeys keys) throws FsException {
        return new Ext4Fsmap(sb, groups, allocator).query(keys);
    }

    @Override
    public StatFs statfs() {
        long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + sb.blockSize() - 1) / sb.blockSize();
        long overhead = sb.s_first_data_block();
        for (int g = 0; g < groups.count(); g++) {
            overhead += allocator.superblockArea(g) + 2 + itb;
        }
        overhead += journalBlocks();
        // ext4_statfs: what users may take leaves out root's reserve and the clusters kept back
        // for punching and unwritten conversion (s_resv_clusters).
        long bfree = sb.s_free_blocks_count();
        long kept = sb.s_r_blocks_count() + (blocks.reservedClusters() << sb.clusterBits());
        return new StatFs(0xEF53, sb.blockSize(), sb.s_blocks_count() - overhead, bfree,
                Math.max(0, bfree - kept), sb.s_inodes_count(), sb.s_free_inodes_count(), 255);
    }

    private long journalBlocks() {
        try {
            long j = sb.s_journal_inum();
            return j == 0 ? 0 : inodes.readRaw(j).i_blocks(sb.blockSize()) / (sb.blockSize() / 512);
        } catch (FsException e) {
            return 0;
        }
    }

    @Override
    public int labelMax() {
        return Ext4Superblock.LABEL_MAX;
    }

    @Override
    public byte[] label() {
        return sb.label();
    }

    /**
     * ext4_ioctl_setlabel through ext4_update_superblocks_fn: the primary superblock and every
     * backup copy (ext4_bg_has_super) take the label in one handle; a copy that is not a superblock
     * with its checksum right is passed over, as Linux passes it. Linux journals the primary and the
     * first two copies and writes the rest in place at once; jdax journals every copy, so that all
     * change at one commit. Without a journal each is written at once.
     */
    @Override
    public void setLabel(byte[] label) throws FsException {
        opVoid(() -> {
            // EXT4_FLAGS_RESIZING's part: one superblock update at a time, each copy read and written whole.
            synchronized (backups) {
                sb.label(label);
                superblockChanged();
                for (long g = 1; g < sb.groupCount(); g++) {
                    if (groups.hasSuperblock(g)) {
                        long at = allocator.groupStart((int) g) * sb.blockSize();
                        Ext4Superblock copy = new Ext4Superblock(disk.readBytes(at, Ext4Superblock.SIZE));
                        // Checked as the mounted file system checksums, whatever the copy's features say.
                        if (copy.s_magic() == Ext4Superblock.MAGIC
                                && (!sb.hasCsum() || copy.s_checksum() == copy.computeChecksum())) {
                            copy.label(label);
                            copy.updateChecksum();
                            disk.writeBytes(at, copy.bytes());
                        }
                    }
                }
            }
        });
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

    /** ext4_ioctl's check before each fscrypt ioctl: the encrypt feature, else EOPNOTSUPP. */
    @Override
    public Errno fscryptRefusal() {
        return (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_ENCRYPT) != 0 ? null : Errno.EOPNOTSUPP;
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
        if (!readOnly) {
            mount.writeDirtyTimes(); // what lazytime kept, in the last transaction
        }
        closed = true;
        if (!readOnly) {
            opVoid(() -> {
                OrphanFile file = orphans.file();
                synchronized (sb) {
                    sb.s_state(sb.s_state() | 1);
                    sb.b.putInt(0x60, sb.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_RECOVER);
                    if (file != null && file.empty()) { // an inode still open keeps its entry, and the flag, for the next mount
                        sb.b.putInt(0x64, sb.s_feature_ro_compat() & ~Ext4Superblock.RO_COMPAT_ORPHAN_PRESENT);
                    }
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
