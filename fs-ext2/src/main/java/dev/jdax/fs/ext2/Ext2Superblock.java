package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.VolumeIdentity;
import dev.jdax.api.lock.PercpuCounter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The ext2 superblock (1024 bytes at byte 1024), kept as its bytes so fields jdax does not use
 * survive a rewrite; accessors are named after the on-disk fields.
 */
final class Ext2Superblock {
    static final int OFFSET = 1024;
    static final int SIZE = 1024;
    static final int EXT2_MAGIC = 0xEF53;

    static final int COMPAT_EXT_ATTR = 0x8;
    static final int COMPAT_RESIZE_INODE = 0x10;
    static final int COMPAT_DIR_INDEX = 0x20;
    static final int COMPAT_KNOWN = 0x1 | 0x2 | 0x4 | COMPAT_EXT_ATTR | COMPAT_RESIZE_INODE | COMPAT_DIR_INDEX | 0x200;
    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_KNOWN = INCOMPAT_FILETYPE;
    static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    static final int RO_COMPAT_LARGE_FILE = 0x2;
    static final int RO_COMPAT_KNOWN = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE;

    final ByteBuffer b;
    /** What was added to the free counts since the bytes were read: the sum is exact once the adds are done. */
    private final PercpuCounter freeBlocks = new PercpuCounter();
    private final PercpuCounter freeInodes = new PercpuCounter();

