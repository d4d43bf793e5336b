package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Makes ext4 as the machine's {@code mkfs.ext4} does with mke2fs.conf's defaults — has_journal,
 * ext_attr, resize_inode, dir_index, filetype, extent, 64bit, flex_bg (16 groups), sparse_super,
 * large_file, huge_file, dir_nlink, extra_isize, metadata_csum; 256-byte inodes at the size type's
 * ratio; the descriptor blocks reserved for growth mke2fs reserves. The journal is an internal jbd2
 * v2 journal, created clean and featureless as mke2fs makes it (the first mount gives it checksums),
 * of mke2fs's size and, on a big file system, in its middle (below 2048 blocks none and no
 * has_journal, as mke2fs); with {@code -O casefold} ({@link MkfsFeatures}) the casefold feature and
 * its encoding, with {@code -O orphan_file} an orphan file ({@link OrphanFile}) of mke2fs's size
 * after lost+found.
 * Like mke2fs with lazy_itable_init, it writes only what the first group uses and the
 * descriptors, superblocks and bitmaps of groups that are not uninitialised: {@link MkfsLayout}
 * computes where things go, so time and memory grow with the number of groups, not of blocks.
 */
final class Ext4Mkfs {
    static final int INODE_SIZE = 256;
    private static final int FIRST_INO = 11;
    private static final int FLEX = 16;
    private static final long JOURNAL_INO = 8;
    private static final long LPF_INO = 11;
    /** Fewer blocks leave no room for group 0's metadata, root, lost+found and free space. */
    private static final long MIN_BLOCKS = 64;
    /**
     * {@link MkfsOptions#extra()} key: "true" when the device reads as zeros (jdax mkfs discarded the
     * image, as mke2fs discards a device first), so neither inode tables nor the journal are zeroed.
     */
    static final String ZEROED = "zeroed";

    private final DaxDevice device;
    private final MkfsOptions options;

    Ext4Mkfs(DaxDevice device, MkfsOptions options) {
        this.device = device;
        this.options = options;
    }

    /** ext2fs_default_journal_size: from 4 MiB on small file systems to 1 GiB from 128 GiB up. */
    static long journalBlocks(long blocks) {
        if (blocks < 2048) {
            return 0;
        }
        if (blocks < 32768) {
            return 1024;
        }
        if (blocks < 256 * 1024) {
            return 4096;
        }
        if (blocks < 512 * 1024) {
            return 8192;
        }
        if (blocks < 4096 * 1024) {
            return 16384;
        }
        if (blocks < 8192 * 1024) {
            return 32768;
        }
        if (blocks < 16384 * 1024) {
            return 65536;
        }
        return blocks < 32768 * 1024 ? 131072 : 262144;
    }

    /**
     * lost+found's blocks as mke2fs grows it: until it holds 16 KiB and at least two blocks, direct
     * blocks only (12 at 1 KiB, 8 at 2 KiB, 4 at 4 KiB).
     */
    static int lostFoundBlocks(int bs) {
        return Math.min(12, Math.max(2, 16384 / bs));
    }

    /** mke2fs.conf's size types: the bytes per inode for a file system of {@code size} bytes (parse_fs_type). */
    static long inodeRatio(long size) {
        if (size < (3L << 20)) {
            return 8192; // floppy
        }
        if (size < (512L << 20)) {
            return 4096; // small
        }
        if (size < (4L << 40)) {
            return 16384; // default
        }
        return size < (16L << 40) ? 32768 : 65536; // big, huge
    }

    /** Refuses the options jdax's ext4 mkfs cannot make (see {@link dev.jdax.api.fs.FileSystemType#checkMkfs}). */
    static MkfsFeatures check(MkfsOptions options) throws FsException {
        int bs = blockSize(options);
        if (bs != 1024 && bs != 2048 && bs != 4096) {
            throw FsException.of(Errno.EINVAL, "ext4: block size %d: want 1024, 2048 or 4096", bs);
        }
        MkfsFeatures features = MkfsFeatures.of(options);
        options.labelBytes("ext4", Ext4Superblock.LABEL_MAX);
        return features;
    }

    private static int blockSize(MkfsOptions options) {
        return options.blockSize() == 0 ? 4096 : options.blockSize();
    }

