package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What Linux 6.1's {@code ext4_fill_super} decides from the superblock before it loads the journal:
 * whether it is an ext4 superblock at all, its checksum, the geometry, the features, the DAX
 * options — in that order, with Linux's words and errno (EINVAL for all but a bad checksum), so a
 * refused mount has written nothing. jdax's own limits come after Linux's, named by feature:
 * EOPNOTSUPP for an incompat feature jdax cannot read, a read-only mount (with its reason) for a
 * ro_compat one it cannot keep true when writing.
 */
final class MountCheck {
    /** How the file system may be mounted: read-only with the reason when jdax cannot write it. */
    record Verdict(String readOnlyReason, boolean daxCapable) {
        boolean readOnly() {
            return readOnlyReason != null;
        }
    }

    /** EXT4_MAX_BLOCK_LOG_SIZE - EXT4_MIN_BLOCK_LOG_SIZE: 64 KiB blocks at most. */
    private static final int MAX_LOG_BLOCK_SIZE = 6;
    /** EXT4_MAX_CLUSTER_LOG_SIZE - EXT4_MIN_BLOCK_LOG_SIZE: 1 GiB clusters at most. */
    private static final int MAX_LOG_CLUSTER_SIZE = 20;

    private MountCheck() {
    }

    /**
     * Whether the superblock may be one a crash tore while jdax checkpointed a transaction that the
     * journal still holds: its checksum fails on a file system with a journal. jdax logs the
     * superblock and then writes it home; pmem keeps any subset of the lines of that home write, so
     * the torn copy may mix old and new needs_recovery (the mount's first transaction sets it, the
     * unmount's clears it) and cannot say itself whether a replay is due. The fields that locate the
     * journal never change, so they read the same in any mix. Whether the journal holds a committed
     * copy of the superblock's block decides ({@link Ext4FileSystem}); without one the checksum
     * error stands, as it does on Linux, which checks before it replays.
     */
    static boolean tornAwaitingReplay(Ext4Superblock sb) {
        return sb.s_magic() == Ext4Superblock.MAGIC && !sb.checksumHolds()
                && (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) != 0;
    }

