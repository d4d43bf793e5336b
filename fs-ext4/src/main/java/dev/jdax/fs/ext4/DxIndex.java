package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The hash index of an htree directory: the dx_root in block 0 (after the "." and ".." entries,
 * {@code struct dx_root_info} then {@code dx_entry}s), dx_node blocks (a fake empty dirent over
 * the whole block, then {@code dx_entry}s), and, with metadata_csum, the {@code struct dx_tail}
 * after each block's last possible entry ({@code dt_reserved}, {@code dt_checksum}) — not the
 * dirent-block tail, which only leaf blocks carry. Lookups descend it as Linux's {@code dx_probe}
 * and {@code ext4_htree_next_block} do.
 */
final class DxIndex {
    /** Reads a directory block as it is, unverified. */
    interface Blocks {
        ByteBuffer raw(long lblk) throws FsException;

        long count();
    }

    /** dx_root: "." (12 bytes), ".." (12 bytes), then dx_root_info at byte 24. */
    private static final int ROOT_INFO = 24;
    /** A dx_node's entries follow its 8-byte fake dirent. */
    private static final int NODE_ENTRIES = 8;
    private static final int ENTRY = 8;
    private static final int TAIL = 8;
    /** ext4_dir_htree_level: two levels below the root's entries, three with large_dir. */
    private static final int LEVELS = 2;
    private static final int LEVELS_LARGE_DIR = 3;

    private final Ext4Superblock sb;
    private final int bs;
    private final int fsSeed;

    DxIndex(Ext4Superblock sb) {
        this.sb = sb;
        this.bs = sb.blockSize();
        this.fsSeed = sb.csumSeed();
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xffff;
    }

    /** Whether block 0 is laid out as a dx_root (the shape get_dx_countlimit accepts). */
    boolean isRoot(ByteBuffer b) {
        return u16(b, 4) == 12 && u16(b, 12 + 4) == bs - 12 && b.getInt(ROOT_INFO) == 0 && (b.get(ROOT_INFO + 5) & 0xff) == 8;
    }

    /** Whether a block past 0 is a dx_node: one empty record over the whole block. */
    boolean isNode(long lblk, ByteBuffer b) {
        return lblk != 0 && b.getInt(0) == 0 && u16(b, 4) == bs && b.get(6) == 0;
    }

    private int rootLimit() {
        return (bs - ROOT_INFO - 8 - (sb.hasCsum() ? TAIL : 0)) / ENTRY;
    }

    private int nodeLimit() {
        return (bs - NODE_ENTRIES - (sb.hasCsum() ? TAIL : 0)) / ENTRY;
    }

    /**
     * Checks an index block's dt_checksum (ext4_dx_csum_verify): crc32c, from the directory's seed,
     * of the block up to its last used entry, then dt_reserved, then four zero bytes.
     */
    void verify(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        if (!sb.hasCsum()) {
            return;
        }
        int countOffset = lblk == 0 && isRoot(b) ? ROOT_INFO + 8 : isNode(lblk, b) ? NODE_ENTRIES : -1;
        if (countOffset < 0) {
            throw FsException.of(Errno.EBADMSG, "ext4: directory %d block %d: not an index block (dir seems corrupt? Run e2fsck -D)",
                    dir.ino, lblk);
        }
        int limit = u16(b, countOffset);
        int count = u16(b, countOffset + 2);
        int tail = countOffset + limit * ENTRY;
        if (tail > bs - TAIL || count > limit) {
            throw FsException.of(Errno.EBADMSG, "ext4: directory %d block %d: index limit %d count %d leaves no room for dx_tail",
                    dir.ino, lblk, limit, count);
        }
        int c = Crc32c.update(dir.csumSeed(fsSeed), b.array(), 0, countOffset + count * ENTRY);
        c = Crc32c.update(c, b.array(), tail, 4);
        c = Crc32c.update(c, new byte[4], 0, 4);
        if (c != b.getInt(tail + 4)) {
            throw FsException.of(Errno.EBADMSG, "ext4: directory %d index block %d: dt_checksum 0x%08x, computed 0x%08x",
                    dir.ino, lblk, b.getInt(tail + 4), c);
        }
    }

    /** One level of a descent: the index block, where its entries start, and the entry taken. */
    private static final class Frame {
        final ByteBuffer b;
        final int entries;
        int at;

        Frame(ByteBuffer b, int entries) {
            this.b = b;
            this.entries = entries;
        }

        int count() {
            return u16(b, entries + 2);
        }

        int hash(int i) {
            return b.getInt(entries + i * ENTRY);
        }

        long block(int i) {
            return b.getInt(entries + i * ENTRY + 4) & 0x0fffffffL;
        }
    }

