package dev.jdax.fs.ext4;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The records of one directory leaf block ({@code struct ext4_dir_entry_2}: inode, rec_len,
 * name_len, file_type, name), as fs/ext4/namei.c places them: a new name goes into the first record
 * with room after its own name ({@code ext4_find_dest_de}, {@code ext4_insert_dentry}); a block
 * rebuilt from a list of names packs them and gives the last one the rest of the block
 * ({@code dx_pack_dirents}). A walk steps only over a rec_len it has checked ({@link #steppable});
 * {@code end} is where the records stop (before the checksum tail with metadata_csum).
 */
final class Dirents {
    /** A live record: its inode, type, name, and where it was. */
    record Rec(long ino, int type, byte[] name, int offset, int recLen) {
    }

    /** What {@link #findRoom} answers for a block whose records cannot be walked. */
    static final int DAMAGED = -2;
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private Dirents() {
    }

    static int recLenFor(int nameLen) {
        return (8 + nameLen + 3) & ~3;
    }

    /**
     * Whether a walk may step over the record at {@code off} by its rec_len: at least a record's
     * 12 bytes, a multiple of 4, and inside the records' {@code end}, as {@code ext4_check_dir_entry}
     * requires; a walk over a damaged block ends there instead of looping or reading past it.
     */
    static boolean steppable(int off, int recLen, int end) {
        return recLen >= 12 && (recLen & 3) == 0 && off + recLen <= end;
    }

    static void put(ByteBuffer b, int at, int recLen, long ino, byte[] name, int type) {
        b.putInt(at, (int) ino);
        b.putShort(at + 4, (short) recLen);
        b.put(at + 6, (byte) name.length);
        b.put(at + 7, (byte) type);
        b.put(at + 8, name);
    }

    /**
     * ext4_find_dest_de: the offset of the first record with room for a name of {@code nameLen}
     * bytes, -1 when none has, or {@link #DAMAGED} when a record's rec_len cannot be stepped over
     * ({@link #steppable}).
     */
    static int findRoom(ByteBuffer buf, int from, int end, int nameLen) {
        byte[] b = buf.array();
        int need = recLenFor(nameLen);
        for (int off = from; off < end; ) {
            int recLen = recLenAt(b, off, end);
            if (!steppable(off, recLen, end)) {
                return DAMAGED;
            }
            if (recLen - usedAt(b, off) >= need) {
                return off;
            }
            off += recLen;
        }
        return -1;
    }

    /**
     * Whether the record at {@code at} can be stepped over and has room for a name of
     * {@code nameLen} bytes after its own name: what {@link #findRoom} asks of each record.
     */
    static boolean hasRoom(ByteBuffer buf, int at, int end, int nameLen) {
        byte[] b = buf.array();
        int recLen = recLenAt(b, at, end);
        return steppable(at, recLen, end) && recLen - usedAt(b, at) >= recLenFor(nameLen);
    }

    /** The rec_len of the record at {@code off}, or 0 when fewer than a record's 12 bytes are left before {@code end}. */
    static int recLenAt(byte[] b, int off, int end) {
        return end - off < 12 ? 0 : (short) LE_SHORT.get(b, off + 4) & 0xffff;
    }

    /** What the record at {@code off} uses of its rec_len: its own name's record, none when it is empty. */
    static int usedAt(byte[] b, int off) {
        return (int) LE_INT.get(b, off) == 0 ? 0 : recLenFor(b[off + 6] & 0xff);
    }

    /**
     * ext4_insert_dentry: the name into the record at {@code at}, after that record's own name when
     * it is live; {@return where the new record starts}
     */
    static int insert(ByteBuffer b, int at, long ino, byte[] name, int type) {
        int recLen = b.getShort(at + 4) & 0xffff;
        if (b.getInt(at) != 0) {
            int used = recLenFor(b.get(at + 6) & 0xff);
            b.putShort(at + 4, (short) used);
            at += used;
            recLen -= used;
        }
        put(b, at, recLen, ino, name, type);
        return at;
    }

    /** The live records of the block from {@code from} to {@code end}, in block order. */
    static List<Rec> live(ByteBuffer b, int from, int end) {
        List<Rec> out = new ArrayList<>();
        for (int off = from; off < end; ) {
            int recLen = b.getShort(off + 4) & 0xffff;
            long ino = b.getInt(off) & 0xffffffffL;
            if (ino != 0) {
                int nameLen = b.get(off + 6) & 0xff;
                byte[] name = new byte[nameLen];
                b.get(off + 8, name);
                out.add(new Rec(ino, b.get(off + 7) & 0xff, name, off, recLen));
            }
            off += recLen;
        }
        return out;
    }

    /**
     * A block of {@code bs} bytes holding {@code recs} packed in order, the last record reaching
     * {@code end}; an empty record over it all when there are none.
     */
    static ByteBuffer pack(List<Rec> recs, int bs, int end) {
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        if (recs.isEmpty()) {
            b.putShort(4, (short) end);
            return b;
        }
        int off = 0;
        for (int i = 0; i < recs.size(); i++) {
            Rec r = recs.get(i);
            int len = i == recs.size() - 1 ? end - off : recLenFor(r.name().length);
            put(b, off, len, r.ino(), r.name(), r.type());
            off += len;
        }
        return b;
    }
}
