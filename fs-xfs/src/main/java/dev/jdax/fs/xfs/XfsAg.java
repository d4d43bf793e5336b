package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * One allocation group's headers and trees held in core: free extents (bnobt/cntbt) and inode
 * chunks (inobt/finobt). Every change is written back at once — trees, AGF/AGI counters —
 * so the on-disk state is always consistent for xfs_repair (jdax does not use the log).
 */
final class XfsAg {
    private final XfsDisk disk;
    final long agno;
    private final XfsAgf agf;
    private final XfsAgi agi;
    /** Free extents: agbno → length. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    /** Inode chunks: startino (AG inode) → record. */
    final TreeMap<Long, InobtRec> inodes = new TreeMap<>();
    /** The AG free list sector (struct xfs_agfl): blocks reserved for the free-space btrees. */
    private byte[] agfl;
    private final ShortBtree bno;
    private final ShortBtree cnt;
    private final ShortBtree ino;
    private final ShortBtree fino;

    private XfsAg(XfsDisk disk, long agno, XfsAgf agf, XfsAgi agi) {
        this.disk = disk;
        this.agno = agno;
        this.agf = agf;
        this.agi = agi;
        this.bno = new ShortBtree(disk, agno, ShortBtree.ABTB_MAGIC, 8, 8, "bnobt");
        this.cnt = new ShortBtree(disk, agno, ShortBtree.ABTC_MAGIC, 8, 8, "cntbt");
        this.ino = new ShortBtree(disk, agno, ShortBtree.IBT_MAGIC, 16, 4, "inobt");
        this.fino = new ShortBtree(disk, agno, ShortBtree.FIBT_MAGIC, 16, 4, "finobt");
    }

    static XfsAg load(XfsDisk disk, long agno) throws FsException {
        int sect = disk.sb().sb_sectsize();
        long base = disk.agbToByte(agno, 0);
        byte[] f = new byte[sect];
        byte[] i = new byte[sect];
        disk.readBytes(base + sect, f, sect);
        disk.readBytes(base + 2L * sect, i, sect);
        long len = disk.agLength(agno);
        XfsAg ag = new XfsAg(disk, agno, XfsAgf.decode(f, agno, len, disk.sb().metaUuid()),
                XfsAgi.decode(i, agno, len, disk.sb().metaUuid()));
        ag.agfl = new byte[sect];
        disk.readBytes(base + 3L * sect, ag.agfl, sect);
        ag.verifyAgfl();
        ag.readTrees();
        return ag;
    }

    static final long XFS_AGFL_MAGIC = 0x5841464cL;
    static final int AGFL_HDR = 36;
    static final int AGFL_CRC_OFF = 32;

    /** xfs_agfl_verify plus the AGF's view of it: every listed block inside the AG, counts consistent. */
    private void verifyAgfl() throws FsException {
        String what = "AGFL " + agno;
        Corrupt.check(be32(agfl, 0) == XFS_AGFL_MAGIC, "%s: magic 0x%x (want 0x%x)", what, be32(agfl, 0), XFS_AGFL_MAGIC);
        XfsCrc.verify(agfl, 0, agfl.length, AGFL_CRC_OFF, what);
        Corrupt.check(be32(agfl, 4) == agno, "%s: seqno %d", what, be32(agfl, 4));
        java.util.UUID u = new java.util.UUID(be64(agfl, 8), be64(agfl, 16));
        Corrupt.check(u.equals(disk.sb().metaUuid()), "%s: uuid %s", what, u);
        int size = (agfl.length - AGFL_HDR) / 4;
        long first = be32(agf.buf, 40);
        long last = be32(agf.buf, 44);
        long count = agf.agf_flcount();
        Corrupt.check(count <= size && (count == 0 || (first < size && last < size)),
                "AGF %d: agf_flfirst %d, agf_fllast %d, agf_flcount %d for an AGFL of %d", agno, first, last, count, size);
        long i = first;
        for (long n = 0; n < count; n++) {
            long b = be32(agfl, AGFL_HDR + (int) i * 4);
            Corrupt.check(b > 0 && b < disk.agLength(agno), "%s: entry %d block %d out of range", what, i, b);
            i = (i + 1) % size;
        }
        Corrupt.check(count == 0 || (first + count - 1) % size == last, "AGF %d: agf_flcount %d does not span %d..%d", agno,
                count, first, last);
    }

