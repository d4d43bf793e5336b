package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Where the journal is, from the superblock's copy of the journal inode's i_block and size
 * ({@code s_jnl_blocks}, s_jnl_backup_type EXT3_JNL_BACKUP_BLOCKS): readable before the group
 * descriptors, even when a crash tore the table the inode is found by. An ext4 journal is an
 * extent tree rooted in that copy; an ext3 journal is an indirect map whose pointer blocks are read here.
 */
final class JournalInode {
    private static final int JNL_BLOCKS = 0x10C;
    private static final int MAX_BLOCKS = 1 << 24;
    /** EXT4_MAX_EXTENT_DEPTH. */
    private static final int MAX_DEPTH = 5;

    private JournalInode() {
    }

    /** The journal's device block of each of its file blocks. */
    static long[] blocks(DaxDevice device, Ext4Superblock sb) throws FsException {
        if ((sb.b.get(0xFD) & 0xff) != 1) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: the superblock keeps no copy of the journal inode (s_jnl_backup_type %d)",
                    sb.b.get(0xFD) & 0xff);
        }
        ByteBuffer root = sb.b.slice(JNL_BLOCKS, 60).order(ByteOrder.LITTLE_ENDIAN);
        long size = (sb.b.getInt(JNL_BLOCKS + 64) & 0xffffffffL) | (long) sb.b.getInt(JNL_BLOCKS + 60) << 32;
        long count = size / sb.blockSize();
        if (count <= 0 || count > MAX_BLOCKS) {
            throw FsException.of(Errno.EUCLEAN, "ext4: journal inode copy: %d blocks", count);
        }
        long[] map = new long[(int) count];
        Arrays.fill(map, -1);
        if ((root.getShort(0) & 0xffff) == ExtentTree.MAGIC) {
            extents(device, sb, root, map);
        } else {
            indirect(device, sb, root, map);
        }
        for (long b : map) {
            if (b <= 0 || b >= sb.s_blocks_count()) {
                throw FsException.of(Errno.EUCLEAN, "ext4: journal inode copy maps a block outside the file system");
            }
        }
        return map;
    }

    /**
     * The journal's extent tree, of any depth (mke2fs gives a journal of more than four extents, 1 GiB
     * on a 1 TiB file system, an index level): index blocks are read from the device, checked for
     * the header's magic, depth and bounds. Their checksums are not: they are seeded by the journal
     * inode's generation, which this copy does not carry.
     */
    private static void extents(DaxDevice device, Ext4Superblock sb, ByteBuffer root, long[] map) throws FsException {
        walkExtents(device, sb, root, 4, -1, map);
    }

    private static void walkExtents(DaxDevice device, Ext4Superblock sb, ByteBuffer node, int maxAllowed, int parentDepth,
                                    long[] map) throws FsException {
        int entries = node.getShort(2) & 0xffff;
        int max = node.getShort(4) & 0xffff;
        int depth = node.getShort(6) & 0xffff;
        if ((node.getShort(0) & 0xffff) != ExtentTree.MAGIC || entries > max || max > maxAllowed || depth > MAX_DEPTH
                || (parentDepth >= 0 && depth != parentDepth - 1)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: journal inode copy: extent node magic 0x%x entries %d max %d depth %d",
                    node.getShort(0) & 0xffff, entries, max, depth);
        }
        int bs = sb.blockSize();
        for (int i = 0; i < entries; i++) {
            int at = 12 + i * 12;
            long lblk = node.getInt(at) & 0xffffffffL;
            if (depth > 0) {
                long child = (node.getShort(at + 8) & 0xffffL) << 32 | (node.getInt(at + 4) & 0xffffffffL);
                if (child <= sb.s_first_data_block() || child >= sb.s_blocks_count()) {
                    throw FsException.of(Errno.EUCLEAN, "ext4: journal inode copy: extent index block %d outside the file system",
                            child);
                }
                ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
                device.load(child * bs, MemorySegment.ofArray(b.array()), 0, bs);
                walkExtents(device, sb, b, (bs - 12) / 12, depth, map);
                continue;
            }
            int len = node.getShort(at + 4) & 0xffff;
            long pblk = (node.getShort(at + 6) & 0xffffL) << 32 | (node.getInt(at + 8) & 0xffffffffL);
            for (int k = 0; k < len && lblk + k < map.length; k++) {
                map[(int) (lblk + k)] = pblk + k;
            }
        }
    }

    /** Twelve direct pointers, then the indirect, double and triple indirect trees, as mke2fs lays an ext3 journal. */
    private static void indirect(DaxDevice device, Ext4Superblock sb, ByteBuffer root, long[] map) throws FsException {
        int at = 0;
        for (int i = 0; i < IndirectMap.NDIR && at < map.length; i++) {
            map[at++] = root.getInt(i * 4) & 0xffffffffL;
        }
        for (int h = 1; h <= 3 && at < map.length; h++) {
            at = walk(device, sb, root.getInt((IndirectMap.NDIR + h - 1) * 4) & 0xffffffffL, h, map, at);
        }
    }

    private static int walk(DaxDevice device, Ext4Superblock sb, long node, int height, long[] map, int at) throws FsException {
        if (node <= sb.s_first_data_block() || node >= sb.s_blocks_count()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: journal inode copy: indirect block %d outside the file system", node);
        }
        int bs = sb.blockSize();
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        device.load(node * bs, MemorySegment.ofArray(b.array()), 0, bs);
        for (int i = 0; i < bs / 4 && at < map.length; i++) {
            long p = b.getInt(i * 4) & 0xffffffffL;
            at = height == 1 ? put(map, at, p) : walk(device, sb, p, height - 1, map, at);
        }
        return at;
    }

    private static int put(long[] map, int at, long p) {
        map[at] = p;
        return at + 1;
    }
}
