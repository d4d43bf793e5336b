package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The header of a v5 B+tree block (struct xfs_btree_block): short form for the per-AG trees
 * (56 bytes, 32-bit siblings), long form for the bmbt (72 bytes, 64-bit siblings). Verification
 * follows xfs_btree_sblock_v5hdr_verify / xfs_btree_lblock_v5hdr_verify.
 */
final class BtreeBlock {
    static final int SHORT_LEN = 56;
    static final int LONG_LEN = 72;
    static final long NULL_SHORT = 0xffffffffL;
    static final long NULL_LONG = -1L;

    private BtreeBlock() {
    }

    static int level(byte[] b) {
        return be16(b, 4);
    }

    static int numrecs(byte[] b) {
        return be16(b, 6);
    }

    static void numrecs(byte[] b, int n) {
        put16(b, 6, n);
    }

    static long leftShort(byte[] b) {
        return be32(b, 8);
    }

    static void leftShort(byte[] b, long agbno) {
        put32(b, 8, agbno);
    }

    static long rightShort(byte[] b) {
        return be32(b, 12);
    }

    static void rightShort(byte[] b, long agbno) {
        put32(b, 12, agbno);
    }

    static long rightLong(byte[] b) {
        return be64(b, 16);
    }

    /** Checks magic, CRC, UUID, self address and owner; {@code owner} is the AG number or the inode. */
    static void verify(byte[] b, long magic, boolean longForm, long daddr, long owner, UUID uuid, String what)
            throws FsException {
        verify(b, magic, longForm, daddr, owner, uuid, what, true);
    }

    /**
     * {@link #verify}, the CRC checked only when {@code crc}: a block read from the device is, one
     * the metadata cache holds is this file system's own (its CRC summed only when it leaves the
     * cache, MetaEntry#crcOff), as Linux runs a buffer's read verifier only when it reads the
     * buffer, not at each xfs_buf lookup.
     */
    static void verify(byte[] b, long magic, boolean longForm, long daddr, long owner, UUID uuid, String what, boolean crc)
            throws FsException {
        Corrupt.check(be32(b, 0) == magic, "%s: magic 0x%x (want 0x%x)", what, be32(b, 0), magic);
        if (crc) {
            XfsCrc.verify(b, 0, b.length, longForm ? 64 : 52, what);
        }
        int base = longForm ? 24 : 16;
        long blkno = be64(b, base);
        Corrupt.check(blkno == daddr, "%s: bb_blkno %d (want %d)", what, blkno, daddr);
        if (be64(b, base + 16) != uuid.getMostSignificantBits() || be64(b, base + 24) != uuid.getLeastSignificantBits()) {
            throw Corrupt.of("%s: bb_uuid %s (want %s)", what, new UUID(be64(b, base + 16), be64(b, base + 24)), uuid);
        }
        long o = longForm ? be64(b, base + 32) : be32(b, base + 32);
        Corrupt.check(o == owner, "%s: bb_owner %d (want %d)", what, o, owner);
    }

    /** Writes a fresh v5 header; the CRC is set by {@link #seal}. */
    static void init(byte[] b, long magic, boolean longForm, int level, int numrecs, long daddr, long owner, UUID uuid) {
        java.util.Arrays.fill(b, (byte) 0);
        put32(b, 0, magic);
        put16(b, 4, level);
        put16(b, 6, numrecs);
        if (longForm) {
            put64(b, 8, NULL_LONG);
            put64(b, 16, NULL_LONG);
            put64(b, 24, daddr);
            put64(b, 40, uuid.getMostSignificantBits());
            put64(b, 48, uuid.getLeastSignificantBits());
            put64(b, 56, owner);
        } else {
            put32(b, 8, NULL_SHORT);
            put32(b, 12, NULL_SHORT);
            put64(b, 16, daddr);
            put64(b, 32, uuid.getMostSignificantBits());
            put64(b, 40, uuid.getLeastSignificantBits());
            put32(b, 48, owner);
        }
    }

    /** Where the CRC of a short-form (AG) and a long-form (bmbt) block sits. */
    static final int SHORT_CRC_OFF = 52;
    static final int LONG_CRC_OFF = 64;

    static void seal(byte[] b, boolean longForm) {
        XfsCrc.update(b, 0, b.length, longForm ? LONG_CRC_OFF : SHORT_CRC_OFF);
    }
}
