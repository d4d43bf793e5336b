package dev.jdax.fs.xfs;

import dev.jdax.api.fs.VolumeIdentity;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.PercpuCounter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The primary superblock (struct xfs_dsb, libxfs/xfs_format.h), kept as its sector with named
 * accessors so that encoding never loses a field we do not interpret. Decoding follows
 * xfs_validate_sb_common: magic, version 5, CRC, geometry, feature masks.
 */
final class XfsSuperblock {
    static final long XFS_SB_MAGIC = 0x58465342L;
    static final int SB_CRC_OFF = 224;

    static final int XFS_SB_VERSION_NUMBITS = 0x000f;
    static final int XFS_SB_VERSION2_LAZYSBCOUNTBIT = 0x2;
    static final int XFS_SB_VERSION2_PROJID32BIT = 0x80;
    static final int XFS_SB_VERSION2_CRCBIT = 0x100;

    static final int RO_COMPAT_FINOBT = 1;
    static final int RO_COMPAT_RMAPBT = 1 << 1;
    static final int RO_COMPAT_REFLINK = 1 << 2;
    static final int RO_COMPAT_INOBTCNT = 1 << 3;
    static final int INCOMPAT_FTYPE = 1;
    static final int INCOMPAT_SPINODES = 1 << 1;
    static final int INCOMPAT_META_UUID = 1 << 2;
    static final int INCOMPAT_BIGTIME = 1 << 3;
    static final int INCOMPAT_NEEDSREPAIR = 1 << 4;
    static final int INCOMPAT_NREXT64 = 1 << 5;

    /** The INCOMPAT features this implementation reads and writes. */
    static final int INCOMPAT_KNOWN = INCOMPAT_FTYPE | INCOMPAT_SPINODES | INCOMPAT_META_UUID | INCOMPAT_BIGTIME;
    /** RO_COMPAT features we keep consistent (rmapbt is not: read-only mount only). */
    static final int RO_COMPAT_KNOWN = RO_COMPAT_FINOBT | RO_COMPAT_REFLINK | RO_COMPAT_INOBTCNT;

    final byte[] buf;
    /** The UUID {@link #metaUuid} last made (immutable, so shared between threads as it is). */
    private UUID lastMetaUuid;
    /** XFS_FDBLOCKS_BATCH: the free-block counter's cells fold into its shared count at this. */
    static final long FDBLOCKS_BATCH = 1024;
    /** What was added to the summary counters since {@link #buf} was read: exact once the adds are done. */
    private final PercpuCounter icount = new PercpuCounter();
    private final PercpuCounter ifree = new PercpuCounter();
    private final PercpuCounter fdblocks = new PercpuCounter(FDBLOCKS_BATCH);

    private XfsSuperblock(byte[] buf) {
        this.buf = buf;
    }

    static XfsSuperblock wrap(byte[] sector) {
        return new XfsSuperblock(sector);
    }

    /** Decodes and validates the primary superblock read from the device. */
    static XfsSuperblock decode(byte[] sector, long deviceSize) throws FsException {
        return decode(sector, deviceSize, true);
    }

