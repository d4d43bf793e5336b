package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Data kept in the inode (inline_data, EXT4_INLINE_DATA_FL), as fs/ext4/inline.c keeps it: the first
 * 60 bytes in i_block, the rest in the value of the {@code system.data} extended attribute in the
 * inode body (after i_extra_isize: the 0xEA020000 magic, entries of {@code ext4_xattr_entry}, values
 * addressed from the first entry). A directory's inline bytes are the parent's inode number, then
 * dirents without "." and "..".
 *
 * <p>jdax reads them and, before any change (a write, truncate, fallocate, a writable mapping, a new
 * name in a directory), converts the file to a block-mapped one as ext4_convert_inline_data does when
 * the data outgrows the inode; it never makes inline data itself. Inline files are never DAX.
 */
final class InlineData {
    static final int INLINE_DATA_FL = 0x10000000;
    /** EXT4_MIN_INLINE_DATA_SIZE: i_block's 60 bytes. */
    static final int I_BLOCK_SIZE = 60;
    private static final int I_BLOCK = 0x28;
    private static final int INDEX_SYSTEM = 7;
    private static final byte[] DATA = {'d', 'a', 't', 'a'};

    private InlineData() {
    }

    static boolean has(Ext4Inode in) {
        return (in.i_flags() & INLINE_DATA_FL) != 0;
    }

    /** Where system.data's entry and value are in the inode's bytes: {entry, value, size}, or null. */
    private static int[] systemData(Ext4Inode in) throws FsException {
        int first = Xattrs.inInodeEntries(in);
        return first < 0 ? null : Xattrs.find(in.b, first, first, INDEX_SYSTEM, DATA, "inode " + in.ino);
    }

    /** The first {@code length} inline bytes: i_block, then system.data's value. */
    static byte[] bytes(Ext4Inode in, long length) throws FsException {
        int[] sd = systemData(in);
        int more = sd == null ? 0 : sd[2];
        if (length > I_BLOCK_SIZE + more) {
            throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: %d bytes of inline data, but i_block and system.data hold %d",
                    in.ino, length, I_BLOCK_SIZE + more);
        }
        byte[] out = new byte[(int) length];
        System.arraycopy(in.b.array(), I_BLOCK, out, 0, (int) Math.min(length, I_BLOCK_SIZE));
        if (length > I_BLOCK_SIZE) {
            System.arraycopy(in.b.array(), sd[1], out, I_BLOCK_SIZE, (int) length - I_BLOCK_SIZE);
        }
        return out;
    }

    /** Everything the inode holds inline: 60 bytes of i_block and the whole system.data value (a directory's capacity). */
    static byte[] all(Ext4Inode in) throws FsException {
        int[] sd = systemData(in);
        return bytes(in, I_BLOCK_SIZE + (sd == null ? 0 : sd[2]));
    }

    /** The device byte address of the inline bytes in i_block, for FIEMAP (FIEMAP_EXTENT_DATA_INLINE). */
    static long address(long inodeOffset) {
        return inodeOffset + I_BLOCK;
    }

    /**
     * Takes the inline data out of the inode (ext4_destroy_inline_data): system.data's entry and value
     * removed from the inode body, i_block zeroed, the flag cleared. The caller maps blocks for what
     * it returns and writes the inode.
     */
    static byte[] take(Ext4Inode in, long length) throws FsException {
        byte[] data = bytes(in, length);
        int[] sd = systemData(in);
        if (sd != null) {
            int entry = sd[0];
            int entryLen = (16 + (in.b.get(entry) & 0xff) + 3) & ~3;
            Arrays.fill(in.b.array(), sd[1], sd[1] + sd[2], (byte) 0);
            int end = entry;
            while (end + 4 <= in.b.capacity() && in.b.getInt(end) != 0) {
                end += (16 + (in.b.get(end) & 0xff) + 3) & ~3;
            }
            byte[] a = in.b.array();
            System.arraycopy(a, entry + entryLen, a, entry, end - entry - entryLen);
            Arrays.fill(a, end - entryLen, end, (byte) 0);
        }
        Arrays.fill(in.b.array(), I_BLOCK, I_BLOCK + I_BLOCK_SIZE, (byte) 0);
        in.i_flags(in.i_flags() & ~INLINE_DATA_FL);
        return data;
    }

    /** A directory's parent, the first four inline bytes. */
    static long parent(Ext4Inode dir) {
        return dir.b.getInt(I_BLOCK) & 0xffffffffL;
    }

    /**
     * An inline directory as one buffer of dirents: "." and ".." (which inline directories do not
     * store) made up in front, then the dirents of i_block after the parent and of system.data's value.
     */
    static ByteBuffer dirents(Ext4Inode dir) throws FsException {
        byte[] all = all(dir);
        ByteBuffer b = ByteBuffer.allocate(24 + all.length - 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, (int) dir.ino);
        b.putShort(4, (short) 12);
        b.put(6, (byte) 1);
        b.put(7, (byte) 2);
        b.put(8, (byte) '.');
        b.putInt(12, (int) parent(dir));
        b.putShort(16, (short) 12);
        b.put(18, (byte) 2);
        b.put(19, (byte) 2);
        b.put(20, (byte) '.');
        b.put(21, (byte) '.');
        b.put(24, all, 4, all.length - 4);
        return b;
    }

    /**
     * ext4_convert_inline_data for a regular file: its bytes move to a block of their own (written in
     * the same transaction), the inline data leaves the inode, and the inode gets an empty block map.
     */
    static void fileToBlocks(Ext4FileSystem fs, Ext4Inode in) throws FsException {
        long size = in.i_size();
        byte[] data = take(in, size);
        fs.startBlockMap(in);
        if (size > 0) {
            Extent e = fs.allocate(in, 0, 1, false);
            // File data goes to the device itself, as every data write does (the engine reads it
            // there), and is flushed before the transaction that maps it commits (data=ordered).
            byte[] blk = java.util.Arrays.copyOf(data, fs.blockSize());
            long at = e.pblk() * fs.blockSize();
            fs.device().store(at, java.lang.foreign.MemorySegment.ofArray(blk), 0, blk.length);
            fs.device().flush(at, blk.length);
        }
        fs.writeInode(in);
    }
}
