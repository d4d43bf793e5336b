package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Makes an ext2 file system as {@code mke2fs -t ext2} lays one out: revision 1, sparse_super,
 * large_file, filetype, resize_inode; 256-byte inodes at mke2fs.conf's ratio for the size (one per
 * 8 KiB below 3 MiB, "floppy"; per 4 KiB below 512 MiB, "small"; per 16 KiB below 4 TiB, per 32
 * KiB below 16 TiB, per 64 KiB above); 5% reserved; the root directory, lost+found, and the
 * descriptor blocks kept for online growth with the resize inode that maps them, in the blocks
 * mke2fs gives them, so a file system of a size has as many free blocks as mke2fs's. (mke2fs's
 * ext_attr and dir_index are left out: fs/ext2 uses neither.) What it writes passes {@code e2fsck -fn}.
 */
final class Ext2Mkfs {
    private static final int INODE_SIZE = 256;
    private static final int FIRST_INO = 11;
    private static final long LOST_FOUND_INO = 11;
    private static final long RESIZE_INO = 7;
    /**
     * {@link MkfsOptions#extra()} key: "true" when the device reads as zeros (jdax mkfs discarded the
     * image, as mke2fs discards a device first), so the inode tables are not zeroed.
     */
    static final String ZEROED = "zeroed";

    private final DaxDevice device;
    private final MkfsOptions options;

    Ext2Mkfs(DaxDevice device, MkfsOptions options) {
        this.device = device;
        this.options = options;
    }

    /** mke2fs.conf's size types: the bytes per inode for {@code size} bytes (floppy, small, default, big, huge). */
    static long inodeRatio(long size) {
        if (size < (3L << 20)) {
            return 8192;
        }
        if (size < (512L << 20)) {
            return 4096;
        }
        if (size < (4L << 40)) {
            return 16384;
        }
        return size < (16L << 40) ? 32768 : 65536;
    }

    /** Refuses the options jdax's ext2 mkfs cannot make (see {@link dev.jdax.api.fs.FileSystemType#checkMkfs}). */
    static void check(MkfsOptions options) throws FsException {
        int bs = blockSize(options);
        if (bs != 1024 && bs != 2048 && bs != 4096) {
            throw FsException.of(Errno.EINVAL, "ext2: block size %d: want 1024, 2048 or 4096", bs);
        }
        for (String f : options.features()) {
            throw FsException.of(Errno.EINVAL, "ext2: mkfs feature \"%s\": jdax makes ext2 with sparse_super, large_file, filetype and resize_inode only", f);
        }
        options.labelBytes("ext2", Ext2Superblock.LABEL_MAX);
    }

    private static int blockSize(MkfsOptions options) {
        return options.blockSize() == 0 ? 4096 : options.blockSize();
    }