    void run() throws FsException {
        MkfsFeatures features = check(options);
        int bs = blockSize(options);
        boolean zeroed = "true".equals(options.extra().get(ZEROED));
        long first = bs == 1024 ? 1 : 0;
        long blocks = device.size() / bs;
        long bpg = 8L * bs;
        long groups = (blocks - first + bpg - 1) / bpg;
        int perBlock = bs / INODE_SIZE;
        long ipg = Math.max(16, (device.size() / inodeRatio(device.size()) + groups - 1) / groups);
        ipg = Math.min((ipg + perBlock - 1) / perBlock * perBlock, bpg);
        ipg = (ipg + 7) / 8 * 8;
        long gdtBlocks = (groups * 64 + bs - 1) / bs;
        if (groups > 1 && blocks - first - (groups - 1) * bpg < 1 + gdtBlocks + 50) {
            groups--;
            blocks = first + groups * bpg;
            gdtBlocks = (groups * 64 + bs - 1) / bs;
        }
        if (ipg * groups > 0xffffffffL) {
            ipg = 0xffffffffL / groups / Math.max(8, perBlock) * Math.max(8, perBlock); // s_inodes_count is 32 bits
        }
        long itb = ipg * INODE_SIZE / bs;
        long rsvGdt = Math.max(0, reservedGdtBlocks(blocks, first, bpg, bs, gdtBlocks));
        long jblocks = journalBlocks(blocks);
        if (blocks < MIN_BLOCKS) {
            throw FsException.of(Errno.EINVAL, "ext4: device of %d bytes is too small: want at least %d blocks of %d bytes",
                    device.size(), MIN_BLOCKS, bs);
        }
        Disk disk = new Disk(device, bs, blocks);
        disk.deferWriteBack();
        MkfsLayout layout = new MkfsLayout(first, blocks, bpg, 1 + gdtBlocks + rsvGdt);
        long[] bb = new long[(int) groups];
        long[] ib = new long[(int) groups];
        long[] it = new long[(int) groups];
        long cursor = first;
        for (long f = 0; f < groups; f += FLEX) {
            // flex_bg: a flex group's bitmaps, then its inode tables, packed from its first group on.
            // ext2fs_allocate_group_table starts each kind one member count after the last, but a
            // last flex group of one group a whole flex group's after: a lone group keeps gaps.
            cursor = first + f * bpg;
            long members = Math.min(FLEX, groups - f);
            long spacing = members == 1 ? FLEX : members;
            for (int k = 0; k < members; k++) {
                bb[(int) (f + k)] = cursor = layout.take(cursor, 1);
            }
            cursor = bb[(int) f] + spacing;
            for (int k = 0; k < members; k++) {
                ib[(int) (f + k)] = cursor = layout.take(cursor, 1);
            }
            cursor = ib[(int) f] + spacing;
            for (int k = 0; k < members; k++) {
                it[(int) (f + k)] = layout.take(cursor, itb);
                cursor = it[(int) (f + k)] + itb;
            }
        }
        cursor = it[(int) Math.min(FLEX, groups) - 1] + itb;
        // mke2fs's order: the root directory and lost+found at the first free blocks of the file
        // system (after the first flex group's inode tables, or in a lone group's gaps), the resize
        // inode's double indirect block at the first free one from where a group without flex_bg
        // would end its inode table (ext2fs_create_resize_inode's goal); then the journal.
        long rootBlock = layout.take(first, 1);
        int lpfBlocks = lostFoundBlocks(bs);
        long lpfFirst = layout.take(first, lpfBlocks);
        // With nothing to reserve (a small file system) mke2fs still makes the resize inode: its
        // double indirect block alone.
        long resizeDind = layout.take(first + gdtBlocks + rsvGdt + 2 + itb, 1);
        // Below 2048 blocks mke2fs says "Filesystem too small for a journal" and makes none.
        List<long[]> journal = jblocks > 0 ? placeJournal(layout, jblocks, groups) : List.of();
        long journalLeaf = journal.size() > 4 ? layout.take(cursor, 1) : 0;
        long orphanBlocks = features.orphanFile() ? OrphanFile.defaultBlocks(blocks) : 0;
        long orphanFirst = orphanBlocks > 0 ? layout.take(cursor, orphanBlocks) : 0; // mke2fs makes it after the journal
        int inodesUsed = FIRST_INO + (orphanBlocks > 0 ? 1 : 0);

        long now = Instant.now().getEpochSecond();
        UUID uuid = options.uuid() != null ? options.uuid() : UUID.randomUUID();
        byte[] uuidBytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
        Ext4Superblock sb = superblock(blocks, first, bs, bpg, ipg, groups, rsvGdt, jblocks > 0, uuidBytes, now);
        features.apply(sb);
        ByteBuffer s = sb.b;
        int seed = sb.csumSeed();

        GroupTable gt = new GroupTable(sb);
        long freeTotal = 0;
        for (int g = 0; g < groups; g++) {
            freeTotal += describeGroup(disk, gt, layout, g, bb[g], ib[g], it[g], ipg, bs, zeroed, inodesUsed);
        }
        device.zero(it[0] * bs, itb * bs); // the only inode table with inodes in use
        s.putInt(0xC, (int) freeTotal);
        s.putInt(0x158, (int) (freeTotal >>> 32));
        s.putInt(0x10, (int) (ipg * groups - inodesUsed));
        // s_overhead_clusters as mke2fs 1.47 records it: every used block but the root directory's,
        // lost+found's, the resize inode's indirect block and the orphan file's (the journal counts).
        s.putInt(0x248, (int) (blocks - freeTotal - 1 - lpfBlocks - 1 - orphanBlocks));

        MkfsInodes iw = new MkfsInodes(disk, gt, ipg, bs, seed, now);
        iw.write(2, 040755, 3, bs, List.of(new long[] {rootBlock, 1}), 0);
        iw.write(LPF_INO, 040700, 2, (long) lpfBlocks * bs, List.of(new long[] {lpfFirst, lpfBlocks}), 0);
        if (jblocks > 0) {
            byte[] journalInode = iw.write(JOURNAL_INO, 0100600, 1, jblocks * bs, journal, journalLeaf);
            ByteBuffer ji = ByteBuffer.wrap(journalInode).order(ByteOrder.LITTLE_ENDIAN);
            for (int w = 0; w < 15; w++) {
                s.putInt(0x10C + 4 * w, ji.getInt(0x28 + 4 * w));
            }
            s.putInt(0x10C + 60, ji.getInt(0x6C));
            s.putInt(0x10C + 64, ji.getInt(0x4));
        }
        if (orphanBlocks > 0) {
            long ino = MkfsFeatures.ORPHAN_FILE_INO;
            iw.write(ino, 0100600, 1, orphanBlocks * bs, List.of(new long[] {orphanFirst, orphanBlocks}), 0);
            for (long b = orphanFirst; b < orphanFirst + orphanBlocks; b++) {
                disk.write(b, OrphanFile.emptyBlock(bs, iw.inodeSeed(ino), b), "orphan file");
            }
        }
        iw.writeResizeInode(groups, bpg, first, gdtBlocks, rsvGdt, resizeDind);

        MkfsInodes.DirBlock root = new MkfsInodes.DirBlock(bs, iw.inodeSeed(2));
        root.add(2, ".", 2).add(2, "..", 2).add(LPF_INO, "lost+found", 2);
        disk.write(rootBlock, root.seal(), "root directory");
        for (int i = 0; i < lpfBlocks; i++) {
            MkfsInodes.DirBlock lpf = new MkfsInodes.DirBlock(bs, iw.inodeSeed(LPF_INO));
            if (i == 0) {
                lpf.add(LPF_INO, ".", 2).add(2, "..", 2);
            }
            disk.write(lpfFirst + i, lpf.seal(), "lost+found");
        }
        if (!zeroed) {
            for (long[] run : journal) {
                device.zero(run[0] * bs, run[1] * bs);
            }
        }
        if (jblocks > 0) {
            disk.writeBytes(journal.getFirst()[0] * bs, JournalSuperblock.create(bs, jblocks, uuidBytes));
        }

        gt.stampAll();
        for (long g : GroupTable.sparseBackups(groups)) {
            writeCopy(disk, sb, gt, g, first + g * bpg, bs);
        }
        writeCopy(disk, sb, gt, 0, first, bs);
        disk.writeBack();
    }

