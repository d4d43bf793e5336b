package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Replays the fast commits Linux left after its last full commit ({@code ext4_fc_replay}), on a file
 * system the full commits were already replayed to, written in place as Linux's replay writes it.
 * Each tag records an outcome, not a procedure, so replaying it again is harmless: an inode's bytes
 * (but its block map, which ADD_RANGE and DEL_RANGE rebuild), a range mapped or unmapped, a name
 * created, linked or unlinked.
 *
 * <p>The bitmaps are rebuilt as {@code ext4_fc_set_bitmaps_and_counters} rebuilds them: the blocks
 * the fast commits map are held back from allocation while the replay runs (the kernel's excluded
 * regions), blocks the replay unmaps are only noted, and at the end every block a replayed inode maps
 * is in use and every noted one no inode maps is free. Where Linux 6.1's replay is wrong, jdax keeps
 * the file system true instead, as it was when the fast commit was made: a directory created by a
 * fast commit gets its two links, its block count and its parent's link (Linux leaves the directory
 * at one link and its parent and the group's directory count behind), and a directory a fast commit
 * removes is freed with its parent's link (Linux leaves it allocated and unconnected). e2fsck -fn
 * finds Linux's replay of such a log wrong on those counts and jdax's clean.
 */
final class FastCommitReplay {
    private final Ext4FileSystem fs;
    private final Ext4Superblock sb;
    private final Ext4Allocator allocator;
    private final Ext4Dir dirs;
    /** fc_modified_inodes: the inodes whose blocks the bitmaps take from their final block map. */
    private final Set<Long> modified = new LinkedHashSet<>();
    /** Directories given names here: the blocks they gained come from the allocator, and are theirs at the end. */
    private final Set<Long> namedIn = new LinkedHashSet<>();
    /** Per group, blocks that are free at the end unless a modified inode maps them. */
    private final Map<Integer, BitSet> released = new TreeMap<>();

    private FastCommitReplay(Ext4FileSystem fs) {
        this.fs = fs;
        this.sb = fs.superblock();
        this.allocator = fs.allocator();
        this.dirs = new Ext4Dir(fs, fs.disk());
    }

    /** Replays {@code tags} ({@link FastCommitLog#scan}) on {@code fs}, a file system opened for the replay alone. */
    static void replay(Ext4FileSystem fs, List<FastCommitLog.Tag> tags) throws FsException {
        FastCommitReplay r = new FastCommitReplay(fs);
        Map<Integer, BitSet> held = new TreeMap<>();
        for (FastCommitLog.Tag t : tags) {
            if (t.tag() == FastCommitLog.ADD_RANGE) {
                Extent e = r.extentOf(t);
                r.note(held, e.pblk(), e.len());
                r.release(e.pblk(), e.len()); // held back from allocation until the end (ext4_fc_replay_check_excluded)
            }
        }
        for (Map.Entry<Integer, BitSet> e : held.entrySet()) {
            r.allocator.markBlocks(e.getKey(), e.getValue(), true);
        }
        for (FastCommitLog.Tag t : tags) {
            switch (t.tag()) {
                case FastCommitLog.INODE -> r.inode(t);
                case FastCommitLog.ADD_RANGE -> r.addRange(t);
                case FastCommitLog.DEL_RANGE -> r.delRange(t);
                case FastCommitLog.CREAT -> r.create(t);
                case FastCommitLog.LINK -> r.link(t);
                case FastCommitLog.UNLINK -> r.unlink(t);
                default -> { } // HEAD, TAIL, PAD
            }
        }
        r.setBitmaps();
        fs.device().fence();
    }

    /** ext4_iget(EXT4_IGET_NORMAL) as replay uses it: an ordinary inode in use, or null. */
    private Ext4Inode live(long ino) {
        if ((ino < sb.s_first_ino() && ino != Ext4FileSystem.ROOT_INO) || ino > sb.s_inodes_count()) {
            return null;
        }
        try {
            Ext4Inode in = fs.iget(ino);
            return in.i_links_count() == 0 ? null : in;
        } catch (FsException e) {
            return null;
        }
    }

