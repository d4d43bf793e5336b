package dev.jdax.fs.ext4;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What jdax keeps in memory about the records of one directory leaf block, so that a search reads a
 * few of them rather than walking the block: each record's offset, its room (rec_len beyond its own
 * name's record; all of it for an empty record) and a tag of its name (a hash; 0 for an empty
 * record), in block order. A search for a name scans the tags and reads the record of a tag that
 * matches; a search for room scans the rooms. Both find what the walks over the block find
 * ({@code search_dirblock}; {@code ext4_find_dest_de}: the first record with room), so names land
 * exactly where Linux puts them; the walks were most of what a directory's size added to a rename in
 * a directory of 100,000 names, each over a leaf of about 150 records that the previous changes had
 * left out of the cache (docs/PERFORMANCE.md).
 *
 * <p>Built from a leaf as read (its records checked as they are walked, or none built), and kept up
 * to date by the change that puts a name in ({@link #inserted}) or takes one out ({@link #removed});
 * any other write of the block drops it ({@link DirLeaves#drop}). Changed only under the
 * directory's i_rwsem held exclusively, read under either side.
 */
final class LeafRecords {
    /** Where the records end (before the checksum tail, when the block has one): kept for a block of that shape only. */
    final int end;
    private int n;
    private int[] offsets;
    private int[] rooms;
    private int[] tags;

    private LeafRecords(int end, int capacity) {
        this.end = end;
        offsets = new int[capacity];
        rooms = new int[capacity];
        tags = new int[capacity];
    }

    /** A name's tag: never 0, which marks an empty record. */
    static int tag(byte[] b, int from, int len) {
        int h = 0x9e3779b9 ^ len;
        for (int i = 0; i < len; i++) {
            h = (h ^ b[from + i]) * 0x01000193;
        }
        h ^= h >>> 15;
        return h == 0 ? 1 : h;
    }

    /**
     * The records of leaf {@code buf} up to {@code end}; null when one cannot be stepped over or
     * holds a name longer than its rec_len, which the walk reports where it meets it.
     */
    static LeafRecords of(ByteBuffer buf, int end) {
        byte[] b = buf.array();
        LeafRecords r = new LeafRecords(end, 64);
        for (int off = 0; off < end; ) {
            int recLen = Dirents.recLenAt(b, off, end);
            if (!Dirents.steppable(off, recLen, end)) {
                return null;
            }
            int used = Dirents.usedAt(b, off);
            if (used > recLen) {
                return null;
            }
            r.add(r.n, off, recLen - used, used == 0 ? 0 : tag(b, off + 8, b[off + 6] & 0xff));
            off += recLen;
        }
        return r;
    }

    private void add(int i, int offset, int room, int tag) {
        if (n == offsets.length) {
            offsets = Arrays.copyOf(offsets, 2 * n);
            rooms = Arrays.copyOf(rooms, 2 * n);
            tags = Arrays.copyOf(tags, 2 * n);
        }
        System.arraycopy(offsets, i, offsets, i + 1, n - i);
        System.arraycopy(rooms, i, rooms, i + 1, n - i);
        System.arraycopy(tags, i, tags, i + 1, n - i);
        offsets[i] = offset;
        rooms[i] = room;
        tags[i] = tag;
        n++;
    }

    private void delete(int i) {
        System.arraycopy(offsets, i + 1, offsets, i, n - i - 1);
        System.arraycopy(rooms, i + 1, rooms, i, n - i - 1);
        System.arraycopy(tags, i + 1, tags, i, n - i - 1);
        n--;
    }

    /**
     * The index of the live record named {@code want} (tag {@code tag}) in {@code b}, the block these
     * records describe, or -1.
     */
    int find(byte[] b, byte[] want, int tag) {
        int len = want.length;
        for (int i = 0; i < n; i++) {
            if (tags[i] == tag) {
                int off = offsets[i];
                if ((b[off + 6] & 0xff) == len && Arrays.equals(b, off + 8, off + 8 + len, want, 0, len)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** {@return the offset of record {@code i}} */
    int offset(int i) {
        return offsets[i];
    }

    /** {@return the offset of the record before record {@code i}}, or -1 for the block's first */
    int prevOffset(int i) {
        return i == 0 ? -1 : offsets[i - 1];
    }

    /** {@return the offset of the first record with room for a name of {@code nameLen} bytes}, or -1 ({@link Dirents#findRoom}) */
    int firstRoom(int nameLen) {
        int need = Dirents.recLenFor(nameLen);
        for (int i = 0; i < n; i++) {
            if (rooms[i] >= need) {
                return offsets[i];
            }
        }
        return -1;
    }

    /** The index of the record at {@code offset}, or -1 when no record starts there. */
    private int indexOf(int offset) {
        int i = Arrays.binarySearch(offsets, 0, n, offset);
        return i < 0 ? -1 : i;
    }

    /**
     * A name of {@code nameLen} bytes, tag {@code tag}, went into the record at {@code at} and
     * starts at {@code placed} ({@link Dirents#insert}: after that record's own name when it is
     * live, else in its place); {@return false when no record starts at {@code at}: these records
     * no longer describe the block}
     */
    boolean inserted(int at, int placed, int nameLen, int tag) {
        int i = indexOf(at);
        if (i < 0) {
            return false;
        }
        int room = rooms[i] - Dirents.recLenFor(nameLen);
        if (placed == at) {
            rooms[i] = room;
            tags[i] = tag;
        } else {
            rooms[i] = 0;
            add(i + 1, placed, room, tag);
        }
        return true;
    }

    /**
     * The live record at {@code offset} ({@code recLen} bytes) was taken out: joined to the record
     * before it, or emptied when first in the block ({@code ext4_delete_entry}); {@return false when
     * no record starts there}
     */
    boolean removed(int offset, int recLen) {
        int i = indexOf(offset);
        if (i < 0) {
            return false;
        }
        if (i == 0) {
            rooms[0] = recLen;
            tags[0] = 0;
        } else {
            rooms[i - 1] += recLen;
            delete(i);
        }
        return true;
    }

    /** {@return whether {@code o} describes the same records} (for tests: kept against built afresh) */
    boolean sameAs(LeafRecords o) {
        return o != null && end == o.end && n == o.n && Arrays.equals(offsets, 0, n, o.offsets, 0, n)
                && Arrays.equals(rooms, 0, n, o.rooms, 0, n) && Arrays.equals(tags, 0, n, o.tags, 0, n);
    }
}
