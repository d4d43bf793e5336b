package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileType;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ext4 directories: blocks of ext4_dir_entry_2 records ({@link Dirents}), each block ending in a
 * 12-byte tail that carries its crc32c (metadata_csum). A directory that outgrows its first block is
 * hashed (dir_index), as Linux hashes it ({@link Htree}); in a hashed directory the index blocks
 * (dx_root, dx_node: {@link DxIndex}) carry their own tail, lookups and new names go through the
 * index, and readdir lists the leaf blocks. Without dir_index, or once Linux's fallback has made a
 * directory of several blocks linear, a new name goes into the first block with room, as
 * {@code ext4_add_entry} puts it.
 */
final class Ext4Dir {
    record Entry(long lblk, int offset, int recLen, long ino, String name, int fileType, int prevOffset) {
    }

    private static final int TAIL = 12;
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    /** The bytes of a dx_root that are dirents: "." and "..". */
    private static final int DX_ROOT_NAMES = 24;

    private final Ext4FileSystem fs;
    private final Disk disk;
    private final int bs;
    private final DxIndex dx;
    private final Htree htree;
    /**
     * Sums a leaf's dirent tail when the commit logs it
     * ({@link Disk#writeSealed(long, ByteBuffer, Disk.Sealer, long, String, long)}): a leaf changed
     * by every create and unlink in it is summed once per transaction, not at each change.
     */
    private final Disk.Sealer leafChecksum = this::sealLeaf;

    Ext4Dir(Ext4FileSystem fs, Disk disk) {
        this.fs = fs;
        this.disk = disk;
        this.bs = disk.blockSize();
        this.dx = new DxIndex(fs.superblock());
        this.htree = new Htree(fs, this, dx);
    }

    static int fileType(FileType t) {
        return switch (t) {
            case REGULAR -> 1;
            case DIRECTORY -> 2;
            case CHAR_DEVICE -> 3;
            case BLOCK_DEVICE -> 4;
            case FIFO -> 5;
            case SOCKET -> 6;
            case SYMLINK -> 7;
            case UNKNOWN -> 0;
        };
    }

    static int recLenFor(int nameLen) {
        return Dirents.recLenFor(nameLen);
    }

    /** Where a leaf block's records end: before the checksum tail with metadata_csum. */
    int leafEnd() {
        return fs.superblock().hasCsum() ? bs - TAIL : bs;
    }

    private boolean hasTail(ByteBuffer b) {
        return b.getInt(bs - TAIL) == 0 && (b.getShort(bs - TAIL + 4) & 0xffff) == TAIL && b.get(bs - TAIL + 6) == 0
                && (b.get(bs - TAIL + 7) & 0xff) == 0xDE;
    }