    /** EXT4_FC_TAG_INODE (ext4_fc_replay_inode): the inode's logged bytes, its block map kept, its block count recounted. */
    private void inode(FastCommitLog.Tag t) throws FsException {
        long ino = t.u32(0);
        Ext4Inode old = live(ino);
        if (old != null) {
            releaseBlocksOf(old); // ext4_ext_clear_bb: whatever it still maps is marked again at the end
        }
        modified.add(ino);
        byte[] logged = new byte[t.length() - 4];
        t.value().get(4, logged);
        long off = fs.inodeOffsetOf(ino);
        byte[] raw = fs.disk().readBytes(off, sb.s_inode_size());
        System.arraycopy(logged, 0, raw, 0, 0x28);
        System.arraycopy(logged, 0x64, raw, 0x64, logged.length - 0x64);
        ByteBuffer r = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int flags = r.getInt(0x20);
        if ((flags & Ext4Inode.EXTENTS_FL) != 0 && (r.getShort(0x28) & 0xffff) != ExtentTree.MAGIC) {
            r.put(0x28, new byte[12]);
            r.putShort(0x28, (short) ExtentTree.MAGIC);
            r.putShort(0x2C, (short) 4);
        } else if ((flags & Ext4Inode.EXTENTS_FL) == 0 && (flags & InlineData.INLINE_DATA_FL) != 0) {
            System.arraycopy(logged, 0x28, raw, 0x28, InlineData.I_BLOCK_SIZE);
        }
        Ext4Inode written = new Ext4Inode(fs, ino, raw);
        if (sb.hasCsum()) {
            written.updateChecksum(fs.csumSeed());
        }
        fs.disk().writeBytes(off, raw);
        if (written.i_links_count() == 0) {
            // An unlinked file still open when it was logged: Linux cannot read it back either. It stays free.
            fs.changeInode(written, i -> i.i_dtime(Instant.now().getEpochSecond()));
            allocator.markInode(ino, false, written.isDir());
            return;
        }
        allocator.markInode(ino, true, written.isDir());
        Ext4Inode in = live(ino);
        if (in == null) {
            throw FsException.of(Errno.EUCLEAN, "ext4: fast commit replay: inode %d as logged cannot be read back", ino);
        }
        if (in.extents != null && !InlineData.has(in)) {
            long blocks = in.extents.blocks() + in.treeBlocks.size() + (Xattrs.fileAcl(in, sb) != 0 ? 1 : 0);
            fs.changeInode(in, i -> i.i_blocks512(blocks * (sb.blockSize() / 512)));
        }
    }

    private Extent extentOf(FastCommitLog.Tag t) {
        ByteBuffer v = t.value();
        int eeLen = v.getShort(8) & 0xffff;
        boolean unwritten = eeLen > Extent.MAX_WRITTEN;
        long pblk = (long) (v.getShort(10) & 0xffff) << 32 | (v.getInt(12) & 0xffffffffL);
        return new Extent(t.u32(4), unwritten ? eeLen - Extent.MAX_WRITTEN : eeLen, pblk, unwritten);
    }

    /** EXT4_FC_TAG_ADD_RANGE: the range maps where the log says; blocks it mapped elsewhere are let go. */
    private void addRange(FastCommitLog.Tag t) throws FsException {
        Ext4Inode in = mapped(t.u32(0));
        Extent e = extentOf(t);
        if (in == null || e.len() == 0) {
            return;
        }
        in.dataSem.lockExclusive();
        try {
            for (Extent was : in.extents.remove(e.lblk(), e.end())) {
                if (was.pblk() != e.pblkOf(was.lblk())) {
                    release(was.pblk(), was.len());
                }
            }
            in.extents.put(e.lblk(), e.len(), e.pblk(), e.unwritten());
            fs.saveExtents(in);
        } finally {
            in.dataSem.unlockExclusive();
        }
    }

