package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

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

    static final int INCOMPAT_FILETYPE = 0x2;
    static final int INCOMPAT_RECOVER = 0x4;
    static final int INCOMPAT_EXTENTS = 0x40;
    static final int INCOMPAT_64BIT = 0x80;
    static final int INCOMPAT_FLEX_BG = 0x200;
    static final int INCOMPAT_CSUM_SEED = 0x2000;
    static final int INCOMPAT_LARGEDIR = 0x4000;
    static final int INCOMPAT_KNOWN = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_EXTENTS | INCOMPAT_64BIT
            | INCOMPAT_FLEX_BG | INCOMPAT_CSUM_SEED;

    static final int RO_COMPAT_SPARSE_SUPER = 0x1;
    static final int RO_COMPAT_LARGE_FILE = 0x2;
    static final int RO_COMPAT_HUGE_FILE = 0x8;
    static final int RO_COMPAT_DIR_NLINK = 0x20;
    static final int RO_COMPAT_EXTRA_ISIZE = 0x40;
    static final int RO_COMPAT_METADATA_CSUM = 0x400;
    static final int RO_COMPAT_KNOWN = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_HUGE_FILE
            | RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_METADATA_CSUM;

    /** s_flags: directory hashes treat name bytes as unsigned chars (else signed, x86's char). */
    static final int FLAGS_UNSIGNED_HASH = 0x2;

    private static final Map<Integer, String> INCOMPAT_NAMES = Map.ofEntries(Map.entry(0x1, "compression"),
            Map.entry(0x2, "filetype"), Map.entry(0x4, "needs_recovery"), Map.entry(0x8, "journal_dev"),
            Map.entry(0x10, "meta_bg"), Map.entry(0x40, "extent"), Map.entry(0x80, "64bit"), Map.entry(0x100, "mmp"),
            Map.entry(0x200, "flex_bg"), Map.entry(0x400, "ea_inode"), Map.entry(0x1000, "dirdata"),
            Map.entry(0x2000, "metadata_csum_seed"), Map.entry(0x4000, "large_dir"), Map.entry(0x8000, "inline_data"),
            Map.entry(0x10000, "encrypt"), Map.entry(0x20000, "casefold"));
    private static final Map<Integer, String> RO_NAMES = Map.ofEntries(Map.entry(0x4, "btree_dir"),
            Map.entry(0x10, "uninit_bg"), Map.entry(0x100, "quota"), Map.entry(0x200, "bigalloc"),
            Map.entry(0x1000, "read-only"), Map.entry(0x2000, "project"), Map.entry(0x8000, "verity"),
            Map.entry(0x10000, "orphan_present"));

    final ByteBuffer b;

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
    long s_free_blocks_count() { return u32(0xC) | (is64() ? u32(0x158) << 32 : 0); }
    long s_free_inodes_count() { return u32(0x10); }
    long s_first_data_block() { return u32(0x14); }
    int s_log_block_size() { return b.getInt(0x18); }
    long s_blocks_per_group() { return u32(0x20); }
    long s_inodes_per_group() { return u32(0x28); }
    int s_magic() { return u16(0x38); }
    int s_state() { return u16(0x3A); }
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
    int s_def_hash_version() { return b.get(0xFC) & 0xff; }
    int s_flags() { return b.getInt(0x160); }

    /** The four words of the directory hash seed, as Linux reads them (le32 each). */
    int[] s_hash_seed() {
        return new int[] {b.getInt(0xEC), b.getInt(0xF0), b.getInt(0xF4), b.getInt(0xF8)};
    }

    void s_free_blocks_count(long v) { b.putInt(0xC, (int) v); if (is64()) { b.putInt(0x158, (int) (v >>> 32)); } }
    void s_free_inodes_count(long v) { b.putInt(0x10, (int) v); }
    void s_state(int v) { b.putShort(0x3A, (short) v); }
    void s_mtime(long v) { b.putInt(0x2C, (int) v); }
    void s_wtime(long v) { b.putInt(0x30, (int) v); }
    void s_mnt_count(int v) { b.putShort(0x34, (short) v); }

    boolean is64() {
        return (b.getInt(0x60) & INCOMPAT_64BIT) != 0;
    }

    boolean hasCsum() {
        return (s_feature_ro_compat() & RO_COMPAT_METADATA_CSUM) != 0;
    }

    int blockSize() {
        return 1024 << s_log_block_size();
    }

    long groupCount() {
        return (s_blocks_count() - s_first_data_block() + s_blocks_per_group() - 1) / s_blocks_per_group();
    }

    /** The seed of every metadata checksum: s_checksum_seed, or crc32c of the UUID. */
    int csumSeed() {
        if ((s_feature_incompat() & INCOMPAT_CSUM_SEED) != 0) {
            return s_checksum_seed();
        }
        return Crc32c.update(~0, b.array(), 0x68, 16);
    }

    int computeChecksum() {
        return Crc32c.update(~0, b.array(), 0, 0x3FC);
    }

    void updateChecksum() {
        if (hasCsum()) {
            b.putInt(0x3FC, computeChecksum());
        }
    }

    void validate(long deviceSize) throws FsException {
        if (s_magic() != MAGIC) {
            throw FsException.of(Errno.EUCLEAN, "ext4: superblock: s_magic 0x%x (want 0xef53): not an ext4 file system", s_magic());
        }
        if (hasCsum() && (b.get(0x175) & 0xff) != 1) {
            throw bad("s_checksum_type", b.get(0x175) & 0xff);
        }
        if (hasCsum() && b.getInt(0x3FC) != computeChecksum()) {
            throw FsException.of(Errno.EBADMSG, "ext4: superblock: s_checksum 0x%08x, computed 0x%08x",
                    b.getInt(0x3FC), computeChecksum());
        }
        int log = s_log_block_size();
        if (log < 0 || log > 6) {
            throw bad("s_log_block_size", log);
        }
        int bs = blockSize();
        if (s_blocks_count() < 16 || s_blocks_count() > deviceSize / bs) {
            throw bad("s_blocks_count", s_blocks_count());
        }
        if (s_blocks_per_group() == 0 || s_blocks_per_group() > 8L * bs || s_first_data_block() != (bs == 1024 ? 1 : 0)) {
            throw bad("s_blocks_per_group", s_blocks_per_group());
        }
        int isz = s_inode_size();
        if (isz < 128 || isz > bs || Integer.bitCount(isz) != 1) {
            throw bad("s_inode_size", isz);
        }
        if (s_inodes_per_group() == 0 || s_inodes_per_group() > 8L * bs || s_inodes_count() != s_inodes_per_group() * groupCount()) {
            throw bad("s_inodes_per_group", s_inodes_per_group());
        }
        if (s_desc_size() < 32 || s_desc_size() > 1024 || Integer.bitCount(s_desc_size()) != 1) {
            throw bad("s_desc_size", s_desc_size());
        }
        if (s_first_ino() < 11 || s_first_ino() >= s_inodes_count()) {
            throw bad("s_first_ino", s_first_ino());
        }
    }

    private static FsException bad(String field, long v) {
        return FsException.of(Errno.EUCLEAN, "ext4: superblock: %s %d is impossible", field, v);
    }

    static String unknownIncompat(int bits) {
        return names(bits & ~INCOMPAT_KNOWN, INCOMPAT_NAMES, "incompat");
    }

    static String unknownRoCompat(int bits) {
        return names(bits & ~RO_COMPAT_KNOWN, RO_NAMES, "ro_compat");
    }

    private static String names(int bits, Map<Integer, String> names, String kind) {
        Map<Integer, String> out = new TreeMap<>();
        for (int i = 0; i < 32; i++) {
            if ((bits & (1 << i)) != 0) {
                out.put(i, names.getOrDefault(1 << i, kind + "_0x" + Integer.toHexString(1 << i)));
            }
        }
        return String.join(", ", out.values());
    }
}
