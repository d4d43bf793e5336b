package dev.jdax.fs.xfs;

import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The kinds of metadata buffer the log carries, told apart by their magic number as Linux's log
 * recovery tells them (xlog_recover_get_buf_lsn, xlog_recover_validate_buf_type): each with its
 * buffer log type (enum xfs_blft, in blf_flags) and where its CRC, LSN and UUID sit, so that a
 * buffer logged or replayed gets its LSN and CRC as the buffer's write verifier would give them.
 */
enum MetaType {
    BNOBT(4, 0x41423342L, 52, 24, 32),
    CNTBT(4, 0x41423343L, 52, 24, 32),
    INOBT(4, 0x49414233L, 52, 24, 32),
    FINOBT(4, 0x46494233L, 52, 24, 32),
    REFCOUNTBT(4, 0x52334643L, 52, 24, 32),
    RMAPBT(4, 0x524d4233L, 52, 24, 32),
    BMBT(4, 0x424d4133L, 64, 32, 40),
    AGF(5, 0x58414746L, 216, 208, 64),
    AGFL(6, 0x5841464cL, 32, 24, 8),
    AGI(7, 0x58414749L, 312, 320, 296),
    SYMLINK(9, 0x58534c4dL, 12, 48, 16),
    DIR_BLOCK(10, 0x58444233L, 4, 16, 24),
    DIR_DATA(11, 0x58444433L, 4, 16, 24),
    DIR_FREE(12, 0x58444633L, 4, 16, 24),
    DIR_LEAF1(13, 0x3df1, 12, 24, 32),
    DIR_LEAFN(14, 0x3dff, 12, 24, 32),
    DA_NODE(15, 0x3ebe, 12, 24, 32),
    ATTR_LEAF(16, 0x3bee, 12, 24, 32),
    SB(18, 0x58465342L, 224, 240, 248);

    static final int XFS_BLFT_DINO_BUF = 8;

    /** enum xfs_blft. */
    final int blft;
    final long magic;
    final int crcOff;
    final int lsnOff;
    final int uuidOff;

    MetaType(int blft, long magic, int crcOff, int lsnOff, int uuidOff) {
        this.blft = blft;
        this.magic = magic;
        this.crcOff = crcOff;
        this.lsnOff = lsnOff;
        this.uuidOff = uuidOff;
    }

    /** Whether the magic is the 16-bit one of a da block header (at byte 8), not the first 32 bits. */
    boolean daMagic() {
        return magic < 0x10000;
    }

    /** The kind of metadata {@code b} holds, or null when its magic is none of them (an inode buffer, data). */
    static MetaType of(byte[] b) {
        long m32 = be32(b, 0);
        int mda = b.length >= 10 ? be16(b, 8) : -1;
        for (MetaType t : values()) {
            if (t.daMagic() ? t.magic == mda : t.magic == m32) {
                return t;
            }
        }
        return null;
    }

    /** The metadata LSN the buffer carries, or -1 when it carries none or another file system's UUID. */
    long lsn(byte[] b, XfsSuperblock sb) {
        // da blocks are checked against sb_uuid, the others against the metadata UUID; the
        // superblock holds the latter at sb_meta_uuid only with the META_UUID feature.
        UUID want = daMagic() ? sb.sb_uuid() : sb.metaUuid();
        int u = this == SB && (sb.sb_features_incompat() & XfsSuperblock.INCOMPAT_META_UUID) == 0 ? 32 : uuidOff;
        if (!new UUID(be64(b, u), be64(b, u + 8)).equals(want)) {
            return -1;
        }
        return be64(b, lsnOff);
    }

    /** Stamps {@code lsn} and the CRC over {@code len} bytes, as the write verifier does for a logged buffer. */
    void seal(byte[] b, int len, long lsn) {
        put64(b, lsnOff, lsn);
        XfsCrc.update(b, 0, len, crcOff);
    }
}
