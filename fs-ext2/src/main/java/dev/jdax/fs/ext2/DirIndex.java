package dev.jdax.fs.ext2;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What jdax keeps in memory about one linear ext2 directory so that a change does not read the
 * whole of it, while the format stays Linux's: where each name is (its block and offset, keyed by a
 * 64-bit hash of the name, the record itself read to confirm), and how much room each block has
 * for a new record (the largest {@code rec_len} beyond its own name, in a max-tree over the blocks).
 * {@code ext2_add_link} puts a name into the first record with room of the first block with room;
 * the tree finds that block in O(log n) and the block is scanned as Linux scans it, so the name lands
 * exactly where Linux would put it. Built once per in-core directory by one pass over its blocks;
 * kept up to date by {@link Dir} under the directory's i_rwsem held exclusively.
 *
 * <p>Per block it also keeps where a walk of its records may start ({@link #scanFrom}): a record
 * before which no record has room for another (the smallest takes {@link #MIN_RECORD} bytes). A
 * search for room starts there, and so may the search for the record before a name's (which a
 * removal merges into) when that name lies beyond it: in a full block of a large directory they
 * read the few records at its end rather than every record from the first.
 */
final class DirIndex {
    /** A place in the directory: block index (file block) and byte offset. */
    static long at(long block, int offset) {
        return block << 16 | offset;
    }

    static long blockOf(long at) {
        return at >>> 16;
    }

    static int offsetOf(long at) {
        return (int) (at & 0xffff);
    }

    /** The smallest record: one with a one-byte name ({@code EXT2_DIR_REC_LEN(1)}); less room than this is none. */
    static final int MIN_RECORD = 12;

    private final HashPlaces byHash = new HashPlaces();
    /** Names whose hash another live name already has (rare): looked up first. */
    private final Map<String, Long> collided = new HashMap<>();
    /** Room per block, as a max-tree: leaf i at {@code room[size + i]}. */
    private int[] room;
    /** Per block, a record offset before which no record has room for another (0 until known). */
    private int[] scanFrom;
    /**
     * Per block, the device block that holds it (0 until known): a directory's blocks stay where
     * they are while it lives (it only grows at its end), and in a directory of 100,000 names the
     * walk of the indirect blocks to find one was two cache misses a change.
     */
    private long[] device;
    private int size;

    DirIndex(long blocks) {
        size = 1;
        while (size < Math.max(1, blocks)) {
            size <<= 1;
        }
        room = new int[2 * size];
        scanFrom = new int[size];
        device = new long[size];
    }

    /** A 64-bit hash of the name's characters (FNV-1a, then a finalising mix), never 0 ({@link HashPlaces}' empty key). */
    static long hash(String name) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }

    /** Where {@code name} may be: the caller reads the record there to confirm it; -1 when nowhere. */
    long find(String name) {
        Long c = collided.get(name);
        if (c != null) {
            return c;
        }
        return byHash.get(hash(name));
    }

    void put(String name, long at) {
        long h = hash(name);
        if (byHash.get(h) >= 0) {
            collided.put(name, at);
        } else {
            byHash.put(h, at);
        }
    }

    /** Forgets {@code name}, which was at {@code at}. */
    void remove(String name, long at) {
        if (collided.remove(name) != null) {
            return;
        }
        long h = hash(name);
        if (byHash.get(h) == at) {
            byHash.remove(h);
            for (Map.Entry<String, Long> e : collided.entrySet()) {
                if (hash(e.getKey()) == h) { // another name of that hash moves up
                    byHash.put(h, e.getValue());
                    collided.remove(e.getKey());
                    break;
                }
            }
        }
    }

    /** Sets the room of block {@code block}: the largest record it could take (0 below {@link #MIN_RECORD}). */
    void room(long block, int bytes) {
        while (block >= size) {
            int[] grown = new int[4 * size];
            System.arraycopy(room, size, grown, 2 * size, size);
            scanFrom = Arrays.copyOf(scanFrom, 2 * size);
            device = Arrays.copyOf(device, 2 * size);
            size *= 2;
            room = grown;
            for (int i = size - 1; i > 0; i--) {
                room[i] = Math.max(room[2 * i], room[2 * i + 1]);
            }
        }
        int i = (int) (size + block);
        room[i] = bytes < MIN_RECORD ? 0 : bytes;
        for (i >>>= 1; i > 0; i >>>= 1) {
            room[i] = Math.max(room[2 * i], room[2 * i + 1]);
        }
    }

    /** {@return the offset of a record of block {@code block} before which no record has room} (0 for a block never set) */
    int scanFrom(long block) {
        return block < size ? scanFrom[(int) block] : 0;
    }

    /**
     * Block {@code block}'s records before the one at {@code offset} have no room (less than
     * {@link #MIN_RECORD} bytes each). The block's room must have been set already.
     */
    void scanFrom(long block, int offset) {
        scanFrom[(int) block] = offset;
    }

    /** {@return the device block holding directory block {@code block}}, or 0 when not known */
    long device(long block) {
        return block < size ? device[(int) block] : 0;
    }

    /** Directory block {@code block} is device block {@code blk}; its room must have been set already. */
    void device(long block, long blk) {
        device[(int) block] = blk;
    }

    /** The room of block {@code block} as last set (0 for a block never set). */
    int roomOf(long block) {
        return block < size ? room[(int) (size + block)] : 0;
    }

    /** The first block with room for a record of {@code need} bytes, or -1. */
    long firstWithRoom(int need) {
        if (room[1] < need) {
            return -1;
        }
        int i = 1;
        while (i < size) {
            i = room[2 * i] >= need ? 2 * i : 2 * i + 1;
        }
        return i - size;
    }
}