    /**
     * Checks {@code sb} for a mount read-only ({@code roAsked}) or not, with DAX mode {@code dax}
     * (always, inode, never), on a device of {@code deviceSize} bytes.
     */
    static Verdict check(Ext4Superblock sb, long deviceSize, boolean roAsked, String dax) throws FsException {
        identity(sb);
        int log = sb.s_log_block_size();
        if (log < 0 || log > MAX_LOG_BLOCK_SIZE) {
            throw inval("Invalid log block size: %d", log);
        }
        int bs = sb.blockSize();
        inodeGeometry(sb, bs);
        linuxFeatures(sb, roAsked);
        if (sb.s_reserved_gdt_blocks() > bs / 4) {
            throw inval("Number of reserved GDT blocks insanely large: %d", sb.s_reserved_gdt_blocks());
        }
        boolean daxCapable = bs == DaxDevice.PAGE_SIZE;
        if (dax.equals("always")) {
            if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_INLINE_DATA) != 0) {
                throw inval("Cannot use DAX on a filesystem that may contain inline data");
            }
            if (!daxCapable) {
                // __ext4_fill_super logs two lines: the block size warning (printed for any DAX
                // device), then the refusal of dax=always.
                throw inval("unsupported blocksize for DAX\nDAX unsupported by block device.");
            }
        }
        if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_ENCRYPT) != 0 && sb.s_encryption_level() != 0) {
            throw inval("Unsupported encryption level %d", sb.s_encryption_level());
        }
        if (bs > DaxDevice.PAGE_SIZE) {
            // sb_set_blocksize refuses a block larger than a page: 4 KiB on x86-64.
            throw inval("bad block size %d", bs);
        }
        if ((sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_VERITY) != 0 && bs != DaxDevice.PAGE_SIZE) {
            throw inval("Unsupported blocksize for fs-verity");
        }
        groupGeometry(sb, bs, deviceSize);
        String ro = jdaxLimits(sb);
        return new Verdict(roAsked ? null : ro, daxCapable);
    }

    /**
     * The {@code data=} mount option: Linux's option parser knows three modes, and journalled data
     * and DAX exclude each other (__ext4_fill_super). jdax writes file data in place before the
     * commit that maps it, as data=ordered; it refuses data=journal rather than mount with weaker
     * crash guarantees than the name promises.
     */
    static void dataMode(String data, String dax) throws FsException {
        if (!Set.of("journal", "ordered", "writeback").contains(data)) {
            throw inval("Bad value for 'data' (data=%s: want journal, ordered or writeback)", data);
        }
        if (data.equals("journal") && dax.equals("always")) {
            throw inval("can't mount with both data=journal and dax");
        }
        if (data.equals("journal")) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: data=journal: jdax does not journal file data (it writes it in "
                    + "place before the commit that maps it, as data=ordered does)");
        }
    }

    private static void identity(Ext4Superblock sb) throws FsException {
        if (sb.s_magic() != Ext4Superblock.MAGIC) {
            throw inval("VFS: Can't find ext4 filesystem (s_magic 0x%x)", sb.s_magic());
        }
        if (sb.hasCsum() && (sb.b.get(0x175) & 0xff) != 1) {
            throw inval("VFS: Found ext4 filesystem with unknown checksum algorithm (s_checksum_type %d).", sb.b.get(0x175) & 0xff);
        }
        if (!sb.checksumHolds()) {
            throw FsException.of(Errno.EBADMSG, "ext4: VFS: Found ext4 filesystem with invalid superblock checksum (s_checksum "
                    + "0x%08x, computed 0x%08x).  Run e2fsck?", sb.s_checksum(), sb.computeChecksum());
        }
    }

    private static void inodeGeometry(Ext4Superblock sb, int bs) throws FsException {
        if (sb.s_rev_level() == 0) {
            return; // EXT4_GOOD_OLD_REV: 128-byte inodes, first inode 11
        }
        if (sb.s_first_ino() < 11) {
            throw inval("invalid first ino: %d", sb.s_first_ino());
        }
        int isz = sb.s_inode_size();
        if (isz < 128 || isz > bs || Integer.bitCount(isz) != 1) {
            throw inval("unsupported inode size: %d", isz);
        }
    }

    /** ext4_feature_set_ok: features Linux does not know, and the combinations it refuses. */
    private static void linuxFeatures(Ext4Superblock sb, boolean roAsked) throws FsException {
        List<Features.Feature> incompat = Features.of(Features.Kind.INCOMPAT, sb.s_feature_incompat());
        List<Features.Feature> roCompat = Features.of(Features.Kind.RO_COMPAT, sb.s_feature_ro_compat());
        int unknown = Features.unknownToLinux(incompat);
        if (unknown != 0) {
            throw inval("Couldn't mount because of unsupported optional features (%x): %s", unknown,
                    Features.names(incompat.stream().filter(f -> !f.linux()).toList()));
        }
        boolean readonlyFeature = (sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_READONLY) != 0;
        unknown = Features.unknownToLinux(roCompat);
        if (unknown != 0 && !roAsked && !readonlyFeature) {
            throw inval("couldn't mount RDWR because of unsupported optional features (%x): %s", unknown,
                    Features.names(roCompat.stream().filter(f -> !f.linux()).toList()));
        }
        boolean extents = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_EXTENTS) != 0;
        if ((sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_BIGALLOC) != 0 && !extents) {
            throw inval("Can't support bigalloc feature without extents feature");
        }
        if (sb.hasCasefold()) {
            // ext4_sb_read_encoding: the one encoding Linux 6.1 has tables for, and only the strict flag.
            if (sb.s_encoding() != Casefold.ENC_UTF8_12_1) {
                throw inval("Filesystem with casefold feature using unknown encoding: %d", sb.s_encoding());
            }
            if ((sb.s_encoding_flags() & ~Casefold.STRICT_MODE_FL) != 0) {
                throw inval("Filesystem with casefold feature has unknown encoding flags 0x%x", sb.s_encoding_flags());
            }
        }
    }

    /**
     * What jdax cannot do where Linux can, once Linux's own checks passed: EOPNOTSUPP for an incompat
     * feature jdax cannot read; the reason a mount must be read-only (ro_compat features whose
     * structures jdax cannot keep true), or null.
     */
    private static String jdaxLimits(Ext4Superblock sb) throws FsException {
        for (Features.Feature f : Features.of(Features.Kind.INCOMPAT, sb.s_feature_incompat())) {
            if (f.jdax() == Features.Jdax.REFUSED) {
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: %s: %s (Linux 6.1 mounts it)", f.describe(), f.why());
            }
        }
        List<String> why = new ArrayList<>();
        for (Features.Feature f : Features.of(Features.Kind.RO_COMPAT, sb.s_feature_ro_compat())) {
            if (f.jdax() != Features.Jdax.SERVED) {
                why.add(f.describe() + ": " + (f.why().isEmpty() ? "unknown to Linux" : f.why()));
            }
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    private static void groupGeometry(Ext4Superblock sb, int bs, long deviceSize) throws FsException {
        if (sb.is64() && (sb.s_desc_size() < 64 || sb.s_desc_size() > 1024 || Integer.bitCount(sb.s_desc_size()) != 1)) {
            throw inval("unsupported descriptor size %d", sb.s_desc_size());
        }
        boolean bigalloc = (sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_BIGALLOC) != 0;
        int logCluster = sb.s_log_cluster_size();
        if (bigalloc) {
            if (logCluster > MAX_LOG_CLUSTER_SIZE) {
                throw inval("Invalid log cluster size: %d", logCluster);
            }
            if (logCluster < sb.s_log_block_size()) {
                throw inval("cluster size (%d) smaller than block size (%d)", 1024L << logCluster, bs);
            }
            long ratio = 1L << (logCluster - sb.s_log_block_size());
            if (sb.s_clusters_per_group() > 8L * bs) {
                throw inval("#clusters per group too big: %d", sb.s_clusters_per_group());
            }
            if (sb.s_blocks_per_group() != sb.s_clusters_per_group() * ratio) {
                throw inval("blocks per group (%d) and clusters per group (%d) inconsistent", sb.s_blocks_per_group(),
                        sb.s_clusters_per_group());
            }
        } else {
            if (logCluster != sb.s_log_block_size()) {
                throw inval("fragment/cluster size (%d) != block size (%d)", 1024L << logCluster, bs);
            }
            if (sb.s_blocks_per_group() > 8L * bs) {
                throw inval("#blocks per group too big: %d", sb.s_blocks_per_group());
            }
        }
        if (sb.s_blocks_per_group() == 0) {
            throw inval("#blocks per group is 0");
        }
        long isz = sb.s_rev_level() == 0 ? 128 : sb.s_inode_size();
        if (sb.s_inodes_per_group() < bs / isz || sb.s_inodes_per_group() > 8L * bs) {
            throw inval("invalid inodes per group: %d", sb.s_inodes_per_group());
        }
        long deviceBlocks = deviceSize / bs;
        if (sb.s_blocks_count() > deviceBlocks) {
            throw inval("bad geometry: block count %d exceeds size of device (%d blocks)", sb.s_blocks_count(), deviceBlocks);
        }
        if (sb.s_first_data_block() >= sb.s_blocks_count()) {
            throw inval("bad geometry: first data block %d is beyond end of filesystem (%d)", sb.s_first_data_block(),
                    sb.s_blocks_count());
        }
        if (sb.s_first_data_block() == 0 && bs == 1024 && sb.clusterBits() == 0) {
            throw inval("bad geometry: first data block is 0 with a 1k block and cluster size");
        }
        // mke2fs: 1 with 1 KiB blocks, 0 otherwise and with 1 KiB blocks in bigger clusters (bigalloc).
        if (sb.s_first_data_block() != (bs == 1024 && sb.clusterBits() == 0 ? 1 : 0)) {
            // Linux allows other values; jdax's group arithmetic assumes mke2fs's.
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: s_first_data_block %d with %d-byte blocks: jdax places groups as mke2fs does",
                    sb.s_first_data_block(), bs);
        }
        if (sb.s_inodes_count() != sb.s_inodes_per_group() * sb.groupCount()) {
            throw inval("inodes count not valid: %d vs %d", sb.s_inodes_count(), sb.s_inodes_per_group() * sb.groupCount());
        }
        long descBlocks = (sb.groupCount() * sb.s_desc_size() + bs - 1) / bs;
        if ((sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_META_BG) != 0 && sb.s_first_meta_bg() > descBlocks) {
            throw inval("first meta block group too large: %d (group descriptor block count %d)", sb.s_first_meta_bg(), descBlocks);
        }
        if (sb.s_first_ino() >= sb.s_inodes_count()) {
            throw inval("invalid first ino: %d", sb.s_first_ino());
        }
    }

    private static FsException inval(String format, Object... args) {
        return FsException.of(Errno.EINVAL, "ext4: " + format, args);
    }
}