    void run() throws FsException {
        check(options);
        int bs = blockSize(options);
        long first = bs == 1024 ? 1 : 0;
        long blocks = Math.min(device.size() / bs, 0xffffffffL);
        long bpg = 8L * bs;
        long groups = (blocks - first + bpg - 1) / bpg;
        int inodesPerBlock = bs / INODE_SIZE;
        long ipg = (device.size() / inodeRatio(device.size()) + groups - 1) / groups;
        ipg = Math.max(16, (ipg + inodesPerBlock - 1) / inodesPerBlock * inodesPerBlock);
        ipg = Math.min(ipg, bpg / inodesPerBlock * inodesPerBlock);
        ipg = (ipg + 7) / 8 * 8;
        if (ipg * groups > 0xffffffffL) {
            ipg = 0xffffffffL / groups / Math.max(8, inodesPerBlock) * Math.max(8, inodesPerBlock); // s_inodes_count is 32 bits
        }
        long itb = ipg * INODE_SIZE / bs;
        int gdtBlocks = Groups.tableBlocks(groups, bs);
        long rsvGdt = reservedGdtBlocks(blocks, first, bpg, bs, gdtBlocks);
        long lastGroupBlocks = blocks - first - (groups - 1) * bpg;
        if (groups > 1 && lastGroupBlocks < 1 + gdtBlocks + rsvGdt + 2 + itb + 50) {
            groups--;
            blocks = first + groups * bpg;
            gdtBlocks = Groups.tableBlocks(groups, bs);
            rsvGdt = reservedGdtBlocks(blocks, first, bpg, bs, gdtBlocks);
        }
        if (blocks < 64) {
            throw FsException.of(Errno.EINVAL, "ext2: device of %d bytes is too small for a file system", device.size());
        }
        Disk disk = new Disk(device, bs, blocks);
        disk.deferWriteBack();
        boolean zeroed = "true".equals(options.extra().get(ZEROED));
        Ext2Superblock sb = Ext2Superblock.blank();
        ByteBuffer s = sb.b;
        long now = Instant.now().getEpochSecond();
        s.putInt(0, (int) (ipg * groups));
        s.putInt(4, (int) blocks);
        s.putInt(8, (int) (blocks / 20));
        s.putInt(20, (int) first);
        s.putInt(24, Integer.numberOfTrailingZeros(bs) - 10);
        s.putInt(28, Integer.numberOfTrailingZeros(bs) - 10);
        s.putInt(32, (int) bpg);
        s.putInt(36, (int) bpg);
        s.putInt(40, (int) ipg);
        s.putInt(48, (int) now);
        s.putShort(54, (short) -1);
        s.putShort(56, (short) Ext2Superblock.EXT2_MAGIC);
        s.putShort(58, (short) 1);
        s.putShort(60, (short) 1);
        s.putInt(64, (int) now);
        s.putInt(76, 1);
        s.putInt(84, FIRST_INO);
        s.putShort(88, (short) INODE_SIZE);
        s.putInt(92, Ext2Superblock.COMPAT_RESIZE_INODE);
        s.putInt(96, Ext2Superblock.INCOMPAT_FILETYPE);
        s.putInt(100, Ext2Superblock.RO_COMPAT_SPARSE_SUPER | Ext2Superblock.RO_COMPAT_LARGE_FILE);
        UUID uuid = options.uuid() != null ? options.uuid() : UUID.randomUUID();
        s.putLong(Ext2Superblock.UUID_OFF, Long.reverseBytes(uuid.getMostSignificantBits()));
        s.putLong(Ext2Superblock.UUID_OFF + 8, Long.reverseBytes(uuid.getLeastSignificantBits()));
        s.put(Ext2Superblock.VOLUME_NAME, options.labelBytes("ext2", Ext2Superblock.LABEL_MAX));
        s.putInt(264, (int) now);
        s.putShort(206, (short) rsvGdt);

        Groups gd = Groups.blank(sb);
        long[] dataStart = new long[(int) groups];
        for (int g = 0; g < groups; g++) {
            long start = first + g * bpg;
            long next = Groups.hasSuper(g, true) ? start + 1 + gdtBlocks + rsvGdt : start;
            gd.set(g, next, next + 1, next + 2);
            dataStart[g] = next + 2 + itb;
        }
        // Root and lost+found take the first data blocks of group 0, and the resize inode's double
        // indirect block the next (mke2fs makes them in that order).
        // lost+found grows as mke2fs grows it: to 16 KiB and at least two blocks, direct blocks only.
        int lpfBlocks = Math.min(Ext2Inode.NDIR_BLOCKS, Math.max(2, 16384 / bs));
        long rootBlock = dataStart[0];
        long lpfFirst = rootBlock + 1;
        long dind = lpfFirst + lpfBlocks;
        long usedInGroup0 = dind + 1;

        long freeBlocks = 0;
        for (int g = 0; g < groups; g++) {
            long start = first + g * bpg;
            int inGroup = (int) Math.min(bpg, blocks - start);
            long used = (g == 0 ? usedInGroup0 : dataStart[g]) - start;
            ByteBuffer bm = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            for (int bit = 0; bit < used; bit++) {
                Allocator.setBit(bm, bit, true);
            }
            for (int bit = inGroup; bit < bs * 8; bit++) {
                Allocator.setBit(bm, bit, true);
            }
            disk.write(gd.blockBitmap(g), bm, "block bitmap");
            ByteBuffer im = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            int usedInodes = g == 0 ? FIRST_INO : 0;
            for (int bit = 0; bit < usedInodes; bit++) {
                Allocator.setBit(im, bit, true);
            }
            for (long bit = ipg; bit < bs * 8L; bit++) {
                Allocator.setBit(im, (int) bit, true);
            }
            disk.write(gd.inodeBitmap(g), im, "inode bitmap");
            if (!zeroed) {
                device.zero(gd.inodeTable(g) * bs, itb * bs); // ext2 has no uninitialised inode tables
            }
            gd.freeBlocks(g, (int) (inGroup - used));
            gd.freeInodes(g, (int) (ipg - usedInodes));
            gd.usedDirs(g, g == 0 ? 2 : 0);
            freeBlocks += inGroup - used;
        }
        s.putInt(12, (int) freeBlocks);
        s.putInt(16, (int) (ipg * groups - FIRST_INO));

        writeInode(disk, sb, gd, 2, 040755, 3, bs, new long[] {rootBlock}, now);
        writeInode(disk, sb, gd, LOST_FOUND_INO, 040700, 2, (long) lpfBlocks * bs, range(lpfFirst, lpfBlocks), now);
        ByteBuffer root = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        dirent(root, 0, 12, 2, ".");
        dirent(root, 12, 12, 2, "..");
        dirent(root, 24, bs - 24, LOST_FOUND_INO, "lost+found");
        disk.write(rootBlock, root, "root directory");
        for (int i = 0; i < lpfBlocks; i++) {
            ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            if (i == 0) {
                dirent(b, 0, 12, LOST_FOUND_INO, ".");
                dirent(b, 12, bs - 12, 2, "..");
            } else {
                b.putShort(4, (short) bs);
            }
            disk.write(lpfFirst + i, b, "lost+found");
        }
        // Made as mke2fs makes it, a double indirect block alone, when there is no room to reserve.
        writeResizeInode(disk, sb, gd, first + 1 + gdtBlocks, rsvGdt, gdtBlocks, dind, now);
        for (int g = 0; g < groups; g++) {
            if (!Groups.hasSuper(g, true)) {
                continue;
            }
            long start = first + g * bpg;
            s.putShort(90, (short) g);
            disk.writeBytes(g == 0 ? Ext2Superblock.OFFSET : start * bs, sb.bytes());
            gd.writeAt(disk, start + 1);
        }
        s.putShort(90, (short) 0);
        disk.writeBytes(Ext2Superblock.OFFSET, sb.bytes());
        disk.barrier();
    }