    Ext2Superblock(byte[] bytes) {
        this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static Ext2Superblock blank() {
        return new Ext2Superblock(new byte[SIZE]);
    }

    byte[] bytes() {
        return b.array();
    }

    long u32(int off) {
        return b.getInt(off) & 0xffffffffL;
    }

    int u16(int off) {
        return b.getShort(off) & 0xffff;
    }

    /** s_uuid's 16 bytes. */
    static final int UUID_OFF = 0x68;
    /** s_volume_name: the label, 16 bytes, NUL-padded (or all 16 without a NUL). */
    static final int VOLUME_NAME = 0x78;
    static final int LABEL_MAX = 16;

    /** {@return s_volume_name and s_uuid, as blkid shows them} */
    VolumeIdentity identity() {
        return VolumeIdentity.of(Arrays.copyOfRange(b.array(), VOLUME_NAME, VOLUME_NAME + LABEL_MAX),
                Arrays.copyOfRange(b.array(), UUID_OFF, UUID_OFF + 16));
    }

    long s_inodes_count() { return u32(0); }
    long s_blocks_count() { return u32(4); }
    long s_r_blocks_count() { return u32(8); }
    long s_free_blocks_count() { return u32(12) + freeBlocks.sum(); }
    long s_free_inodes_count() { return u32(16) + freeInodes.sum(); }
    long s_first_data_block() { return u32(20); }
    int s_log_block_size() { return b.getInt(24); }
    long s_blocks_per_group() { return u32(32); }
    long s_inodes_per_group() { return u32(40); }
    int s_magic() { return u16(56); }
    int s_state() { return u16(58); }
    int s_mnt_count() { return u16(52); }
    int s_rev_level() { return b.getInt(76); }
    long s_first_ino() { return s_rev_level() == 0 ? 11 : u32(84); }
    int s_inode_size() { return s_rev_level() == 0 ? 128 : u16(88); }
    int s_feature_compat() { return b.getInt(92); }
    int s_feature_incompat() { return b.getInt(96); }
    int s_feature_ro_compat() { return b.getInt(100); }
    /** Descriptor blocks kept after the table for online growth: none without resize_inode. */
    int s_reserved_gdt_blocks() { return (s_feature_compat() & COMPAT_RESIZE_INODE) != 0 ? u16(206) : 0; }

    /** Whether only groups 0, 1 and powers of 3, 5 and 7 hold a superblock copy (sparse_super). */
    boolean sparseSuper() {
        return (s_feature_ro_compat() & RO_COMPAT_SPARSE_SUPER) != 0;
    }

    /** Blocks of one group's inode table. */
    long inodeTableBlocks() {
        return (s_inodes_per_group() * s_inode_size() + blockSize() - 1) / blockSize();
    }

    /**
     * {@return whether at least {@code n} blocks are free}: from the shared count alone unless it is
     * within the threads' cells of {@code n} ({@code ext2_has_free_blocks} reads the percpu counter,
     * not its sum), so an allocation does not load every other thread's cell.
     */
    boolean hasFreeBlocks(long n) {
        return freeBlocks.compare(n - u32(12)) >= 0;
    }

    void s_free_blocks_count(long v) { b.putInt(12, (int) (v - freeBlocks.sum())); }
    void s_free_inodes_count(long v) { b.putInt(16, (int) (v - freeInodes.sum())); }

    /**
     * Adds to s_free_blocks_count. Groups change it from many threads, each under its own group
     * lock, so it is Linux's percpu_counter (s_freeblocks_counter): an add touches a cell of the
     * thread's CPU slot, not one word every allocation in every group writes.
     */
    void addFreeBlocks(long delta) {
        freeBlocks.add(delta);
    }

    /** Adds to s_free_inodes_count (s_freeinodes_counter). */
    void addFreeInodes(long delta) {
        freeInodes.add(delta);
    }

    /** The bytes as they are now, times and counts together (the counts summed, as ext2_sync_super sums them). */
    synchronized byte[] snapshot() {
        Ext2Superblock copy = new Ext2Superblock(bytes().clone());
        copy.b.putInt(12, (int) s_free_blocks_count());
        copy.b.putInt(16, (int) s_free_inodes_count());
        return copy.bytes();
    }
    void s_state(int v) { b.putShort(58, (short) v); }
    void s_mnt_count(int v) { b.putShort(52, (short) v); }
    void s_mtime(long v) { b.putInt(44, (int) v); }
    void s_wtime(long v) { b.putInt(48, (int) v); }

    int blockSize() {
        return 1024 << s_log_block_size();
    }

    long groupCount() {
        return (s_blocks_count() - s_first_data_block() + s_blocks_per_group() - 1) / s_blocks_per_group();
    }

    /** Checks what the rest of the code relies on; a violation is EUCLEAN naming field and value. */
    void validate(long deviceSize) throws FsException {
        if (s_magic() != EXT2_MAGIC) {
            throw FsException.of(Errno.EUCLEAN, "ext2: superblock: s_magic 0x%x (want 0xef53): not an ext2 file system", s_magic());
        }
        int log = s_log_block_size();
        if (log < 0 || log > 2) {
            throw bad("s_log_block_size", log);
        }
        int bs = blockSize();
        if (s_blocks_count() < 8 || s_blocks_count() * bs > deviceSize) {
            throw bad("s_blocks_count", s_blocks_count());
        }
        if (s_first_data_block() != (bs == 1024 ? 1 : 0)) {
            throw bad("s_first_data_block", s_first_data_block());
        }
        if (s_blocks_per_group() == 0 || s_blocks_per_group() > 8L * bs) {
            throw bad("s_blocks_per_group", s_blocks_per_group());
        }
        int isz = s_inode_size();
        if (isz < 128 || isz > bs || Integer.bitCount(isz) != 1) {
            throw bad("s_inode_size", isz);
        }
        if (s_inodes_per_group() == 0 || s_inodes_per_group() > 8L * bs
                || s_inodes_count() != s_inodes_per_group() * groupCount()) {
            throw bad("s_inodes_per_group", s_inodes_per_group());
        }
        if (s_first_ino() < 11 || s_first_ino() >= s_inodes_count()) {
            throw bad("s_first_ino", s_first_ino());
        }
        if (s_free_blocks_count() > s_blocks_count()) {
            throw bad("s_free_blocks_count", s_free_blocks_count());
        }
        if (s_free_inodes_count() > s_inodes_count()) {
            throw bad("s_free_inodes_count", s_free_inodes_count());
        }
    }

    private static FsException bad(String field, long value) {
        return FsException.of(Errno.EUCLEAN, "ext2: superblock: %s %d is impossible", field, value);
    }

    /** The names of the feature bits outside {@code known}. */
    static String unknownFeatures(String kind, int bits, int known) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            int bit = 1 << i;
            if ((bits & bit) != 0 && (known & bit) == 0) {
                sb.append(sb.isEmpty() ? "" : ", ").append(FeatureNames.name(kind, bit));
            }
        }
        return sb.toString();
    }
}
