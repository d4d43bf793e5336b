package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What an inode's extended attributes hold on to, let go when the inode is freed, as
 * ext4_xattr_delete_inode lets go: the xattr block (i_file_acl, shared by h_refcount inodes: one
 * reference less, the block freed with the last) and, with ea_inode, the inodes that hold large
 * values (e_value_inum; their reference count in i_ctime and i_version: one less, the inode freed
 * with the last). jdax reads and writes no attribute itself; this is what keeps freeing a file that
 * has them from leaking blocks and inodes.
 */
final class Xattrs {
    private static final int MAGIC = 0xEA020000;
    private static final int BLOCK_ENTRIES = 32;

    private Xattrs() {
    }

    /** {@return where the attributes kept inside {@code in} after its extra fields begin, or -1 when it keeps none} */
    static int inInodeEntries(Ext4Inode in) {
        int header = 128 + in.i_extra_isize();
        return in.b.capacity() > 128 && header + 4 <= in.b.capacity() && in.b.getInt(header) == MAGIC ? header + 4 : -1;
    }

    /**
     * Where the entry {@code index}/{@code name} is among those from {@code first} in {@code b}
     * (an inode's bytes or an xattr block's; values addressed from {@code valueBase}), checked to
     * lie inside {@code b}: {entry, value, size}, or null.
     */
    static int[] find(ByteBuffer b, int first, int valueBase, int index, byte[] name, String where) throws FsException {
        int end = b.capacity();
        for (int at = first; at + 16 <= end && b.getInt(at) != 0; ) {
            int nameLen = b.get(at) & 0xff;
            int valueOffs = b.getShort(at + 2) & 0xffff;
            int size = b.getInt(at + 8);
            if (at + 16 + nameLen > end || size < 0 || valueBase + valueOffs + (long) size > end) {
                throw FsException.of(Errno.EUCLEAN, "ext4: %s: extended attribute entry at %d runs past its end", where, at);
            }
            if ((b.get(at + 1) & 0xff) == index && Arrays.equals(b.array(), at + 16, at + 16 + nameLen, name, 0, name.length)) {
                return new int[] {at, valueBase + valueOffs, size};
            }
            at += entrySize(nameLen);
        }
        return null;
    }

    /**
     * The value of attribute {@code index}/{@code name} of {@code in}: in the inode's body first,
     * then in its xattr block (ext4_xattr_get's order), or null. A value kept in an inode of its own
     * (ea_inode) is EOPNOTSUPP: only the small values jdax asks for are read here.
     */
    static byte[] value(Ext4FileSystem fs, Ext4Inode in, int index, byte[] name) throws FsException {
        int first = inInodeEntries(in);
        if (first >= 0) {
            int[] e = find(in.b, first, first, index, name, "inode " + in.ino);
            if (e != null) {
                return copyValue(in.b, e, in.ino);
            }
        }
        long acl = fileAcl(in, fs.superblock());
        if (acl == 0) {
            return null;
        }
        ByteBuffer b = block(fs.disk(), in, acl);
        int[] e = find(b, BLOCK_ENTRIES, 0, index, name, "inode " + in.ino + " xattr block " + acl);
        return e == null ? null : copyValue(b, e, in.ino);
    }

