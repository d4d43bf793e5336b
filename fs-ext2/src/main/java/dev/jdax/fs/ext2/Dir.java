package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.iomap.BlockMapping;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Linear ext2 directories: blocks of {@code ext2_dir_entry_2} records (inode, rec_len, name_len,
 * file_type, name), each block filled by its records' lengths. Every record read is checked
 * ({@code ext2_check_page}): a bad length is EUCLEAN naming the directory, block and offset. The
 * format is Linux's, names placed where Linux places them; what Linux finds by reading the
 * directory — a name, a block with room — jdax finds in the directory's {@link DirIndex}, built by
 * one pass the first time the in-core directory is searched or changed, so a lookup, create or
 * unlink in a directory of a million names reads one or two of its blocks. That pass checks every
 * record, as Linux checks a directory page once when it comes into the page cache; after it, an
 * operation checks the records it reads, which the index keeps to the few it needs (those from
 * where the block's room may begin, {@link DirIndex#scanFrom}), not the whole block each time.
 */
final class Dir {
    /** A record found: where it is, and what it says. */
    record Entry(long block, int offset, int recLen, long ino, String name, int fileType, int prevOffset, long index) {
    }

    private final Ext2FileSystem fs;
    private final Disk disk;
    private final int bs;
    /**
     * Each thread's block buffer for a lookup or change of one block (read, checked, changed,
     * written, its room counted again, with no other directory block read meanwhile): a create or
     * unlink allocates no block of its own, as Linux's reads the page cache's page.
     */
    private final ThreadLocal<Disk.Scratch> scratch;

    Dir(Ext2FileSystem fs, Disk disk) {
        this.fs = fs;
        this.disk = disk;
        this.bs = disk.blockSize();
        this.scratch = ThreadLocal.withInitial(() -> Disk.Scratch.of(bs));
    }

    /** Directory block {@code blk} in this thread's buffer, valid until this thread's next {@code block}. */
    private ByteBuffer block(Ext2Inode dir, long blk) throws FsException {
        return disk.readInto(blk, "directory", dir.ino, scratch.get());
    }

    static int fileType(FileType t) {
        return switch (t) {
            case REGULAR -> 1;
            case DIRECTORY -> 2;
            case CHAR_DEVICE -> 3;
            case BLOCK_DEVICE -> 4;
            case FIFO -> 5;
            case SOCKET -> 6;
            case SYMLINK -> 7;
            case UNKNOWN -> 0;
        };
    }

    static int recLenFor(int nameLen) {
        return (8 + nameLen + 3) & ~3;
    }

    private long blockOf(Ext2Inode dir, long i) throws FsException {
        BlockMapping m = fs.blockMap().map(dir, i, 1, false);
        if (!m.isMapped()) {
            throw FsException.of(Errno.EUCLEAN, "ext2: directory %d: hole at block %d", dir.ino, i);
        }
        return m.pblock();
    }

    /** Directory block {@code i}'s device block, as {@code idx} keeps it or else as the block map says. */
    private long blockOf(Ext2Inode dir, DirIndex idx, long i) throws FsException {
        long blk = idx.device(i);
        return blk != 0 ? blk : blockOf(dir, i);
    }

    private long blocks(Ext2Inode dir) throws FsException {
        long size = dir.i_size();
        if (size % bs != 0 || size / bs > (1 << 22)) {
            throw FsException.of(Errno.EUCLEAN, "ext2: directory %d: size %d is not a whole number of blocks", dir.ino, size);
        }
        return size / bs;
    }

    /** Every record, empty ones (inode 0) included, checked as it is read. */
    List<Entry> entries(Ext2Inode dir) throws FsException {
        List<Entry> out = new ArrayList<>();
        long n = blocks(dir);
        for (long i = 0; i < n; i++) {
            out.addAll(records(dir, i, blockOf(dir, i)));
        }
        return out;
    }

    /** The records of directory block {@code i} (device block {@code blk}), checked. */
    private List<Entry> records(Ext2Inode dir, long i, long blk) throws FsException {
        return records(dir, i, blk, disk.read(blk, "directory " + dir.ino));
    }

    /** The records of directory block {@code i} held in {@code b}, checked. */
    private List<Entry> records(Ext2Inode dir, long i, long blk, ByteBuffer b) throws FsException {
        List<Entry> out = new ArrayList<>();
        check(dir, i, b, (off, recLen, ino, nameLen, prev) -> {
            String name = new String(b.array(), off + 8, nameLen, StandardCharsets.UTF_8);
            out.add(new Entry(blk, off, recLen, ino, name, b.get(off + 7) & 0xff, prev, i));
        });
        return out;
    }

    /** What {@link #check} hands each record of a block, once checked. */
    private interface RecordVisitor {
        void visit(int off, int recLen, long ino, int nameLen, int prev);
    }

    /**
     * Checks every record of block {@code i}, as ext2_check_page does, handing each to {@code v} —
     * with no String made for a name no one asked for.
     */
    private void check(Ext2Inode dir, long i, ByteBuffer b, RecordVisitor v) throws FsException {
        long inodes = fs.superblock().s_inodes_count();
        int off = 0;
        int prev = -1;
        while (off < bs) {
            int recLen = checkRecord(dir, i, b, off, inodes);
            v.visit(off, recLen, b.getInt(off) & 0xffffffffL, b.get(off + 6) & 0xff, prev);
            prev = off;
            off += recLen;
        }
    }

    /** Checks the record at {@code off} of block {@code i} as ext2_check_page does; {@return its rec_len} */
    private int checkRecord(Ext2Inode dir, long i, ByteBuffer b, int off, long inodes) throws FsException {
        long ino = b.getInt(off) & 0xffffffffL;
        int recLen = b.getShort(off + 4) & 0xffff;
        int nameLen = b.get(off + 6) & 0xff;
        if (recLen < 12 || recLen % 4 != 0 || off + recLen > bs || (ino != 0 && recLen < recLenFor(nameLen))) {
            throw FsException.of(Errno.EUCLEAN, "ext2: directory %d: block %d offset %d: rec_len %d name_len %d is impossible",
                    dir.ino, i, off, recLen, nameLen);
        }
        if (ino > inodes) {
            throw FsException.of(Errno.EUCLEAN, "ext2: directory %d: block %d offset %d: inode %d beyond the %d inodes",
                    dir.ino, i, off, ino, inodes);
        }
        return recLen;
    }

    /** The room a block's records leave for one more: the largest rec_len beyond a record's own name. */
    private int room(Ext2Inode dir, long i, ByteBuffer b) throws FsException {
        int[] best = {0};
        check(dir, i, b, (off, recLen, ino, nameLen, prev) -> best[0] = Math.max(best[0], recLen - used(ino, nameLen)));
        return best[0];
    }

    /** The bytes a record needs for itself: none when it is empty. */
    private static int used(long ino, int nameLen) {
        return ino == 0 ? 0 : recLenFor(nameLen);
    }

    /** The directory's index, built by one pass over its blocks the first time it is needed. */
    private DirIndex index(Ext2Inode dir) throws FsException {
        DirIndex idx = dir.dirIndex;
        if (idx != null) {
            return idx;
        }
        long n = blocks(dir);
        DirIndex built = new DirIndex(n);
        for (long i = 0; i < n; i++) {
            long blk = blockOf(dir, i);
            ByteBuffer b = disk.read(blk, "directory " + dir.ino);
            int from = -1;
            int last = 0;
            for (Entry e : records(dir, i, blk, b)) {
                if (e.ino() != 0) {
                    built.put(e.name(), DirIndex.at(i, e.offset()));
                }
                if (from < 0 && e.recLen() - used(e.ino(), b.get(e.offset() + 6) & 0xff) >= DirIndex.MIN_RECORD) {
                    from = e.offset();
                }
                last = e.offset();
            }
            built.room(i, room(dir, i, b));
            built.scanFrom(i, from >= 0 ? from : last);
            built.device(i, blk);
        }
        // Concurrent lookups (i_rwsem shared) may build it twice from the same blocks: one is kept.
        return dir.publishDirIndex(built);
    }

    Entry find(Ext2Inode dir, String name) throws FsException {
        DirIndex idx = index(dir);
        long at = idx.find(name);
        if (at < 0) {
            return null;
        }
        long i = DirIndex.blockOf(at);
        if (i >= blocks(dir)) {
            return null;
        }
        long blk = blockOf(dir, idx, i);
        ByteBuffer b = block(dir, blk);
        int off = DirIndex.offsetOf(at);
        long inodes = fs.superblock().s_inodes_count();
        // The record before it (a removal merges into it): from where the block's room may begin
        // when that is before the name, else from the block's first record.
        int o = idx.scanFrom(i);
        if (o >= off) {
            o = 0;
        }
        int prev = -1;
        while (o < off) {
            int recLen = checkRecord(dir, i, b, o, inodes);
            prev = o;
            o += recLen;
        }
        if (o != off) {
            return null; // no record starts there: not this name's place
        }
        int recLen = checkRecord(dir, i, b, off, inodes);
        long ino = b.getInt(off) & 0xffffffffL;
        int nameLen = b.get(off + 6) & 0xff;
        if (ino == 0) {
            return null;
        }
        String found = new String(b.array(), off + 8, nameLen, StandardCharsets.UTF_8);
        return found.equals(name) ? new Entry(blk, off, recLen, ino, found, b.get(off + 7) & 0xff, prev, i) : null;
    }

    boolean isEmpty(Ext2Inode dir) throws FsException {
        for (Entry e : entries(dir)) {
            if (e.ino() != 0 && !e.name().equals(".") && !e.name().equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** Adds a record, in the first block with room, else in a new block at the end ({@code ext2_add_link}). */
    void add(Ext2Inode dir, String name, long ino, int fileType) throws FsException {
        byte[] nm = name.getBytes(StandardCharsets.UTF_8);
        int need = recLenFor(nm.length);
        DirIndex idx = index(dir);
        long i = idx.firstWithRoom(need);
        if (i >= 0) {
            long blk = blockOf(dir, idx, i);
            ByteBuffer b = block(dir, blk);
            long inodes = fs.superblock().s_inodes_count();
            // The first record with room (none before scanFrom has any): its offset, rec_len and
            // the bytes it uses; and the most room any later record leaves, so the block's room
            // after the insert needs no second pass (an earlier one's is less than any record).
            int fit = -1;
            int fitLen = 0;
            int fitUsed = 0;
            int other = 0;
            int roomBefore = -1; // the first record before the fit with room for a shorter name
            for (int off = idx.scanFrom(i); off < bs; ) {
                int recLen = checkRecord(dir, i, b, off, inodes);
                int used = used(b.getInt(off) & 0xffffffffL, b.get(off + 6) & 0xff);
                if (fit < 0 && recLen - used >= need) {
                    fit = off;
                    fitLen = recLen;
                    fitUsed = used;
                } else {
                    other = Math.max(other, recLen - used);
                    if (fit < 0 && roomBefore < 0 && recLen - used >= DirIndex.MIN_RECORD) {
                        roomBefore = off;
                    }
                }
                off += recLen;
            }
            if (fit >= 0) {
                int at = fit;
                int len = fitLen;
                if (fitUsed > 0) {
                    b.putShort(at + 4, (short) fitUsed);
                    at += fitUsed;
                    len -= fitUsed;
                }
                put(b, at, len, ino, nm, fileType);
                disk.write(blk, b, "directory", dir.ino);
                idx.put(name, DirIndex.at(i, at));
                idx.room(i, Math.max(other, len - need));
                idx.scanFrom(i, roomBefore >= 0 ? roomBefore : fit); // the records before are as they were
                fs.changeInode(dir, d -> d.touch(true, true));
                return;
            }
            dir.dropDirIndex(); // the index promised room the block does not have: rebuilt from the blocks next time
            throw FsException.of(Errno.EUCLEAN, "ext2: directory %d: block %d has no room its index said it had", dir.ino, i);
        }
        long index = dir.i_size() / bs;
        BlockMapping m = fs.blockMap().map(dir, index, 1, true);
        ByteBuffer b = ByteBuffer.allocate(bs).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        put(b, 0, bs, ino, nm, fileType);
        disk.write(m.pblock(), b, "directory " + dir.ino);
        fs.changeInode(dir, d -> {
            d.i_size(d.i_size() + bs);
            d.touch(true, true);
        });
        idx.put(name, DirIndex.at(index, 0));
        idx.room(index, bs - need);
        idx.scanFrom(index, 0);
        idx.device(index, m.pblock());
    }

    /** Writes a first block holding "." and "..". */
    void init(Ext2Inode dir, long parent) throws FsException {
        BlockMapping m = fs.blockMap().map(dir, 0, 1, true);
        ByteBuffer b = ByteBuffer.allocate(bs).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        put(b, 0, 12, dir.ino, ".".getBytes(StandardCharsets.UTF_8), 2);
        put(b, 12, bs - 12, parent, "..".getBytes(StandardCharsets.UTF_8), 2);
        disk.write(m.pblock(), b, "directory " + dir.ino);
        fs.changeInode(dir, d -> d.i_size(bs));
    }

    private static void put(ByteBuffer b, int at, int recLen, long ino, byte[] name, int fileType) {
        b.putInt(at, (int) ino);
        b.putShort(at + 4, (short) recLen);
        b.put(at + 6, (byte) name.length);
        b.put(at + 7, (byte) fileType);
        b.put(at + 8, name);
    }

    /** Removes a record: merged into the one before it, or emptied when first in its block ({@code ext2_delete_entry}). */
    void remove(Ext2Inode dir, Entry e) throws FsException {
        ByteBuffer b = block(dir, e.block());
        if (e.prevOffset() >= 0) {
            int prevLen = b.getShort(e.prevOffset() + 4) & 0xffff;
            b.putShort(e.prevOffset() + 4, (short) (prevLen + e.recLen()));
        } else {
            b.putInt(e.offset(), 0);
        }
        disk.write(e.block(), b, "directory", dir.ino);
        DirIndex idx = dir.dirIndex;
        if (idx != null) {
            idx.remove(e.name(), DirIndex.at(e.index(), e.offset()));
            // Only the record that took the removed one's bytes has more room now.
            int freed = e.prevOffset() >= 0
                    ? (b.getShort(e.prevOffset() + 4) & 0xffff) - used(b.getInt(e.prevOffset()) & 0xffffffffL, b.get(e.prevOffset() + 6) & 0xff)
                    : e.recLen();
            idx.room(e.index(), Math.max(idx.roomOf(e.index()), freed));
            // The record that has the room now may be before where the block's walks started.
            idx.scanFrom(e.index(), Math.min(idx.scanFrom(e.index()), Math.max(e.prevOffset(), 0)));
        }
        fs.changeInode(dir, d -> d.touch(true, true));
    }

    /** Points an existing record at another inode (rename over a name, a moved directory's ".."). */
    void retarget(Ext2Inode dir, Entry e, long ino, int fileType) throws FsException {
        ByteBuffer b = block(dir, e.block());
        b.putInt(e.offset(), (int) ino);
        b.put(e.offset() + 7, (byte) fileType);
        disk.write(e.block(), b, "directory", dir.ino);
        fs.changeInode(dir, d -> d.touch(true, true));
    }
}