    /**
     * calc_reserved_gdt_blocks: descriptor blocks kept free after the table so the file system can
     * grow online to 1024 times its size (or 2^32 blocks), at most what one indirect block maps.
     */
    static long reservedGdtBlocks(long blocks, long first, long bpg, int bs, long gdtBlocks) {
        long max = blocks < 0xffffffffL / 1024 ? blocks * 1024 : 0xffffffffL;
        long groups = (max - first + bpg - 1) / bpg;
        long perBlock = bs / Groups.DESC_SIZE;
        return Math.max(0, Math.min((groups + perBlock - 1) / perBlock - gdtBlocks, bs / 4));
    }

    /**
     * The resize inode as ext2fs_create_resize_inode makes it: a file whose double indirect block
     * {@code dind} lists the primary reserved descriptor blocks (from {@code firstRsv}) at their
     * places after the table, each of them an indirect block listing its copies in the backup groups.
     */
    private static void writeResizeInode(Disk disk, Ext2Superblock sb, Groups gd, long firstRsv, long rsvGdt,
                                         long gdtBlocks, long dind, long now) throws FsException {
        int bs = disk.blockSize();
        long apb = bs / 4;
        long bpg = sb.s_blocks_per_group();
        List<Long> backups = new ArrayList<>();
        for (long g = 1; g < sb.groupCount(); g++) {
            if (Groups.hasSuper(g, true)) {
                backups.add(g);
            }
        }
        ByteBuffer dindBlock = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        for (long r = 0; r < rsvGdt; r++) {
            long primary = firstRsv + r;
            dindBlock.putInt((int) ((gdtBlocks + r) % apb) * 4, (int) primary);
            ByteBuffer copies = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < backups.size(); k++) {
                copies.putInt(k * 4, (int) (primary + backups.get(k) * bpg));
            }
            disk.write(primary, copies, "reserved descriptor block");
        }
        disk.write(dind, dindBlock, "resize inode");
        Ext2Inode in = newInode(RESIZE_INO, 0100600, 1, (apb * apb + apb + Ext2Inode.NDIR_BLOCKS) * bs, now);
        in.i_block(Ext2Inode.NDIR_BLOCKS + 1, dind);
        in.i_blocks((1 + rsvGdt * (1 + backups.size())) * (bs / 512));
        write(disk, sb, gd, in);
    }

    private static long[] range(long first, int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = first + i;
        }
        return r;
    }

    private static void dirent(ByteBuffer b, int at, int recLen, long ino, String name) {
        b.putInt(at, (int) ino);
        b.putShort(at + 4, (short) recLen);
        b.put(at + 6, (byte) name.length());
        b.put(at + 7, (byte) 2);
        b.put(at + 8, name.getBytes(StandardCharsets.US_ASCII));
    }

    /** A directory of {@code blocks}, all direct. */
    private static void writeInode(Disk disk, Ext2Superblock sb, Groups gd, long ino, int mode, int links, long size,
                                   long[] blocks, long now) throws FsException {
        Ext2Inode in = newInode(ino, mode, links, size, now);
        in.i_blocks((long) blocks.length * (disk.blockSize() / 512));
        for (int i = 0; i < blocks.length; i++) {
            in.i_block(i, blocks[i]);
        }
        write(disk, sb, gd, in);
    }

    private static Ext2Inode newInode(long ino, int mode, int links, long size, long now) {
        Ext2Inode in = new Ext2Inode(null, ino, new byte[INODE_SIZE]);
        in.i_mode(mode);
        in.i_links_count(links);
        in.i_size(size);
        in.i_atime(now);
        in.i_ctime(now);
        in.i_mtime(now);
        in.b.putShort(128, (short) 32);
        return in;
    }

    private static void write(Disk disk, Ext2Superblock sb, Groups gd, Ext2Inode in) throws FsException {
        long ipg = sb.s_inodes_per_group();
        long ino = in.ino;
        disk.writeBytes(gd.inodeTable((int) ((ino - 1) / ipg)) * disk.blockSize() + ((ino - 1) % ipg) * INODE_SIZE, in.b.array());
    }
}
