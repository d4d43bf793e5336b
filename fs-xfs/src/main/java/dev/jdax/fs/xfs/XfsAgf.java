package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/** The AG free-space header (struct xfs_agf), sector 1 of each AG, as its sector with named accessors. */
final class XfsAgf {
    static final long XFS_AGF_MAGIC = 0x58414746L;
    static final int CRC_OFF = 216;

    final byte[] buf;

    private XfsAgf(byte[] buf) {
        this.buf = buf;
    }

    /** Reads and checks AG {@code agno}'s AGF, the AG's second sector. */
    static XfsAgf read(XfsDisk disk, long agno) throws FsException {
        int sect = disk.sb().sb_sectsize();
        byte[] f = new byte[sect];
        disk.readBytes(disk.agbToByte(agno, 0) + sect, f, sect);
        return decode(f, agno, disk.agLength(agno), disk.sb().metaUuid());
    }

    static XfsAgf decode(byte[] sector, long agno, long agLength, UUID uuid) throws FsException {
        XfsAgf a = new XfsAgf(sector);
        String what = "AGF " + agno;
        Corrupt.check(be32(sector, 0) == XFS_AGF_MAGIC, "%s: magic 0x%x (want 0x%x)", what, be32(sector, 0), XFS_AGF_MAGIC);
        XfsCrc.verify(sector, 0, sector.length, CRC_OFF, what);
        Corrupt.check(be32(sector, 4) == 1 && a.agf_seqno() == agno && a.agf_length() == agLength,
                "%s: version %d, seqno %d, length %d", what, be32(sector, 4), a.agf_seqno(), a.agf_length());
        UUID u = new UUID(be64(sector, 64), be64(sector, 72));
        Corrupt.check(u.equals(uuid), "%s: uuid %s", what, u);
        Corrupt.check(a.agf_bnoroot() > 0 && a.agf_bnoroot() < agLength && a.agf_cntroot() > 0 && a.agf_cntroot() < agLength,
                "%s: roots %d, %d out of range", what, a.agf_bnoroot(), a.agf_cntroot());
        Corrupt.check(a.agf_bnolevel() >= 1 && a.agf_bnolevel() <= 8 && a.agf_cntlevel() >= 1 && a.agf_cntlevel() <= 8,
                "%s: levels %d, %d", what, a.agf_bnolevel(), a.agf_cntlevel());
        Corrupt.check(a.agf_freeblks() <= agLength && a.agf_longest() <= a.agf_freeblks(), "%s: freeblks %d, longest %d",
                what, a.agf_freeblks(), a.agf_longest());
        return a;
    }

    long agf_seqno() { return be32(buf, 8); }
    long agf_length() { return be32(buf, 12); }
    long agf_bnoroot() { return be32(buf, 16); }
    void agf_bnoroot(long v) { put32(buf, 16, v); }
    long agf_cntroot() { return be32(buf, 20); }
    void agf_cntroot(long v) { put32(buf, 20, v); }
    long agf_bnolevel() { return be32(buf, 28); }
    void agf_bnolevel(long v) { put32(buf, 28, v); }
    long agf_cntlevel() { return be32(buf, 32); }
    void agf_cntlevel(long v) { put32(buf, 32, v); }
    long agf_flfirst() { return be32(buf, 40); }
    void agf_flfirst(long v) { put32(buf, 40, v); }
    long agf_fllast() { return be32(buf, 44); }
    void agf_fllast(long v) { put32(buf, 44, v); }
    long agf_flcount() { return be32(buf, 48); }
    void agf_flcount(long v) { put32(buf, 48, v); }
    long agf_freeblks() { return be32(buf, 52); }
    void agf_freeblks(long v) { put32(buf, 52, v); }
    long agf_longest() { return be32(buf, 56); }
    void agf_longest(long v) { put32(buf, 56, v); }
    long agf_btreeblks() { return be32(buf, 60); }
    void agf_btreeblks(long v) { put32(buf, 60, v); }
    long agf_refcount_blocks() { return be32(buf, 84); }
    void agf_refcount_blocks(long v) { put32(buf, 84, v); }
    long agf_refcount_root() { return be32(buf, 88); }
    void agf_refcount_root(long v) { put32(buf, 88, v); }
    long agf_refcount_level() { return be32(buf, 92); }
    void agf_refcount_level(long v) { put32(buf, 92, v); }
}
