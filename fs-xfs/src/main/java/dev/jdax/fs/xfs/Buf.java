package dev.jdax.fs.xfs;

/**
 * Field access on an on-disk buffer: big-endian, as XFS's metadata is, and little-endian for what
 * the log holds in the CPU's order (log item formats, the log dinode) and for the CRCs.
 */
final class Buf {
    private Buf() {
    }

    static int u8(byte[] b, int off) {
        return b[off] & 0xff;
    }

    static int be16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static long be32(byte[] b, int off) {
        return ((long) (b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8)
                | (b[off + 3] & 0xff);
    }

    static long be64(byte[] b, int off) {
        return (be32(b, off) << 32) | be32(b, off + 4);
    }

    static void put8(byte[] b, int off, int v) {
        b[off] = (byte) v;
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, long v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static void put64(byte[] b, int off, long v) {
        put32(b, off, v >>> 32);
        put32(b, off + 4, v);
    }

    static int le16(byte[] b, int off) {
        return (b[off] & 0xff) | ((b[off + 1] & 0xff) << 8);
    }

    static long le32(byte[] b, int off) {
        return (b[off] & 0xff) | ((b[off + 1] & 0xff) << 8) | ((b[off + 2] & 0xff) << 16) | ((long) (b[off + 3] & 0xff) << 24);
    }

    static long le64(byte[] b, int off) {
        return le32(b, off) | (le32(b, off + 4) << 32);
    }

    static void putLe16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    static void putLe32(byte[] b, int off, long v) {
        putLe16(b, off, (int) v);
        putLe16(b, off + 2, (int) (v >>> 16));
    }

    static void putLe64(byte[] b, int off, long v) {
        putLe32(b, off, v);
        putLe32(b, off + 4, v >>> 32);
    }
}
