package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Hashed directories grown as fs/ext4/namei.c grows them. A directory whose only block is full
 * becomes indexed ({@code make_indexed_dir}): block 0 becomes the dx_root (its "." and ".." kept,
 * then {@code dx_root_info} with the superblock's default hash), its names move to a new leaf, which
 * is split at once. A name is added through the index ({@code ext4_dx_add_entry}): into the leaf
 * the hash leads to when it has room; else the leaf is split by hash, the upper half moving to a new
 * block whose first hash joins the index ({@code do_split}, {@code dx_insert_block}); a full index
 * node is split first, into its parent, and a full root moves its entries into a new node below it
 * (a level more, up to two levels, three with large_dir). Names are removed from their leaf only,
 * as Linux removes them: leaves and nodes never merge. Everything runs under the directory's
 * i_rwsem held exclusively and inside the caller's transaction.
 */
final class Htree {
    private final Ext4FileSystem fs;
    private final Ext4Dir dirs;
    private final DxIndex dx;

    Htree(Ext4FileSystem fs, Ext4Dir dirs, DxIndex dx) {
        this.fs = fs;
        this.dirs = dirs;
        this.dx = dx;
    }

    /** Whether a full one-block directory can be indexed: dir_index on, and a default hash jdax computes. */
    boolean canIndex() {
        Ext4Superblock sb = fs.superblock();
        return (sb.s_feature_compat() & Ext4Superblock.COMPAT_DIR_INDEX) != 0 && dx.hashOf(sb.s_def_hash_version(), new byte[0]) != null;
    }

    /**
     * make_indexed_dir: {@code block0}, the directory's only block and full, becomes the root of
     * an index over a new leaf holding its names; that leaf is split, and the name added.
     */
    void makeIndexed(Ext4Inode dir, ByteBuffer block0, byte[] name, long ino, int type) throws FsException {
        int end = dirs.leafEnd();
        int dotdotLen = block0.getShort(12 + 4) & 0xffff;
        List<Dirents.Rec> names = Dirents.live(block0, 12 + dotdotLen, end);
        long first = dirs.append(dir);
        DxIndex.Frame root = dx.newRoot(Arrays.copyOf(block0.array(), 24), fs.superblock().s_def_hash_version(), first);
        fs.changeInode(dir, d -> d.i_flags(d.i_flags() | Ext4Inode.INDEX_FL));
        DirHash.Hash h = dx.hashOf(dir, DxIndex.version(root), name);
        split(dir, new DxIndex.Path(List.of(root), h), first, names, name, ino, type);
    }

    /**
     * ext4_dx_add_entry: adds the name through the index. Returns false when the index cannot be
     * used (Linux's ERR_BAD_DX_DIR), having changed nothing.
     */
    boolean add(Ext4Inode dir, byte[] name, long ino, int type) throws FsException {
        // Most adds find room in their leaf and change no index block: the leaf comes from the index
        // read as one list (or a descent over it in place). One that must split or grow the index
        // descends again over copies it may change.
        long first = dirs.indexedLeaf(dir, name);
        if (first >= 0 && insertIfRoom(dir, first, dirs.readLeaf(dir, first), name, ino, type)) {
            return true;
        }
        boolean copies = first >= 0;
        while (true) {
            DxIndex.Path p = dx.probe(dir, name, copies ? dirs.indexBlocks(dir) : dirs.lookupBlocks(dir));
            if (p == null) {
                return false;
            }
            long leafBlk = p.leaf();
            ByteBuffer leaf = dirs.readLeaf(dir, leafBlk);
            if (insertIfRoom(dir, leafBlk, leaf, name, ino, type)) {
                return true;
            }
            if (!copies) {
                copies = true;
                continue;
            }
            DxIndex.Frame bottom = p.bottom();
            if (bottom.count() == bottom.limit()) {
                growIndex(dir, p); // then descend again: the path has changed
                continue;
            }
            split(dir, p, leafBlk, Dirents.live(leaf, 0, dirs.leafEnd()), name, ino, type);
            return true;
        }
    }

    /** Puts the name into leaf {@code leafBlk} ({@code leaf}) where it has room; false, having changed nothing, where it has none. */
    private boolean insertIfRoom(Ext4Inode dir, long leafBlk, ByteBuffer leaf, byte[] name, long ino, int type) throws FsException {
        int at = dirs.roomIn(dir, leafBlk, leaf, name.length);
        if (at < 0) {
            return false;
        }
        dirs.insertAt(dir, leafBlk, leaf, at, name, ino, type);
        return true;
    }

    /**
     * Makes room in the index above a full bottom node: the lowest full node whose parent has room
     * is split in two, the upper half of its entries going to a new node that its parent then
     * names; when every node up to the root is full, the root's entries move to a new node and the
     * root leads only to it (indirect_levels + 1).
     */
    private void growIndex(Ext4Inode dir, DxIndex.Path p) throws FsException {
        List<DxIndex.Frame> frames = p.frames();
        int lvl = frames.size() - 1;
        while (lvl > 0 && frames.get(lvl - 1).count() == frames.get(lvl - 1).limit()) {
            lvl--;
        }
        if (lvl == 0) {
            if (frames.size() >= dx.htreeLevels()) {
                throw FsException.of(Errno.ENOSPC, "ext4: directory %d: index full, it has the %d levels %s", dir.ino,
                        dx.htreeLevels(), dx.htreeLevels() < 3 ? "allowed without large_dir" : "large_dir allows");
            }
            DxIndex.Frame root = frames.getFirst();
            long nb = dirs.append(dir);
            DxIndex.Frame node = dx.newNode(nb, root, 0, root.count());
            root.count(1);
            root.b.putInt(root.entries + 4, (int) nb);
            DxIndex.addLevel(root);
            writeIndex(dir, node);
            writeIndex(dir, root);
            return;
        }
        DxIndex.Frame full = frames.get(lvl);
        DxIndex.Frame parent = frames.get(lvl - 1);
        int count1 = full.count() / 2;
        int hash2 = full.hash(count1);
        long nb = dirs.append(dir);
        DxIndex.Frame node2 = dx.newNode(nb, full, count1, full.count() - count1);
        full.count(count1);
        parent.insertAfterAt(hash2, nb);
        writeIndex(dir, node2);
        writeIndex(dir, full);
        writeIndex(dir, parent);
    }

    /** One name and the hash it is ordered by. */
    private record Hashed(Dirents.Rec rec, int hash) {
    }

    /**
     * do_split: the names of leaf {@code leafBlk} ({@code recs}), sorted by hash, are cut where half
     * of the block's bytes lie on each side (by count when the names fill less than half); the upper
     * part moves to a new block, whose first hash — with the collision bit when the cut splits a run
     * of equal hashes — joins the bottom index node after the old leaf's entry. The new name goes to
     * the half its hash belongs to.
     */
    private void split(Ext4Inode dir, DxIndex.Path p, long leafBlk, List<Dirents.Rec> recs, byte[] name, long ino, int type)
            throws FsException {
        int bs = fs.blockSize();
        int end = dirs.leafEnd();
        int version = DxIndex.version(p.frames().getFirst());
        List<Hashed> map = new ArrayList<>(recs.size());
        for (Dirents.Rec r : recs) {
            map.add(new Hashed(r, dx.hashOf(dir, version, r.name()).major()));
        }
        map.sort(Comparator.comparing(Hashed::hash, Integer::compareUnsigned));
        int count = map.size();
        int size = 0;
        int move = 0;
        int i = count - 1;
        for (; i >= 0; i--) {
            if (size + map.get(i).rec().recLen() / 2 > bs / 2) {
                break;
            }
            size += map.get(i).rec().recLen();
            move++;
        }
        int cut = i > 0 ? count - move : count / 2;
        if (cut <= 0 || cut >= count) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: leaf %d of %d names cannot be split", dir.ino, leafBlk, count);
        }
        int hash2 = map.get(cut).hash();
        boolean continued = hash2 == map.get(cut - 1).hash();
        List<Dirents.Rec> upper = new ArrayList<>();
        for (Hashed h : map.subList(cut, count)) {
            upper.add(h.rec());
        }
        List<Dirents.Rec> lower = new ArrayList<>(recs);
        lower.removeAll(upper);
        long nb = dirs.append(dir);
        ByteBuffer oldLeaf = Dirents.pack(lower, bs, end);
        ByteBuffer newLeaf = Dirents.pack(upper, bs, end);
        DxIndex.Frame bottom = p.bottom();
        bottom.insertAfterAt(hash2 + (continued ? 1 : 0), nb);
        ByteBuffer target = Integer.compareUnsigned(p.hash().major(), hash2) >= 0 ? newLeaf : oldLeaf;
        int at = Dirents.findRoom(target, 0, end, name.length);
        if (at < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: no room for a name of %d bytes in a leaf just split",
                    dir.ino, name.length);
        }
        Dirents.insert(target, at, ino, name, type);
        dirs.writeLeaf(dir, leafBlk, oldLeaf);
        dirs.writeLeaf(dir, nb, newLeaf);
        writeIndex(dir, bottom);
    }

    /** An index block written with its dx_tail checksum. */
    private void writeIndex(Ext4Inode dir, DxIndex.Frame f) throws FsException {
        dx.seal(dir, f);
        dirs.writeRaw(dir, f.lblk, f.b);
    }
}