    /** The superblock copy of group {@code g} (its s_block_group_nr set) and the descriptor table after it. */
    private static void writeCopy(Disk disk, Ext4Superblock sb, GroupTable gt, long g, long start, int bs) throws FsException {
        sb.b.putShort(0x5A, (short) g);
        sb.updateChecksum();
        disk.writeBytes(g == 0 ? Ext4Superblock.OFFSET : start * bs, sb.bytes());
        gt.writeAll(disk, start + 1);
    }

    /**
     * Where the journal goes, as get_midpoint_journal_block decides: from the group holding the
     * middle block, the one of it and its neighbours with the most free blocks (the first on a tie);
     * past the first flex group, the middle's flex group's first group that has free blocks or the
     * one after it. The journal takes the free blocks from that group's first block on, as runs of at
     * most one extent's length cut where metadata is in the way.
     */
    private static List<long[]> placeJournal(MkfsLayout layout, long jblocks, long groups) throws FsException {
        long mid = layout.groupOf(layout.groupStart(0) + (layout.groupStart(groups) - layout.groupStart(0)) / 2);
        long start;
        if (mid > FLEX) {
            long g = mid & ~(FLEX - 1);
            while (g < groups && free(layout, g) == 0) {
                g++;
            }
            start = g == groups ? 0 : g;
            mid = start;
        } else {
            start = mid > 0 ? mid - 1 : mid;
        }
        long end = mid + 1 < groups ? mid + 1 : mid;
        long best = start;
        for (long g = start + 1; g <= end; g++) {
            if (free(layout, g) > free(layout, best)) {
                best = g;
            }
        }
        return layout.takeRuns(layout.groupStart(best), jblocks, Extent.MAX_WRITTEN);
    }

