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
    /** Reads a directory block as it is. */
    interface Blocks {
        ByteBuffer raw(long lblk) throws FsException;

        long count();

        /**
         * Whether {@link #raw} gives blocks already checked as what they hold (a lookup's: read
         * from home verified once, or the journal's buffers, which their writers sealed); else every
         * probe verifies the index blocks it meets.
         */
        default boolean verified() {
            return false;
        }
    }

    /** dx_root: "." (12 bytes), ".." (12 bytes), then dx_root_info at byte 24. */
    private static final int ROOT_INFO = 24;
    /** A dx_node's entries follow its 8-byte fake dirent. */
    private static final int NODE_ENTRIES = 8;
    private static final int ENTRY = 8;
    private static final int TAIL = 8;
    /** ext4_dir_htree_level: index levels, the root's included: two, three with large_dir. */
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

    int rootLimit() {
        return (bs - ROOT_INFO - 8 - (sb.hasCsum() ? TAIL : 0)) / ENTRY;
    }

    int nodeLimit() {
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
        int c = checksum(dir, b, countOffset);
        if (c != b.getInt(tail + 4)) {
            throw FsException.of(Errno.EBADMSG, "ext4: directory %d index block %d: dt_checksum 0x%08x, computed 0x%08x",
                    dir.ino, lblk, b.getInt(tail + 4), c);
        }
    }

    private int checksum(Ext4Inode dir, ByteBuffer b, int countOffset) {
        int tail = countOffset + u16(b, countOffset) * ENTRY;
        int c = Crc32c.update(dir.csumSeed(fsSeed), b.array(), 0, countOffset + u16(b, countOffset + 2) * ENTRY);
        c = Crc32c.update(c, b.array(), tail, 4);
        return Crc32c.update(c, new byte[4], 0, 4);
    }

    /** ext4_dx_csum_set: an index block's dt_checksum over what it holds now (metadata_csum). */
    void seal(Ext4Inode dir, Frame f) {
        if (sb.hasCsum()) {
            f.b.putInt(f.entries + f.limit() * ENTRY + 4, checksum(dir, f.b, f.entries));
        }
    }

    /** Reseals a dx_root whose "." or ".." changed (the checksum covers them). */
    void sealRoot(Ext4Inode dir, ByteBuffer root) {
        seal(dir, new Frame(0, root, ROOT_INFO + 8));
    }

    /**
     * make_indexed_dir's root, built over the first block's "." and ".." ({@code dots}, its first 24
     * bytes): "." of 12 bytes, ".." over the rest of the block, dx_root_info (hash {@code version},
     * 8 bytes of info, no indirect level), one entry leading to {@code firstLeaf}.
     */
    Frame newRoot(byte[] dots, int version, long firstLeaf) {
        ByteBuffer b = ByteBuffer.allocate(bs).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(0, dots, 0, ROOT_INFO);
        b.putShort(4, (short) 12);
        b.putShort(16, (short) (bs - 12));
        b.put(ROOT_INFO + 4, (byte) version);
        b.put(ROOT_INFO + 5, (byte) 8);
        Frame f = new Frame(0, b, ROOT_INFO + 8);
        b.putShort(f.entries, (short) rootLimit());
        f.count(1);
        b.putInt(f.entries + 4, (int) firstLeaf);
        return f;
    }

    /** A dx_node at {@code lblk}: the fake empty dirent over the whole block, then {@code count} entries copied from {@code from}. */
    Frame newNode(long lblk, Frame from, int first, int count) {
        ByteBuffer b = ByteBuffer.allocate(bs).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort(4, (short) bs);
        Frame f = new Frame(lblk, b, NODE_ENTRIES);
        System.arraycopy(from.b.array(), from.entries + first * ENTRY, b.array(), f.entries, count * ENTRY);
        b.putShort(f.entries, (short) nodeLimit()); // entry 0's hash gives way to the count and limit
        f.count(count);
        return f;
    }

    /** The root's indirect_levels, raised by one when the tree grows a level. */
    static void addLevel(Frame root) {
        root.b.put(ROOT_INFO + 6, (byte) ((root.b.get(ROOT_INFO + 6) & 0xff) + 1));
    }

    /** The hash version of the root (dx_root_info.hash_version). */
    static int version(Frame root) {
        return root.b.get(ROOT_INFO + 4) & 0xff;
    }

    /**
     * One level of a descent (struct dx_frame): the index block, its place in the directory, where
     * its entries start, and the entry taken. Entry 0 has no hash: its hash field holds the limit
     * and count (struct dx_countlimit), and it stands for every hash below entry 1's.
     */
    static final class Frame {
        final long lblk;
        final ByteBuffer b;
        final int entries;
        int at;

        Frame(long lblk, ByteBuffer b, int entries) {
            this.lblk = lblk;
            this.b = b;
            this.entries = entries;
        }

        int limit() {
            return u16(b, entries);
        }

        int count() {
            return u16(b, entries + 2);
        }

        void count(int n) {
            b.putShort(entries + 2, (short) n);
        }

        int hash(int i) {
            return b.getInt(entries + i * ENTRY);
        }

        long block(int i) {
            return b.getInt(entries + i * ENTRY + 4) & 0x0fffffffL;
        }

        /** dx_insert_block: a new entry right after the one taken, the ones after it moved up. */
        void insertAfterAt(int hash, long block) {
            int n = count();
            int from = entries + (at + 1) * ENTRY;
            System.arraycopy(b.array(), from, b.array(), from + ENTRY, (n - at - 1) * ENTRY);
            b.putInt(from, hash);
            b.putInt(from + 4, (int) block);
            count(n + 1);
        }

        /** Whether this frame is the root's (its entries follow dx_root_info). */
        boolean isRoot() {
            return entries == ROOT_INFO + 8;
        }
    }

    /** A descent from the root to a leaf: the frames (root first) and the name's hash. */
    record Path(List<Frame> frames, DirHash.Hash hash) {
        Frame bottom() {
            return frames.getLast();
        }

        long leaf() {
            return bottom().block(bottom().at);
        }
    }

    /** dx_root_info.hash_version of a dx_root block. */
    int rootHashVersion(ByteBuffer root) {
        return root.get(ROOT_INFO + 4) & 0xff;
    }

    /** The hash of {@code name} in {@code dir} under the root's hash version, or null when jdax cannot compute it. */
    DirHash.Hash hash(Ext4Inode dir, ByteBuffer root, byte[] name) {
        return hash(dir, root.get(ROOT_INFO + 4) & 0xff, name);
    }

    /** The hash of {@code name} in {@code dir} under hash version {@code version}, or null when jdax cannot compute it. */
    DirHash.Hash hash(Ext4Inode dir, int version, byte[] name) {
        boolean folds = folds(dir);
        HashedName kept = dir.hashedNames;
        DirHash.Hash h = kept == null ? null : kept.find(version, folds, name);
        if (h == null) {
            h = hashOf(version, folds ? folded(name) : name);
            if (h != null) {
                dir.hashedNames = HashedName.then(kept, version, folds, name, h);
            }
        }
        return h;
    }

    /**
     * ext4fs_dirhash: in a casefolded directory the hash is of the folded name (of the name itself
     * when it is not valid UTF-8 and cannot be folded), elsewhere of the name's bytes.
     */
    DirHash.Hash hashOf(Ext4Inode dir, int version, byte[] name) {
        return hashOf(version, folds(dir) ? folded(name) : name);
    }

    private boolean folds(Ext4Inode dir) {
        return sb.hasCasefold() && Casefold.folds(dir);
    }

    /** The casefolded name, or the name itself when it is not valid UTF-8 and cannot be folded. */
    private static byte[] folded(byte[] name) {
        byte[] folded = Casefold.fold(name);
        return folded != null ? folded : name;
    }

    /** The hash of {@code name} with dx_root_info's {@code version}, made unsigned as the superblock says. */
    DirHash.Hash hashOf(int version, byte[] name) {
        int v = signedness(version);
        return DirHash.known(v) ? DirHash.of(name, v, sb.s_hash_seed()) : null;
    }

    /** dx_root_info's {@code version} made unsigned as the superblock says (EXT2_FLAGS_UNSIGNED_HASH). */
    private int signedness(int version) {
        return version <= DirHash.TEA && (sb.s_flags() & Ext4Superblock.FLAGS_UNSIGNED_HASH) != 0 ? version + 3 : version;
    }

    /** ext4_dir_htree_level: how many index levels, the root's included, the features allow. */
    int htreeLevels() {
        return (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_LARGEDIR) != 0 ? LEVELS_LARGE_DIR : LEVELS;
    }

    /**
     * dx_probe: the descent to the leaf that may hold {@code name}. Null when the index cannot be
     * used — an unknown hash version, a depth beyond what the features allow, limits that do not
     * match — where Linux answers ERR_BAD_DX_DIR; EBADMSG when a checksum fails, EUCLEAN for an
     * index pointing nowhere.
     */
    Path probe(Ext4Inode dir, byte[] name, Blocks blocks) throws FsException {
        Frame f = root(dir, blocks);
        if (f == null) {
            return null;
        }
        int levels = levels(f);
        DirHash.Hash h = hash(dir, f.b, name);
        List<Frame> frames = new ArrayList<>(levels + 1);
        while (true) {
            int count = f.count();
            if (count == 0 || count > f.limit()) {
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
            f = node(dir, f.block(f.at), blocks, frames);
            if (f == null) {
                return null;
            }
        }
        checkInside(dir, frames.getLast().block(frames.getLast().at), blocks);
        return new Path(frames, h);
    }

    /**
     * The root's frame, checked (its checksum when {@code blocks} are not verified already); null
     * when no descent can use it: not a dx_root, a hash version jdax cannot compute, more levels
     * than the features allow, or a limit that does not match.
     */
    private Frame root(Ext4Inode dir, Blocks blocks) throws FsException {
        ByteBuffer root = blocks.raw(0);
        if (!isRoot(root)) {
            return null;
        }
        if (!blocks.verified()) {
            verify(dir, 0, root);
        }
        Frame f = new Frame(0, root, ROOT_INFO + 8);
        boolean usable = DirHash.known(signedness(version(f))) && levels(f) < htreeLevels() && f.limit() == rootLimit();
        return usable ? f : null;
    }

    /** dx_root_info.indirect_levels: index levels below the root. */
    private static int levels(Frame root) {
        return root.b.get(ROOT_INFO + 6) & 0xff;
    }

    /**
     * The whole index as one list ({@link FlatIndex}), checked as every descent checks the blocks it
     * meets; null when some descent could not use it or would fail (each descent then answers for
     * itself, as {@link #probe} does).
     */
    FlatIndex flatten(Ext4Inode dir, Blocks blocks) {
        try {
            Frame f = root(dir, blocks);
            if (f == null) {
                return null;
            }
            int levels = levels(f);
            FlatIndex.Builder out = new FlatIndex.Builder();
            List<Frame> above = new ArrayList<>(levels + 1);
            return flatten(dir, f, 0, levels, blocks, above, out) ? out.build(version(f)) : null;
        } catch (FsException e) {
            return null;
        }
    }

    /** The entries below frame {@code f}, whose entry 0 starts at {@code from}; false when a descent could not use them. */
    private boolean flatten(Ext4Inode dir, Frame f, int from, int levels, Blocks blocks, List<Frame> above, FlatIndex.Builder out)
            throws FsException {
        int count = f.count();
        if (count == 0 || count > f.limit()) {
            return false;
        }
        above.add(f);
        for (int i = 0; i < count; i++) {
            int hash = i == 0 ? from : f.hash(i);
            long below = f.block(i);
            if (above.size() > levels) {
                checkInside(dir, below, blocks);
                out.add(hash, below);
                continue;
            }
            Frame node = node(dir, below, blocks, above);
            if (node == null || !flatten(dir, node, hash, levels, blocks, above, out)) {
                return false;
            }
        }
        above.removeLast();
        return true;
    }

    /**
     * The leaf blocks that may hold {@code name}, in order: the one the index leads to, and the
     * next ones while their first hash continues the name's (a run of equal hashes split across
     * leaves). Null when the index cannot be used ({@link #probe}).
     */
    List<Long> leavesFor(Ext4Inode dir, byte[] name, Blocks blocks) throws FsException {
        Path p = probe(dir, name, blocks);
        if (p == null) {
            return null;
        }
        List<Long> leaves = new ArrayList<>(2);
        leaves.add(p.leaf());
        while (next(dir, p.frames(), p.hash().major(), blocks)) {
            leaves.add(p.leaf());
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

    /** The index node at {@code lblk}, below the {@code above} of a descent (a block among them is a cycle). */
    private Frame node(Ext4Inode dir, long lblk, Blocks blocks, List<Frame> above) throws FsException {
        checkInside(dir, lblk, blocks);
        for (Frame f : above) {
            if (f.lblk == lblk) {
                throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: index tree cycle at block %d", dir.ino, lblk);
            }
        }
        ByteBuffer b = blocks.raw(lblk);
        if (!isNode(lblk, b)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d block %d: directory leaf block found instead of index block",
                    dir.ino, lblk);
        }
        if (!blocks.verified()) {
            verify(dir, lblk, b);
        }
        Frame f = new Frame(lblk, b, NODE_ENTRIES);
        return u16(b, NODE_ENTRIES) == nodeLimit() ? f : null;
    }

    /**
     * ext4_htree_next_block: moves the deepest frame to the next leaf, climbing and descending as
     * needed, when that leaf's first hash (collision bit aside) is still {@code hash}.
     */
    private boolean next(Ext4Inode dir, List<Frame> frames, int hash, Blocks blocks) throws FsException {
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
            Frame down = node(dir, up.block(up.at), blocks, frames.subList(0, l));
            if (down == null) {
                throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: index node %d has a wrong limit", dir.ino, up.block(up.at));
            }
            down.at = 0;
            frames.set(l, down);
        }
        return true;
    }
}
