package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The per-AG B+trees with short (32-bit) pointers: free space by block (AB3B) and by count
 * (AB3C), inodes (IAB3) and free inodes (FIB3). Reads walk any depth (leftmost path, then the
 * leaf chain, checking levels, key order and loops). Writes keep a tree in its root leaf: jdax
 * does not split AG btrees yet, so a tree that outgrows one leaf fails the operation with ENOSPC.
 */
final class ShortBtree {
    static final long ABTB_MAGIC = 0x41423342L;
    static final long ABTC_MAGIC = 0x41423343L;
    static final long IBT_MAGIC = 0x49414233L;
    static final long FIBT_MAGIC = 0x46494233L;

    private final XfsDisk disk;
    private final long agno;
    private final long magic;
    private final int recSize;
    private final int keySize;
    private final String name;

    ShortBtree(XfsDisk disk, long agno, long magic, int recSize, int keySize, String name) {
        this.disk = disk;
        this.agno = agno;
        this.magic = magic;
        this.recSize = recSize;
        this.keySize = keySize;
        this.name = name;
    }

    int leafMaxRecs() {
        return (disk.blockSize() - BtreeBlock.SHORT_LEN) / recSize;
    }

    /** Every record in key order, as raw {@code recSize}-byte arrays. */
    List<byte[]> records(long root, long levels) throws FsException {
        String what = name + " of AG " + agno;
        long agLen = disk.agLength(agno);
        long ptr = root;
        int nodeMax = (disk.blockSize() - BtreeBlock.SHORT_LEN) / (keySize + 4);
        for (long l = levels - 1; l > 0; l--) {
            byte[] b = block(ptr, (int) l, what);
            int n = BtreeBlock.numrecs(b);
            Corrupt.check(n >= 1 && n <= nodeMax, "%s block %d: numrecs %d", what, ptr, n);
            ptr = be32(b, BtreeBlock.SHORT_LEN + nodeMax * keySize);
        }
        List<byte[]> out = new ArrayList<>();
        long visited = 0;
        while (ptr != BtreeBlock.NULL_SHORT) {
            Corrupt.check(++visited <= agLen, "%s: leaf chain loops", what);
            Corrupt.check(ptr > 0 && ptr < agLen, "%s: pointer %d out of range", what, ptr);
            byte[] b = block(ptr, 0, what);
            int n = BtreeBlock.numrecs(b);
            Corrupt.check(n <= leafMaxRecs() && (n >= 1 || (visited == 1 && BtreeBlock.rightShort(b) == BtreeBlock.NULL_SHORT)),
                    "%s block %d: numrecs %d", what, ptr, n);
            for (int i = 0; i < n; i++) {
                byte[] r = new byte[recSize];
                System.arraycopy(b, BtreeBlock.SHORT_LEN + i * recSize, r, 0, recSize);
                out.add(r);
            }
            ptr = BtreeBlock.rightShort(b);
        }
        return out;
    }

    private byte[] block(long agbno, int level, String what) throws FsException {
        byte[] b = disk.readAgBlock(agno, agbno, what);
        String bw = what + " block " + agbno;
        BtreeBlock.verify(b, magic, false, disk.fsbToDaddr(disk.fsb(agno, agbno)), agno, disk.sb().metaUuid(), bw);
        Corrupt.check(BtreeBlock.level(b) == level, "%s: level %d (want %d)", bw, BtreeBlock.level(b), level);
        return b;
    }

    /** Rewrites the single-leaf tree at {@code root} with {@code records} (already in key order). */
    void writeLeaf(long root, List<byte[]> records) throws FsException {
        if (records.size() > leafMaxRecs()) {
            throw FsException.of(Errno.ENOSPC, "xfs: %s of AG %d: %d records do not fit one leaf (splits not implemented)",
                    name, agno, records.size());
        }
        byte[] b = new byte[disk.blockSize()];
        long fsb = disk.fsb(agno, root);
        BtreeBlock.init(b, magic, false, 0, records.size(), disk.fsbToDaddr(fsb), agno, disk.sb().metaUuid());
        for (int i = 0; i < records.size(); i++) {
            System.arraycopy(records.get(i), 0, b, BtreeBlock.SHORT_LEN + i * recSize, recSize);
        }
        BtreeBlock.seal(b, false);
        disk.writeBytes(disk.fsbToByte(fsb), b, b.length);
    }
}