    private static long free(MkfsLayout layout, long g) {
        return layout.blocksIn(g) - layout.superAreaOf(g) - layout.placedIn(g);
    }

    /**
     * Describes group {@code g} in the table and writes the bitmaps it needs; returns its free blocks.
     * As mke2fs with uninit_bg/metadata_csum: a group other than the first and the last that holds
     * nothing but its own superblock area is BLOCK_UNINIT (the kernel builds its bitmap on first
     * use, ext4_init_block_bitmap), every group but the first INODE_UNINIT with its whole inode
     * table unused, and only the first group's inode table is zeroed (lazy_itable_init: the rest is
     * never read before an inode there is allocated and written whole); ITABLE_ZEROED says so.
     */
    private static long describeGroup(Disk disk, GroupTable gt, MkfsLayout layout, int g, long bb, long ib, long it,
                                      long ipg, int bs, boolean zeroed, int inodesUsed) throws FsException {
        int inGroup = layout.blocksIn(g);
        long placed = layout.placedIn(g);
        long free = free(layout, g);
        boolean blockUninit = g != 0 && g != layout.groups() - 1 && placed == 0;
        gt.set(g, bb, ib, it);
        int flags = g == 0 || zeroed ? GroupTable.INODE_ZEROED : 0;
        if (blockUninit) {
            flags |= GroupTable.BLOCK_UNINIT;
        } else {
            byte[] bm = new byte[bs];
            layout.markUsed(g, bm);
            MkfsLayout.setBits(bm, inGroup, bs * 8);
            disk.write(bb, ByteBuffer.wrap(bm).order(ByteOrder.LITTLE_ENDIAN), "block bitmap");
            gt.blockBitmapCsum(g, bm);
        }
        int inodesHere = g == 0 ? inodesUsed : 0;
        if (g == 0) {
            byte[] im = new byte[bs];
            MkfsLayout.setBits(im, 0, inodesHere);
            MkfsLayout.setBits(im, (int) ipg, bs * 8);
            disk.write(ib, ByteBuffer.wrap(im).order(ByteOrder.LITTLE_ENDIAN), "inode bitmap");
            gt.inodeBitmapCsum(g, im);
        } else {
            flags |= GroupTable.INODE_UNINIT;
        }
        gt.freeBlocks(g, (int) free);
        gt.freeInodes(g, (int) (ipg - inodesHere));
        gt.usedDirs(g, g == 0 ? 2 : 0);
        gt.flags(g, flags);
        gt.itableUnused(g, (int) (ipg - inodesHere));
        return free;
    }