    private long blocks(Ext4Inode dir) throws FsException {
        long size = dir.i_size();
        if (size % bs != 0 || size / bs > (1 << 22)) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: size %d is not a whole number of blocks", dir.ino, size);
        }
        return size / bs;
    }

    private ByteBuffer rawBlock(Ext4Inode dir, long lblk) throws FsException {
        return rawBlock(dir, lblk, null);
    }

    /** A directory block, {@code verifier} run on it when it is read from the device ({@link Disk#read(long, String, Disk.Verifier)}). */
    private ByteBuffer rawBlock(Ext4Inode dir, long lblk, Disk.Verifier verifier) throws FsException {
        long p = fs.mapBlock(dir, lblk);
        if (p < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: hole at block %d", dir.ino, lblk);
        }
        return disk.read(p, "directory " + dir.ino, verifier);
    }

    /**
     * A directory block as {@link Disk#readShared} gives it: the journal's buffer itself when it
     * holds the block. The caller holds the directory's i_rwsem and either only reads it or
     * changes it and writes it back at once (a record put in or taken out).
     */
    private ByteBuffer sharedBlock(Ext4Inode dir, long lblk, Disk.Verifier verifier) throws FsException {
        long p = fs.mapBlock(dir, lblk);
        if (p < 0) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: hole at block %d", dir.ino, lblk);
        }
        return disk.readShared(p, "directory", dir.ino, verifier);
    }

    /** A leaf block, its checksum verified: read, or changed and written back at once ({@link #sharedBlock}). */
    ByteBuffer readLeaf(Ext4Inode dir, long lblk) throws FsException {
        return sharedBlock(dir, lblk, b -> verifyBlock(dir, lblk, b));
    }

    /**
     * A block read from home checked as what it holds, index or leaf (as {@code __ext4_read_dirblock}
     * decides by the block's shape): the block is kept verified ({@link Disk#readShared}), and the
     * next lookup that meets it, as either, takes it as checked, as Linux's {@code buffer_verified} does.
     */
    private void verifyBlock(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        if (isIndex((dir.i_flags() & Ext4Inode.INDEX_FL) != 0, lblk, b)) {
            dx.verify(dir, lblk, b);
        } else {
            verifyLeaf(dir, lblk, b);
        }
    }

    /** Whether block {@code i} of a directory is an index block (dx_root, dx_node) rather than a leaf. */
    private boolean isIndex(boolean indexed, long i, ByteBuffer b) {
        return indexed && (i == 0 && dx.isRoot(b) || dx.isNode(i, b));
    }

    private void verifyLeaf(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        if (fs.superblock().hasCsum() && hasTail(b)) {
            int want = b.getInt(bs - 4);
            int got = Crc32c.update(dir.csumSeed(fs.csumSeed()), b.array(), 0, bs - TAIL);
            if (want != got) {
                throw FsException.of(Errno.EBADMSG, "ext4: directory %d block %d: checksum 0x%08x, computed 0x%08x",
                        dir.ino, lblk, want, got);
            }
        }
    }

    /**
     * Where in leaf {@code lblk} a name of {@code nameLen} bytes fits ({@link Dirents#findRoom}), or
     * -1; EUCLEAN for a record whose rec_len cannot be walked, as ext4_find_dest_de's check answers.
     */
    int roomIn(Ext4Inode dir, long lblk, ByteBuffer b, int nameLen) throws FsException {
        LeafRecords r = records(dir, lblk, b, leafEnd());
        if (r != null) {
            return r.firstRoom(nameLen);
        }
        int at = Dirents.findRoom(b, 0, leafEnd(), nameLen);
        if (at == Dirents.DAMAGED) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: block %d: a record's rec_len cannot be walked", dir.ino, lblk);
        }
        return at;
    }

    /**
     * The records kept for leaf {@code lblk} ({@link LeafRecords}), built from {@code b} when none
     * are kept for a block whose records end at {@code end}; null when the block's records cannot be
     * walked (the walk then reports where).
     */
    private static LeafRecords records(Ext4Inode dir, long lblk, ByteBuffer b, int end) {
        DirLeaves leaves = dir.dirLeaves;
        if (leaves == null) {
            leaves = new DirLeaves(); // two lookups may race to make it: one of them loses what it kept
            dir.dirLeaves = leaves;
        }
        LeafRecords r = leaves.get(lblk);
        if (r != null && r.end == end) {
            return r;
        }
        r = LeafRecords.of(b, end);
        if (r != null) {
            leaves.put(lblk, r);
        }
        return r;
    }

    /** {@return the records kept for leaf {@code lblk} of a block as writeLeaf leaves it}, or null */
    private LeafRecords keptRecords(Ext4Inode dir, long lblk) {
        DirLeaves leaves = dir.dirLeaves;
        LeafRecords r = leaves == null ? null : leaves.get(lblk);
        return r != null && r.end == leafEnd() ? r : null;
    }

    /** Forgets the records kept for block {@code lblk}: it is about to be written otherwise than by a kept change. */
    private static void forgetRecords(Ext4Inode dir, long lblk) {
        DirLeaves leaves = dir.dirLeaves;
        if (leaves != null) {
            leaves.drop(lblk);
        }
    }

    /** A leaf block written with its tail, its checksum left to the commit (metadata_csum); the directory's times with it. */
    void writeLeaf(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        forgetRecords(dir, lblk);
        storeLeaf(dir, lblk, b);
    }

    /** {@link #writeLeaf}, the records kept for the block already brought up to date with it. */
    private void storeLeaf(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        if (!fs.superblock().hasCsum()) {
            storeRaw(dir, lblk, b);
            return;
        }
        dir.dirWrites++;
        b.putInt(bs - TAIL, 0);
        b.putShort(bs - TAIL + 4, (short) TAIL);
        b.put(bs - TAIL + 6, (byte) 0);
        b.put(bs - TAIL + 7, (byte) 0xDE);
        disk.writeSealed(fs.mapBlock(dir, lblk), b, leafChecksum, dir.csumSeed(fs.csumSeed()), "directory", dir.ino);
    }

    /** The dirent tail's checksum over the block's records, put in by the commit ({@link #leafChecksum}). */
    private void sealLeaf(byte[] block, long seed) {
        LE_INT.set(block, bs - 4, Crc32c.update((int) seed, block, 0, bs - TAIL));
    }

    /** A directory block written as it is (an index block, sealed by its writer). */
    void writeRaw(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        forgetRecords(dir, lblk);
        dir.flatIndex = null;
        storeRaw(dir, lblk, b);
    }

    private void storeRaw(Ext4Inode dir, long lblk, ByteBuffer b) throws FsException {
        dir.dirWrites++;
        disk.write(fs.mapBlock(dir, lblk), b, "directory", dir.ino);
    }

    /** ext4_append: a new block at the directory's end; returns its number. The caller holds the directory. */
    long append(Ext4Inode dir) throws FsException {
        long lblk = dir.i_size() / bs;
        fs.appendBlock(dir);
        fs.changeInode(dir, d -> d.i_size(d.i_size() + bs));
        return lblk;
    }

    /** What {@link #scan} hands each record: its place, and the block holding its name bytes. */
    private interface RecordVisitor {
        /** Returns true to stop the scan here. */
        boolean visit(long lblk, int off, int recLen, long ino, ByteBuffer b, int nameLen, int prev);
    }

    /**
     * Walks every record of every block, validating each as {@code ext4_check_dir_entry} does,
     * until the visitor says stop. Returns whether it stopped.
     */
    private boolean scan(Ext4Inode dir, RecordVisitor v) throws FsException {
        if (InlineData.has(dir)) {
            ByteBuffer b = InlineData.dirents(dir);
            return scanBlock(dir, 0, b, b.capacity(), v);
        }
        long n = blocks(dir);
        boolean indexed = (dir.i_flags() & Ext4Inode.INDEX_FL) != 0;
        for (long i = 0; i < n; i++) {
            long lblk = i;
            ByteBuffer b = sharedBlock(dir, i, r -> verifyBlock(dir, lblk, r));
            if (isIndex(indexed, i, b)) {
                // Index blocks hold no names, but the root begins with "." and "..".
                if (i == 0 && scanBlock(dir, 0, b, DX_ROOT_NAMES, v)) {
                    return true;
                }
                continue;
            }
            if (scanBlock(dir, i, b, recordsEnd(b), v)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The records of one block up to {@code end}, each checked as {@code ext4_check_dir_entry} does.
     * A dx_root is passed with {@code end} 24: its "." and "..", whose rec_len spans the index
     * behind them, are taken as 12 bytes each.
     */
    private boolean scanBlock(Ext4Inode dir, long i, ByteBuffer b, int end, RecordVisitor v) throws FsException {
        boolean dxRoot = end == DX_ROOT_NAMES;
        long inodes = fs.superblock().s_inodes_count();   // once, not per record: a lookup walks a hundred
        int off = 0;
        int prev = -1;
        while (off < end) {
            if (end - off < 12) {
                throw shortRecord(dir, i, off, end);
            }
            long ino = b.getInt(off) & 0xffffffffL;
            int recLen = dxRoot ? 12 : b.getShort(off + 4) & 0xffff;
            int nameLen = b.get(off + 6) & 0xff;
            checkRecord(dir, i, off, end, ino, recLen, nameLen, inodes);
            if (v.visit(i, off, recLen, ino, b, nameLen, prev)) {
                return true;
            }
            prev = off;
            off += recLen;
        }
        return false;
    }

    /** {@code ext4_check_dir_entry}'s checks of one record at {@code off} of block {@code i}, which ends at {@code end}. */
    private static void checkRecord(Ext4Inode dir, long i, int off, int end, long ino, int recLen, int nameLen, long inodes)
            throws FsException {
        if (!Dirents.steppable(off, recLen, end) || (ino != 0 && recLen < recLenFor(nameLen))) {
            throw impossibleRecord(dir, i, off, recLen, nameLen);
        }
        if (ino > inodes) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: block %d offset %d: inode %d beyond the %d inodes",
                    dir.ino, i, off, ino, inodes);
        }
    }

    /** A record that starts fewer than 12 bytes (a record's least) before the records' {@code end}. */
    private static FsException shortRecord(Ext4Inode dir, long i, int off, int end) {
        return FsException.of(Errno.EUCLEAN, "ext4: directory %d: block %d offset %d: a record starts %d bytes before the end",
                dir.ino, i, off, end - off);
    }

    private static FsException impossibleRecord(Ext4Inode dir, long i, int off, int recLen, int nameLen) {
        return FsException.of(Errno.EUCLEAN, "ext4: directory %d: block %d offset %d: rec_len %d name_len %d is impossible",
                dir.ino, i, off, recLen, nameLen);
    }

    /**
     * The live record named {@code want} (compared byte for byte) in one leaf block up to {@code end},
     * or null, as {@code ext4_search_dir} walks it: every record's rec_len is checked before the walk
     * steps by it, a record whose name length matches has its name compared, and the record found is
     * checked whole ({@link #checkRecord}). A lookup in a directory of 100,000 names walks about 150
     * records a leaf: a visitor call, three bounds-checked buffer reads and every check per record
     * were two thirds of an unlink there.
     */
    private Entry findInLeaf(Ext4Inode dir, long lblk, ByteBuffer buf, int end, byte[] want, String name) throws FsException {
        byte[] b = buf.array();
        int len = want.length;
        LeafRecords r = records(dir, lblk, buf, end);
        if (r != null) {
            int i = r.find(b, want, LeafRecords.tag(want, 0, len));
            if (i < 0) {
                return null;
            }
            int off = r.offset(i);
            int recLen = (short) LE_SHORT.get(b, off + 4) & 0xffff;
            long ino = (int) LE_INT.get(b, off) & 0xffffffffL;
            checkRecord(dir, lblk, off, end, ino, recLen, len, fs.superblock().s_inodes_count());
            return new Entry(lblk, off, recLen, ino, name, b[off + 7] & 0xff, r.prevOffset(i));
        }
        int need = Dirents.recLenFor(len);
        int off = 0;
        int prev = -1;
        while (off < end) {
            if (end - off < 12) {
                throw shortRecord(dir, lblk, off, end);
            }
            int recLen = (short) LE_SHORT.get(b, off + 4) & 0xffff;
            if (!Dirents.steppable(off, recLen, end)) {
                throw impossibleRecord(dir, lblk, off, recLen, b[off + 6] & 0xff);
            }
            if ((b[off + 6] & 0xff) == len && recLen >= need && (int) LE_INT.get(b, off) != 0
                    && Arrays.equals(b, off + 8, off + 8 + len, want, 0, len)) {
                long ino = (int) LE_INT.get(b, off) & 0xffffffffL;
                checkRecord(dir, lblk, off, end, ino, recLen, len, fs.superblock().s_inodes_count());
                return new Entry(lblk, off, recLen, ino, name, b[off + 7] & 0xff, prev);
            }
            prev = off;
            off += recLen;
        }
        return null;
    }

    /** Every record; in an encrypted directory the names are the no-key names Linux shows without the key. */
    List<Entry> entries(Ext4Inode dir) throws FsException {
        return listing(dir, false).entries();
    }

    /** Records in readdir's order and, when it went by hash, each one's hash (the same index). */
    private record Listing(List<Entry> entries, List<DirHash.Hash> hashes) {
    }

    /**
     * Every record in the order {@code ext4_readdir} returns them. A directory read through the
     * htree code (is_dx_dir: an indexed one, and with dir_index a one-block or inline one too) is
     * listed by hash: {@code ext4_htree_fill_tree} hashes every name (in the listing's way:
     * casefolded, the ciphertext's, or the hash an encrypted casefolded record keeps) into a tree
     * ordered by major, then minor hash, unsigned. Names of one hash and minor hash are chained
     * there, each one after the first going in right behind it, so they come out first, then last
     * to second. Any other directory is listed in its records' order, as is one whose hash version
     * jdax does not know (Linux's ERR_BAD_DX_DIR falls back to the linear listing).
     */
    List<Entry> readdirOrder(Ext4Inode dir) throws FsException {
        return listing(dir, isDxDir(dir)).entries();
    }

    /** EXT4_HTREE_EOF_64BIT: where a hashed directory's listing ends for a 64-bit reader. */
    static final long HTREE_EOF_64 = 0x7fff_ffff_ffff_ffffL;

    /**
     * ext4_readdir as getdents sees it: {@link #readdirOrder}'s entries with their positions. By
     * hash, a position is {@code hash2pos} for a 64-bit reader (the major hash halved, then the
     * minor), names of one hash sharing it, and the end EXT4_HTREE_EOF_64BIT; an indexed
     * directory's {@code .} and {@code ..} are put first at hashes 0 and 2, as
     * {@code ext4_htree_fill_tree} stores them. In record order a position is the record's byte
     * offset and the end the directory's size.
     */
    DirStream getdents(Ext4Inode dir) throws FsException {
        Listing l = listing(dir, isDxDir(dir));
        List<DirStream.Entry> out = new ArrayList<>();
        if (l.hashes() != null) {
            for (int i = 0; i < l.entries().size(); i++) {
                Entry e = l.entries().get(i);
                DirHash.Hash h = l.hashes().get(i);
                long pos = (long) (h.major() >>> 1) << 32 | (h.minor() & 0xffffffffL);
                out.add(new DirStream.Entry(e.name(), e.ino(), FileType.ofDirentType(e.fileType()), pos));
            }
            return new DirStream(out, HTREE_EOF_64);
        }
        if (InlineData.has(dir)) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: getdents of inline directory %d without dir_index: positions not given", dir.ino);
        }
        for (Entry e : l.entries()) {
            if (e.ino() != 0) {
                out.add(new DirStream.Entry(e.name(), e.ino(), FileType.ofDirentType(e.fileType()), e.lblk() * bs + e.offset()));
            }
        }
        return new DirStream(out, dir.i_size());
    }

    private Listing listing(Ext4Inode dir, boolean byHash) throws FsException {
        List<Entry> out = new ArrayList<>();
        List<DirHash.Hash> hashes = byHash ? new ArrayList<>() : null;
        boolean encrypted = NoKeyNames.encrypted(dir);
        boolean stored = encrypted && hashInDirent(dir);
        int version = byHash || encrypted && !stored ? readdirHashVersion(dir) : -1;
        // An indexed directory's . and .. go into the listing at hashes 0 and 2 (ext4_htree_fill_tree).
        boolean indexed = byHash && (dir.i_flags() & Ext4Inode.INDEX_FL) != 0 && !InlineData.has(dir);
        FsException[] bad = new FsException[1];
        boolean[] unknown = new boolean[1];
        scan(dir, (lblk, off, recLen, ino, b, nameLen, prev) -> {
            String name = new String(b.array(), off + 8, nameLen, StandardCharsets.UTF_8);
            boolean dots = name.equals(".") || name.equals("..");
            DirHash.Hash h = null;
            try {
                if (encrypted && ino != 0 && !dots) {
                    byte[] disk = Arrays.copyOfRange(b.array(), off + 8, off + 8 + nameLen);
                    h = stored ? storedHash(dir, lblk, b, off, recLen, nameLen) : version < 0 ? null : dx.hashOf(version, disk);
                    name = NoKeyNames.encode(dir.ino, disk, 0, nameLen, h == null ? 0 : h.major(), h == null ? 0 : h.minor());
                } else if (byHash && ino != 0) {
                    h = indexed && dots ? new DirHash.Hash(name.equals(".") ? 0 : 2, 0)
                            : dx.hashOf(dir, version, Arrays.copyOfRange(b.array(), off + 8, off + 8 + nameLen));
                }
            } catch (FsException e) {
                bad[0] = e;
                return true;
            }
            if (byHash && ino != 0) {
                if (h == null) {
                    unknown[0] = true;
                } else {
                    hashes.add(h);
                }
            }
            out.add(new Entry(lblk, off, recLen, ino, name, b.get(off + 7) & 0xff, prev));
            return false;
        });
        if (bad[0] != null) {
            throw bad[0];
        }
        return byHash && !unknown[0] ? byHash(out, hashes) : new Listing(out, null);
    }

    /** The live ones of {@code records} ordered by {@code hashes} (major and minor, one per live record) as ext4_dx_readdir lists them. */
    private static Listing byHash(List<Entry> records, List<DirHash.Hash> hashes) {
        List<Entry> live = new ArrayList<>(hashes.size());
        for (Entry e : records) {
            if (e.ino() != 0) {
                live.add(e);
            }
        }
        int n = live.size();
        // Sorted as primitives by the major hash (unsigned: its sign bit flipped) and then the order the
        // fill met them; a listing of 100,000 names sorted through a comparator of boxed indices took
        // twice as long as the hashing. Names of one major hash (about one pair in 100,000) are then
        // ordered by their minor hash.
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = (long) (hashes.get(i).major() ^ Integer.MIN_VALUE) << 32 | i;
        }
        Arrays.sort(order);
        List<Integer> picked = new ArrayList<>(n);
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && order[j] >>> 32 == order[i] >>> 32) {
                j++;
            }
            if (j - i == 1) {
                picked.add((int) order[i]);
            } else {
                sameMajor(hashes, order, i, j, picked);
            }
            i = j;
        }
        List<Entry> out = new ArrayList<>(n);
        List<DirHash.Hash> outHashes = new ArrayList<>(n);
        for (int k : picked) {
            out.add(live.get(k));
            outHashes.add(hashes.get(k));
        }
        return new Listing(out, outHashes);
    }

    /**
     * The indices {@code order[from, to)} holds, records all of one major hash, by minor hash (unsigned) and
     * then as the fill met them; of names whose minor hashes match too, the first comes first and
     * the others after it, last to second, as they are chained in Linux's tree.
     */
    private static void sameMajor(List<DirHash.Hash> hashes, long[] order, int from, int to, List<Integer> out) {
        List<Integer> run = new ArrayList<>(to - from);
        for (int k = from; k < to; k++) {
            run.add((int) order[k]);
        }
        run.sort((x, y) -> Integer.compareUnsigned(hashes.get(x).minor(), hashes.get(y).minor())); // stable
        for (int i = 0; i < run.size(); ) {
            int j = i + 1;
            while (j < run.size() && hashes.get(run.get(j)).minor() == hashes.get(run.get(i)).minor()) {
                j++;
            }
            out.add(run.get(i));
            for (int k = j - 1; k > i; k--) {
                out.add(run.get(k));
            }
            i = j;
        }
    }

    /**
     * ext4_hash_in_dirent: an encrypted directory that is also casefolded keeps each name's hash
     * (SipHash of the plaintext, which needs the key) in the record, after the name at the next
     * 4-byte boundary (struct ext4_dir_entry_hash).
     */
    private boolean hashInDirent(Ext4Inode dir) {
        return NoKeyNames.encrypted(dir) && folds(dir);
    }

    /** EXT4_DIRENT_HASH and EXT4_DIRENT_MINOR_HASH of the record at {@code off}. */
    private static DirHash.Hash storedHash(Ext4Inode dir, long lblk, ByteBuffer b, int off, int recLen, int nameLen)
            throws FsException {
        int at = off + ((8 + nameLen + 3) & ~3);
        if (at + 8 > off + recLen) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d: block %d offset %d: rec_len %d leaves no room for the name's hash",
                    dir.ino, lblk, off, recLen);
        }
        return new DirHash.Hash(b.getInt(at), b.getInt(at + 4));
    }

    /**
     * The hash version of the dirhash a no-key name carries: ext4_readdir lists an indexed directory,
     * a one-block directory and an inline one through the htree code (is_dx_dir), which hashes every
     * name — with the root's version, or s_def_hash_version when there is no index; a linear
     * directory of more blocks gives no hash (-1).
     */
    private int readdirHashVersion(Ext4Inode dir) throws FsException {
        if (!isDxDir(dir)) {
            return -1;
        }
        if ((dir.i_flags() & Ext4Inode.INDEX_FL) != 0 && !InlineData.has(dir)) {
            return dx.rootHashVersion(sharedBlock(dir, 0, b -> verifyBlock(dir, 0, b)));
        }
        return fs.superblock().s_def_hash_version();
    }

    /**
     * is_dx_dir: whether ext4 reads the directory through its htree code (readdir by hash, llseek
     * to the hash's end): with dir_index, an indexed directory, a one-block one and an inline one.
     */
    boolean isDxDir(Ext4Inode dir) {
        return (fs.superblock().s_feature_compat() & Ext4Superblock.COMPAT_DIR_INDEX) != 0
                && ((dir.i_flags() & Ext4Inode.INDEX_FL) != 0 || InlineData.has(dir) || dir.i_size() / bs == 1);
    }

    /**
     * The live entry named {@code name}, or null; names are compared as bytes, as ext4_match does,
     * and folded in a casefolded directory (the entry then carries the name as stored). A hashed
     * directory is searched in the leaves its index names (ext4_dx_find_entry), and linearly when
     * the index cannot be used, as Linux falls back on ERR_BAD_DX_DIR.
     */
    Entry find(Ext4Inode dir, String name) throws FsException {
        if (NoKeyNames.encrypted(dir) && !name.equals(".") && !name.equals("..")) {
            return findNoKey(dir, name);
        }
        return findBytes(dir, name.getBytes(StandardCharsets.UTF_8), name);
    }

    /** The live entry whose stored name is {@code want} (folded where the directory folds), carrying {@code name}. */
    private Entry findBytes(Ext4Inode dir, byte[] want, String name) throws FsException {
        LastDirent last = dir.lastDirent;
        if (last != null && last.holds(dir, true, want)) {
            return last.entry(name);
        }
        boolean fold = folds(dir) && !NoKeyNames.encrypted(dir);
        byte[] folded = fold ? Casefold.fold(want) : null;
        Entry[] found = new Entry[1];
        RecordVisitor match = (lblk, off, recLen, ino, b, nameLen, prev) -> {
            if (ino == 0) {
                return false;
            }
            if (fold) {
                byte[] stored = Arrays.copyOfRange(b.array(), off + 8, off + 8 + nameLen);
                if (!Casefold.same(folded, want, stored)) {
                    return false;
                }
                found[0] = new Entry(lblk, off, recLen, ino, new String(stored, StandardCharsets.UTF_8), b.get(off + 7) & 0xff, prev);
                return true;
            }
            if (nameLen != want.length || !Arrays.equals(b.array(), off + 8, off + 8 + nameLen, want, 0, want.length)) {
                return false;
            }
            found[0] = new Entry(lblk, off, recLen, ino, name, b.get(off + 7) & 0xff, prev);
            return true;
        };
        boolean dots = name.equals(".") || name.equals("..");
        // The name in a leaf block. An encrypted casefolded directory is indexed by hashes of
        // plaintext jdax cannot compute: searched whole.
        boolean inLeaves = !dots && !InlineData.has(dir) && !hashInDirent(dir);
        boolean indexed = (dir.i_flags() & Ext4Inode.INDEX_FL) != 0;
        List<Long> leaves = inLeaves && indexed ? leavesFor(dir, want) : null;
        if (leaves == null) {
            if (!inLeaves || indexed || fold) {
                scan(dir, match);
                return found[0];
            }
            // A linear directory of leaves: each searched as a leaf of a hashed one is.
            long n = blocks(dir);
            for (long lblk = 0; lblk < n; lblk++) {
                Entry e = findInBlock(dir, lblk, want, name);
                if (e != null) {
                    return e;
                }
            }
            return null;
        }
        for (long lblk : leaves) {
            if (!fold) {
                Entry e = findInBlock(dir, lblk, want, name);
                if (e != null) {
                    return e;
                }
                continue;
            }
            ByteBuffer b = readLeaf(dir, lblk);
            if (scanBlock(dir, lblk, b, recordsEnd(b), match)) {
                break;
            }
        }
        return found[0];
    }

    /** Where a leaf's records end: before its dirent tail when it has one. */
    private int recordsEnd(ByteBuffer b) {
        return fs.superblock().hasCsum() && hasTail(b) ? bs - TAIL : bs;
    }

    /** The live record named {@code want} in leaf {@code lblk} ({@link #findInLeaf}), or null. */
    private Entry findInBlock(Ext4Inode dir, long lblk, byte[] want, String name) throws FsException {
        ByteBuffer b = readLeaf(dir, lblk);
        return findInLeaf(dir, lblk, b, recordsEnd(b), want, name);
    }

    /** The leaves of a hashed directory that may hold {@code want}, or null when its index cannot be used ({@link DxIndex#leavesFor}). */
    private List<Long> leavesFor(Ext4Inode dir, byte[] want) throws FsException {
        FlatIndex f = flatIndex(dir);
        if (f == null) {
            return dx.leavesFor(dir, want, lookupBlocks(dir));
        }
        return f.leavesFor(dx.hash(dir, f.version(), want).major());
    }

    /**
     * The leaf of a hashed directory where a descent for {@code name} ends, or -1 when the index
     * cannot be read as one list (a descent then answers for itself).
     */
    long indexedLeaf(Ext4Inode dir, byte[] name) throws FsException {
        FlatIndex f = flatIndex(dir);
        return f == null ? -1 : f.leafFor(dx.hash(dir, f.version(), name).major());
    }

    /** The directory's index as one list, made when none is kept; null when some descent could not use it. */
    private FlatIndex flatIndex(Ext4Inode dir) throws FsException {
        FlatIndex f = dir.flatIndex;
        if (f == null) {
            f = dx.flatten(dir, lookupBlocks(dir));
            f = f == null ? FlatIndex.UNUSABLE : f;
            dir.flatIndex = f;
        }
        return f == FlatIndex.UNUSABLE ? null : f;
    }

    /**
     * A no-key name in an encrypted directory (fscrypt_setup_filename and fscrypt_match_name without
     * the key): null for a name that does not decode, as Linux answers ENOENT; a short one is the
     * whole ciphertext, found as any name is; a long one is matched by its first 149 bytes and the
     * SHA-256 of the rest, in every block.
     */
    private Entry findNoKey(Ext4Inode dir, String name) throws FsException {
        NoKeyNames.Wanted w = NoKeyNames.decode(name);
        if (w == null) {
            return null;
        }
        if (w.digest() == null) {
            return findBytes(dir, w.bytes(), name);
        }
        Entry[] found = new Entry[1];
        scan(dir, (lblk, off, recLen, ino, b, nameLen, prev) -> {
            if (ino != 0 && w.matches(b.array(), off + 8, nameLen)) {
                found[0] = new Entry(lblk, off, recLen, ino, name, b.get(off + 7) & 0xff, prev);
                return true;
            }
            return false;
        });
        return found[0];
    }

    /** Whether names in {@code dir} are compared folded: a casefold file system and EXT4_CASEFOLD_FL. */
    boolean folds(Ext4Inode dir) {
        return fs.superblock().hasCasefold() && Casefold.folds(dir);
    }

    /**
     * In a casefolded directory of a strict file system, a name that is not valid UTF-8 is refused
     * (EINVAL), as ext4_add_entry refuses it; a Java name is invalid when it holds a lone surrogate.
     */
    private void checkEncoding(Ext4Inode dir, String name) throws FsException {
        if (folds(dir) && (fs.superblock().s_encoding_flags() & Casefold.STRICT_MODE_FL) != 0
                && !StandardCharsets.UTF_8.newEncoder().canEncode(name)) {
            throw FsException.of(Errno.EINVAL, "ext4: directory %d: name %s is not valid UTF-8 (strict encoding)", dir.ino, name);
        }
    }

    /** The directory's blocks for its index: copies, which an index change may alter before it writes them. */
    DxIndex.Blocks indexBlocks(Ext4Inode dir) throws FsException {
        return indexBlocks(dir, false);
    }

    /** The directory's blocks for a descent that changes no index block: the journal's buffers read in place. */
    DxIndex.Blocks lookupBlocks(Ext4Inode dir) throws FsException {
        return indexBlocks(dir, true);
    }

    /** The directory's blocks for its index; {@code readOnly}: a lookup's, the journal's buffers read in place. */
    private DxIndex.Blocks indexBlocks(Ext4Inode dir, boolean readOnly) throws FsException {
        long count = blocks(dir);
        return new DxIndex.Blocks() {
            @Override
            public ByteBuffer raw(long lblk) throws FsException {
                return readOnly ? sharedBlock(dir, lblk, b -> verifyBlock(dir, lblk, b)) : rawBlock(dir, lblk);
            }

            @Override
            public boolean verified() {
                return readOnly;
            }

            @Override
            public long count() {
                return count;
            }
        };
    }

    boolean isEmpty(Ext4Inode dir) throws FsException {
        for (Entry e : entries(dir)) {
            if (e.ino() != 0 && !e.name().equals(".") && !e.name().equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static void put(ByteBuffer b, int at, int recLen, long ino, byte[] name, int type) {
        Dirents.put(b, at, recLen, ino, name, type);
    }

    /** A new directory's first block: "." and "..". */
    void init(Ext4Inode dir, long parent) throws FsException {
        fs.appendBlock(dir);
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        put(b, 0, 12, dir.ino, ".".getBytes(StandardCharsets.UTF_8), 2);
        put(b, 12, leafEnd() - 12, parent, "..".getBytes(StandardCharsets.UTF_8), 2);
        writeLeaf(dir, 0, b);
        fs.changeInode(dir, d -> d.i_size(bs));
    }

    /**
     * ext4_add_entry: through the index of a hashed directory; else into the first block with room,
     * and when the directory's only block is full it becomes hashed (make_indexed_dir); else into a
     * new block. An index Linux would not use (ERR_BAD_DX_DIR) is corruption with metadata_csum;
     * without it the directory falls back to linear (EXT4_INDEX_FL cleared), as Linux lets it.
     */
    void add(Ext4Inode dir, String name, long ino, int type) throws FsException {
        checkEncoding(dir, name);
        readyForChange(dir);
        place(dir, name.getBytes(StandardCharsets.UTF_8), ino, type);
        fs.changeInode(dir, d -> d.touch(true, true));
    }

    /** {@link #add}'s record written where ext4_add_entry puts it. */
    private void place(Ext4Inode dir, byte[] nm, long ino, int type) throws FsException {
        if (addWhereRemoved(dir, nm, ino, type)) {
            return;
        }
        boolean fallback = false;
        if ((dir.i_flags() & Ext4Inode.INDEX_FL) != 0) {
            if (htree.add(dir, nm, ino, type)) {
                return;
            }
            if (fs.superblock().hasCsum()) {
                throw FsException.of(Errno.EUCLEAN, "ext4: directory %d has a corrupted htree index (run e2fsck -D)", dir.ino);
            }
            fs.changeInode(dir, d -> d.i_flags(d.i_flags() & ~Ext4Inode.INDEX_FL));
            fallback = true;
        }
        long n = blocks(dir);
        for (long lblk = 0; lblk < n; lblk++) {
            ByteBuffer b = readLeaf(dir, lblk);
            int at = roomIn(dir, lblk, b, nm.length);
            if (at >= 0) {
                insertAt(dir, lblk, b, at, nm, ino, type);
                return;
            }
            if (n == 1 && !fallback && htree.canIndex()) {
                htree.makeIndexed(dir, b, nm, ino, type);
                return;
            }
        }
        long lblk = append(dir);
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        put(b, 0, leafEnd(), ino, nm, type);
        writeLeaf(dir, lblk, b);
    }

    /**
     * Puts {@code name} into the record at {@code at} of leaf {@code lblk} ({@code b}), the first of
     * the leaf with room for it, and writes the leaf; the directory keeps where it went
     * ({@link LastDirent}).
     */
    void insertAt(Ext4Inode dir, long lblk, ByteBuffer b, int at, byte[] name, long ino, int type) throws FsException {
        int placed = Dirents.insert(b, at, ino, name, type);
        LeafRecords r = keptRecords(dir, lblk);
        if (r == null || !r.inserted(at, placed, name.length, LeafRecords.tag(name, 0, name.length))) {
            forgetRecords(dir, lblk);
        }
        storeLeaf(dir, lblk, b);
        dir.lastDirent = LastDirent.added(lblk, b, at, placed, name, ino, type, dir.dirWrites);
    }

    /**
     * A name added back where the directory's last change removed it, when nothing else changed
     * the directory since ({@link LastDirent}); false, having changed nothing, otherwise.
     */
    private boolean addWhereRemoved(Ext4Inode dir, byte[] name, long ino, int type) throws FsException {
        LastDirent last = dir.lastDirent;
        if (last == null || !last.holds(dir, false, name)) {
            return false;
        }
        ByteBuffer b = readLeaf(dir, last.lblk());
        if (!Dirents.hasRoom(b, last.offset(), leafEnd(), name.length)) {
            return false; // cannot be, with nothing changed: the walk decides
        }
        insertAt(dir, last.lblk(), b, last.offset(), name, ino, type);
        return true;
    }

    /**
     * ext4_delete_entry: the record joins the one before it, or is emptied when first in its block.
     * {@code e} is what {@link #find} gave with nothing changed since; it is looked up again only
     * when an inline directory moves to a block first (its records move with it).
     */
    void remove(Ext4Inode dir, Entry e) throws FsException {
        boolean moves = InlineData.has(dir);
        readyForChange(dir);
        Entry cur = moves ? find(dir, e.name()) : e;
        LastDirent last = dir.lastDirent;
        boolean wasLast = last != null && last.writes() == dir.dirWrites && last.is(cur);
        ByteBuffer b = readLeaf(dir, cur.lblk());
        if (cur.prevOffset() >= 0) {
            int prevLen = b.getShort(cur.prevOffset() + 4) & 0xffff;
            b.putShort(cur.prevOffset() + 4, (short) (prevLen + cur.recLen()));
        } else {
            b.putInt(cur.offset(), 0);
        }
        LeafRecords r = keptRecords(dir, cur.lblk());
        if (r == null || !r.removed(cur.offset(), cur.recLen())) {
            forgetRecords(dir, cur.lblk());
        }
        storeLeaf(dir, cur.lblk(), b);
        // Only a name the last change added is known to have had no room before its record.
        dir.lastDirent = wasLast ? last.removed(dir.dirWrites) : null;
        fs.changeInode(dir, d -> d.touch(true, true));
    }

    /** Points a name at another inode (rename over it, a moved directory's ".."); in a hashed directory's root, ".." is resealed with the index. */
    void retarget(Ext4Inode dir, String name, long ino, int type) throws FsException {
        readyForChange(dir);
        Entry cur = find(dir, name);
        // Checked as it comes from home; the journal's copy is this mount's, its leaf checksum
        // perhaps still the commit's to put in (writeLeaf).
        ByteBuffer b = rawBlock(dir, cur.lblk(), r -> verifyBlock(dir, cur.lblk(), r));
        if (cur.lblk() == 0 && (dir.i_flags() & Ext4Inode.INDEX_FL) != 0 && dx.isRoot(b)) {
            b.putInt(cur.offset(), (int) ino);
            b.put(cur.offset() + 7, (byte) type);
            dx.sealRoot(dir, b);
            writeRaw(dir, 0, b);
        } else {
            b.putInt(cur.offset(), (int) ino);
            b.put(cur.offset() + 7, (byte) type);
            storeLeaf(dir, cur.lblk(), b); // the same name in the same record: what is kept of the leaf still holds
        }
        fs.changeInode(dir, d -> d.touch(true, true));
    }

    /** Makes {@code dir} ready to be changed: an inline directory moves to a block first. */
    void readyForChange(Ext4Inode dir) throws FsException {
        if (InlineData.has(dir) && NoKeyNames.encrypted(dir)) {
            // Moving the names to a block needs them as stored; jdax holds them as no-key names.
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: directory %d is encrypted and inline: jdax cannot change it", dir.ino);
        }
        if (InlineData.has(dir)) {
            fromInline(dir);
        }
    }

    /**
     * ext4_convert_inline_data_nolock for a directory: its names move to a dirent block that begins
     * with "." and "..", as the directory's first block; the inline data leaves the inode.
     */
    private void fromInline(Ext4Inode dir) throws FsException {
        long parent = InlineData.parent(dir);
        List<Entry> live = new ArrayList<>();
        for (Entry e : entries(dir)) {
            if (e.ino() != 0 && !e.name().equals(".") && !e.name().equals("..")) {
                live.add(e);
            }
        }
        InlineData.take(dir, dir.i_size());
        dir.i_size(0);
        fs.startBlockMap(dir);
        init(dir, parent);
        for (Entry e : live) {
            add(dir, e.name(), e.ino(), e.fileType());
        }
    }
}
