package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;
import dev.jdax.iomap.CoarseClock;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Changes a block directory (one XDB3 block: entries, then the hash-sorted leaf and the tail of
 * count and stale) in place, as xfs_dir2_block_addname, xfs_dir2_block_removename and
 * xfs_dir2_block_replace do: a new name takes the longest free region and one leaf slot — a stale
 * one moved next to its place in hash order, or eight bytes taken from the free region just before
 * the leaf — a removed name becomes free space and its leaf entry stale. Only the bytes that change
 * differ from the block before, so the log carries those chunks, not the block.
 *
 * <p>What this class does not do is left to the caller's rewrite ({@link DirWriter}): a name that
 * does not fit the block (the directory becomes a leaf directory, xfs_dir2_block_to_leaf) and a
 * removal after which the directory fits the inode (xfs_dir2_block_to_sf). Those answer false
 * before anything changes.
 */
final class BlockDirEditor {
    private final XfsFileSystem fs;
    private final XfsDisk disk;
    private final DataBlockEdits dataEdits;
    private final boolean ftype;
    private final int bs;

    BlockDirEditor(XfsFileSystem fs, XfsDisk disk) {
        this.fs = fs;
        this.disk = disk;
        this.dataEdits = new DataBlockEdits(disk);
        this.ftype = disk.sb().hasFtype();
        this.bs = disk.blockSize();
    }

    /** The block of a block directory as read for one change: leaf entries start at {@code leaf}. */
    private record Blk(long fsb, byte[] b, int count, int stale, int leaf) {
        int hash(int i) {
            return (int) be32(b, leaf + 8 * i);
        }

        long address(int i) {
            return be32(b, leaf + 8 * i + 4);
        }
    }

    /** The directory's block when it is a block directory this class edits, else null. */
    private Blk open(XfsInode dir) throws FsException {
        if (dir.di_format() != XfsInode.FMT_EXTENTS || disk.sb().sb_dirblklog() != 0) {
            return null;
        }
        List<BmapExtent> ext = fs.extents(dir);
        if (!XfsDirs.isBlockForm(disk, dir, ext)) {
            return null;
        }
        long fsb = DirWriter.mapped(ext, 0);
        BlockName what = new BlockName("directory inode", dir.ino(), "block", -1);
        // The cached buffer itself: the caller holds the directory's lock exclusively and stores
        // what it changes before its transaction ends (XfsDisk#cachedForChange).
        byte[] b = DirLookup.readDataBlock(disk, dir.ino(), fsb, DataBlock.XFS_DIR3_BLOCK_MAGIC, what, true);
        int count = (int) be32(b, bs - 8);
        int stale = (int) be32(b, bs - 4);
        int leaf = bs - 8 - 8 * count;
        Corrupt.check(count >= 2 && stale < count && leaf >= DataBlock.HDR_SIZE, "%s: leaf count %d stale %d", what,
                count, stale);
        return new Blk(fsb, b, count, stale, leaf);
    }

    /** Whether {@code dir} is a block directory. */
    boolean edits(XfsInode dir) throws FsException {
        return open(dir) != null;
    }

    /**
     * Whether a name of {@code namelen} bytes can go into block directory {@code dir} in place;
     * null when {@code dir} is not a block directory.
     */
    Boolean fits(XfsInode dir, int namelen) throws FsException {
        Blk k = open(dir);
        return k == null ? null : room(k, DataBlock.entrySize(namelen, ftype));
    }

    /**
     * Whether the block holds an entry of {@code size} bytes and its leaf slot. With no stale slot
     * the leaf grows into the free region before it, which must be there; the entry then needs a
     * free region of its size after that one lost its last eight bytes.
     */
    private boolean room(Blk k, int size) {
        if (k.stale() > 0) {
            return be16(k.b(), 50) >= size;
        }
        int endRegion = be16(k.b(), k.leaf() - 2);
        if (endRegion < DataBlock.HDR_SIZE || be16(k.b(), endRegion) != 0xffff) {
            return false;
        }
        for (int s = 0; s < 3; s++) {
            int off = be16(k.b(), 48 + 4 * s);
            int len = be16(k.b(), 50 + 4 * s);
            if (len == 0) {
                break;
            }
            if ((off == endRegion ? len - 8 : len) >= size) {
                return true;
            }
        }
        // The table holds the three longest regions: any other is no longer than its last.
        return false;
    }