    /** EXT4_FC_TAG_DEL_RANGE: the range is unmapped and its blocks let go. */
    private void delRange(FastCommitLog.Tag t) throws FsException {
        Ext4Inode in = mapped(t.u32(0));
        if (in == null) {
            return;
        }
        long from = t.u32(4);
        long to = Math.min(from + t.u32(8), 1L << 32);
        in.dataSem.lockExclusive();
        try {
            for (Extent was : in.extents.remove(from, to)) {
                release(was.pblk(), was.len());
            }
            fs.saveExtents(in);
        } finally {
            in.dataSem.unlockExclusive();
        }
    }

    /** A live inode with an extent map, recorded as modified; null when the tag has nothing to act on. */
    private Ext4Inode mapped(long ino) {
        Ext4Inode in = live(ino);
        if (in == null || in.extents == null || !in.usesExtents()) {
            return null;
        }
        modified.add(ino);
        return in;
    }

    /** EXT4_FC_TAG_CREAT: an inode an INODE tag just wrote gets its name (a directory its "." and ".." first). */
    private void create(FastCommitLog.Tag t) throws FsException {
        long ino = t.u32(4);
        Ext4Inode in = live(ino);
        if (in == null) {
            throw FsException.of(Errno.EUCLEAN, "ext4: fast commit replay: \"%s\" created as inode %d, which no inode record made",
                    name(t), ino);
        }
        allocator.markInode(ino, true, in.isDir());
        Ext4Inode parent = live(t.u32(0));
        if (parent == null) {
            return;
        }
        if (in.isDir()) {
            newDirectory(in, parent);
        }
        boolean added = addName(parent, name(t), in);
        fs.changeInode(in, i -> i.i_links_count(i.isDir() ? 2 : 1));
        if (in.isDir() && added) {
            fs.changeInode(parent, p -> p.i_links_count(incDirLinks(p.i_links_count())));
        }
    }

    /** ext4_init_new_dir: whatever the inode's map held goes, and a first block with "." and ".." comes. */
    private void newDirectory(Ext4Inode in, Ext4Inode parent) throws FsException {
        in.dataSem.lockExclusive();
        try {
            releaseBlocksOf(in);
            fs.startBlockMap(in);
            fs.changeInode(in, i -> i.i_size(0));
        } finally {
            in.dataSem.unlockExclusive();
        }
        dirs.init(in, parent.ino);
    }

    /** EXT4_FC_TAG_LINK (__ext4_link): one more name and link; a name already there changes nothing. */
    private void link(FastCommitLog.Tag t) throws FsException {
        Ext4Inode in = live(t.u32(4));
        Ext4Inode parent = live(t.u32(0));
        if (in == null || parent == null || !addName(parent, name(t), in)) {
            return;
        }
        fs.changeInode(in, i -> i.i_links_count(i.i_links_count() + 1));
        if (in.isDir()) { // a directory renamed within its parent: LINK then UNLINK
            fs.changeInode(parent, p -> p.i_links_count(incDirLinks(p.i_links_count())));
        }
    }

    /**
     * EXT4_FC_TAG_UNLINK (__ext4_unlink): the name goes if it still names the inode, which loses a link;
     * an inode left with none is freed as its eviction would free it.
     */
    private void unlink(FastCommitLog.Tag t) throws FsException {
        Ext4Inode in = live(t.u32(4));
        Ext4Inode parent = live(t.u32(0));
        if (in == null || parent == null) {
            return;
        }
        Ext4Dir.Entry e = dirs.find(parent, name(t));
        if (e == null) {
            return; // -ENOENT is fine: gone already
        }
        boolean removed = e.ino() == in.ino;
        if (removed) {
            dirs.remove(parent, e);
        }
        if (in.isDir()) {
            if (removed) {
                fs.changeInode(parent, p -> p.i_links_count(p.i_links_count() > 2 ? p.i_links_count() - 1 : p.i_links_count()));
                if (in.i_links_count() <= 2) {
                    evict(in); // rmdir: "." was all that was left
                } else {
                    fs.changeInode(in, i -> i.i_links_count(i.i_links_count() - 1));
                }
            }
            return;
        }
        fs.changeInode(in, i -> i.i_links_count(i.i_links_count() - 1));
        if (in.i_links_count() == 0) {
            evict(in);
        }
    }

