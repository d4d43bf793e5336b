package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.zip.CRC32C;

/**
 * The CRC32C every v5 metadata block carries, computed with its own field as zero and stored
 * little-endian (libxfs xfs_start_cksum / xfs_end_cksum). A mismatch is Linux's EFSBADCRC, EBADMSG.
 */
final class XfsCrc {
    /** The CRC field's four bytes as the sum sees them; shared, never written. */
    private static final byte[] ZERO_FIELD = new byte[4];

    private XfsCrc() {
    }

    static int compute(byte[] buf, int off, int len, int crcOff) {
        CRC32C c = new CRC32C();
        c.update(buf, off, crcOff - off);
        c.update(ZERO_FIELD);
        c.update(buf, crcOff + 4, off + len - crcOff - 4);
        return (int) c.getValue();
    }

    static int stored(byte[] buf, int crcOff) {
        return (buf[crcOff] & 0xff) | (buf[crcOff + 1] & 0xff) << 8 | (buf[crcOff + 2] & 0xff) << 16
                | (buf[crcOff + 3] & 0xff) << 24;
    }

    static void verify(byte[] buf, int off, int len, int crcOff, Object what) throws FsException {
        int want = compute(buf, off, len, crcOff);
        int have = stored(buf, crcOff);
        if (want != have) {
            throw FsException.of(Errno.EBADMSG, "xfs: %s: CRC 0x%08x (want 0x%08x)", what, have, want);
        }
    }

    static void update(byte[] buf, int off, int len, int crcOff) {
        store(buf, crcOff, compute(buf, off, len, crcOff));
    }

    /** Stores a CRC little-endian at {@code crcOff}. */
    static void store(byte[] buf, int crcOff, int c) {
        buf[crcOff] = (byte) c;
        buf[crcOff + 1] = (byte) (c >>> 8);
        buf[crcOff + 2] = (byte) (c >>> 16);
        buf[crcOff + 3] = (byte) (c >>> 24);
    }
}
