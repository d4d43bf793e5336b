package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One quota file in the v2r1 format of Linux's fs/quota/quota_v2.c and quota_tree.c (what mke2fs
 * -O quota writes and e2fsck checks): 1 KiB blocks; block 0 holds the header (magic, version 1) and
 * {@code v2_disk_dqinfo}; block 1 is the root of a four-level radix tree over the id, one byte per
 * level, whose last level points at data blocks of 72-byte {@code v2r1_disk_dqblk} entries behind a
 * 16-byte {@code qt_disk_dqdbheader}. Blocks are taken from the free list or appended, and data
 * blocks with room are kept on the free-entry list, as {@code do_insert_tree} and
 * {@code find_free_dqentry} keep them.
 */
final class QuotaFile {
    private static final int QBLK = 1024;
    private static final int DEPTH = 4;
    private static final int TREE_ROOT = 1;
    private static final int INFO = 8;
    private static final int DATA_HEADER = 16;
    private static final int ENTRY = 72;
    private static final int PER_BLOCK = (QBLK - DATA_HEADER) / ENTRY;
    private static final int CURINODES = 24;
    private static final int CURSPACE = 48;
    private static final int ITIME = 64;

    /** The quota file's bytes, 1 KiB block by block, wherever the file system keeps them. */
    interface Storage {
        ByteBuffer read(long qblk) throws FsException;

        void write(long qblk, ByteBuffer b) throws FsException;
    }

    private final String name;
    private final Storage store;

    QuotaFile(String name, Storage store) {
        this.name = name;
        this.store = store;
    }

    private ByteBuffer block(long qblk) throws FsException {
        return store.read(qblk).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Checks the header: the magic of its type and version 1 (v2r1). */
    void verify(int magic) throws FsException {
        ByteBuffer h = block(0);
        if (h.getInt(0) != magic || h.getInt(4) != 1) {
            throw FsException.of(Errno.EUCLEAN, "ext4: %s quota file: magic 0x%08x version %d (want 0x%08x, 1)", name, h.getInt(0),
                    h.getInt(4), magic);
        }
    }

    private static int index(int id, int depth) {
        return (id >>> ((DEPTH - depth - 1) * 8)) & 0xff;
    }

    /** Adds {@code space} bytes and {@code inodes} inodes (either may be negative) to the usage of {@code id}. */
    void add(int id, long space, long inodes) throws FsException {
        long at = find(id);
        if (at < 0) {
            at = insert(id);
        }
        ByteBuffer b = block(at / QBLK);
        int off = (int) (at % QBLK);
        b.putLong(off + CURSPACE, Math.max(0, b.getLong(off + CURSPACE) + space));
        b.putLong(off + CURINODES, Math.max(0, b.getLong(off + CURINODES) + inodes));
        if (allZero(b, off)) {
            b.putLong(off + ITIME, 1); // v2r1_mem2diskdqblk: an entry of id 0 with nothing in it is marked used
        }
        store.write(at / QBLK, b);
    }

    /** The usage of {@code id}: {space, inodes}, zeros when it has no entry. */
    long[] usage(int id) throws FsException {
        long at = find(id);
        if (at < 0) {
            return new long[2];
        }
        ByteBuffer b = block(at / QBLK);
        int off = (int) (at % QBLK);
        return new long[] {b.getLong(off + CURSPACE), b.getLong(off + CURINODES)};
    }

    /** The byte offset of {@code id}'s entry, or -1. */
    private long find(int id) throws FsException {
        long blk = TREE_ROOT;
        for (int depth = 0; depth < DEPTH; depth++) {
            blk = block(blk).getInt(index(id, depth) * 4) & 0xffffffffL;
            if (blk == 0) {
                return -1;
            }
        }
        ByteBuffer b = block(blk);
        for (int i = 0; i < PER_BLOCK; i++) {
            int off = DATA_HEADER + i * ENTRY;
            if (!allZero(b, off) && b.getInt(off) == id) {
                return blk * QBLK + off;
            }
        }
        throw FsException.of(Errno.EUCLEAN, "ext4: %s quota file: the tree leads id %d to block %d, which does not hold it", name,
                id, blk);
    }

    private static boolean allZero(ByteBuffer b, int off) {
        for (int i = 0; i < ENTRY; i += 8) {
            if (b.getLong(off + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** do_insert_tree: tree blocks made where the path has none, then an entry for {@code id}; its offset. */
    private long insert(int id) throws FsException {
        long blk = TREE_ROOT;
        for (int depth = 0; depth < DEPTH; depth++) {
            ByteBuffer t = block(blk);
            long next = t.getInt(index(id, depth) * 4) & 0xffffffffL;
            if (next == 0) {
                next = depth == DEPTH - 1 ? freeEntryBlock() : freeBlock();
                t.putInt(index(id, depth) * 4, (int) next);
                store.write(blk, t);
            }
            blk = next;
        }
        ByteBuffer d = block(blk);
        int entries = d.getShort(8) & 0xffff;
        if (entries + 1 >= PER_BLOCK) {
            unlinkFree(blk, d);
        }
        d.putShort(8, (short) (entries + 1));
        for (int i = 0; i < PER_BLOCK; i++) {
            int off = DATA_HEADER + i * ENTRY;
            if (allZero(d, off)) {
                d.putInt(off, id);
                if (id == 0) {
                    d.putLong(off + ITIME, 1);
                }
                store.write(blk, d);
                return blk * QBLK + off;
            }
        }
        throw FsException.of(Errno.EUCLEAN, "ext4: %s quota file: block %d counts %d entries and has no free one", name, blk, entries);
    }

    /** get_free_dqblk: the first block of the free list, else a new one at the end of the file. */
    private long freeBlock() throws FsException {
        ByteBuffer info = block(0);
        long blk = info.getInt(INFO + 16) & 0xffffffffL;
        if (blk != 0) {
            info.putInt(INFO + 16, block(blk).getInt(0));
        } else {
            blk = info.getInt(INFO + 12) & 0xffffffffL;
            info.putInt(INFO + 12, (int) (blk + 1));
        }
        store.write(0, info);
        store.write(blk, ByteBuffer.allocate(QBLK));
        return blk;
    }

    /** find_free_dqentry's block: the first on the free-entry list, else a new one put on it. */
    private long freeEntryBlock() throws FsException {
        long blk = block(0).getInt(INFO + 20) & 0xffffffffL;
        if (blk != 0) {
            return blk;
        }
        blk = freeBlock();
        ByteBuffer info = block(0);
        info.putInt(INFO + 20, (int) blk);
        store.write(0, info);
        return blk;
    }

    /** remove_free_dqentry: takes a data block that is about to be full off the free-entry list. */
    private void unlinkFree(long blk, ByteBuffer d) throws FsException {
        long next = d.getInt(0) & 0xffffffffL;
        long prev = d.getInt(4) & 0xffffffffL;
        if (prev != 0) {
            ByteBuffer p = block(prev);
            p.putInt(0, (int) next);
            store.write(prev, p);
        } else {
            ByteBuffer info = block(0);
            info.putInt(INFO + 20, (int) next);
            store.write(0, info);
        }
        if (next != 0) {
            ByteBuffer n = block(next);
            n.putInt(4, (int) prev);
            store.write(next, n);
        }
        d.putInt(0, 0);
        d.putInt(4, 0);
    }
}