    private void readTrees() throws FsException {
        long len = disk.agLength(agno);
        long total = 0;
        long prevEnd = 0;
        for (byte[] r : bno.records(agf.agf_bnoroot(), agf.agf_bnolevel())) {
            long start = be32(r, 0);
            long count = be32(r, 4);
            Corrupt.check(count > 0 && start >= prevEnd && start + count <= len,
                    "bnobt of AG %d: record [%d, +%d] out of order or range", agno, start, count);
            free.put(start, count);
            prevEnd = start + count;
            total += count;
        }
        Corrupt.check(total == agf.agf_freeblks(), "AGF %d: agf_freeblks %d, bnobt holds %d", agno, agf.agf_freeblks(),
                total);
        long prev = -1;
        for (byte[] r : ino.records(agi.agi_root(), agi.agi_level())) {
            InobtRec rec = InobtRec.decode(r);
            Corrupt.check(rec.startino() > prev && (rec.startino() & 63) == 0 && rec.freecount() <= rec.count()
                            && rec.count() <= 64, "inobt of AG %d: record %s", agno, rec);
            inodes.put(rec.startino(), rec);
            prev = rec.startino();
        }
    }

    /** Whether the trees are single leaves, as jdax's writers keep them. */
    boolean writable() {
        return agf.agf_bnolevel() == 1 && agf.agf_cntlevel() == 1 && agi.agi_level() == 1
                && (!disk.sb().hasFinobt() || agi.agi_free_level() == 1);
    }

    long refcountBlocks() {
        return be32(agf.buf, 84);
    }

    long finobtBlocks() {
        return disk.sb().hasInobtCount() ? be32(agi.buf, 340) : 1;
    }

    long freeBlocks() {
        return agf.agf_freeblks();
    }

    long longest() {
        return agf.agf_longest();
    }

    // ---- free space (xfs_alloc_vextent, simplified: first fit near a target, else the longest) ----

    /**
     * Allocates up to {@code want} blocks (at least {@code min}), starting at a multiple of
     * {@code align}, preferring the extent at or after {@code near}; {@code null} when none fits.
     */
    long[] allocate(long want, long min, long near, long align) throws FsException {
        long[] best = null;
        for (int pass = 0; pass < 2 && best == null; pass++) {
            Iterable<Map.Entry<Long, Long>> it = pass == 0 ? free.tailMap(near, true).entrySet() : free.entrySet();
            for (Map.Entry<Long, Long> e : it) {
                long start = (e.getKey() + align - 1) / align * align;
                long avail = e.getKey() + e.getValue() - start;
                if (avail >= min) {
                    best = new long[]{start, Math.min(avail, want)};
                    break;
                }
            }
        }
        if (best == null) {
            return null;
        }
        take(best[0], best[1]);
        return best;
    }

    /** Removes {@code [start, start + len)} from the free extents (it must lie inside one). */
    void take(long start, long len) throws FsException {
        Map.Entry<Long, Long> e = free.floorEntry(start);
        Corrupt.check(e != null && e.getKey() + e.getValue() >= start + len, "AG %d: blocks [%d, +%d] are not free", agno,
                start, len);
        long s = e.getKey();
        long l = e.getValue();
        free.remove(s);
        if (start > s) {
            free.put(s, start - s);
        }
        if (start + len < s + l) {
            free.put(start + len, s + l - start - len);
        }
        freeChanged(-len);
    }

    /** Returns {@code [start, start + len)} to the free extents, merging neighbours (xfs_free_ag_extent). */
    void release(long start, long len) throws FsException {
        Map.Entry<Long, Long> before = free.floorEntry(start);
        Map.Entry<Long, Long> after = free.ceilingEntry(start);
        Corrupt.check((before == null || before.getKey() + before.getValue() <= start)
                        && (after == null || after.getKey() >= start + len) && start + len <= disk.agLength(agno),
                "AG %d: freeing [%d, +%d] that is already free", agno, start, len);
        long s = start;
        long l = len;
        if (before != null && before.getKey() + before.getValue() == start) {
            s = before.getKey();
            l += before.getValue();
            free.remove(before.getKey());
        }
        if (after != null && after.getKey() == start + len) {
            l += after.getValue();
            free.remove(after.getKey());
        }
        free.put(s, l);
        freeChanged(len);
    }

