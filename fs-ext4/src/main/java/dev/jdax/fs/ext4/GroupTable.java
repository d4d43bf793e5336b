package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The group descriptor table (32 or 64 bytes a group), in memory, each descriptor with its checksum
 * ({@code bg_checksum}: crc32c with metadata_csum, crc16 with uninit_bg) and, with metadata_csum, the
 * checksums of its two bitmaps.
 */
final class GroupTable {
    static final int INODE_UNINIT = 0x1;
    static final int BLOCK_UNINIT = 0x2;
    static final int INODE_ZEROED = 0x4;

    private final Ext4Superblock sb;
    private final ByteBuffer t;
    private final int ds;
    private final long count;

    GroupTable(Ext4Superblock sb) {
        this.sb = sb;
        this.ds = sb.s_desc_size();
        this.count = sb.groupCount();
        int bytes = (int) (tableBlocks() * sb.blockSize());
        this.t = ByteBuffer.wrap(new byte[bytes]).order(ByteOrder.LITTLE_ENDIAN);
    }

    long tableBlocks() {
        return (count * ds + sb.blockSize() - 1) / sb.blockSize();
    }

    /** The block after the superblock's (logical_sb_block + 1): 2 with 1 KiB blocks, whatever s_first_data_block says (bigalloc makes it 0). */
    long firstBlock() {
        return Ext4Superblock.OFFSET / sb.blockSize() + 1;
    }

    /** Group 0 of a 1 KiB-block file system whose first data block is 0 (bigalloc) starts with the boot block. */
    private boolean bootBlockInGroup0() {
        return sb.blockSize() == 1024 && sb.s_first_data_block() == 0;
    }

    private long descPerBlock() {
        return sb.blockSize() / ds;
    }

    private boolean metaBg() {
        return (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_META_BG) != 0;
    }

    /**
     * descriptor_loc: where descriptor block {@code nr} is. Before s_first_meta_bg they follow the
     * superblock; with meta_bg each later block is the first block of its meta group (after that
     * group's superblock copy, if it has one).
     */
    long descriptorBlock(long nr) {
        if (!metaBg() || nr < sb.s_first_meta_bg()) {
            return firstBlock() + nr;
        }
        long g = descPerBlock() * nr;
        return sb.s_first_data_block() + g * sb.s_blocks_per_group() + (hasSuperblock(g) ? 1 : 0) + (nr == 0 && bootBlockInGroup0() ? 1 : 0);
    }

    /** ext4_bg_has_super: group 0, the two groups sparse_super2 names, or sparse_super's 0, 1 and powers of 3, 5, 7. */
    boolean hasSuperblock(long g) {
        if (g == 0) {
            return true;
        }
        if ((sb.s_feature_compat() & Ext4Superblock.COMPAT_SPARSE_SUPER2) != 0) {
            return g == sb.s_backup_bgs(0) || g == sb.s_backup_bgs(1);
        }
        return (sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_SPARSE_SUPER) == 0 || hasSuper(g);
    }

    /**
     * ext4_num_base_meta_clusters: the blocks at the start of group {@code g} that hold a superblock
     * copy, descriptor blocks and the reserved growth blocks (old layout), or a superblock copy and
     * the meta group's descriptor block (meta_bg: in its first, second and last group).
     */
    long baseMetaBlocks(int g) {
        long n = (hasSuperblock(g) ? 1 : 0) + (g == 0 && bootBlockInGroup0() ? 1 : 0);
        if (!metaBg() || g < sb.s_first_meta_bg() * descPerBlock()) {
            if (n > 0) {
                n += (metaBg() ? sb.s_first_meta_bg() : tableBlocks()) + sb.s_reserved_gdt_blocks();
            }
            return n;
        }
        long first = g / descPerBlock() * descPerBlock();
        return n + (g == first || g == first + 1 || g == first + descPerBlock() - 1 ? 1 : 0);
    }

    /**
     * ext4_bg_num_gdb: the descriptor blocks at the start of group {@code g}, after its superblock
     * copy: the whole table in a group with a copy (old layout), or with meta_bg one in the first,
     * second and last group of each meta group.
     */
    long descriptorBlocksIn(long g) {
        if (!metaBg() || g / descPerBlock() < sb.s_first_meta_bg()) {
            return hasSuperblock(g) ? (metaBg() ? sb.s_first_meta_bg() : tableBlocks()) : 0;
        }
        long first = g / descPerBlock() * descPerBlock();
        return g == first || g == first + 1 || g == first + descPerBlock() - 1 ? 1 : 0;
    }

