package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Finds a name through a directory's hash index instead of reading every entry, as
 * xfs_dir2_block_lookup, xfs_dir2_leaf_lookup and xfs_dir2_node_lookup do: the leaf entries are
 * sorted by xfs_da_hashname, so a binary search gives the candidates (names can share a hash) and
 * each candidate's address names the one data entry to compare. Block form keeps the leaf entries
 * at the end of its one block, leaf form in a LEAF1 block at XFS_DIR2_LEAF_OFFSET, node form in
 * LEAFN blocks under da nodes there. Every block read is verified; an address or a level that
 * cannot be is EUCLEAN.
 */
final class DirLookup {
    private static final int LEAF_HDR = DirWriter.LEAF_HDR;
    /** XFS_DA_NODE_MAXDEPTH. */
    private static final int MAX_DEPTH = 5;

    private final XfsDisk disk;
    private final XfsInode dir;
    private final List<BmapExtent> extents;
    private final BlockName what;
    private final long leafDablk;
    private final boolean blockForm;

    private DirLookup(XfsDisk disk, XfsInode dir, List<BmapExtent> extents) {
        this.disk = disk;
        this.dir = dir;
        this.extents = extents;
        this.what = new BlockName("directory inode", dir.ino(), null, -1);
        this.leafDablk = XfsDirs.LEAF_OFFSET_BYTES >>> disk.blockLog();
        this.blockForm = XfsDirs.isBlockForm(disk, dir, extents);
    }

    /** The inode {@code name} names in directory {@code dir} (any form), or -1 when none. */
    static long find(XfsDisk disk, XfsInode dir, List<BmapExtent> extents, byte[] name) throws FsException {
        if (dir.di_format() == XfsInode.FMT_LOCAL) {
            // Shortform: the few entries live in the inode, unhashed; reading them is the lookup.
            for (DirRecord r : XfsDirs.read(disk, dir, List.of())) {
                if (Arrays.equals(r.name(), name)) {
                    return r.ino();
                }
            }
            return -1;
        }
        return new DirLookup(disk, dir, extents).find(name);
    }

    private long find(byte[] name) throws FsException {
        Corrupt.check(disk.sb().sb_dirblklog() == 0, "%s: directory blocks of several fs blocks are not supported", what);
        int hash = DirWriter.hash(name);
        if (blockForm) {
            byte[] b = dataBlock(0);
            int count = (int) be32(b, b.length - 8);
            return search(b, b.length - 8 - count * 8, count, hash, name);
        }
        byte[] b = read(leafDablk, "leaf block");
        int magic = be16(b, 8);
        if (magic == DirWriter.LEAF1_MAGIC) {
            return search(b, LEAF_HDR, count(b, "leaf"), hash, name);
        }
        // A node directory's leaf space starts with a da node, or with its only LEAFN block.
        Corrupt.check(magic == DirNodeWriter.DA3_NODE_MAGIC || magic == DirNodeWriter.LEAFN_MAGIC,
                "%s: leaf block magic 0x%x", what, magic);
        long dablk = leafDablk;
        for (int depth = 0; magic == DirNodeWriter.DA3_NODE_MAGIC; depth++) {
            Corrupt.check(depth < MAX_DEPTH, "%s: da btree deeper than %d", what, MAX_DEPTH);
            int n = count(b, "da node " + dablk);
            // The first child whose greatest hash is not below ours; past the last: the name is not there.
            int i = new DaBlock(dablk, -1, b).lowerBound(hash);
            if (i == n) {
                return -1;
            }
            dablk = be32(b, LEAF_HDR + i * 8 + 4);
            b = read(dablk, "da node child block");
            magic = be16(b, 8);
        }
        Corrupt.check(magic == DirNodeWriter.LEAFN_MAGIC, "%s: leaf block %d magic 0x%x", what, dablk, magic);
        // Entries of one hash may run on into the next leaves (forw).
        for (int hops = 0; ; hops++) {
            int n = count(b, "leaf " + dablk);
            long found = search(b, LEAF_HDR, n, hash, name);
            boolean runsOn = n > 0 && (int) be32(b, LEAF_HDR + (n - 1) * 8) == hash;
            long forw = be32(b, 0);
            if (found >= 0 || !runsOn || forw == 0) {
                return found;
            }
            Corrupt.check(hops < extents.size() + 1024, "%s: leaf chain loops", what);
            dablk = forw;
            b = read(dablk, "leaf block");
            Corrupt.check(be16(b, 8) == DirNodeWriter.LEAFN_MAGIC, "%s: leaf block %d magic 0x%x", what, dablk, be16(b, 8));
        }
    }