    private void freeChanged(long delta) throws FsException {
        List<byte[]> byBno = new ArrayList<>();
        List<long[]> recs = new ArrayList<>();
        long longest = 0;
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            recs.add(new long[]{e.getKey(), e.getValue()});
            longest = Math.max(longest, e.getValue());
        }
        for (long[] r : recs) {
            byBno.add(allocRec(r));
        }
        recs.sort(Comparator.<long[]>comparingLong(r -> r[1]).thenComparingLong(r -> r[0]));
        List<byte[]> byCnt = new ArrayList<>();
        for (long[] r : recs) {
            byCnt.add(allocRec(r));
        }
        bno.writeLeaf(agf.agf_bnoroot(), byBno);
        cnt.writeLeaf(agf.agf_cntroot(), byCnt);
        agf.agf_freeblks(agf.agf_freeblks() + delta);
        agf.agf_longest(longest);
        writeAgf();
        disk.sb().addFdblocks(delta);
    }

    private static byte[] allocRec(long[] r) {
        byte[] b = new byte[8];
        put32(b, 0, r[0]);
        put32(b, 4, r[1]);
        return b;
    }

    private void writeAgf() throws FsException {
        agf.seal();
        disk.writeBytes(disk.agbToByte(agno, 0) + agf.buf.length, agf.buf, agf.buf.length);
    }

    private void writeAgi() throws FsException {
        agi.seal();
        disk.writeBytes(disk.agbToByte(agno, 0) + 2L * agi.buf.length, agi.buf, agi.buf.length);
    }

    // ---- inodes (xfs_dialloc / xfs_difree) ----

    /** Claims a free inode of an existing chunk; -1 when every chunk is full. */
    long claimInode() throws FsException {
        for (InobtRec r : inodes.values()) {
            if (r.freecount() > 0) {
                for (int i = 0; i < InobtRec.INODES; i++) {
                    if (r.present(i) && r.isFree(i)) {
                        putInodeRec(r.withFree(i, false));
                        agi.agi_freecount(agi.agi_freecount() - 1);
                        writeAgi();
                        disk.sb().addIfree(-1);
                        return disk.ino(agno, r.startino() + i);
                    }
                }
                throw Corrupt.of("inobt of AG %d: record %s counts free inodes it does not have", agno, r);
            }
        }
        return -1;
    }

    /** Allocates a new, fully populated chunk of 64 free inodes; false when there is no aligned space. */
    boolean newChunk() throws FsException {
        int inodesPerBlock = disk.sb().sb_inopblock();
        long blocks = InobtRec.INODES / inodesPerBlock;
        long align = Math.max(1, disk.sb().sb_inoalignmt());
        long[] got = allocate(blocks, blocks, 0, align);
        if (got == null) {
            return false;
        }
        long startino = got[0] << disk.inopblog();
        InodeChunk.initialize(disk, agno, got[0], blocks);
        putInodeRec(new InobtRec(startino, 0, InobtRec.INODES, InobtRec.INODES, -1L));
        agi.agi_count(agi.agi_count() + InobtRec.INODES);
        agi.agi_freecount(agi.agi_freecount() + InobtRec.INODES);
        agi.agi_newino(startino);
        writeAgi();
        disk.sb().addIcount(InobtRec.INODES);
        disk.sb().addIfree(InobtRec.INODES);
        return true;
    }

    /** Marks inode {@code ino} free in its chunk. */
    void freeInode(long ino) throws FsException {
        long agino = disk.inoAgino(ino);
        Map.Entry<Long, InobtRec> e = inodes.floorEntry(agino);
        Corrupt.check(e != null && agino < e.getKey() + InobtRec.INODES, "inode %d: no inobt record", ino);
        InobtRec r = e.getValue();
        int i = (int) (agino - r.startino());
        Corrupt.check(r.present(i) && !r.isFree(i), "inode %d: already free in inobt", ino);
        putInodeRec(r.withFree(i, true));
        agi.agi_freecount(agi.agi_freecount() + 1);
        writeAgi();
        disk.sb().addIfree(1);
    }

    /** agi_unlinked[bucket]: the first AG inode of that bucket's unlinked list (NULLAGINO when empty). */
    long unlinkedHead(int bucket) {
        return agi.agi_unlinked(bucket);
    }

    /** Sets agi_unlinked[bucket] and writes the AGI. */
    void unlinkedHead(int bucket, long agino) throws FsException {
        agi.agi_unlinked(bucket, agino);
        writeAgi();
    }

    /** Whether the inobt says {@code ino} is allocated. */
    boolean inodeInUse(long ino) {
        long agino = disk.inoAgino(ino);
        Map.Entry<Long, InobtRec> e = inodes.floorEntry(agino);
        if (e == null || agino >= e.getKey() + InobtRec.INODES) {
            return false;
        }
        int i = (int) (agino - e.getKey());
        return e.getValue().present(i) && !e.getValue().isFree(i);
    }

    private void putInodeRec(InobtRec r) throws FsException {
        inodes.put(r.startino(), r);
        List<byte[]> all = new ArrayList<>();
        List<byte[]> withFree = new ArrayList<>();
        for (InobtRec x : inodes.values()) {
            all.add(x.encode());
            if (x.freecount() > 0) {
                withFree.add(x.encode());
            }
        }
        ino.writeLeaf(agi.agi_root(), all);
        if (disk.sb().hasFinobt()) {
            fino.writeLeaf(agi.agi_free_root(), withFree);
        }
    }

    void requireWritable() throws FsException {
        if (!writable()) {
            throw FsException.of(Errno.EROFS, "xfs: AG %d has multi-level btrees; jdax writes only single-leaf trees", agno);
        }
    }
}
