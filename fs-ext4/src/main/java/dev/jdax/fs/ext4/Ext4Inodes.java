package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.iomap.AddressSpace;
import dev.jdax.iomap.CoarseClock;
import dev.jdax.iomap.DaxMount;
import dev.jdax.iomap.KeptTimes;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The inodes of a mounted ext4: read from the inode tables into core (ext4_iget), changed and
 * written with their checksum (ext4_mark_inode_dirty), made (__ext4_new_inode), freed when their
 * last link and reference go (ext4_evict_inode), and the orphans a crash left cleaned at mount.
 */
final class Ext4Inodes {
    private final Ext4FileSystem fs;
    private final Ext4Superblock sb;
    private final Disk disk;
    private final GroupTable groups;
    private final Ext4Allocator allocator;
    private final InodeGroups inodeGroups;
    private final ExtentTree tree;
    private final IndirectMap indirect;
    private final Orphans orphans;
    private final DaxMount mount;
    private final String daxMode;
    private final int seed;
    /** An unused inode's bytes: what a new inode was last charged to the quota files for (nothing). Never written. */
    private final byte[] unused;
    /** Inodes per inode table block, when the commit can seal them (a slot a bit of a 32-bit mask), else 0. */
    private final int sealablePerBlock;
    /**
     * Sums the inodes a transaction changed when the commit logs their block
     * ({@link Disk#writeSealed(long, byte[], Disk.Sealer, long)}): an inode written eight times by a
     * create + write + unlink is summed once per transaction, not at each change.
     */
    private final Disk.Sealer inodeChecksums = new Disk.Sealer() {
        @Override
        public void seal(byte[] block, long arg) {
            sealInodes(block, arg);
        }

        @Override
        public long merge(long pending, long arg) {
            return pending | arg; // the same first inode above, the changed slots below
        }
    };

    Ext4Inodes(Ext4FileSystem fs, Ext4Superblock sb, Disk disk, GroupTable groups, Ext4Allocator allocator,
               InodeGroups inodeGroups, ExtentTree tree, IndirectMap indirect, Orphans orphans, DaxMount mount,
               String daxMode) {
        this.fs = fs;
        this.sb = sb;
        this.disk = disk;
        this.groups = groups;
        this.allocator = allocator;
        this.inodeGroups = inodeGroups;
        this.tree = tree;
        this.indirect = indirect;
        this.orphans = orphans;
        this.mount = mount;
        this.daxMode = daxMode;
        this.seed = sb.csumSeed();
        this.unused = new byte[sb.s_inode_size()];
        int perBlock = sb.blockSize() / sb.s_inode_size();
        this.sealablePerBlock = sb.hasCsum() && perBlock <= 32 ? perBlock : 0;
    }

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
    Ext4Inode readRaw(long ino) throws FsException {
        return readRaw(ino, false);
    }

    /**
     * The inode's bytes, their checksum checked; for a number a program gave ({@code byNumber}) a
     * slot never used (no link, no mode) is ESTALE before the checksum is, as EXT4_IGET_HANDLE has it.
     */
    private Ext4Inode readRaw(long ino, boolean byNumber) throws FsException {
        long slot = sealablePerBlock == 0 ? 0 : sealArg(ino) & 0xffff_ffffL;
        Disk.Part raw = disk.readPart(inodeOffset(ino), sb.s_inode_size(), inodeChecksums, slot);
        Ext4Inode in = new Ext4Inode(fs, ino, raw.bytes());
        if (byNumber && in.i_links_count() == 0 && in.i_mode() == 0) {
            throw FsException.of(Errno.ESTALE, "ext4: inode %d was never used", ino);
        }
        // An inode this mount changed in a transaction not yet committed has its sum still to come.
        if (sb.hasCsum() && !raw.sealPending() && !in.checksumOk(seed)) {
            throw FsException.of(Errno.EBADMSG, "ext4: inode %d: checksum does not match", ino);
        }
        return in;
    }

