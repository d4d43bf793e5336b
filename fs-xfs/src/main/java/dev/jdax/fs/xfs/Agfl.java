package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The AG free list (struct xfs_agfl, sector 3 of each AG) with the AGF's view of it
 * (agf_flfirst, agf_fllast, agf_flcount): a ring of blocks set aside for the free-space trees,
 * taken from the front (xfs_alloc_get_freelist) and given back at the end
 * (xfs_alloc_put_freelist).
 */
final class Agfl {
    static final long XFS_AGFL_MAGIC = 0x5841464cL;
    static final int HDR = 36;
    static final int CRC_OFF = 32;

    private final XfsDisk disk;
    private final long agno;
    private final XfsAgf agf;
    private final byte[] buf;
    private final int size;
    /**
     * A block was put on the list since the buffer was last written: only {@link #put} changes it
     * ({@link #get} moves the AGF's head), so most allocations log the AGF alone, as Linux logs only
     * the AGFL slots that changed.
     */
    private boolean changed;

    private Agfl(XfsDisk disk, long agno, XfsAgf agf, byte[] buf) {
        this.disk = disk;
        this.agno = agno;
        this.agf = agf;
        this.buf = buf;
        this.size = (buf.length - HDR) / 4;   // xfs_agfl_size
    }

    /** Reads and checks the AGFL as xfs_agfl_verify does, and the AGF's ring as xfs_agfl_needs_reset does. */
    static Agfl read(XfsDisk disk, long agno, XfsAgf agf) throws FsException {
        int sect = disk.sb().sb_sectsize();
        byte[] b = new byte[sect];
        disk.readBytes(disk.agbToByte(agno, 0) + 3L * sect, b, sect);
        Agfl l = new Agfl(disk, agno, agf, b);
        String what = "AGFL " + agno;
        Corrupt.check(be32(b, 0) == XFS_AGFL_MAGIC, "%s: magic 0x%x (want 0x%x)", what, be32(b, 0), XFS_AGFL_MAGIC);
        XfsCrc.verify(b, 0, b.length, CRC_OFF, what);
        Corrupt.check(be32(b, 4) == agno, "%s: seqno %d", what, be32(b, 4));
        UUID u = new UUID(be64(b, 8), be64(b, 16));
        Corrupt.check(u.equals(disk.sb().metaUuid()), "%s: uuid %s", what, u);
        long first = agf.agf_flfirst();
        long last = agf.agf_fllast();
        long count = agf.agf_flcount();
        Corrupt.check(count <= l.size && first < l.size && last < l.size,
                "AGF %d: agf_flfirst %d, agf_fllast %d, agf_flcount %d for an AGFL of %d", agno, first, last, count, l.size);
        Corrupt.check(count == 0 ? true : (first + count - 1) % l.size == last, "AGF %d: agf_flcount %d does not span %d..%d",
                agno, count, first, last);
        for (long blk : l.blocks()) {
            Corrupt.check(blk > 0 && blk < disk.agLength(agno), "%s: block %d out of range", what, blk);
        }
        return l;
    }

    int count() {
        return (int) agf.agf_flcount();
    }

    int size() {
        return size;
    }

    /** The blocks on the list, first to last. */
    List<Long> blocks() {
        List<Long> out = new ArrayList<>();
        long i = agf.agf_flfirst();
        for (long n = 0; n < agf.agf_flcount(); n++) {
            out.add(be32(buf, HDR + (int) i * 4));
            i = (i + 1) % size;
        }
        return out;
    }

    /** Takes the first block off the list; -1 when it is empty. */
    long get() {
        if (agf.agf_flcount() == 0) {
            return -1;
        }
        long first = agf.agf_flfirst();
        long bno = be32(buf, HDR + (int) first * 4);
        agf.agf_flfirst((first + 1) % size);
        agf.agf_flcount(agf.agf_flcount() - 1);
        return bno;
    }

    /** Puts a block at the end of the list. */
    void put(long bno) throws FsException {
        Corrupt.check(agf.agf_flcount() < size, "AGFL %d: full (%d blocks) when block %d comes back", agno, size, bno);
        long last = (agf.agf_fllast() + 1) % size;
        if (agf.agf_flcount() == 0) {
            agf.agf_flfirst(last);
        }
        agf.agf_fllast(last);
        agf.agf_flcount(agf.agf_flcount() + 1);
        put32(buf, HDR + (int) last * 4, bno);
        changed = true;
    }

    /** Writes the buffer (logged) if a block was put on the list since it was last written. */
    void write() throws FsException {
        if (changed) {
            disk.writeBytes(disk.agbToByte(agno, 0) + 3L * buf.length, buf, buf.length, CRC_OFF);
            changed = false;
        }
    }
}
