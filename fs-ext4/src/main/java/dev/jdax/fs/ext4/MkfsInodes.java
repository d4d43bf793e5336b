package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * mkfs's few inodes — extent-mapped ones over given runs, the resize inode — written with their
 * checksums into the inode tables, and the first directory blocks.
 */
record MkfsInodes(Disk disk, GroupTable gt, long ipg, int bs, int seed, long now) {
    void store(Ext4Inode in) throws FsException {
        in.updateChecksum(seed);
        long g = (in.ino - 1) / ipg;
        disk.writeBytes(gt.inodeTable((int) g) * bs + ((in.ino - 1) % ipg) * Ext4Mkfs.INODE_SIZE, in.b.array());
    }

    int inodeSeed(long ino) {
        return Crc32c.update(Crc32c.update(seed, (int) ino), 0);
    }

    /**
     * Writes an extent-mapped inode over {@code runs} ({start, length}, each at most one extent):
     * in i_block when four extents do, else under an index entry naming {@code leaf}, one leaf
     * block of extents with its checksum tail (the journal of a big file system).
     */
    byte[] write(long ino, int mode, int links, long size, List<long[]> runs, long leaf) throws FsException {
        Ext4Inode in = new Ext4Inode(null, ino, new byte[Ext4Mkfs.INODE_SIZE]);
        in.i_mode(mode);
        in.i_links_count(links);
        in.i_size(size);
        in.b.putShort(0x80, (short) 32);
        // mke2fs's times are whole seconds (fs->now); the extra words stay zero.
        in.atime(Instant.ofEpochSecond(now));
        in.ctime(Instant.ofEpochSecond(now));
        in.mtime(Instant.ofEpochSecond(now));
        in.crtime(Instant.ofEpochSecond(now));
        in.i_flags(Ext4Inode.EXTENTS_FL);
        long count = 0;
        for (long[] r : runs) {
            count += r[1];
        }
        ByteBuffer root = in.b.slice(0x28, 60).order(ByteOrder.LITTLE_ENDIAN);
        if (runs.size() <= 4) {
            extents(root, 4, 0, runs);
        } else {
            int max = (bs - 12) / 12;
            if (runs.size() > max) {
                throw FsException.of(Errno.EINVAL, "ext4: mkfs: inode %d needs %d extents, more than one leaf holds", ino, runs.size());
            }
            ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            extents(b, max, 0, runs);
            b.putInt(12 + max * 12, Crc32c.update(inodeSeed(ino), b.array(), 0, 12 + max * 12));
            disk.write(leaf, b, "extent leaf of inode " + ino);
            extents(root, 4, 1, List.of(new long[] {leaf, 0}));
            count++;
        }
        in.i_blocks512(count * (bs / 512));
        store(in);
        return in.b.array();
    }

    /** An extent node: header, then extents of {@code runs} in file order (depth 0), or index entries {child, 0}. */
    private static void extents(ByteBuffer node, int max, int depth, List<long[]> runs) {
        node.putShort(0, (short) ExtentTree.MAGIC);
        node.putShort(2, (short) runs.size());
        node.putShort(4, (short) max);
        node.putShort(6, (short) depth);
        long lblk = 0;
        for (int r = 0; r < runs.size(); r++) {
            int at = 12 + r * 12;
            long start = runs.get(r)[0];
            node.putInt(at, (int) lblk);
            if (depth == 0) {
                node.putShort(at + 4, (short) runs.get(r)[1]);
                node.putShort(at + 6, (short) (start >>> 32));
                node.putInt(at + 8, (int) start);
            } else {
                node.putInt(at + 4, (int) start);
                node.putShort(at + 8, (short) (start >>> 32));
            }
            lblk += runs.get(r)[1];
        }
    }

    /**
     * The resize inode (7) as ext2fs_create_resize_inode makes it: a block-mapped file whose double
     * indirect block lists the primary reserved descriptor blocks, each of which lists its copies in
     * the backup groups.
     */
    void writeResizeInode(long groups, long bpg, long first, long gdtBlocks, long rsvGdt, long dind) throws FsException {
        long apb = bs / 4;
        ByteBuffer dindBuf = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        long blocksUsed = 1;
        long sbBlk = first;
        long[] backups = GroupTable.sparseBackups(groups);
        for (long r = 0; r < rsvGdt; r++) {
            long gdtBlk = sbBlk + 1 + gdtBlocks + r;
            dindBuf.putInt((int) (((gdtBlocks + r) % apb) * 4), (int) gdtBlk);
            blocksUsed++;
            ByteBuffer list = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < backups.length; k++) {
                list.putInt(k * 4, (int) (gdtBlk + backups[k] * bpg));
            }
            blocksUsed += backups.length;
            disk.write(gdtBlk, list, "reserved descriptor block");
        }
        disk.write(dind, dindBuf, "resize inode");
        Ext4Inode in = new Ext4Inode(null, 7, new byte[Ext4Mkfs.INODE_SIZE]);
        in.i_mode(0100600);
        in.i_links_count(1);
        in.i_size((apb * apb + apb + 12) * bs);
        in.b.putShort(0x80, (short) 32);
        // mke2fs's times are whole seconds (fs->now); the extra words stay zero.
        in.atime(Instant.ofEpochSecond(now));
        in.ctime(Instant.ofEpochSecond(now));
        in.mtime(Instant.ofEpochSecond(now));
        in.crtime(Instant.ofEpochSecond(now));
        in.b.putInt(0x28 + 13 * 4, (int) dind);
        in.i_blocks512(blocksUsed * (bs / 512));
        store(in);
    }

    /** A directory block being filled by mkfs, sealed with its checksum tail. */
    static final class DirBlock {
        private final ByteBuffer b;
        private final int bs;
        private final int seed;
        private int off;
        private int last = -1;

        DirBlock(int bs, int seed) {
            this.bs = bs;
            this.seed = seed;
            this.b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        }

        DirBlock add(long ino, String name, int type) {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            int len = Ext4Dir.recLenFor(n.length);
            b.putInt(off, (int) ino);
            b.putShort(off + 4, (short) len);
            b.put(off + 6, (byte) n.length);
            b.put(off + 7, (byte) type);
            b.put(off + 8, n);
            last = off;
            off += len;
            return this;
        }

        ByteBuffer seal() {
            int limit = bs - 12;
            if (last < 0) {
                b.putShort(4, (short) limit);
            } else {
                b.putShort(last + 4, (short) (limit - last));
            }
            b.putShort(limit + 4, (short) 12);
            b.put(limit + 7, (byte) 0xDE);
            b.putInt(bs - 4, Crc32c.update(seed, b.array(), 0, limit));
            return b;
        }
    }
}