    /**
     * ext4_iget outside orphan recovery: an inode with no link left is deleted (ext4_evict_inode
     * keeps i_mode, so the mode alone does not say it), asked for by a number resolved before its
     * last name went — ESTALE, never a zombie whose release would free it a second time.
     */
    Ext4Inode iget(long ino) throws FsException {
        Ext4Inode in = readRaw(ino);
        if (in.i_links_count() == 0) {
            throw FsException.of(Errno.ESTALE, "ext4: inode %d is not in use", ino);
        }
        return load(in);
    }

    /**
     * ext4_nfs_get_inode (ext4_iget with EXT4_IGET_HANDLE): a number a program gave. The format's own
     * inodes — below s_first_ino but the root (the journal, the resize inode), the quota files, the
     * orphan file — and numbers past the inode table name no file a program may open: ESTALE.
     */
    Ext4Inode igetByNumber(long ino) throws FsException {
        String why = ino < 1 || ino > sb.s_inodes_count() ? "is outside 1.." + sb.s_inodes_count()
                : ino < sb.s_first_ino() && ino != Ext4FileSystem.ROOT_INO ? "is reserved (below s_first_ino " + sb.s_first_ino() + "), not a file"
                : formatsOwn(ino) ? "is a quota file or the orphan file, not a file of the tree" : null;
        if (why != null) {
            throw FsException.of(Errno.ESTALE, "ext4: inode %s %s", Long.toUnsignedString(ino), why);
        }
        Ext4Inode in = readRaw(ino, true);
        if (in.i_links_count() == 0) {
            throw FsException.of(Errno.ESTALE, "ext4: inode %d is not in use", ino);
        }
        return load(in);
    }

    /** Whether the superblock names {@code ino} as a quota file or the orphan file. */
    private boolean formatsOwn(long ino) {
        return ino == sb.s_usr_quota_inum() || ino == sb.s_grp_quota_inum() || ino == sb.s_prj_quota_inum()
                || ino == sb.s_orphan_file_inum();
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
        in.space = mount.newAddressSpace(in, new Ext4FileOps(fs, in), in.i_size(), in.atime(), in.mtime(), in.ctime());
    }

    /**
     * Changes fields of the inode and writes it, in the current transaction, its checksum left to
     * the commit that logs it (summed at once without a journal): one step under the inode's
     * monitor, so the bytes the commit sums are a whole change whichever lock it was made under.
     */
    void changeInode(Ext4Inode in, Consumer<Ext4Inode> change) throws FsException {
        fs.requireWritable();
        long off = inodeOffset(in.ino);
        synchronized (in) {
            // ext4_do_update_inode writes the in-core inode whole: the times lazytime kept go with it.
            AddressSpace.Times kept = mount.lazytime() && in.space != null ? in.space.takeDirtyTimes() : null;
            if (kept != null) {
                in.atime(kept.atime());
                in.mtime(kept.mtime());
                in.ctime(kept.ctime());
            }
            if (mount.lazytime()) {
                mount.written(in.ino, in); // a directory's or link's kept access time is in the bytes written now
            }
            change.accept(in);
            Quotas quotas = fs.quotas(); // null without the feature, and while the mount reads the quota inodes
            if (quotas != null) {
                quotas.update(in);
            }
            write(in, off);
        }
        in.syncTid = Math.max(in.syncTid, fs.currentTid());
        if (mount.lazytime()) {
            updateOtherInodesTime(in);
        }
    }

    /** The inode's bytes into its slot of the inode table, in the current transaction. Under the inode's monitor. */
    private void write(Ext4Inode in, long off) throws FsException {
        if (sealablePerBlock > 0 && disk.journalled()) {
            disk.writeSealed(off, in.b.array(), inodeChecksums, sealArg(in.ino));
        } else {
            if (sb.hasCsum()) {
                in.updateChecksum(seed);
            }
            disk.writeBytes(off, in.b.array());
        }
    }

