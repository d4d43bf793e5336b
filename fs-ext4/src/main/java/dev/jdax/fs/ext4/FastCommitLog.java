package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast-commit area of a jbd2 journal as ext4 writes it (fs/ext4/fast_commit.h): tag-length-value
 * records, little-endian, never split across blocks; a HEAD names the transaction the fast commits
 * follow, each fast commit ends with a TAIL carrying that tid and the crc32c of everything since the
 * previous tail, padded to the end of its block. {@link #scan} is {@code ext4_fc_replay_scan}: the tags
 * up to the last tail that checks out are the ones to replay.
 */
final class FastCommitLog {
    static final int ADD_RANGE = 1;
    static final int DEL_RANGE = 2;
    static final int CREAT = 3;
    static final int LINK = 4;
    static final int UNLINK = 5;
    static final int INODE = 6;
    static final int PAD = 7;
    static final int TAIL = 8;
    static final int HEAD = 9;
    /** EXT4_FC_SUPPORTED_FEATURES: a HEAD asking for any feature is not replayed. */
    private static final int SUPPORTED_FEATURES = 0;
    private static final int TL = 4;
    private static final String[] NAMES = {"?", "ADD_RANGE", "DEL_RANGE", "CREAT", "LINK", "UNLINK", "INODE", "PAD", "TAIL", "HEAD"};

    private FastCommitLog() {
    }

    /** One record: its tag and its value (the bytes after the tag and length). */
    record Tag(int tag, ByteBuffer value) {
        long u32(int off) {
            return value.getInt(off) & 0xffffffffL;
        }

        int length() {
            return value.capacity();
        }

        /** CREAT, LINK, UNLINK: {@code struct ext4_fc_dentry_info}'s name after parent and inode. */
        byte[] name() {
            byte[] n = new byte[length() - 8];
            value.get(8, n);
            return n;
        }

        String tagName() {
            return tag < NAMES.length ? NAMES[tag] : "tag " + tag;
        }
    }

    /**
     * The tags to replay from {@code blocks} (the area from its first block on), for the transaction
     * {@code expectedTid} the full commits ended before. Empty when the area does not start with a
     * HEAD of that transaction (stale fast commits of an earlier one, or none). An area that starts
     * right but whose first fast commit does not check out fails, as it fails Linux's recovery.
     */
    static List<Tag> scan(List<byte[]> blocks, int expectedTid, int inodeSize) throws FsException {
        List<Tag> seen = new ArrayList<>();
        int replay = 0;
        int crc = 0;
        for (int blk = 0; blk < blocks.size(); blk++) {
            ByteBuffer b = ByteBuffer.wrap(blocks.get(blk)).order(ByteOrder.LITTLE_ENDIAN);
            if (blk == 0 && (b.getShort(0) & 0xffff) != HEAD) {
                return List.of();
            }
            int bs = b.capacity();
            for (int cur = 0; cur <= bs - TL; ) {
                int tag = b.getShort(cur) & 0xffff;
                int len = b.getShort(cur + 2) & 0xffff;
                if (len > bs - cur - TL || !lengthValid(tag, len, inodeSize)) {
                    return stop(seen, replay, blk, "%s of %d bytes at offset %d", tag < NAMES.length ? NAMES[tag] : "tag " + tag, len, cur);
                }
                Tag t = new Tag(tag, b.slice(cur + TL, len).order(ByteOrder.LITTLE_ENDIAN));
                switch (tag) {
                    case ADD_RANGE, DEL_RANGE, CREAT, LINK, UNLINK, INODE, PAD -> {
                        seen.add(t);
                        crc = Crc32c.update(crc, b.array(), cur, TL + len);
                    }
                    case TAIL -> {
                        seen.add(t);
                        crc = Crc32c.update(crc, b.array(), cur, TL + 4);
                        if ((int) t.u32(0) == expectedTid && (int) t.u32(4) == crc) {
                            replay = seen.size();
                        } else {
                            return stop(seen, replay, blk, "a tail of transaction %d with crc 0x%x, computed 0x%x (transaction %d expected)",
                                    (int) t.u32(0), (int) t.u32(4), crc, expectedTid);
                        }
                        crc = 0;
                    }
                    case HEAD -> {
                        if ((t.u32(0) & ~SUPPORTED_FEATURES) != 0) {
                            throw failed(blk, "a head asking for features 0x%x", t.u32(0));
                        }
                        if ((int) t.u32(4) != expectedTid) {
                            return seen.subList(0, replay);
                        }
                        seen.add(t);
                        crc = Crc32c.update(crc, b.array(), cur, TL + len);
                    }
                    default -> {
                        return stop(seen, replay, blk, "unknown tag %d", tag);
                    }
                }
                cur += TL + len;
            }
        }
        return seen.subList(0, replay);
    }

    /** ext4_fc_value_len_isvalid: what each tag's value must measure. */
    private static boolean lengthValid(int tag, int len, int inodeSize) {
        return switch (tag) {
            case ADD_RANGE -> len == 16;
            case DEL_RANGE -> len == 12;
            case CREAT, LINK, UNLINK -> len - 8 >= 1 && len - 8 <= 255;
            case INODE -> len - 4 >= 128 && len - 4 <= inodeSize;
            case PAD -> true;
            case TAIL -> len >= 8;
            case HEAD -> len == 8;
            default -> false;
        };
    }

    /** JBD2_FC_REPLAY_STOP once a fast commit checked out; before that, the error Linux fails recovery with. */
    private static List<Tag> stop(List<Tag> seen, int replay, int blk, String what, Object... args) throws FsException {
        if (replay > 0) {
            return seen.subList(0, replay);
        }
        throw failed(blk, what, args);
    }

    private static FsException failed(int blk, String what, Object... args) {
        return FsException.of(Errno.EIO, "ext4: journal recovery failed: fast-commit block %d: %s (Linux's jbd2 fails "
                + "the mount on it too)", blk, String.format(what, args));
    }
}