    /** The hash-sorted entries {@code [from, from + 8n)} of {@code b}: the first live one naming {@code name}. */
    private long search(byte[] b, int from, int n, int hash, byte[] name) throws FsException {
        Corrupt.check(n >= 0 && from >= 0 && from + (long) n * 8 <= b.length, "%s: %d leaf entries do not fit", what, n);
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned((int) be32(b, from + mid * 8), hash) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < n && (int) be32(b, from + i * 8) == hash; i++) {
            long address = be32(b, from + i * 8 + 4);
            if (address != 0) {            // XFS_DIR2_NULL_DATAPTR: a stale entry
                long ino = entryAt(address, name);
                if (ino >= 0) {
                    return ino;
                }
            }
        }
        return -1;
    }

    /** The data entry at {@code address} (in 8-byte units of the data space): its inode when it is {@code name}. */
    private long entryAt(long address, byte[] name) throws FsException {
        long byteOff = address * 8;
        long dablk = byteOff >>> disk.blockLog();
        int off = (int) (byteOff & (disk.blockSize() - 1));
        Corrupt.check(dablk < leafDablk, "%s: leaf address 0x%x outside the data space", what, address);
        byte[] b = dataBlock(dablk);
        int end = blockForm ? b.length - 8 - (int) be32(b, b.length - 8) * 8 : b.length;
        Corrupt.check(off >= DataBlock.HDR_SIZE && off + 9 <= end && be16(b, off) != 0xffff,
                "%s: leaf address 0x%x names no entry", what, address);
        int namelen = u8(b, off + 8);
        Corrupt.check(namelen > 0 && off + 9 + namelen <= end, "%s: entry at 0x%x name length %d", what, address, namelen);
        return Arrays.equals(b, off + 9, off + 9 + namelen, name, 0, name.length) ? be64(b, off) : -1;
    }

    private byte[] dataBlock(long dablk) throws FsException {
        return readDataBlock(disk, dir.ino(), mapped(dablk, "data block"),
                blockForm ? DataBlock.XFS_DIR3_BLOCK_MAGIC : DataBlock.XFS_DIR3_DATA_MAGIC, new BlockName("directory inode", dir.ino(), "data block", dablk));
    }

    /**
     * A directory data block of {@code owner} at {@code fsb}, its header verified ({@link
     * DataBlock#verify}), to read under the directory's lock: the cached bytes themselves when it
     * is cached ({@link XfsDisk#cachedUnderLock}), else a copy read and verified.
     */
    static byte[] readDataBlock(XfsDisk disk, long owner, long fsb, long magic, Object what) throws FsException {
        return readDataBlock(disk, owner, fsb, magic, what, false);
    }

    /**
     * {@link #readDataBlock(XfsDisk, long, long, long, Object)}; {@code forChange}: the cached
     * buffer itself, for a change under the directory's exclusive lock ({@link XfsDisk#cachedForChange}),
     * cached from now on when it was not ({@link XfsDisk#adoptForChange}).
     */
    static byte[] readDataBlock(XfsDisk disk, long owner, long fsb, long magic, Object what, boolean forChange)
            throws FsException {
        byte[] b = forChange ? disk.cachedForChange(fsb) : disk.cachedUnderLock(fsb);
        boolean read = b == null;
        if (read) {
            b = disk.readBlock(fsb, what);
        }
        DataBlock.verify(b, magic, disk.fsbToDaddr(fsb), owner, disk.sb().metaUuid(), what, read);
        return read && forChange ? disk.adoptForChange(fsb, b) : b;
    }

    /** A leaf-space block (LEAF1, LEAFN or da node: all start with xfs_da3_blkinfo, CRC at 12). */
    private byte[] read(long dablk, String kind) throws FsException {
        return readLeafSpace(disk, dir.ino(), mapped(dablk, kind), new BlockName("directory inode", dir.ino(), kind, dablk));
    }

    /** A leaf-space block of {@code owner} at {@code fsb}, verified (the CRC at 12, blkno and owner), read as {@link #readDataBlock} says. */
    static byte[] readLeafSpace(XfsDisk disk, long owner, long fsb, Object what) throws FsException {
        return readLeafSpace(disk, owner, fsb, what, false);
    }

    /** {@link #readLeafSpace(XfsDisk, long, long, Object)}, for a change as {@link #readDataBlock} says. */
    static byte[] readLeafSpace(XfsDisk disk, long owner, long fsb, Object what, boolean forChange) throws FsException {
        byte[] b = forChange ? disk.cachedForChange(fsb) : disk.cachedUnderLock(fsb);
        boolean read = b == null;
        if (read) {
            b = disk.readBlock(fsb, what);
            XfsCrc.verify(b, 0, b.length, 12, what);   // a cached buffer is this file system's own
        }
        Corrupt.check(be64(b, 16) == disk.fsbToDaddr(fsb) && be64(b, 48) == owner, "%s: blkno or owner wrong", what);
        return read && forChange ? disk.adoptForChange(fsb, b) : b;
    }

    private int count(byte[] b, String kind) throws FsException {
        int n = be16(b, 56);
        Corrupt.check(LEAF_HDR + n * 8 <= b.length, "%s: %s count %d", what, kind, n);
        return n;
    }

    private long mapped(long dablk, String kind) throws FsException {
        long fsb = DirWriter.mapped(extents, dablk);
        Corrupt.check(fsb >= 0, "%s: %s %d is a hole", what, kind, dablk);
        return fsb;
    }
}