    /**
     * The superblock, every field checked; its CRC only when {@code crc} (a mount reads one a torn
     * write left to find the log that holds its good copy).
     */
    static XfsSuperblock decode(byte[] sector, long deviceSize, boolean crc) throws FsException {
        XfsSuperblock sb = new XfsSuperblock(sector);
        if (sb.sb_magicnum() != XFS_SB_MAGIC) {
            throw Corrupt.of("superblock magic 0x%x (want 0x%x)", sb.sb_magicnum(), XFS_SB_MAGIC);
        }
        int version = sb.sb_versionnum() & XFS_SB_VERSION_NUMBITS;
        if (version != 5) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: superblock version %d: only v5 (CRC) file systems are supported",
                    version);
        }
        int sect = sb.sb_sectsize();
        Corrupt.check(sect >= 512 && sect <= 32768 && Integer.bitCount(sect) == 1 && sect <= sector.length,
                "superblock sb_sectsize %d", sect);
        if (crc) {
            XfsCrc.verify(sector, 0, sect, SB_CRC_OFF, "superblock");
        }
        long bs = sb.sb_blocksize();
        Corrupt.check(bs >= 512 && bs <= 65536 && bs == 1L << sb.sb_blocklog(), "superblock sb_blocksize %d, sb_blocklog %d",
                bs, sb.sb_blocklog());
        if (bs < 1024 || bs > 4096) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: sb_blocksize %d: jdax supports blocks of 1024 to 4096 bytes", bs);
        }
        Corrupt.check(sb.sb_inodesize() >= 256 && sb.sb_inodesize() <= 2048 && sb.sb_inodesize() == 1 << sb.sb_inodelog()
                && sb.sb_inopblock() == bs / sb.sb_inodesize() && sb.sb_inopblock() == 1 << sb.sb_inopblog(),
                "superblock inode geometry: sb_inodesize %d, sb_inopblock %d", sb.sb_inodesize(), sb.sb_inopblock());
        Corrupt.check(sb.sb_agcount() >= 1 && sb.sb_agblocks() >= 64 && sb.sb_agblklog() < 32
                        && sb.sb_agblocks() <= 1L << sb.sb_agblklog() && sb.sb_agblocks() > 1L << (sb.sb_agblklog() - 1),
                "superblock AG geometry: sb_agcount %d, sb_agblocks %d, sb_agblklog %d", sb.sb_agcount(),
                sb.sb_agblocks(), sb.sb_agblklog());
        Corrupt.check(sb.sb_dblocks() <= sb.sb_agcount() * sb.sb_agblocks()
                        && sb.sb_dblocks() > (sb.sb_agcount() - 1) * sb.sb_agblocks(),
                "superblock sb_dblocks %d for %d AGs of %d blocks", sb.sb_dblocks(), sb.sb_agcount(), sb.sb_agblocks());
        Corrupt.check(sb.sb_dblocks() * bs <= deviceSize, "superblock sb_dblocks %d: beyond the device (%d bytes)",
                sb.sb_dblocks(), deviceSize);
        Corrupt.check(sb.sb_dirblklog() <= 4, "superblock sb_dirblklog %d", sb.sb_dirblklog());
        int unknown = sb.sb_features_incompat() & ~INCOMPAT_KNOWN;
        if (unknown != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: superblock has unsupported INCOMPAT features: %s (0x%x)",
                    String.join(", ", incompatNames(unknown)), unknown);
        }
        if (sb.sb_features_log_incompat() != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "xfs: superblock has unsupported LOG_INCOMPAT features 0x%x",
                    sb.sb_features_log_incompat());
        }
        if (sb.sb_inprogress() != 0) {
            throw Corrupt.of("superblock sb_inprogress %d: mkfs did not finish", sb.sb_inprogress());
        }
        return sb;
    }

    /** The names of INCOMPAT bits, as xfs_db and the kernel call them. */
    static List<String> incompatNames(int bits) {
        String[] names = {"ftype", "sparse_inodes", "meta_uuid", "bigtime", "needsrepair", "nrext64"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if ((bits & (1 << i)) != 0) {
                out.add(i < names.length ? names[i] : "unknown_bit_" + i);
            }
        }
        return out;
    }

    /** RO_COMPAT features Linux 6.1 knows (XFS_SB_FEAT_RO_COMPAT_ALL). */
    static final int RO_COMPAT_LINUX = RO_COMPAT_FINOBT | RO_COMPAT_RMAPBT | RO_COMPAT_REFLINK | RO_COMPAT_INOBTCNT;

    /**
     * The RO_COMPAT features of {@code bits}, by name; bits Linux does not know as {@code unknown_bit_N}.
     */
    static List<String> roCompatNames(int bits) {
        String[] names = {"finobt", "rmapbt", "reflink", "inobtcount"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if ((bits & (1 << i)) != 0) {
                out.add(i < names.length ? names[i] : "unknown_bit_" + i);
            }
        }
        return out;
    }

    /** The features summary for probe: the names mkfs.xfs prints. */
    List<String> featureNames() {
        List<String> f = new ArrayList<>();
        f.add("crc");
        if ((sb_features_ro_compat() & RO_COMPAT_FINOBT) != 0) f.add("finobt");
        if ((sb_features_ro_compat() & RO_COMPAT_RMAPBT) != 0) f.add("rmapbt");
        if ((sb_features_ro_compat() & RO_COMPAT_REFLINK) != 0) f.add("reflink");
        if ((sb_features_ro_compat() & RO_COMPAT_INOBTCNT) != 0) f.add("inobtcount");
        if ((sb_features_incompat() & INCOMPAT_FTYPE) != 0) f.add("ftype");
        if ((sb_features_incompat() & INCOMPAT_SPINODES) != 0) f.add("sparse");
        if ((sb_features_incompat() & INCOMPAT_BIGTIME) != 0) f.add("bigtime");
        if ((sb_features2() & XFS_SB_VERSION2_LAZYSBCOUNTBIT) != 0) f.add("lazy-count");
        return f;
    }

    void updateCrc() {
        XfsCrc.update(buf, 0, sb_sectsize(), SB_CRC_OFF);
    }

    long sb_magicnum() { return be32(buf, 0); }
    long sb_blocksize() { return be32(buf, 4); }
    long sb_dblocks() { return be64(buf, 8); }
    long sb_rblocks() { return be64(buf, 16); }
    long sb_rextents() { return be64(buf, 24); }
    UUID sb_uuid() { return new UUID(be64(buf, UUID_OFF), be64(buf, UUID_OFF + 8)); }
    long sb_logstart() { return be64(buf, 48); }
    long sb_rootino() { return be64(buf, 56); }
    long sb_rbmino() { return be64(buf, 64); }
    long sb_rsumino() { return be64(buf, 72); }
    long sb_uquotino() { return be64(buf, 160); }
    long sb_gquotino() { return be64(buf, 168); }
    long sb_pquotino() { return be64(buf, 232); }

    /** Whether {@code ino} is the realtime bitmap or summary inode (internal, whatever the mount). */
    boolean isRealtimeInode(long ino) {
        return ino == sb_rbmino() || ino == sb_rsumino();
    }

    /** Whether {@code ino} is one of the quota inodes the superblock names. */
    boolean isQuotaInode(long ino) {
        return ino == sb_uquotino() || ino == sb_gquotino() || ino == sb_pquotino();
    }
    long sb_rextsize() { return be32(buf, 80); }
    long sb_agblocks() { return be32(buf, 84); }
    long sb_agcount() { return be32(buf, 88); }
    long sb_logblocks() { return be32(buf, 96); }
    int sb_versionnum() { return be16(buf, 100); }
    int sb_sectsize() { return be16(buf, 102); }
    int sb_inodesize() { return be16(buf, 104); }
    int sb_inopblock() { return be16(buf, 106); }
    int sb_blocklog() { return u8(buf, 120); }
    int sb_inodelog() { return u8(buf, 122); }
    int sb_inopblog() { return u8(buf, 123); }
    int sb_agblklog() { return u8(buf, 124); }
    int sb_inprogress() { return u8(buf, 126); }
    int sb_imax_pct() { return u8(buf, 127); }
    long sb_icount() { return be64(buf, 128) + icount.sum(); }
    long sb_ifree() { return be64(buf, 136) + ifree.sum(); }
    long sb_fdblocks() { return be64(buf, 144) + fdblocks.sum(); }
    long sb_frextents() { return be64(buf, 160); }
    void sb_icount(long v) { put64(buf, 128, v - icount.sum()); }
    void sb_ifree(long v) { put64(buf, 136, v - ifree.sum()); }
    void sb_fdblocks(long v) { put64(buf, 144, v - fdblocks.sum()); }

    /**
     * A floor of sb_fdblocks read from the counter's shared count alone, not its cells: what
     * {@link XfsSpace#reserve} compares first, as xfs_mod_fdblocks compares m_fdblocks without a
     * sum while it is far from the line.
     */
    long fdblocksAtLeast() {
        return be64(buf, 144) + fdblocks.read() - fdblocks.slack();
    }

    /**
     * Adds to sb_fdblocks. AGs change the summary counters from many threads, each under its own
     * lock, so they are Linux's per-cpu counters (m_fdblocks, m_icount, m_ifree): an add touches the
     * cell of the thread's CPU slot, not one word every AG's allocations write.
     */
    void addFdblocks(long delta) {
        fdblocks.add(delta);
    }

    /** Adds to sb_ifree. */
    void addIfree(long delta) {
        ifree.add(delta);
    }

    /** Adds to sb_icount. */
    void addIcount(long delta) {
        icount.add(delta);
    }

    /** The sector as it is now, the counters summed (xfs_log_sb), its CRC made over it: what a sync writes. */
    synchronized byte[] sealed() {
        byte[] sector = buf.clone();
        put64(sector, 128, sb_icount());
        put64(sector, 136, sb_ifree());
        put64(sector, 144, sb_fdblocks());
        XfsCrc.update(sector, 0, sb_sectsize(), SB_CRC_OFF);
        return sector;
    }

    /** sb_uuid's 16 bytes. */
    static final int UUID_OFF = 32;

    /** sb_fname's 12 bytes: the label, NUL-padded, or all 12 without a NUL. */
    static final int FNAME_OFF = 108;
    static final int FNAME_LEN = 12;

    /** {@return sb_fname's 12 bytes as stored} */
    synchronized byte[] label() {
        return Arrays.copyOfRange(buf, FNAME_OFF, FNAME_OFF + FNAME_LEN);
    }

    /** {@return sb_fname and sb_uuid, as blkid shows them} */
    synchronized VolumeIdentity identity() {
        return VolumeIdentity.of(label(), Arrays.copyOfRange(buf, UUID_OFF, UUID_OFF + 16));
    }

    /** Sets sb_fname to {@code label} (at most 12 bytes), the rest of it zeroed. */
    synchronized void label(byte[] label) {
        Arrays.fill(buf, FNAME_OFF, FNAME_OFF + FNAME_LEN, (byte) 0);
        System.arraycopy(label, 0, buf, FNAME_OFF, label.length);
    }

    long sb_inoalignmt() { return be32(buf, 180); }
    long sb_unit() { return be32(buf, 184); }
    long sb_width() { return be32(buf, 188); }
    long sb_logsunit() { return be32(buf, 196); }
    int sb_dirblklog() { return u8(buf, 192); }
    long sb_features2() { return be32(buf, 200); }
    int sb_features_compat() { return (int) be32(buf, 208); }
    int sb_features_ro_compat() { return (int) be32(buf, 212); }
    int sb_features_incompat() { return (int) be32(buf, 216); }
    int sb_features_log_incompat() { return (int) be32(buf, 220); }
    long sb_spino_align() { return be32(buf, 228); }

    /** The UUID metadata blocks carry: sb_meta_uuid with the META_UUID feature, else sb_uuid. */
    UUID metaUuid() {
        int off = (sb_features_incompat() & INCOMPAT_META_UUID) != 0 ? 248 : 32;
        long hi = be64(buf, off);
        long lo = be64(buf, off + 8);
        // Every metadata block's check asks for it: the last one made serves while the bytes agree.
        UUID u = lastMetaUuid;
        if (u == null || u.getMostSignificantBits() != hi || u.getLeastSignificantBits() != lo) {
            u = new UUID(hi, lo);
            lastMetaUuid = u;
        }
        return u;
    }

    boolean hasFtype() { return (sb_features_incompat() & INCOMPAT_FTYPE) != 0; }
    boolean hasFinobt() { return (sb_features_ro_compat() & RO_COMPAT_FINOBT) != 0; }
    boolean hasInobtCount() { return (sb_features_ro_compat() & RO_COMPAT_INOBTCNT) != 0; }
    boolean hasSparseInodes() { return (sb_features_incompat() & INCOMPAT_SPINODES) != 0; }
    boolean hasBigtime() { return (sb_features_incompat() & INCOMPAT_BIGTIME) != 0; }
    boolean hasReflink() { return (sb_features_ro_compat() & RO_COMPAT_REFLINK) != 0; }
    boolean hasProjid32() { return (sb_features2() & XFS_SB_VERSION2_PROJID32BIT) != 0; }
    boolean hasLazyCount() { return (sb_features2() & XFS_SB_VERSION2_LAZYSBCOUNTBIT) != 0; }
}