    private Ext4Superblock superblock(long blocks, long first, int bs, long bpg, long ipg, long groups, long rsvGdt,
                                      boolean journalled, byte[] uuidBytes, long now) throws FsException {
        Ext4Superblock sb = new Ext4Superblock(new byte[Ext4Superblock.SIZE]);
        ByteBuffer s = sb.b;
        s.putInt(0x0, (int) (ipg * groups));
        s.putInt(0x4, (int) blocks);
        s.putInt(0x150, (int) (blocks >>> 32));
        s.putInt(0x8, (int) (blocks / 20));
        s.putInt(0x154, (int) (blocks / 20 >>> 32));
        s.putInt(0x14, (int) first);
        s.putInt(0x18, Integer.numberOfTrailingZeros(bs) - 10);
        s.putInt(0x1C, Integer.numberOfTrailingZeros(bs) - 10);
        s.putInt(0x20, (int) bpg);
        s.putInt(0x24, (int) bpg);
        s.putInt(0x28, (int) ipg);
        s.putInt(0x30, (int) now);
        s.putShort(0x36, (short) -1);
        s.putShort(0x38, (short) Ext4Superblock.MAGIC);
        s.putShort(0x3A, (short) 1);
        s.putShort(0x3C, (short) 1);
        s.putInt(0x40, (int) now);
        s.putInt(0x4C, 1);
        s.putInt(0x54, FIRST_INO);
        s.putShort(0x58, (short) INODE_SIZE);
        s.putInt(0x5C, (journalled ? Ext4Superblock.COMPAT_HAS_JOURNAL : 0) | Ext4Superblock.COMPAT_EXT_ATTR
                | Ext4Superblock.COMPAT_DIR_INDEX | Ext4Superblock.COMPAT_RESIZE_INODE);
        s.putShort(0xCE, (short) rsvGdt);
        s.putInt(0x60, Ext4Superblock.INCOMPAT_FILETYPE | Ext4Superblock.INCOMPAT_EXTENTS | Ext4Superblock.INCOMPAT_64BIT
                | Ext4Superblock.INCOMPAT_FLEX_BG);
        s.putInt(0x64, Ext4Superblock.RO_COMPAT_SPARSE_SUPER | Ext4Superblock.RO_COMPAT_LARGE_FILE | Ext4Superblock.RO_COMPAT_HUGE_FILE
                | Ext4Superblock.RO_COMPAT_DIR_NLINK | Ext4Superblock.RO_COMPAT_EXTRA_ISIZE | Ext4Superblock.RO_COMPAT_METADATA_CSUM);
        s.put(Ext4Superblock.UUID_OFF, uuidBytes);
        s.put(Ext4Superblock.VOLUME_NAME, options.labelBytes("ext4", Ext4Superblock.LABEL_MAX));
        s.putInt(0xE0, journalled ? (int) JOURNAL_INO : 0);
        UUID hash = UUID.randomUUID();
        s.putLong(0xEC, hash.getMostSignificantBits());
        s.putLong(0xF4, hash.getLeastSignificantBits());
        s.put(0xFC, (byte) 1);
        s.put(0xFD, (byte) (journalled ? 1 : 0)); // s_jnl_backup_type: the journal inode's blocks kept here
        s.putShort(0xFE, (short) 64);
        s.putInt(0x100, 0xC);
        s.putInt(0x108, (int) now);
        s.putShort(0x15C, (short) 32);
        s.putShort(0x15E, (short) 32);
        s.putInt(0x160, 0x1);
        s.put(0x174, (byte) Integer.numberOfTrailingZeros(FLEX));
        s.put(0x175, (byte) 1);
        return sb;
    }

    /**
     * calc_reserved_gdt_blocks: descriptor blocks kept free after the table so the file system can
     * grow online to 1024 times its size (or 2^32 blocks), at most one indirect block's worth.
     */
    static long reservedGdtBlocks(long blocks, long first, long bpg, int bs, long gdtBlocks) {
        long max = blocks < 0xffffffffL / 1024 ? blocks * 1024 : 0xffffffffL;
        long groups = (max - first + bpg - 1) / bpg;
        long perBlock = bs / 64;
        return Math.min((groups + perBlock - 1) / perBlock - gdtBlocks, bs / 4);
    }

}