    /** Adds {@code rec} in place; false (nothing changed) when {@code dir} is no block directory or the name does not fit. */
    boolean add(XfsInode dir, DirRecord rec) throws FsException {
        Blk k = open(dir);
        int size = DataBlock.entrySize(rec.name().length, ftype);
        if (k == null || !room(k, size)) {
            return false;
        }
        byte[] b = k.b();
        int hash = DirWriter.hash(rec.name());
        int mid = firstAtOrAbove(k, hash);
        for (int i = mid; i < k.count() && k.hash(i) == hash; i++) {
            if (k.address(i) != 0 && named(b, (int) (k.address(i) << 3), rec.name())) {
                throw Corrupt.of("directory %d: \"%s\" appeared under its lock", dir.ino(),
                        new String(rec.name(), StandardCharsets.UTF_8));
            }
        }
        int leaf = k.leaf();
        int count = k.count();
        int stale = k.stale();
        int slot;
        if (stale == 0) {
            // The leaf grows down by one slot into the free region before it.
            int region = be16(b, leaf - 2);
            int len = be16(b, region + 2);
            if (len > 8) {
                DataBlockEdits.unused(b, region, len - 8);
            }
            System.arraycopy(b, leaf, b, leaf - 8, 8 * mid);
            leaf -= 8;
            count++;
            slot = mid;
            if (inBestFree(b, region)) {
                dataEdits.bestFree(b, leaf);  // the region that shrank may no longer be where the table has it
            }
        } else {
            slot = takeStale(b, leaf, count, mid);
            stale--;
        }
        int off = dataEdits.insertEntry(b, rec, leaf);
        put32(b, leaf + 8 * slot, hash & 0xffffffffL);
        put32(b, leaf + 8 * slot + 4, off >>> 3);
        put32(b, bs - 8, count);
        put32(b, bs - 4, stale);
        store(dir, k.fsb(), b);
        return true;
    }

    /**
     * Frees the stale slot nearest to {@code mid} (where the new hash belongs) by moving the
     * entries between them one slot towards it; returns the slot the new entry takes.
     */
    private static int takeStale(byte[] b, int leaf, int count, int mid) {
        int low = mid - 1;
        while (low >= 0 && be32(b, leaf + 8 * low + 4) != 0) {
            low--;
        }
        int high = mid;
        while (high < count && be32(b, leaf + 8 * high + 4) != 0) {
            high++;
        }
        if (low >= 0 && (high == count || mid - low <= high - mid + 1)) {
            System.arraycopy(b, leaf + 8 * (low + 1), b, leaf + 8 * low, 8 * (mid - 1 - low));
            return mid - 1;
        }
        System.arraycopy(b, leaf + 8 * mid, b, leaf + 8 * (mid + 1), 8 * (high - mid));
        return mid;
    }

    /**
     * Removes {@code name} in place; false (nothing changed) when {@code dir} is no block directory
     * or what is left fits the inode as a shortform directory (the caller rewrites it there).
     */
    boolean remove(XfsInode dir, byte[] name) throws FsException {
        Blk k = open(dir);
        if (k == null) {
            return false;
        }
        int i = find(k, name, dir);
        byte[] b = k.b();
        int off = (int) (k.address(i) << 3);
        if (fitsShortform(k, dir, off)) {
            return false;
        }
        put32(b, k.leaf() + 8 * i + 4, 0);
        put32(b, bs - 4, k.stale() + 1);
        dataEdits.freeEntry(b, off, k.leaf());
        store(dir, k.fsb(), b);
        return true;
    }