    /** {@code in}'s attribute block {@code acl}, its place and magic checked. */
    private static ByteBuffer block(Disk disk, Ext4Inode in, long acl) throws FsException {
        disk.check(acl, "inode " + in.ino + " xattr block");
        ByteBuffer b = disk.read(acl, "inode " + in.ino + " xattr block");
        if (b.getInt(0) != MAGIC) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: xattr block %d: h_magic 0x%08x", in.ino, acl, b.getInt(0));
        }
        return b;
    }

    private static byte[] copyValue(ByteBuffer b, int[] e, long ino) throws FsException {
        if (b.getInt(e[0] + 4) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d: an attribute value in an inode of its own", ino);
        }
        return Arrays.copyOfRange(b.array(), e[1], e[1] + e[2]);
    }

    /** EXT4_XATTR_LEN: an entry with a name of {@code nameLength} bytes, rounded to 4. */
    static int entrySize(int nameLength) {
        return (16 + nameLength + 3) & ~3;
    }

    /**
     * Adds {@code index}/{@code name} = {@code value} to the attributes kept in an inode's body (from
     * {@code header}, i_extra_isize's end; the magic written first when the body keeps none): the
     * entry after the last one, its value below the lowest value (ext4_xattr_set_entry's places),
     * with ext4_xattr_hash_entry's hash. {@return false when the body has no room for both}
     */
    static boolean addInBody(ByteBuffer b, int header, int index, byte[] name, byte[] value) {
        int[] place = placeInBody(b, header, name.length, value.length);
        if (place == null) {
            return false;
        }
        int first = header + 4;
        int end = place[0];
        int valueAt = place[1];
        if (b.getInt(header) != MAGIC) {
            int cap = b.capacity();
            for (int at = header; at < cap; at++) {
                b.put(at, (byte) 0);
            }
            b.putInt(header, MAGIC);
        }
        b.put(end, (byte) name.length);
        b.put(end + 1, (byte) index);
        b.putShort(end + 2, (short) (valueAt - first));
        b.putInt(end + 4, 0);
        b.putInt(end + 8, value.length);
        b.putInt(end + 12, entryHash(name, value));
        b.put(end + 16, name);
        for (int at = end + 16 + name.length; at < end + entrySize(name.length) + 4; at++) {
            b.put(at, (byte) 0); // the name's padding and the end marker
        }
        b.put(valueAt, value);
        return true;
    }

    /**
     * Where {@link #addInBody} would put an entry with a name of {@code nameLength} bytes and a value
     * of {@code valueLength}: {entry, value}, or null when the body has no room for both.
     */
    static int[] placeInBody(ByteBuffer b, int header, int nameLength, int valueLength) {
        int cap = b.capacity();
        int first = header + 4;
        int end = first;
        int lowestValue = cap;
        if (first <= cap && b.getInt(header) == MAGIC) {
            while (end + 4 <= cap && b.getInt(end) != 0) {
                if (b.getInt(end + 4) == 0 && b.getInt(end + 8) > 0) {
                    lowestValue = Math.min(lowestValue, first + (b.getShort(end + 2) & 0xffff));
                }
                end += entrySize(b.get(end) & 0xff);
            }
        }
        int valueAt = lowestValue - ((valueLength + 3) & ~3);
        return end + entrySize(nameLength) + 4 > valueAt ? null : new int[] {end, valueAt};
    }

    /** ext4_xattr_hash_entry: the name's bytes, then the value's little-endian words (zero-padded), each rotated in. */
    private static int entryHash(byte[] name, byte[] value) {
        int hash = 0;
        for (byte c : name) {
            hash = (hash << 5) ^ (hash >>> 27) ^ (c & 0xff);
        }
        byte[] padded = Arrays.copyOf(value, (value.length + 3) & ~3);
        ByteBuffer words = ByteBuffer.wrap(padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        while (words.hasRemaining()) {
            hash = (hash << 16) ^ (hash >>> 16) ^ words.getInt();
        }
        return hash;
    }

    /** i_file_acl: the xattr block (lo at 0x68, hi at 0x76 with 64bit), or 0. */
    static long fileAcl(Ext4Inode in, Ext4Superblock sb) {
        long lo = in.b.getInt(0x68) & 0xffffffffL;
        return sb.is64() ? lo | (long) (in.b.getShort(0x76) & 0xffff) << 32 : lo;
    }

    /** Lets go of everything {@code in}'s attributes hold; the caller frees the inode itself. */
    static void release(Ext4FileSystem fs, Ext4Inode in) throws FsException {
        if (fileAcl(in, fs.superblock()) == 0 && inInodeEntries(in) < 0) {
            // Nothing shared to let go of, as for most files: the lock that guards the shared
            // references is not taken (Linux's ext4_xattr_delete_inode returns as early), since
            // every file freed by every thread would otherwise pass through it.
            return;
        }
        fs.xattrRefs.lock();
        try {
            releaseLocked(fs, in);
        } finally {
            fs.xattrRefs.unlock();
        }
    }

    private static void releaseLocked(Ext4FileSystem fs, Ext4Inode in) throws FsException {
        Ext4Superblock sb = fs.superblock();
        int first = inInodeEntries(in);
        if (first >= 0) {
            dropValueInodes(fs, in.b, first, in.b.capacity(), in.ino);
        }
        long acl = fileAcl(in, sb);
        if (acl == 0) {
            return;
        }
        Disk disk = fs.disk();
        ByteBuffer b = block(disk, in, acl);
        int refs = b.getInt(4);
        if (refs > 1) {
            b.putInt(4, refs - 1);
            seal(sb, b, acl);
            disk.write(acl, b, "xattr block");
        } else {
            dropValueInodes(fs, b, BLOCK_ENTRIES, b.capacity(), in.ino);
            fs.allocator().freeBlocks(acl, 1);
        }
        in.b.putInt(0x68, 0);
        if (sb.is64()) {
            in.b.putShort(0x76, (short) 0);
        }
    }

    /** ext4_xattr_block_csum: crc32c over the block number and the block, h_checksum as zero. */
    private static void seal(Ext4Superblock sb, ByteBuffer b, long blk) {
        if (!sb.hasCsum()) {
            return;
        }
        b.putInt(16, 0);
        int c = Crc32c.update(sb.csumSeed(), (int) blk);
        c = Crc32c.update(c, (int) (blk >>> 32));
        b.putInt(16, Crc32c.update(c, b.array(), 0, b.capacity()));
    }

    /** Walks the entries from {@code first} and lets go of each value inode (e_value_inum). */
    private static void dropValueInodes(Ext4FileSystem fs, ByteBuffer b, int first, int end, long owner) throws FsException {
        for (int at = first; at + 16 <= end && b.getInt(at) != 0; at += entrySize(b.get(at) & 0xff)) {
            long inum = b.getInt(at + 4) & 0xffffffffL;
            if (inum != 0) {
                dropRef(fs, inum, owner);
            }
        }
    }

    /** ext4_xattr_inode_dec_ref: one reference less; the last frees the value's inode. */
    private static void dropRef(Ext4FileSystem fs, long inum, long owner) throws FsException {
        // A value inode has no name, so no one else has it in core: this copy is the only one.
        Ext4Inode ea = fs.iget(inum);
        if ((ea.i_flags() & Ext4Inode.EA_INODE_FL) == 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: xattr value inode %d lacks EA_INODE_FL", owner, inum);
        }
        long refs = ((ea.b.getInt(0xC) & 0xffffffffL) << 32 | (ea.b.getInt(0x24) & 0xffffffffL)) - 1;
        fs.changeInode(ea, e -> {
            e.b.putInt(0xC, (int) (refs >>> 32));
            e.b.putInt(0x24, (int) refs);
            if (refs <= 0) {
                e.i_links_count(0);
            }
        });
        if (refs <= 0) {
            fs.release(ea);
        }
    }
}
