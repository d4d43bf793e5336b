package dev.jdax.fs.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Writes fast commits the way ext4_fc_add_tlv and ext4_fc_write_tail lay them out, for tests. */
final class FastCommitWriter {
    final List<byte[]> blocks = new ArrayList<>();
    private final int bs;
    private ByteBuffer cur;
    private int crc;

    FastCommitWriter(int bs) {
        this.bs = bs;
    }

    static byte[] le(int... words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    FastCommitWriter tlv(int tag, byte[] value) {
        reserve(4 + value.length);
        put(tag, value);
        return this;
    }

    private void put(int tag, byte[] value) {
        int at = cur.position();
        cur.putShort((short) tag).putShort((short) value.length).put(value);
        crc = Crc32c.update(crc, cur.array(), at, 4 + value.length);
    }

    /** ext4_fc_reserve_space: a record never splits; a block without room for it and a PAD ends with a PAD. */
    private void reserve(int len) {
        if (cur != null && cur.remaining() >= len + 4) {
            return;
        }
        if (cur != null) {
            put(FastCommitLog.PAD, new byte[cur.remaining() - 4]);
        }
        cur = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        blocks.add(cur.array());
    }

    FastCommitWriter head(int tid) {
        return tlv(FastCommitLog.HEAD, le(0, tid));
    }

    /** The tail: its length runs to the end of the block; its crc covers everything since the last tail. */
    FastCommitWriter tail(int tid, boolean corrupt) {
        reserve(12);
        int at = cur.position();
        cur.putShort((short) FastCommitLog.TAIL).putShort((short) (cur.remaining() - 4)).putInt(tid);
        crc = Crc32c.update(crc, cur.array(), at, 8);
        cur.putInt(corrupt ? ~crc : crc);
        crc = 0;
        cur = null;
        return this;
    }

    /** struct ext4_fc_inode: the inode number, then its bytes. */
    FastCommitWriter inode(long ino, byte[] raw) {
        ByteBuffer v = ByteBuffer.allocate(4 + raw.length).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt((int) ino).put(raw);
        return tlv(FastCommitLog.INODE, v.array());
    }

    /** struct ext4_fc_add_range: the inode, then an on-disk struct ext4_extent. */
    FastCommitWriter addRange(long ino, long lblk, int len, long pblk) {
        ByteBuffer v = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt((int) ino).putInt((int) lblk).putShort((short) len).putShort((short) (pblk >>> 32)).putInt((int) pblk);
        return tlv(FastCommitLog.ADD_RANGE, v.array());
    }

    FastCommitWriter delRange(long ino, long lblk, long len) {
        return tlv(FastCommitLog.DEL_RANGE, le((int) ino, (int) lblk, (int) len));
    }

    /** CREAT, LINK or UNLINK: struct ext4_fc_dentry_info. */
    FastCommitWriter dentry(int tag, long parent, long ino, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer v = ByteBuffer.allocate(8 + n.length).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt((int) parent).putInt((int) ino).put(n);
        return tlv(tag, v.array());
    }
}