    /**
     * ext4_update_other_inodes_time: the block {@code written} lives in is written anyway, so the
     * other inodes of that block whose times lazytime keeps in core get them written there too, in
     * the same transaction — measured on Linux 6.1 (fs-ext4/src/test/oracle/measured/lazytime-linux-6.1.txt):
     * an access time lazytime kept survived a power cut because a write of the inode beside it
     * wrote its block.
     */
    private void updateOtherInodesTime(Ext4Inode written) throws FsException {
        int perBlock = sb.blockSize() / sb.s_inode_size();
        long ipg = sb.s_inodes_per_group();
        long first = written.ino - (written.ino - 1) % ipg % perBlock;
        for (long ino = first; ino < first + perBlock && ino <= sb.s_inodes_count(); ino++) {
            KeptTimes k = ino == written.ino ? null : mount.dirtyTimesOf(ino);
            Ext4Inode other = k instanceof AddressSpace s && s.inode() instanceof Ext4Inode o ? o : k instanceof Ext4Inode o ? o : null;
            if (other == null) {
                continue;
            }
            synchronized (other) {
                if (k instanceof AddressSpace s) {
                    AddressSpace.Times t = s.takeDirtyTimes();
                    if (t == null) {
                        continue;
                    }
                    other.atime(t.atime());
                    other.mtime(t.mtime());
                    other.ctime(t.ctime());
                } else if (mount.keeps(ino, other)) {
                    mount.written(ino, other); // a directory's or link's access time, in its in-core bytes
                } else {
                    continue;
                }
                write(other, inodeOffset(ino));
            }
            other.syncTid = Math.max(other.syncTid, fs.currentTid());
        }
    }

    /** What the commit owes inode {@code ino}'s block: the block's first inode, and the inode's slot as a bit. */
    private long sealArg(long ino) {
        int slot = (int) ((ino - 1) % sb.s_inodes_per_group() % sealablePerBlock);
        return (ino - slot) << 32 | 1L << slot;
    }

    private void sealInodes(byte[] block, long arg) {
        long first = arg >>> 32;
        int isz = sb.s_inode_size();
        for (int slots = (int) arg; slots != 0; slots &= slots - 1) {
            int k = Integer.numberOfTrailingZeros(slots);
            Ext4Inode.sealAt(block, k * isz, isz, first + k, seed);
        }
    }

    void writeInode(Ext4Inode in) throws FsException {
        changeInode(in, i -> { });
    }

