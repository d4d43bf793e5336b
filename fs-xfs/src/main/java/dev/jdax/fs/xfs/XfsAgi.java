package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/** The AG inode header (struct xfs_agi), sector 2 of each AG, as its sector with named accessors. */
final class XfsAgi {
    static final long XFS_AGI_MAGIC = 0x58414749L;
    static final int CRC_OFF = 312;
    static final long NULLAGINO = 0xffffffffL;

    final byte[] buf;

    private XfsAgi(byte[] buf) {
        this.buf = buf;
    }

    /** Reads and checks AG {@code agno}'s AGI, the AG's third sector. */
    static XfsAgi read(XfsDisk disk, long agno) throws FsException {
        int sect = disk.sb().sb_sectsize();
        byte[] i = new byte[sect];
        disk.readBytes(disk.agbToByte(agno, 0) + 2L * sect, i, sect);
        return decode(i, agno, disk.agLength(agno), disk.sb().metaUuid());
    }

    static XfsAgi decode(byte[] sector, long agno, long agLength, UUID uuid) throws FsException {
        XfsAgi a = new XfsAgi(sector);
        String what = "AGI " + agno;
        Corrupt.check(be32(sector, 0) == XFS_AGI_MAGIC, "%s: magic 0x%x (want 0x%x)", what, be32(sector, 0), XFS_AGI_MAGIC);
        XfsCrc.verify(sector, 0, sector.length, CRC_OFF, what);
        Corrupt.check(be32(sector, 4) == 1 && a.agi_seqno() == agno && a.agi_length() == agLength,
                "%s: version %d, seqno %d, length %d", what, be32(sector, 4), a.agi_seqno(), a.agi_length());
        UUID u = new UUID(be64(sector, 296), be64(sector, 304));
        Corrupt.check(u.equals(uuid), "%s: uuid %s", what, u);
        Corrupt.check(a.agi_root() > 0 && a.agi_root() < agLength && a.agi_free_root() < agLength,
                "%s: roots %d, %d out of range", what, a.agi_root(), a.agi_free_root());
        Corrupt.check(a.agi_level() >= 1 && a.agi_level() <= 8 && a.agi_freecount() <= a.agi_count(),
                "%s: level %d, freecount %d, count %d", what, a.agi_level(), a.agi_freecount(), a.agi_count());
        return a;
    }

    long agi_seqno() { return be32(buf, 8); }
    long agi_length() { return be32(buf, 12); }
    long agi_count() { return be32(buf, 16); }
    void agi_count(long v) { put32(buf, 16, v); }
    long agi_root() { return be32(buf, 20); }
    void agi_root(long v) { put32(buf, 20, v); }
    long agi_level() { return be32(buf, 24); }
    void agi_level(long v) { put32(buf, 24, v); }
    long agi_freecount() { return be32(buf, 28); }
    void agi_freecount(long v) { put32(buf, 28, v); }
    long agi_newino() { return be32(buf, 32); }
    void agi_newino(long v) { put32(buf, 32, v); }
    long agi_unlinked(int bucket) { return be32(buf, 40 + 4 * bucket); }
    void agi_unlinked(int bucket, long agino) { put32(buf, 40 + 4 * bucket, agino); }
    long agi_free_root() { return be32(buf, 328); }
    void agi_free_root(long v) { put32(buf, 328, v); }
    long agi_free_level() { return be32(buf, 332); }
    void agi_free_level(long v) { put32(buf, 332, v); }
    long agi_iblocks() { return be32(buf, 336); }
    void agi_iblocks(long v) { put32(buf, 336, v); }
    long agi_fblocks() { return be32(buf, 340); }
    void agi_fblocks(long v) { put32(buf, 340, v); }
}
