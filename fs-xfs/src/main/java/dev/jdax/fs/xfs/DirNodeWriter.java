package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The leaf space of a node directory: a da node root (XFS_DA3_NODE_MAGIC) at the first leaf
 * block naming each LEAFN block by its last hash, the LEAFN blocks chained by forw/back (or one
 * LEAFN block at the first leaf block when the hashes fit in one), and a free index block (XDF3)
 * at XFS_DIR2_FREE_OFFSET with each data block's best free length.
 */
final class DirNodeWriter {
    static final int DA3_NODE_MAGIC = 0x3ebe;
    static final int LEAFN_MAGIC = 0x3dff;
    static final long FREE_MAGIC = 0x58444633L;

    private final XfsDisk disk;
    private final long owner;

    DirNodeWriter(XfsDisk disk, long owner) {
        this.disk = disk;
        this.owner = owner;
    }

    /** xfs_da3_blkinfo: forw, back, magic, crc, blkno, uuid, owner (the CRC is at 12). */
    private void blkinfo(byte[] b, long forw, long back, int magic, long fsb) {
        UUID u = disk.sb().metaUuid();
        put32(b, 0, forw);
        put32(b, 4, back);
        put16(b, 8, magic);
        put64(b, 16, disk.fsbToDaddr(fsb));
        put64(b, 32, u.getMostSignificantBits());
        put64(b, 40, u.getLeastSignificantBits());
        put64(b, 48, owner);
    }

    private void store(byte[] b, long fsb, int crcOff) throws FsException {
        disk.writeBytes(disk.fsbToByte(fsb), b, b.length, crcOff);
    }

    void write(List<BmapExtent> extents, List<DirWriter.LeafEnt> ents, long leafFsb, int nleaves, int perLeaf,
               long freeFsb, int[] bests) throws FsException {
        int bs = disk.blockSize();
        byte[] root = new byte[bs];
        blkinfo(root, 0, 0, DA3_NODE_MAGIC, DirWriter.mapped(extents, leafFsb));
        put16(root, 56, nleaves);
        put16(root, 58, 1);
        // One LEAFN block is the leaf space's root itself: no da node over a single child.
        long firstLeaf = nleaves == 1 ? leafFsb : leafFsb + 1;
        for (int i = 0; i < nleaves; i++) {
            long da = firstLeaf + i;
            int from = i * perLeaf;
            int n = Math.min(perLeaf, ents.size() - from);
            byte[] b = new byte[bs];
            blkinfo(b, i + 1 < nleaves ? da + 1 : 0, i > 0 ? da - 1 : 0, LEAFN_MAGIC, DirWriter.mapped(extents, da));
            put16(b, 56, n);
            for (int j = 0; j < n; j++) {
                DirWriter.LeafEnt e = ents.get(from + j);
                put32(b, DirWriter.LEAF_HDR + j * 8, e.hash() & 0xffffffffL);
                put32(b, DirWriter.LEAF_HDR + j * 8 + 4, e.address());
            }
            store(b, DirWriter.mapped(extents, da), 12);
            put32(root, DirWriter.LEAF_HDR + i * 8, ents.get(from + n - 1).hash() & 0xffffffffL);
            put32(root, DirWriter.LEAF_HDR + i * 8 + 4, da);
        }
        if (nleaves > 1) {
            store(root, DirWriter.mapped(extents, leafFsb), 12);
        }
        byte[] f = new byte[bs];
        long ffsb = DirWriter.mapped(extents, freeFsb);
        UUID u = disk.sb().metaUuid();
        put32(f, 0, FREE_MAGIC);
        put64(f, 8, disk.fsbToDaddr(ffsb));
        put64(f, 24, u.getMostSignificantBits());
        put64(f, 32, u.getLeastSignificantBits());
        put64(f, 40, owner);
        put32(f, 48, 0);
        put32(f, 52, bests.length);
        put32(f, 56, bests.length);
        for (int i = 0; i < bests.length; i++) {
            put16(f, 64 + 2 * i, bests[i]);
        }
        store(f, ffsb, 4);
    }
}
