package dev.jdax.fs.ext4;

import dev.jdax.api.fs.VolumeIdentity;
import dev.jdax.api.lock.PercpuCounter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The ext4 superblock (1024 bytes at byte 1024) as its bytes, accessors named after the on-disk
 * fields, and its crc32c ({@code s_checksum}, over everything before it).
 */
final class Ext4Superblock {
    static final int OFFSET = 1024;
    static final int SIZE = 1024;
    static final int MAGIC = 0xEF53;

    static final int COMPAT_HAS_JOURNAL = 0x4;
    static final int COMPAT_EXT_ATTR = 0x8;
    static final int COMPAT_RESIZE_INODE = 0x10;
    static final int COMPAT_DIR_INDEX = 0x20;
    static final int COMPAT_SPARSE_SUPER2 = 0x200;
    static final int COMPAT_ORPHAN_FILE = 0x1000;

    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_RECOVER = 0x4;
    static final int INCOMPAT_META_BG = 0x10;
    static final int INCOMPAT_EXTENTS = 0x40;
    static final int INCOMPAT_64BIT = 0x80;
    static final int INCOMPAT_MMP = 0x100;
    static final int INCOMPAT_FLEX_BG = 0x200;
    static final int INCOMPAT_CSUM_SEED = 0x2000;
    static final int INCOMPAT_LARGEDIR = 0x4000;
    static final int INCOMPAT_CASEFOLD = 0x20000;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    static final int INCOMPAT_ENCRYPT = 0x10000;

    static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    static final int RO_COMPAT_LARGE_FILE = 0x2;
    static final int RO_COMPAT_HUGE_FILE = 0x8;
    static final int RO_COMPAT_GDT_CSUM = 0x10;
    static final int RO_COMPAT_DIR_NLINK = 0x20;
    static final int RO_COMPAT_EXTRA_ISIZE = 0x40;
    static final int RO_COMPAT_QUOTA = 0x100;
    static final int RO_COMPAT_BIGALLOC = 0x200;
    static final int RO_COMPAT_METADATA_CSUM = 0x400;
    static final int RO_COMPAT_READONLY = 0x1000;
    static final int RO_COMPAT_PROJECT = 0x2000;
    static final int RO_COMPAT_VERITY = 0x8000;
    static final int RO_COMPAT_ORPHAN_PRESENT = 0x10000;

    /** s_flags: directory hashes treat name bytes as unsigned chars (else signed, x86's char). */
    static final int FLAGS_UNSIGNED_HASH = 0x2;

    final ByteBuffer b;
    /** What was added to the free counts since the bytes were read: the sum is exact once the adds are done. */
    private final PercpuCounter freeBlocks = new PercpuCounter();
    private final PercpuCounter freeInodes = new PercpuCounter();

    Ext4Superblock(byte[] raw) {
        b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    }

    byte[] bytes() {
        return b.array();
    }

    long u32(int off) { return b.getInt(off) & 0xffffffffL; }
    int u16(int off) { return b.getShort(off) & 0xffff; }

    long s_inodes_count() { return u32(0x0); }
    long s_blocks_count() { return u32(0x4) | (is64() ? u32(0x150) << 32 : 0); }
    long s_r_blocks_count() { return u32(0x8) | (is64() ? u32(0x154) << 32 : 0); }
    long s_free_blocks_count() { return freeBlocksAtRead() + freeBlocks.sum(); }

    /** s_free_blocks_count's bytes (lo and, with 64bit, hi): the count less what {@code freeBlocks} holds. */
    private long freeBlocksAtRead() { return u32(0xC) | (is64() ? u32(0x158) << 32 : 0); }
    long s_free_inodes_count() { return u32(0x10) + freeInodes.sum(); }
    long s_first_data_block() { return u32(0x14); }
    int s_log_block_size() { return b.getInt(0x18); }
    int s_log_cluster_size() { return b.getInt(0x1C); }
    long s_clusters_per_group() { return u32(0x24); }
    long s_rev_level() { return u32(0x4C); }
    int s_encryption_level() { return b.get(0x176) & 0xff; }
    long s_blocks_per_group() { return u32(0x20); }
    long s_inodes_per_group() { return u32(0x28); }
    int s_magic() { return u16(0x38); }
    int s_state() { return u16(0x3A); }
    int s_mnt_count() { return u16(0x34); }
    long s_first_ino() { return u32(0x54); }
    int s_inode_size() { return u16(0x58); }
    int s_feature_compat() { return b.getInt(0x5C); }
    int s_feature_incompat() { return b.getInt(0x60); }
    int s_feature_ro_compat() { return b.getInt(0x64); }
    int s_reserved_gdt_blocks() { return u16(0xCE); }
    long s_journal_inum() { return u32(0xE0); }
    int s_desc_size() { return is64() ? u16(0xFE) : 32; }
    int s_min_extra_isize() { return u16(0x15C); }
    int s_log_groups_per_flex() { return b.get(0x174) & 0xff; }
    int s_checksum_seed() { return b.getInt(0x270); }
    long s_first_meta_bg() { return u32(0x104); }
    int s_mmp_update_interval() { return u16(0x166); }
    long s_mmp_block() { return b.getLong(0x168); }
    long s_backup_bgs(int i) { return u32(0x24C + 4 * i); }
    int s_def_hash_version() { return b.get(0xFC) & 0xff; }
    int s_flags() { return b.getInt(0x160); }

    /** The four words of the directory hash seed, as Linux reads them (le32 each). */
    int[] s_hash_seed() {
        return new int[] {b.getInt(0xEC), b.getInt(0xF0), b.getInt(0xF4), b.getInt(0xF8)};
    }