    /** Points {@code name} at another inode in place; false when {@code dir} is no block directory. */
    boolean replace(XfsInode dir, byte[] name, long ino, int ft) throws FsException {
        Blk k = open(dir);
        if (k == null) {
            return false;
        }
        byte[] b = k.b();
        int off = (int) (k.address(find(k, name, dir)) << 3);
        put64(b, off, ino);
        if (ftype) {
            put8(b, off + 9 + name.length, ft);
        }
        store(dir, k.fsb(), b);
        return true;
    }

    private static boolean inBestFree(byte[] b, int region) {
        for (int s = 0; s < 3; s++) {
            if (be16(b, 50 + 4 * s) != 0 && be16(b, 48 + 4 * s) == region) {
                return true;
            }
        }
        return false;
    }

    /** The first leaf slot whose hash is not below {@code hash}. */
    private static int firstAtOrAbove(Blk k, int hash) {
        int lo = 0;
        int hi = k.count();
        while (lo < hi) {
            int m = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(k.hash(m), hash) < 0) {
                lo = m + 1;
            } else {
                hi = m;
            }
        }
        return lo;
    }

    /** The live leaf slot of {@code name}; its absence under the directory's lock is corruption. */
    private int find(Blk k, byte[] name, XfsInode dir) throws FsException {
        int hash = DirWriter.hash(name);
        for (int i = firstAtOrAbove(k, hash); i < k.count() && k.hash(i) == hash; i++) {
            long address = k.address(i);
            if (address != 0) {
                int off = (int) (address << 3);
                Corrupt.check(off >= DataBlock.HDR_SIZE && off + 9 < k.leaf() && be16(k.b(), off) != 0xffff,
                        "directory inode %d: leaf address 0x%x names no entry", dir.ino(), address);
                if (named(k.b(), off, name)) {
                    return i;
                }
            }
        }
        throw Corrupt.of("directory %d lost \"%s\" under its lock", dir.ino(), new String(name, StandardCharsets.UTF_8));
    }

    private boolean named(byte[] b, int off, byte[] name) {
        int len = u8(b, off + 8);
        return len == name.length && off + 9 + len <= bs && Arrays.equals(b, off + 9, off + 9 + len, name, 0, len);
    }

    /**
     * xfs_dir2_block_sfsize: whether the entries other than "." and ".." and the one at
     * {@code gone} fit the inode's data fork as a shortform directory.
     */
    private boolean fitsShortform(Blk k, XfsInode dir, int gone) {
        int left = k.count() - k.stale() - 3;
        if (left * (3 + 1 + (ftype ? 1 : 0) + 4) > dir.dataForkSize()) {
            return false;                     // more names than the fork holds of the shortest
        }
        byte[] b = k.b();
        long parent = 0;
        int names = 0;
        int nameBytes = 0;
        boolean i8 = false;
        for (int pos = DataBlock.HDR_SIZE; pos < k.leaf(); ) {
            if (be16(b, pos) == 0xffff) {
                pos += be16(b, pos + 2);
                continue;
            }
            int len = u8(b, pos + 8);
            long ino = be64(b, pos);
            boolean dot = len == 1 && b[pos + 9] == '.';
            boolean dotdot = len == 2 && b[pos + 9] == '.' && b[pos + 10] == '.';
            if (dotdot) {
                parent = ino;
            } else if (!dot && pos != gone) {
                names++;
                nameBytes += len;
                i8 |= ino > 0xffffffffL;
            }
            pos += DataBlock.entrySize(len, ftype);
        }
        int inoLen = i8 || parent > 0xffffffffL ? 8 : 4;
        int size = 2 + inoLen + names * (3 + (ftype ? 1 : 0) + inoLen) + nameBytes;
        return size <= dir.dataForkSize();
    }

    /** The block with its CRC, and the directory's times (as a rewrite leaves them). */
    private void store(XfsInode dir, long fsb, byte[] b) throws FsException {
        disk.writeBytes(disk.fsbToByte(fsb), b, bs, DataBlock.CRC_OFF);
        Instant now = CoarseClock.now(1);
        fs.changeInode(dir, d -> {
            d.mtime(now);
            d.ctime(now);
        });
    }
}