    /** The hash of {@code name} under the root's hash version, or null when jdax cannot compute it. */
    DirHash.Hash hash(ByteBuffer root, byte[] name) {
        int version = root.get(ROOT_INFO + 4) & 0xff;
        if (version <= DirHash.TEA && (sb.s_flags() & Ext4Superblock.FLAGS_UNSIGNED_HASH) != 0) {
            version += 3;
        }
        return DirHash.known(version) ? DirHash.of(name, version, sb.s_hash_seed()) : null;
    }

    /**
     * The leaf blocks that may hold {@code name}, in order: the one the index leads to, and the
     * next ones while their first hash continues the name's (a run of equal hashes split across
     * leaves). Null when the index cannot be used — an unknown hash version, a depth beyond what
     * the features allow, limits that do not match — where Linux answers ERR_BAD_DX_DIR and searches
     * the directory linearly; EBADMSG when a checksum fails, EUCLEAN for an index pointing nowhere.
     */
    List<Long> leavesFor(Ext4Inode dir, byte[] name, Blocks blocks) throws FsException {
        ByteBuffer root = blocks.raw(0);
        if (!isRoot(root)) {
            return null;
        }
        verify(dir, 0, root);
        int levels = root.get(ROOT_INFO + 6) & 0xff;
        boolean largeDir = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_LARGEDIR) != 0;
        DirHash.Hash h = hash(root, name);
        if (h == null || levels >= (largeDir ? LEVELS_LARGE_DIR : LEVELS)) {
            return null;
        }
        List<Frame> frames = new ArrayList<>();
        Frame f = new Frame(root, ROOT_INFO + 8);
        if (u16(root, f.entries) != rootLimit()) {
            return null;
        }
        List<Long> seen = new ArrayList<>();
        seen.add(0L);
        while (true) {
            int count = f.count();
            if (count == 0 || count > u16(f.b, f.entries)) {
                return null;
            }
            // The last entry whose hash is at or below the name's; entry 0 stands for hash 0.
            int lo = 1;
            int hi = count - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (Integer.compareUnsigned(f.hash(mid), h.major()) > 0) {
                    hi = mid - 1;
                } else {
                    lo = mid + 1;
                }
            }
            f.at = lo - 1;
            frames.add(f);
            if (frames.size() > levels) {
                break;
            }
            f = node(dir, f.block(f.at), blocks, seen);
            if (f == null) {
                return null;
            }
        }
        List<Long> leaves = new ArrayList<>();
        leaves.add(frames.getLast().block(frames.getLast().at));
        while (next(dir, frames, h.major(), blocks, seen)) {
            leaves.add(frames.getLast().block(frames.getLast().at));
        }
        for (long leaf : leaves) {
            checkInside(dir, leaf, blocks);
        }
        return leaves;
    }

    private void checkInside(Ext4Inode dir, long lblk, Blocks blocks) throws FsException {
        if (lblk >= blocks.count()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: index points at block %d of %d", dir.ino, lblk, blocks.count());
        }
    }

    private Frame node(Ext4Inode dir, long lblk, Blocks blocks, List<Long> seen) throws FsException {
        checkInside(dir, lblk, blocks);
        if (seen.contains(lblk)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: index tree cycle at block %d", dir.ino, lblk);
        }
        seen.add(lblk);
        ByteBuffer b = blocks.raw(lblk);
        if (!isNode(lblk, b)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d block %d: directory leaf block found instead of index block",
                    dir.ino, lblk);
        }
        verify(dir, lblk, b);
        Frame f = new Frame(b, NODE_ENTRIES);
        return u16(b, NODE_ENTRIES) == nodeLimit() ? f : null;
    }

    /**
     * ext4_htree_next_block: moves the deepest frame to the next leaf, climbing and descending as
     * needed, when that leaf's first hash (collision bit aside) is still {@code hash}.
     */
    private boolean next(Ext4Inode dir, List<Frame> frames, int hash, Blocks blocks, List<Long> seen) throws FsException {
        int level = frames.size() - 1;
        while (true) {
            Frame p = frames.get(level);
            p.at++;
            if (p.at < p.count()) {
                break;
            }
            if (level == 0) {
                return false;
            }
            level--;
        }
        Frame p = frames.get(level);
        if ((p.hash(p.at) & ~1) != hash) {
            return false;
        }
        for (int l = level + 1; l < frames.size(); l++) {
            Frame up = frames.get(l - 1);
            Frame down = node(dir, up.block(up.at), blocks, seen);
            if (down == null) {
                throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: index node %d has a wrong limit", dir.ino, up.block(up.at));
            }
            down.at = 0;
            frames.set(l, down);
        }
        return true;
    }
}