    /**
     * {@return whether at least {@code n} blocks are free}: from the shared count alone unless it is
     * within the threads' cells of {@code n}, as {@code ext4_has_free_clusters} reads the percpu
     * counter and sums it only near the limit, so an allocation does not load every other thread's
     * cell.
     */
    boolean hasFreeBlocks(long n) {
        return freeBlocks.compare(n - freeBlocksAtRead()) >= 0;
    }

    void s_free_blocks_count(long v) { v -= freeBlocks.sum(); b.putInt(0xC, (int) v); if (is64()) { b.putInt(0x158, (int) (v >>> 32)); } }
    void s_free_inodes_count(long v) { b.putInt(0x10, (int) (v - freeInodes.sum())); }
    long s_last_orphan() { return u32(0xE8); }
    void s_last_orphan(long v) { b.putInt(0xE8, (int) v); }

    /**
     * Adds to s_free_blocks_count. Groups change it from many threads, each under its own lock, so
     * it is Linux's percpu_counter (s_freeclusters_counter): an add touches a cell of the thread's
     * CPU slot, not one word every allocation in every group writes.
     */
    void addFreeBlocks(long delta) {
        freeBlocks.add(delta);
    }

    /** Adds to s_free_inodes_count (s_freeinodes_counter). */
    void addFreeInodes(long delta) {
        freeInodes.add(delta);
    }

    /** The bytes as they are now, the counts summed and the checksum made over them: what a commit logs. */
    synchronized byte[] sealed() {
        Ext4Superblock copy = new Ext4Superblock(bytes().clone());
        copy.s_free_blocks_count(s_free_blocks_count());
        copy.s_free_inodes_count(s_free_inodes_count());
        copy.updateChecksum();
        return copy.bytes();
    }
    void s_state(int v) { b.putShort(0x3A, (short) v); }
    void s_mtime(long v) { b.putInt(0x2C, (int) v); }
    void s_wtime(long v) { b.putInt(0x30, (int) v); }
    void s_mnt_count(int v) { b.putShort(0x34, (short) v); }

    /** s_uuid's 16 bytes: the file system's UUID, the seed of its checksums without s_checksum_seed. */
    static final int UUID_OFF = 0x68;

    /** s_volume_name: the label, 16 bytes, NUL-padded (or all 16 without a NUL). */
    static final int VOLUME_NAME = 0x78;
    static final int LABEL_MAX = 16;

    /** {@return s_volume_name's 16 bytes as stored} */
    synchronized byte[] label() {
        return Arrays.copyOfRange(b.array(), VOLUME_NAME, VOLUME_NAME + LABEL_MAX);
    }

    /** {@return s_volume_name and s_uuid, as blkid shows them} */
    synchronized VolumeIdentity identity() {
        return VolumeIdentity.of(label(), Arrays.copyOfRange(b.array(), UUID_OFF, UUID_OFF + 16));
    }

    /** Sets s_volume_name to {@code label} (at most 16 bytes), the rest of it zeroed. */
    synchronized void label(byte[] label) {
        Arrays.fill(b.array(), VOLUME_NAME, VOLUME_NAME + LABEL_MAX, (byte) 0);
        System.arraycopy(label, 0, b.array(), VOLUME_NAME, label.length);
    }

    boolean is64() {
        return (b.getInt(0x60) & INCOMPAT_64BIT) != 0;
    }

    /** casefold (INCOMPAT 0x20000): directories with EXT4_CASEFOLD_FL fold their names. */
    boolean hasCasefold() {
        return (s_feature_incompat() & INCOMPAT_CASEFOLD) != 0;
    }

    int s_encoding() { return u16(0x27C); }
    int s_encoding_flags() { return u16(0x27E); }
    long s_orphan_file_inum() { return u32(0x280); }
    long s_usr_quota_inum() { return u32(0x240); }
    long s_grp_quota_inum() { return u32(0x244); }
    long s_prj_quota_inum() { return u32(0x26C); }

    /** project (RO_COMPAT 0x2000): inodes keep a project id (i_projid), which ext4 lets users set. */
    boolean hasProject() {
        return (s_feature_ro_compat() & RO_COMPAT_PROJECT) != 0;
    }

    boolean hasCsum() {
        return (s_feature_ro_compat() & RO_COMPAT_METADATA_CSUM) != 0;
    }

    int blockSize() {
        return 1024 << s_log_block_size();
    }

    /** EXT4_CLUSTER_BITS: log2 of the blocks a bitmap bit stands for (bigalloc), 0 without bigalloc. */
    int clusterBits() {
        return (s_feature_ro_compat() & RO_COMPAT_BIGALLOC) != 0 ? s_log_cluster_size() - s_log_block_size() : 0;
    }

    /** EXT4_CLUSTER_SIZE: the bytes of one allocation unit. */
    int clusterSize() {
        return blockSize() << clusterBits();
    }

    long groupCount() {
        return (s_blocks_count() - s_first_data_block() + s_blocks_per_group() - 1) / s_blocks_per_group();
    }

    /** The seed of every metadata checksum: s_checksum_seed, or crc32c of the UUID. */
    int csumSeed() {
        if ((s_feature_incompat() & INCOMPAT_CSUM_SEED) != 0) {
            return s_checksum_seed();
        }
        return Crc32c.update(~0, b.array(), UUID_OFF, 16);
    }

    int s_checksum() { return b.getInt(0x3FC); }

    /** {@return whether s_checksum is the crc32c of the bytes before it, or the format keeps none} (ext4_superblock_csum_verify) */
    boolean checksumHolds() {
        return !hasCsum() || s_checksum() == computeChecksum();
    }

    int computeChecksum() {
        return Crc32c.update(~0, b.array(), 0, 0x3FC);
    }

    void updateChecksum() {
        if (hasCsum()) {
            b.putInt(0x3FC, computeChecksum());
        }
    }
}
