package dev.jdax.fs.ext4;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What a directory's last change left in its leaf, kept in the directory's inode while nothing has
 * changed the directory since ({@link #writes}: its count of block writes after the change): a name
 * just added, where its record is and which record precedes it; or a name just removed, and the
 * record that holds its room now. A file made and unlinked again and again (a lock file, a
 * temporary file written and deleted) then costs no descent of the index and no walk of the leaf:
 * its unlink finds the record here, and its next create puts it back where it was. The two walks
 * (the unlink's search from the leaf's first record, the create's search for room) and, in a
 * hashed directory, the two descents of the index were most of what the size of a directory
 * added to a create and unlink: through {@code java.nio.file}, 372,000-446,000 a second in a
 * directory of 100,000 names against 468,000-485,000 in one of 100 (where the leaf walked is the
 * directory's one block), 656,000-666,000 and 664,000 with the record kept (docs/PERFORMANCE.md).
 *
 * <p>The place it gives is the one Linux's walks would find ({@code search_dirblock},
 * {@code ext4_find_dest_de}: the first record with room). An added name is kept only from a
 * create that searched its leaf from the first record, so no record before its place had room for
 * it; removing it gives that room to the record before it; adding the same name again finds no
 * record before that one with room, as nothing else changed: the first with room is that one.
 * Only the same name comes back there (a hashed directory puts a name in the leaf its hash leads
 * to, and another name may hash elsewhere or need more room). Written and read under the
 * directory's i_rwsem (exclusive to change it); immutable, as {@link HashedName}.
 *
 * @param lblk       the leaf's block in the directory
 * @param offset     the added name's record; for a removed name, the record that holds its room
 * @param recLen     the added name's rec_len (unused for a removed name)
 * @param prevOffset the record before the added name's, or -1 when it is the block's first
 * @param name       the name's bytes, as stored
 * @param ino        the added name's inode
 * @param fileType   the added name's file type
 * @param added      an added name (else a removed one)
 * @param writes     the directory's block writes once the change was written
 */
record LastDirent(long lblk, int offset, int recLen, int prevOffset, byte[] name, long ino, int fileType, boolean added,
                  long writes) {
    /**
     * The name {@code name} just placed at {@code placed} of leaf {@code b} (block {@code lblk}),
     * into the record that was at {@code at}; null when the record before it is not known (a
     * dead record in the middle of a block, which only another writer leaves).
     */
    static LastDirent added(long lblk, ByteBuffer b, int at, int placed, byte[] name, long ino, int fileType, long writes) {
        int prev = placed != at ? at : at == 0 ? -1 : -2;
        if (prev == -2) {
            return null;
        }
        return new LastDirent(lblk, placed, b.getShort(placed + 4) & 0xffff, prev, name.clone(), ino, fileType, true, writes);
    }

    /** {@return this added name, just removed}: its room is with the record before it, or its own when it was the block's first. */
    LastDirent removed(long writes) {
        return new LastDirent(lblk, prevOffset >= 0 ? prevOffset : offset, 0, -1, name, 0, 0, false, writes);
    }

    /** {@return whether it holds for {@code dir} now and names {@code want}, added ({@code added}) or removed} */
    boolean holds(Ext4Inode dir, boolean added, byte[] want) {
        return this.added == added && writes == dir.dirWrites && Arrays.equals(name, want);
    }

    /** {@return the added name's record, as {@link Ext4Dir#find} gives it, called {@code name}} */
    Ext4Dir.Entry entry(String name) {
        return new Ext4Dir.Entry(lblk, offset, recLen, ino, name, fileType, prevOffset);
    }

    /** {@return whether {@code e} is the added name's record} */
    boolean is(Ext4Dir.Entry e) {
        return added && e.lblk() == lblk && e.offset() == offset;
    }
}
