package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.Arrays;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * In-place edits of one directory data block (xfs_dir2_data_use_free, xfs_dir2_data_make_free,
 * xfs_dir2_data_freescan): an entry into a free region, an entry back to free space, the header's
 * bestfree table kept as Linux keeps it: changed where the change was, the block scanned only when
 * the table cannot know its third region (a scan per change walked a hundred entries twice per
 * create and unlink). The data area ends at the block's end, or where a block directory's leaf
 * begins ({@code end}).
 */
final class DataBlockEdits {
    /** The bestfree table: {@link #SLOTS} pairs of offset and length, longest first. */
    private static final int BEST = 48;
    private static final int SLOTS = 3;

    private final XfsDisk disk;
    private final int bs;
    private final boolean ftype;

    DataBlockEdits(XfsDisk disk) {
        this.disk = disk;
        this.bs = disk.blockSize();
        this.ftype = disk.sb().hasFtype();
    }

    /** A new data block (XDD3) of one free region. */
    byte[] emptyBlock(long owner, long fsb) {
        byte[] b = new byte[bs];
        put32(b, 0, DataBlock.XFS_DIR3_DATA_MAGIC);
        put64(b, 8, disk.fsbToDaddr(fsb));
        put64(b, 24, disk.sb().metaUuid().getMostSignificantBits());
        put64(b, 32, disk.sb().metaUuid().getLeastSignificantBits());
        put64(b, 40, owner);
        unused(b, DataBlock.HDR_SIZE, bs - DataBlock.HDR_SIZE);
        bestFree(b);
        return b;
    }

    static void unused(byte[] b, int off, int len) {
        put16(b, off, 0xffff);
        put16(b, off + 2, len);
        put16(b, off + len - 2, off);
    }

    /**
     * xfs_dir2_data_use_free: the entry takes the start of the longest free region; the rest stays
     * free. The bestfree table is kept up to date as Linux keeps it, without a scan unless the
     * table held three regions and the rest of this one fell to its last slot or out of it (then
     * a region the table did not hold may be among the three longest). The data area ends at
     * {@code end}.
     */
    int insertEntry(byte[] b, DirRecord rec, int end) throws FsException {
        int size = DataBlock.entrySize(rec.name().length, ftype);
        int off = be16(b, 48);
        int len = be16(b, 50);
        Corrupt.check(len >= size && be16(b, off) == 0xffff && be16(b, off + 2) == len,
                "directory data block: best free region at %d of %d bytes cannot take %d", off, len, size);
        boolean full = tableFull(b);
        Arrays.fill(b, off, off + size, (byte) 0);
        put64(b, off, rec.ino());
        put8(b, off + 8, rec.name().length);
        System.arraycopy(rec.name(), 0, b, off + 9, rec.name().length);
        if (ftype) {
            put8(b, off + 9 + rec.name().length, rec.ftype());
        }
        put16(b, off + size - 2, off);
        removeBest(b, 0);
        int slot = -1;
        if (len > size) {
            unused(b, off + size, len - size);
            slot = insertBest(b, off + size, len - size);
        }
        if (full && (slot < 0 || slot == SLOTS - 1)) {
            bestFree(b, end);
        }
        return off;
    }

    /** {@link #freeEntry(byte[], int, int)} in a data block of no leaf. */
    void freeEntry(byte[] b, int off) {
        freeEntry(b, off, bs);
    }

    /**
     * xfs_dir2_data_make_free: the entry becomes free space, joined with free neighbours, in a data
     * area ending at {@code end}. The joined region is longer than either neighbour, so it takes a
     * neighbour's place in the bestfree table or is compared with the table's last; only when the
     * table was full and held both neighbours is a slot left that a scan must fill.
     */
    void freeEntry(byte[] b, int off, int end) {
        boolean full = tableFull(b);
        int start = off;
        int stop = off + DataBlock.entrySize(u8(b, off + 8), ftype);
        int dropped = 0;
        if (start > DataBlock.HDR_SIZE) {
            int prev = be16(b, start - 2);
            if (be16(b, prev) == 0xffff) {
                start = prev;
                dropped += removeBest(b, slotOf(b, prev));
            }
        }
        if (stop < end && be16(b, stop) == 0xffff) {
            dropped += removeBest(b, slotOf(b, stop));
            stop += be16(b, stop + 2);
        }
        unused(b, start, stop - start);
        insertBest(b, start, stop - start);
        if (full && dropped == 2) {
            bestFree(b, end);
        }
    }

    /** Whether the bestfree table names {@link #SLOTS} regions (its last slot has a length). */
    private static boolean tableFull(byte[] b) {
        return be16(b, BEST + 4 * (SLOTS - 1) + 2) != 0;
    }

    /** The longest free region's length, from the bestfree table. */
    static int longest(byte[] b) {
        return be16(b, 50);
    }

    /** The bestfree slot that names the free region at {@code off}, or -1 (xfs_dir2_data_freefind). */
    private static int slotOf(byte[] b, int off) {
        for (int s = 0; s < SLOTS; s++) {
            if (be16(b, BEST + 4 * s) == off && be16(b, BEST + 4 * s + 2) != 0) {
                return s;
            }
        }
        return -1;
    }

    /** Drops slot {@code s} (none when negative), the later ones moving up (xfs_dir2_data_freeremove); 1 if one was dropped. */
    private static int removeBest(byte[] b, int s) {
        if (s < 0) {
            return 0;
        }
        System.arraycopy(b, BEST + 4 * (s + 1), b, BEST + 4 * s, 4 * (SLOTS - 1 - s));
        put16(b, BEST + 4 * (SLOTS - 1), 0);
        put16(b, BEST + 4 * (SLOTS - 1) + 2, 0);
        return 1;
    }

    /**
     * Puts the region into the table after the regions at least as long (xfs_dir2_data_freeinsert),
     * the last slot's falling out; returns its slot, or -1 when the table's three are all at least
     * as long.
     */
    private static int insertBest(byte[] b, int off, int len) {
        for (int s = 0; s < SLOTS; s++) {
            if (len > be16(b, BEST + 4 * s + 2)) {
                System.arraycopy(b, BEST + 4 * s, b, BEST + 4 * (s + 1), 4 * (SLOTS - 1 - s));
                put16(b, BEST + 4 * s, off);
                put16(b, BEST + 4 * s + 2, len);
                return s;
            }
        }
        return -1;
    }

    /**
     * xfs_dir2_data_freescan: the three longest free regions into the header's bestfree table,
     * longest first, an earlier region before a later one of the same length. Returns the longest.
     */
    int bestFree(byte[] b) {
        return bestFree(b, bs);
    }

    /** {@link #bestFree(byte[])} of a data area ending at {@code end}. */
    int bestFree(byte[] b, int end) {
        int[] off = new int[3];
        int[] len = new int[3];
        for (int pos = DataBlock.HDR_SIZE; pos < end; ) {
            if (be16(b, pos) == 0xffff) {
                int l = be16(b, pos + 2);
                for (int s = 0; s < 3; s++) {
                    if (l > len[s]) {
                        System.arraycopy(off, s, off, s + 1, 2 - s);
                        System.arraycopy(len, s, len, s + 1, 2 - s);
                        off[s] = pos;
                        len[s] = l;
                        break;
                    }
                }
                pos += l;
            } else {
                pos += DataBlock.entrySize(u8(b, pos + 8), ftype);
            }
        }
        for (int s = 0; s < 3; s++) {
            put16(b, 48 + 4 * s, off[s]);
            put16(b, 50 + 4 * s, len[s]);
        }
        return len[0];
    }
}
