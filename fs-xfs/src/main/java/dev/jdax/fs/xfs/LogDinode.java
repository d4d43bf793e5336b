package dev.jdax.fs.xfs;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * struct xfs_log_dinode: the inode core as the log holds it, field for field the on-disk
 * xfs_dinode but in the CPU's byte order (xfs_inode_to_log_dinode, xfs_log_dinode_to_disk).
 * Timestamps are one 64-bit number with bigtime, two 32-bit ones without.
 */
final class LogDinode {
    private LogDinode() {
    }

    /** The numeric fields of the v3 core: {offset, size}; timestamps and byte arrays apart. */
    private static final int[][] FIELDS = {
            {0, 2}, {2, 2}, {4, 1}, {5, 1}, {6, 2}, {8, 4}, {12, 4}, {16, 4}, {20, 2}, {22, 2}, {24, 8},
            {56, 8}, {64, 8}, {72, 4}, {76, 4}, {80, 2}, {82, 1}, {83, 1}, {84, 4}, {88, 2}, {90, 2}, {92, 4},
            {96, 4}, {100, 4}, {104, 8}, {112, 8}, {120, 8}, {128, 4}, {152, 8}};
    private static final int[] TIMES = {32, 40, 48, 144};
    private static final int DI_FLAGS2 = 120;
    private static final int DI_NEXT_UNLINKED = 96;
    private static final int DI_LSN = 112;

    /** The log dinode of the on-disk core in {@code raw}. */
    static byte[] fromDisk(byte[] raw) {
        byte[] l = new byte[LogFormat.LOG_DINODE_SIZE];
        for (int[] f : FIELDS) {
            setLe(l, f[0], f[1], getBe(raw, f[0], f[1]));
        }
        boolean bigtime = (be64(raw, DI_FLAGS2) & XfsInode.XFS_DIFLAG2_BIGTIME) != 0;
        for (int t : TIMES) {
            if (bigtime) {
                putLe64(l, t, be64(raw, t));
            } else {
                putLe32(l, t, be32(raw, t));
                putLe32(l, t + 4, be32(raw, t + 4));
            }
        }
        System.arraycopy(raw, 160, l, 160, 16);   // di_uuid
        // The log dinode's LSN means nothing to recovery, which stamps its own (see toDisk).
        putLe64(l, DI_LSN, 0);
        return l;
    }

    /**
     * Replays a log dinode over the on-disk core {@code raw} at {@code off} (xfs_log_dinode_to_disk):
     * every field but di_next_unlinked, which the unlinked lists log in the inode buffer, and the
     * CRC, which the caller computes; di_lsn becomes the LSN being replayed.
     */
    static void toDisk(byte[] l, byte[] raw, int off, long lsn) {
        long next = be32(raw, off + DI_NEXT_UNLINKED);
        for (int[] f : FIELDS) {
            setBe(raw, off + f[0], f[1], getLe(l, f[0], f[1]));
        }
        boolean bigtime = (le64(l, DI_FLAGS2) & XfsInode.XFS_DIFLAG2_BIGTIME) != 0;
        for (int t : TIMES) {
            if (bigtime) {
                put64(raw, off + t, le64(l, t));
            } else {
                put32(raw, off + t, le32(l, t));
                put32(raw, off + t + 4, le32(l, t + 4));
            }
        }
        System.arraycopy(l, 160, raw, off + 160, 16);
        put16(raw, off + 6, 0);                     // di_onlink
        put32(raw, off + DI_NEXT_UNLINKED, next);
        put64(raw, off + DI_LSN, lsn);
        java.util.Arrays.fill(raw, off + 132, off + 144, (byte) 0);   // di_pad2
        if ((le64(l, DI_FLAGS2) & XfsInode.XFS_DIFLAG2_NREXT64) == 0) {
            put64(raw, off + 24, 0);                // di_v3_pad
        }
    }

    static int magic(byte[] l) {
        return le16(l, 0);
    }

    static int mode(byte[] l) {
        return le16(l, 2);
    }

    static int format(byte[] l) {
        return l[5] & 0xff;
    }

    static int forkoff(byte[] l) {
        return l[82] & 0xff;
    }

    private static long getBe(byte[] b, int off, int size) {
        return switch (size) {
            case 1 -> b[off] & 0xff;
            case 2 -> be16(b, off);
            case 4 -> be32(b, off);
            default -> be64(b, off);
        };
    }

    private static long getLe(byte[] b, int off, int size) {
        return switch (size) {
            case 1 -> b[off] & 0xff;
            case 2 -> le16(b, off);
            case 4 -> le32(b, off);
            default -> le64(b, off);
        };
    }

    private static void setLe(byte[] b, int off, int size, long v) {
        switch (size) {
            case 1 -> b[off] = (byte) v;
            case 2 -> putLe16(b, off, (int) v);
            case 4 -> putLe32(b, off, v);
            default -> putLe64(b, off, v);
        }
    }

    private static void setBe(byte[] b, int off, int size, long v) {
        switch (size) {
            case 1 -> b[off] = (byte) v;
            case 2 -> put16(b, off, (int) v);
            case 4 -> put32(b, off, v);
            default -> put64(b, off, v);
        }
    }
}