    /** A new inode named {@code name} in {@code parent}, in the group Linux would choose ({@link InodeGroups}), written, in core. */
    Ext4Inode newInode(Ext4Inode parent, String name, int mode, int uid, int gid) throws FsException {
        boolean isDir = FileType.ofMode(mode) == FileType.DIRECTORY;
        int group = inodeGroups.choose(parent, name, isDir, parent.ino == Ext4FileSystem.ROOT_INO);
        long ino = allocator.allocInode(group, isDir);
        fs.births.claimed(ino);
        Ext4Inode in = new Ext4Inode(fs, ino, new byte[sb.s_inode_size()], unused);
        Instant now = CoarseClock.now(fs.timeGranularityNanos());
        in.i_mode(mode);
        in.i_uid(uid);
        in.i_gid(gid);
        in.i_links_count(isDir ? 2 : 1);
        in.b.putInt(0x64, (int) (ino * 0x9E3779B9L));
        if (sb.s_inode_size() > 128) {
            in.b.putShort(0x80, (short) 32);
        }
        in.atime(now);
        in.ctime(now);
        in.mtime(now);
        in.crtime(now);
        // Every new inode starts with an empty block map; a fast symlink puts its target there instead.
        // ext4_mask_flags of the inherited flags jdax keeps: a directory takes them all, a regular
        // file all but EXT4_CASEFOLD_FL and EXT4_PROJINHERIT_FL, any other inode only noatime and nodump.
        int inherited = Ext4Inode.DAX_FL | InodeFlags.FS_SYNC_FL | InodeFlags.FS_NODUMP_FL | InodeFlags.FS_NOATIME_FL;
        int kept = switch (FileType.ofMode(mode)) {
            case DIRECTORY -> inherited | Casefold.CASEFOLD_FL | Ext4Inode.PROJINHERIT_FL;
            case REGULAR -> inherited;
            default -> InodeFlags.FS_NODUMP_FL | InodeFlags.FS_NOATIME_FL;
        };
        in.i_flags(parent.i_flags() & kept);
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
        in.treeBlocks = List.of();
        if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_EXTENTS) != 0) {
            in.i_flags(in.i_flags() | Ext4Inode.EXTENTS_FL);
            ByteBuffer root = in.b.slice(0x28, 60).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            root.putShort(0, (short) ExtentTree.MAGIC);
            root.putShort(4, (short) 4);
        }
    }

    /** ext4_evict_inode: an inode with no link left gives back its blocks and number, and leaves the orphan list. */
    void evict(Ext4Inode in) throws FsException {
        if (in.space != null && !fs.readOnly()) {
            in.space.evicted(in.i_links_count() > 0);
        } else if (in.i_links_count() > 0 && !fs.readOnly()) {
            in.writeDirtyTimes();
        }
        if (in.i_links_count() > 0 || fs.readOnly()) {
            return;
        }
        fs.opVoid(() -> release(in));
    }

    /** Frees an unlinked inode, inside the caller's transaction. */
    void release(Ext4Inode in) throws FsException {
        Xattrs.release(fs, in); // the xattr block and value inodes its attributes hold
        if (in.extents != null) {
            in.dataSem.lockExclusive();
            try {
                fs.discardPreallocations(in); // ext4_clear_inode
                fs.freeRange(in, 0, Long.MAX_VALUE);
                for (long b : in.treeBlocks) {
                    allocator.freeBlocks(b, 1);
                }
                in.treeBlocks = List.of();
            } finally {
                in.dataSem.unlockExclusive();
            }
        }
        orphans.unchain(in); // the change below writes it, with i_dtime the time it was freed
        changeInode(in, i -> {
            i.i_dtime(CoarseClock.seconds());
            i.i_size(0);
            i.i_blocks512(0);
        });
        allocator.freeInode(in.ino, in.isDir());
    }

    /**
     * ext4_orphan_cleanup: what a crash left on the orphan list, then in the orphan file, goes now
     * (unlinked: freed; else cut to i_size).
     */
    void cleanOrphans() throws FsException {
        List<Long> list = Orphans.onDisk(sb, ino -> readRaw(ino).i_dtime());
        for (long ino : list) {
            cleanOrphan(igetOrphan(ino));
        }
        if (!list.isEmpty()) {
            fs.opVoid(() -> {
                synchronized (sb) {
                    sb.s_last_orphan(0);
                }
                fs.superblockChanged();
            });
        }
        OrphanFile file = orphans.file();
        if (file == null) {
            return;
        }
        for (int slot : file.taken()) {
            Ext4Inode in;
            try {
                in = igetOrphan(file.entry(slot));
            } catch (FsException e) {
                // Linux skips such an entry and leaves it taken for ever (e2fsck clears it); jdax frees
                // it, as a number that names no orphan has nothing left to clean.
                fs.opVoid(() -> file.clear(slot));
                continue;
            }
            file.adopt(in, slot);
            cleanOrphan(in);
        }
    }

    /** One orphan of the cleanup: freed, or its blocks past i_size freed and its entry given back. */
    private void cleanOrphan(Ext4Inode in) throws FsException {
        fs.opVoid(() -> {
            if (in.i_links_count() == 0) {
                release(in);
            } else {
                in.dataSem.lockExclusive();
                try {
                    fs.freeRange(in, (in.i_size() + sb.blockSize() - 1) / sb.blockSize(), Long.MAX_VALUE);
                } finally {
                    in.dataSem.unlockExclusive();
                }
                if (in.orphanSlot >= 0) {
                    orphans.unchain(in);
                } else {
                    changeInode(in, i -> i.i_dtime(0));
                }
            }
        });
    }
}