    /** ext4_evict_inode of an inode without links: its blocks and number are given back. */
    private void evict(Ext4Inode in) throws FsException {
        Xattrs.release(fs, in);
        in.dataSem.lockExclusive();
        try {
            releaseBlocksOf(in);
            fs.startBlockMap(in);
        } finally {
            in.dataSem.unlockExclusive();
        }
        long now = Instant.now().getEpochSecond();
        fs.changeInode(in, i -> {
            i.i_links_count(0);
            i.i_dtime(now);
            i.i_size(0);
            i.i_blocks512(0);
        });
        allocator.markInode(in.ino, false, in.isDir());
    }

    private boolean addName(Ext4Inode parent, String name, Ext4Inode in) throws FsException {
        namedIn.add(parent.ino);
        if (dirs.find(parent, name) != null) {
            return false; // -EEXIST is fine: the block holding it reached the disk before the crash
        }
        dirs.add(parent, name, in.ino, Ext4Dir.fileType(in.type()));
        return true;
    }

    private static String name(FastCommitLog.Tag t) {
        return new String(t.name(), StandardCharsets.UTF_8);
    }

    /** dir_nlink: past 65000 a directory's link count stays 1, "many". */
    private static int incDirLinks(int links) {
        return links >= 64999 || links == 1 ? 1 : links + 1;
    }

    /** Notes every block {@code in} maps, and its tree blocks, as let go (its map is left as it is). */
    private void releaseBlocksOf(Ext4Inode in) {
        if (in.extents == null || !in.usesExtents()) {
            return;
        }
        for (Extent e : in.extents.all()) {
            release(e.pblk(), e.len());
        }
        for (long b : in.treeBlocks) {
            release(b, 1);
        }
        in.treeBlocks = new java.util.ArrayList<>();
        in.extents = new ExtentList(List.of());
    }

    private void release(long first, long count) {
        note(released, first, count);
    }

    private void note(Map<Integer, BitSet> sets, long first, long count) {
        for (long b = first; b < first + count; b++) {
            if (b >= sb.s_first_data_block() && b < sb.s_blocks_count()) {
                int g = allocator.groupOf(b);
                sets.computeIfAbsent(g, k -> new BitSet()).set((int) (b - allocator.groupStart(g)));
            }
        }
    }

    /**
     * ext4_fc_set_bitmaps_and_counters, and the frees it defers: what the replayed inodes map is in use
     * (and what directories that gained names map: a block the replay freed may have become theirs).
     */
    private void setBitmaps() throws FsException {
        Map<Integer, BitSet> used = new TreeMap<>();
        Set<Long> mapping = new LinkedHashSet<>(modified);
        mapping.addAll(namedIn);
        for (long ino : mapping) {
            Ext4Inode in = live(ino);
            if (in == null || in.extents == null || !in.usesExtents()) {
                continue;
            }
            for (Extent e : in.extents.all()) {
                note(used, e.pblk(), e.len());
            }
            for (long b : in.treeBlocks) {
                note(used, b, 1);
            }
        }
        for (Map.Entry<Integer, BitSet> e : released.entrySet()) {
            BitSet free = (BitSet) e.getValue().clone();
            BitSet keep = used.get(e.getKey());
            if (keep != null) {
                free.andNot(keep);
            }
            allocator.markBlocks(e.getKey(), free, false);
        }
        for (Map.Entry<Integer, BitSet> e : used.entrySet()) {
            allocator.markBlocks(e.getKey(), e.getValue(), true);
        }
    }
}
