package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.BitSet;
import java.util.UUID;

/**
 * Makes ext4 as the machine's {@code mkfs.ext4} does with mke2fs.conf's defaults — has_journal,
 * ext_attr, resize_inode, dir_index, filetype, extent, 64bit, flex_bg (16 groups), sparse_super,
 * large_file, huge_file, dir_nlink, extra_isize, metadata_csum; 256-byte inodes at the size type's
 * ratio; the descriptor blocks reserved for growth mke2fs reserves. The journal is an internal jbd2
 * v2 journal with crc32c (csum v3), created clean; inode tables are zeroed.
 */
final class Ext4Mkfs {
    private static final int INODE_SIZE = 256;
    private static final int FIRST_INO = 11;
    private static final int FLEX = 16;
    private static final long JOURNAL_INO = 8;
    private static final long LPF_INO = 11;

    private final DaxDevice device;
    private final MkfsOptions options;

    Ext4Mkfs(DaxDevice device, MkfsOptions options) {
        this.device = device;
        this.options = options;
    }

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
        return 32768;
    }

    void run() throws FsException {
        int bs = options.blockSize() == 0 ? 4096 : options.blockSize();
        if (bs != 1024 && bs != 2048 && bs != 4096) {
            throw FsException.of(Errno.EINVAL, "ext4: block size %d: want 1024, 2048 or 4096", bs);
        }
        if (!options.features().isEmpty()) {
            throw FsException.of(Errno.EINVAL, "ext4: mkfs features %s: jdax makes ext4 with mke2fs.conf's defaults only",
                    options.features());
        }
        long first = bs == 1024 ? 1 : 0;
        long blocks = device.size() / bs;
        long bpg = 8L * bs;
        long groups = (blocks - first + bpg - 1) / bpg;
        long ratio = device.size() < (3L << 20) ? 8192 : device.size() < (512L << 20) ? 4096 : 16384;
        int perBlock = bs / INODE_SIZE;
        long ipg = Math.max(16, (device.size() / ratio + groups - 1) / groups);
        ipg = Math.min((ipg + perBlock - 1) / perBlock * perBlock, bpg);
        ipg = (ipg + 7) / 8 * 8;
        long itb = ipg * INODE_SIZE / bs;
        long gdtBlocks = (groups * 64 + bs - 1) / bs;
        if (groups > 1 && blocks - first - (groups - 1) * bpg < 1 + gdtBlocks + 50) {
            groups--;
            blocks = first + groups * bpg;
            gdtBlocks = (groups * 64 + bs - 1) / bs;
        }
        long rsvGdt = reservedGdtBlocks(blocks, first, bpg, bs, gdtBlocks);
        long jblocks = Math.min(journalBlocks(blocks), 4L * Extent.MAX_WRITTEN);
        if (blocks < 1024 || jblocks == 0) {
            throw FsException.of(Errno.EINVAL, "ext4: device of %d bytes is too small for a journalled file system", device.size());
        }
        Disk disk = new Disk(device, bs, blocks);
        BitSet used = new BitSet((int) blocks);
        used.set(0, (int) first + 1);
        for (long g = 0; g < groups; g++) {
            if (GroupTable.hasSuper(g)) {
                long s = first + g * bpg;
                used.set((int) s, (int) (s + 1 + gdtBlocks + rsvGdt));
            }
        }
        long[] bb = new long[(int) groups];
        long[] ib = new long[(int) groups];
        long[] it = new long[(int) groups];
        for (long f = 0; f < groups; f += FLEX) {
            long cursor = first + f * bpg;
            long members = Math.min(FLEX, groups - f);
            for (int k = 0; k < members; k++) {
                cursor = next(used, cursor, 1);
                bb[(int) (f + k)] = cursor;
                used.set((int) cursor++);
            }
            for (int k = 0; k < members; k++) {
                cursor = next(used, cursor, 1);
                ib[(int) (f + k)] = cursor;
                used.set((int) cursor++);
            }
            for (int k = 0; k < members; k++) {
                cursor = next(used, cursor, itb);
                it[(int) (f + k)] = cursor;
                used.set((int) cursor, (int) (cursor + itb));
                cursor += itb;
            }
        }
        long dataStart = next(used, it[0] + itb, 1);
        long resizeDind = dataStart;
        used.set((int) resizeDind);
        long rootBlock = next(used, resizeDind + 1, 1);
        used.set((int) rootBlock);
        long lpfFirst = next(used, rootBlock + 1, 4);
        used.set((int) lpfFirst, (int) lpfFirst + 4);
        long journalStart = next(used, lpfFirst + 4, jblocks);
        used.set((int) journalStart, (int) (journalStart + jblocks));

        long now = Instant.now().getEpochSecond();
        UUID uuid = options.uuid() != null ? options.uuid() : UUID.randomUUID();
        byte[] uuidBytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
        Ext4Superblock sb = new Ext4Superblock(new byte[Ext4Superblock.SIZE]);
        ByteBuffer s = sb.b;
        s.putInt(0x0, (int) (ipg * groups));
        s.putInt(0x4, (int) blocks);
        s.putInt(0x150, (int) (blocks >>> 32));
        s.putInt(0x8, (int) (blocks / 20));
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
        s.putInt(0x5C, Ext4Superblock.COMPAT_HAS_JOURNAL | Ext4Superblock.COMPAT_EXT_ATTR | Ext4Superblock.COMPAT_DIR_INDEX
                | Ext4Superblock.COMPAT_RESIZE_INODE);
        s.putShort(0xCE, (short) rsvGdt);
        s.putInt(0x60, Ext4Superblock.INCOMPAT_FILETYPE | Ext4Superblock.INCOMPAT_EXTENTS | Ext4Superblock.INCOMPAT_64BIT
                | Ext4Superblock.INCOMPAT_FLEX_BG);
        s.putInt(0x64, Ext4Superblock.RO_COMPAT_SPARSE_SUPER | Ext4Superblock.RO_COMPAT_LARGE_FILE | Ext4Superblock.RO_COMPAT_HUGE_FILE
                | Ext4Superblock.RO_COMPAT_DIR_NLINK | Ext4Superblock.RO_COMPAT_EXTRA_ISIZE | Ext4Superblock.RO_COMPAT_METADATA_CSUM);
        s.put(0x68, uuidBytes);
        byte[] label = options.label().getBytes(StandardCharsets.UTF_8);
        s.put(0x78, label, 0, Math.min(16, label.length));
        s.putInt(0xE0, (int) JOURNAL_INO);
        UUID hash = UUID.randomUUID();
        s.putLong(0xEC, hash.getMostSignificantBits());
        s.putLong(0xF4, hash.getLeastSignificantBits());
        s.put(0xFC, (byte) 1);
        s.put(0xFD, (byte) 1);
        s.putShort(0xFE, (short) 64);
        s.putInt(0x100, 0xC);
        s.putInt(0x108, (int) now);
        s.putShort(0x15C, (short) 32);
        s.putShort(0x15E, (short) 32);
        s.putInt(0x160, 0x1);
        s.put(0x174, (byte) Integer.numberOfTrailingZeros(FLEX));
        s.put(0x175, (byte) 1);
        int seed = sb.csumSeed();

        GroupTable gt = new GroupTable(sb);
        long freeTotal = 0;
        for (int g = 0; g < groups; g++) {
            long start = first + (long) g * bpg;
            int inGroup = (int) Math.min(bpg, blocks - start);
            ByteBuffer bm = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            int usedHere = 0;
            for (int i = 0; i < inGroup; i++) {
                if (used.get((int) (start + i))) {
                    Ext4Allocator.setBit(bm, i, true);
                    usedHere++;
                }
            }
            for (int i = inGroup; i < bs * 8; i++) {
                Ext4Allocator.setBit(bm, i, true);
            }
            disk.write(bb[g], bm, "block bitmap");
            ByteBuffer im = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            int inodesHere = g == 0 ? FIRST_INO : 0;
            for (int i = 0; i < inodesHere; i++) {
                Ext4Allocator.setBit(im, i, true);
            }
            for (long i = ipg; i < bs * 8L; i++) {
                Ext4Allocator.setBit(im, (int) i, true);
            }
            disk.write(ib[g], im, "inode bitmap");
            device.zero(it[g] * bs, itb * bs);
            gt.set(g, bb[g], ib[g], it[g]);
            gt.freeBlocks(g, inGroup - usedHere);
            gt.freeInodes(g, (int) (ipg - inodesHere));
            gt.usedDirs(g, g == 0 ? 2 : 0);
            gt.flags(g, GroupTable.INODE_ZEROED);
            gt.itableUnused(g, (int) (ipg - inodesHere));
            gt.blockBitmapCsum(g, bm.array());
            gt.inodeBitmapCsum(g, im.array());
            freeTotal += inGroup - usedHere;
        }
        s.putInt(0xC, (int) freeTotal);
        s.putInt(0x158, (int) (freeTotal >>> 32));
        s.putInt(0x10, (int) (ipg * groups - FIRST_INO));

        InodeWriter iw = new InodeWriter(disk, gt, ipg, bs, seed, now);
        iw.write(2, 040755, 3, bs, rootBlock, 1, 0);
        iw.write(LPF_INO, 040700, 2, 4L * bs, lpfFirst, 4, 0);
        byte[] journalInode = iw.write(JOURNAL_INO, 0100600, 1, jblocks * bs, journalStart, jblocks, 0);
        writeResizeInode(disk, gt, iw, groups, bpg, first, gdtBlocks, rsvGdt, resizeDind, bs, now);
        ByteBuffer ji = ByteBuffer.wrap(journalInode).order(ByteOrder.LITTLE_ENDIAN);
        for (int w = 0; w < 15; w++) {
            s.putInt(0x10C + 4 * w, ji.getInt(0x28 + 4 * w));
        }
        s.putInt(0x10C + 60, ji.getInt(0x6C));
        s.putInt(0x10C + 64, ji.getInt(0x4));

        int ino2 = 2;
        DirBlock root = new DirBlock(bs, iw.inodeSeed(ino2));
        root.add(2, ".", 2).add(2, "..", 2).add(LPF_INO, "lost+found", 2);
        disk.write(rootBlock, root.seal(), "root directory");
        for (int i = 0; i < 4; i++) {
            DirBlock lpf = new DirBlock(bs, iw.inodeSeed(LPF_INO));
            if (i == 0) {
                lpf.add(LPF_INO, ".", 2).add(2, "..", 2);
            }
            disk.write(lpfFirst + i, lpf.seal(), "lost+found");
        }
        device.zero(journalStart * bs, jblocks * bs);
        disk.writeBytes(journalStart * bs, JournalSuperblock.create(bs, jblocks, uuidBytes, true));

        for (int g = 0; g < groups; g++) {
            if (!GroupTable.hasSuper(g)) {
                continue;
            }
            long start = first + (long) g * bpg;
            s.putShort(0x5A, (short) g);
            sb.updateChecksum();
            disk.writeBytes(g == 0 ? Ext4Superblock.OFFSET : start * bs, sb.bytes());
            gt.writeAll(disk, start + 1);
        }
        s.putShort(0x5A, (short) 0);
        sb.updateChecksum();
        disk.writeBytes(Ext4Superblock.OFFSET, sb.bytes());
        device.fence();
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

    /**
     * The resize inode (7) as ext2fs_create_resize_inode makes it: a block-mapped file whose double
     * indirect block lists the primary reserved descriptor blocks, each of which lists its copies in
     * the backup groups.
     */
    private static void writeResizeInode(Disk disk, GroupTable gt, InodeWriter iw, long groups, long bpg, long first,
                                         long gdtBlocks, long rsvGdt, long dind, int bs, long now) throws FsException {
        long apb = bs / 4;
        ByteBuffer dindBuf = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        long blocksUsed = 1;
        long sbBlk = first;
        for (long r = 0; r < rsvGdt; r++) {
            long gdtBlk = sbBlk + 1 + gdtBlocks + r;
            dindBuf.putInt((int) (((gdtBlocks + r) % apb) * 4), (int) gdtBlk);
            blocksUsed++;
            ByteBuffer list = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            int last = 0;
            for (long g = 1; g < groups; g++) {
                if (GroupTable.hasSuper(g)) {
                    list.putInt(last++ * 4, (int) (gdtBlk + g * bpg));
                    blocksUsed++;
                }
            }
            disk.write(gdtBlk, list, "reserved descriptor block");
        }
        disk.write(dind, dindBuf, "resize inode");
        Ext4Inode in = new Ext4Inode(null, 7, new byte[INODE_SIZE]);
        in.i_mode(0100600);
        in.i_links_count(1);
        in.i_size((apb * apb + apb + 12) * bs);
        in.i_atime(now);
        in.i_ctime(now);
        in.i_mtime(now);
        in.b.putShort(0x80, (short) 32);
        in.b.putInt(0x90, (int) now);
        in.b.putInt(0x28 + 13 * 4, (int) dind);
        in.i_blocks512(blocksUsed * (bs / 512));
        iw.store(in);
    }

    /** The first block at or after {@code from} starting {@code len} free blocks. */
    private static long next(BitSet used, long from, long len) {
        long b = from;
        while (true) {
            int u = used.nextSetBit((int) b);
            if (u < 0 || u >= b + len) {
                return b;
            }
            b = u + 1;
        }
    }

    /** Writes mkfs's few inodes: extent-mapped, one contiguous run each, with their checksum. */
    private record InodeWriter(Disk disk, GroupTable gt, long ipg, int bs, int seed, long now) {
        void store(Ext4Inode in) throws FsException {
            in.updateChecksum(seed);
            long g = (in.ino - 1) / ipg;
            disk.writeBytes(gt.inodeTable((int) g) * bs + ((in.ino - 1) % ipg) * INODE_SIZE, in.b.array());
        }

        int inodeSeed(long ino) {
            return Crc32c.update(Crc32c.update(seed, (int) ino), 0);
        }

        byte[] write(long ino, int mode, int links, long size, long start, long count, int flags) throws FsException {
            Ext4Inode in = new Ext4Inode(null, ino, new byte[INODE_SIZE]);
            in.i_mode(mode);
            in.i_links_count(links);
            in.i_size(size);
            in.i_atime(now);
            in.i_ctime(now);
            in.i_mtime(now);
            in.b.putShort(0x80, (short) 32);
            in.b.putInt(0x90, (int) now);
            in.i_flags(Ext4Inode.EXTENTS_FL | flags);
            in.i_blocks512(count * (bs / 512));
            ByteBuffer root = in.b.slice(0x28, 60).order(ByteOrder.LITTLE_ENDIAN);
            int records = (int) ((count + Extent.MAX_WRITTEN - 1) / Extent.MAX_WRITTEN);
            root.putShort(0, (short) ExtentTree.MAGIC);
            root.putShort(2, (short) records);
            root.putShort(4, (short) 4);
            for (int r = 0; r < records; r++) {
                long off = (long) r * Extent.MAX_WRITTEN;
                int at = 12 + r * 12;
                root.putInt(at, (int) off);
                root.putShort(at + 4, (short) Math.min(Extent.MAX_WRITTEN, count - off));
                root.putShort(at + 6, (short) ((start + off) >>> 32));
                root.putInt(at + 8, (int) (start + off));
            }
            in.updateChecksum(seed);
            long g = (ino - 1) / ipg;
            disk.writeBytes(gt.inodeTable((int) g) * bs + ((ino - 1) % ipg) * INODE_SIZE, in.b.array());
            return in.b.array();
        }
    }

    /** A directory block being filled by mkfs, sealed with its checksum tail. */
    private static final class DirBlock {
        private final ByteBuffer b;
        private final int bs;
        private final int seed;
        private int off;
        private int last = -1;

        DirBlock(int bs, int seed) {
            this.bs = bs;
            this.seed = seed;
            this.b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        }

        DirBlock add(long ino, String name, int type) {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            int len = Ext4Dir.recLenFor(n.length);
            b.putInt(off, (int) ino);
            b.putShort(off + 4, (short) len);
            b.put(off + 6, (byte) n.length);
            b.put(off + 7, (byte) type);
            b.put(off + 8, n);
            last = off;
            off += len;
            return this;
        }

        ByteBuffer seal() {
            int limit = bs - 12;
            if (last < 0) {
                b.putShort(4, (short) limit);
            } else {
                b.putShort(last + 4, (short) (limit - last));
            }
            b.putShort(limit + 4, (short) 12);
            b.put(limit + 7, (byte) 0xDE);
            b.putInt(bs - 4, Crc32c.update(seed, b.array(), 0, limit));
            return b;
        }
    }
}