    /** Whether group {@code g}'s descriptor blocks are followed by the reserved growth blocks (not in a meta_bg group). */
    boolean hasReservedGdt(long g) {
        return !metaBg() || g / descPerBlock() < sb.s_first_meta_bg();
    }

    long count() {
        return count;
    }

    static GroupTable read(Disk disk, Ext4Superblock sb) throws FsException {
        GroupTable g = new GroupTable(sb);
        int bs = sb.blockSize();
        for (int i = 0; i < g.tableBlocks(); i++) {
            g.t.put(i * bs, disk.read(g.descriptorBlock(i), "group descriptor table").array());
        }
        for (int i = 0; i < g.count; i++) {
            if (g.hasChecksums() && g.bg_checksum(i) != g.checksum(i)) {
                throw FsException.of(Errno.EBADMSG, "ext4: group %d descriptor: bg_checksum 0x%04x, computed 0x%04x",
                        i, g.bg_checksum(i), g.checksum(i));
            }
            long itb = (sb.s_inodes_per_group() * sb.s_inode_size() + bs - 1) / bs;
            for (long blk : new long[] {g.blockBitmap(i), g.inodeBitmap(i), g.inodeTable(i), g.inodeTable(i) + itb - 1}) {
                if (blk <= sb.s_first_data_block() || blk >= sb.s_blocks_count()) {
                    throw FsException.of(Errno.EUCLEAN, "ext4: group %d descriptor: block %d outside the file system", i, blk);
                }
            }
            if (g.freeInodes(i) > sb.s_inodes_per_group()) {
                throw FsException.of(Errno.EUCLEAN, "ext4: group %d descriptor: %d free inodes of %d", i, g.freeInodes(i),
                        sb.s_inodes_per_group());
            }
        }
        return g;
    }

    /**
     * Stamps {@code group}'s descriptor and writes its bytes into the table block holding it.
     * Stamping and copying are one step under the table's monitor, so the bytes written always
     * carry the checksum of what they say.
     */
    synchronized void write(Disk disk, int group) throws FsException {
        stamp(group);
        int bs = sb.blockSize();
        int blk = group * ds / bs;
        long at = descriptorBlock(blk);
        disk.check(at, "group descriptor table");
        byte[] desc = new byte[ds];
        System.arraycopy(t.array(), at(group), desc, 0, ds);
        disk.writeBytes(at * bs + (long) (group * ds % bs), desc);
    }

    /** Stamps every descriptor's checksum (mkfs, once, before the copies are written). */
    void stampAll() {
        for (int g = 0; g < count; g++) {
            stamp(g);
        }
    }

    /** Writes the whole table, as stamped, at block {@code at} (mkfs: the primary and every backup). */
    void writeAll(Disk disk, long at) throws FsException {
        disk.check(at + tableBlocks() - 1, "group descriptor table");
        disk.writeBytes(at * sb.blockSize(), t.array());
    }

    private int at(int g) {
        return g * ds;
    }

    private long lohi(int g, int lo, int hi) {
        long v = t.getInt(at(g) + lo) & 0xffffffffL;
        return ds >= 64 ? v | (t.getInt(at(g) + hi) & 0xffffffffL) << 32 : v;
    }

    private int lohi16(int g, int lo, int hi) {
        int v = t.getShort(at(g) + lo) & 0xffff;
        return ds >= 64 ? v | (t.getShort(at(g) + hi) & 0xffff) << 16 : v;
    }

    private void put(int g, int lo, int hi, long v) {
        t.putInt(at(g) + lo, (int) v);
        if (ds >= 64) {
            t.putInt(at(g) + hi, (int) (v >>> 32));
        }
    }

    private void put16(int g, int lo, int hi, int v) {
        t.putShort(at(g) + lo, (short) v);
        if (ds >= 64) {
            t.putShort(at(g) + hi, (short) (v >>> 16));
        }
    }

    long blockBitmap(int g) { return lohi(g, 0x0, 0x20); }
    long inodeBitmap(int g) { return lohi(g, 0x4, 0x24); }
    long inodeTable(int g) { return lohi(g, 0x8, 0x28); }
    int freeBlocks(int g) { return lohi16(g, 0xC, 0x2C); }
    int freeInodes(int g) { return lohi16(g, 0xE, 0x2E); }
    int usedDirs(int g) { return lohi16(g, 0x10, 0x30); }
    int flags(int g) { return t.getShort(at(g) + 0x12) & 0xffff; }
    int itableUnused(int g) { return lohi16(g, 0x1C, 0x32); }
    int bg_checksum(int g) { return t.getShort(at(g) + 0x1E) & 0xffff; }

    void set(int g, long blockBitmap, long inodeBitmap, long inodeTable) {
        put(g, 0x0, 0x20, blockBitmap);
        put(g, 0x4, 0x24, inodeBitmap);
        put(g, 0x8, 0x28, inodeTable);
    }

    void freeBlocks(int g, int v) { put16(g, 0xC, 0x2C, v); }
    void freeInodes(int g, int v) { put16(g, 0xE, 0x2E, v); }
    void usedDirs(int g, int v) { put16(g, 0x10, 0x30, v); }
    void flags(int g, int v) { t.putShort(at(g) + 0x12, (short) v); }
    void itableUnused(int g, int v) { put16(g, 0x1C, 0x32, v); }

    void blockBitmapCsum(int g, byte[] bitmap) {
        if (sb.hasCsum()) {
            put16(g, 0x18, 0x38, Crc32c.update(sb.csumSeed(), bitmap, 0, (int) (sb.s_clusters_per_group() / 8)));
        }
    }

    void inodeBitmapCsum(int g, byte[] bitmap) {
        if (sb.hasCsum()) {
            put16(g, 0x1A, 0x3A, Crc32c.update(sb.csumSeed(), bitmap, 0, (int) (sb.s_inodes_per_group() / 8)));
        }
    }

    boolean blockBitmapCsumOk(int g, byte[] bitmap) {
        if (!sb.hasCsum()) {
            return true;
        }
        int want = lohi16(g, 0x18, 0x38);
        int c = Crc32c.update(sb.csumSeed(), bitmap, 0, (int) (sb.s_clusters_per_group() / 8));
        return ds >= 64 ? want == c : want == (c & 0xffff);
    }

    /**
     * ext4_group_desc_csum: with metadata_csum the low 16 bits of crc32c over the group number and
     * the descriptor (its bg_checksum as zero); with uninit_bg alone the CRC-16 of lib/crc16.c over
     * the UUID, the group number and the descriptor without its bg_checksum; else none.
     */
    int checksum(int g) {
        int saved = t.getShort(at(g) + 0x1E);
        t.putShort(at(g) + 0x1E, (short) 0);
        int c;
        if (sb.hasCsum()) {
            c = Crc32c.update(sb.csumSeed(), g);
            c = Crc32c.update(c, t.array(), at(g), ds);
        } else {
            byte[] group = {(byte) g, (byte) (g >>> 8), (byte) (g >>> 16), (byte) (g >>> 24)};
            c = Crc16.update(0xffff, sb.b.array(), Ext4Superblock.UUID_OFF, 16);
            c = Crc16.update(c, group, 0, 4);
            c = Crc16.update(c, t.array(), at(g), 0x1E);
            if (ds > 0x20) {
                c = Crc16.update(c, t.array(), at(g) + 0x20, ds - 0x20);
            }
        }
        t.putShort(at(g) + 0x1E, (short) saved);
        return c & 0xffff;
    }

    /** Whether descriptors carry a checksum: metadata_csum or uninit_bg (ext4_has_group_desc_csum). */
    boolean hasChecksums() {
        return sb.hasCsum() || (sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_GDT_CSUM) != 0;
    }

    private void stamp(int g) {
        if (hasChecksums()) {
            t.putShort(at(g) + 0x1E, (short) checksum(g));
        }
    }

    /** The groups past 0 that hold sparse_super copies in a file system of {@code groups} groups, in order. */
    static long[] sparseBackups(long groups) {
        java.util.TreeSet<Long> out = new java.util.TreeSet<>();
        if (groups > 1) {
            out.add(1L);
        }
        for (long base : new long[] {3, 5, 7}) {
            for (long p = base; p < groups; p *= base) {
                out.add(p);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** sparse_super (what jdax's mkfs makes): copies of the superblock and table in groups 0, 1 and the powers of 3, 5, 7. */
    static boolean hasSuper(long g) {
        if (g <= 1) {
            return true;
        }
        for (int base : new int[] {3, 5, 7}) {
            long p = base;
            while (p < g) {
                p *= base;
            }
            if (p == g) {
                return true;
            }
        }
        return false;
    }
}
