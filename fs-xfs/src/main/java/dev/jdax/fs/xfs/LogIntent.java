package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import static dev.jdax.fs.xfs.Buf.*;
import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * An intent a log holds: work a transaction promised, which a later transaction of the same chain
 * does and marks with its done item (xfs_defer_ops). Recovery finishes those whose done item the
 * log does not hold (xlog_recover_process_intents). Log intents are in the CPU's byte order, which
 * on the machines Linux's XFS and jdax share is little-endian. Each kind's checks are those of its
 * validator (xfs_efi_validate_ext, xfs_cui_validate_phys, xfs_bui_validate): an intent that fails
 * them refuses the mount before the log is replayed.
 */
sealed interface LogIntent permits LogIntent.Free, LogIntent.Refcount, LogIntent.Bmap {
    int XFS_LI_CUI = 0x1242;
    int XFS_LI_CUD = 0x1243;
    int XFS_LI_BUI = 0x1244;
    int XFS_LI_BUD = 0x1245;
    /** XFS_MAX_FILEOFF: the largest file block offset a mapping may reach. */
    long MAX_FILEOFF = (1L << 54) - 1;
    /** XFS_MAX_BMBT_EXTLEN: the longest extent a mapping record holds. */
    long MAX_BMBT_EXTLEN = (1L << 21) - 1;

    /** The item type of the intent; its done item's is one more. */
    int type();

    /** The id its done item names (the intent's address in the kernel that logged it). */
    long id();

    /** The done item, logged in the transaction that finishes the intent. */
    default byte[] done() {
        return doneItem(type() + 1, id());
    }

    /** An EFI: extents {fsbno, length} to free. */
    record Free(long id, long[][] extents) implements LogIntent {
        @Override
        public int type() {
            return XFS_LI_EFI;
        }

        @Override
        public byte[] done() {
            return extentFree(XFS_LI_EFD, id, extents);
        }
    }

    /** enum xfs_refcount_intent_type. */
    enum RefcountOp { INCREASE, DECREASE, ALLOC_COW, FREE_COW }

    /** One extent of a CUI. */
    record RefcountUpdate(RefcountOp op, long fsbno, long length) {
    }

    /** A CUI: refcount B+tree updates, done in order. */
    record Refcount(long id, RefcountUpdate[] updates) implements LogIntent {
        @Override
        public int type() {
            return XFS_LI_CUI;
        }
    }

    /** A BUI: one change of an inode's data fork (xfs_bmap_finish_one), blocks neither freed nor counted. */
    record Bmap(long id, long owner, boolean unmap, long startoff, long startblock, long length) implements LogIntent {
        @Override
        public int type() {
            return XFS_LI_BUI;
        }
    }

    /** Whether {@code type} is an intent or a done item this class reads. */
    static boolean known(int type) {
        return type == XFS_LI_EFI || type == XFS_LI_EFD || type == XFS_LI_CUI || type == XFS_LI_CUD
                || type == XFS_LI_BUI || type == XFS_LI_BUD;
    }

    /** The id a done item names (efd_efi_id, cud_cui_id, bud_bui_id). */
    static long doneId(byte[] f) {
        return le64(f, 8);
    }

    /**
     * Reads and checks an intent item's format ({@code what} names it in errors); a done item is
     * only checked for its size.
     */
    static LogIntent parse(int type, byte[] f, XfsDisk disk, String what) throws FsException {
        Corrupt.check(f.length >= 16, "%s: format of %d bytes", what, f.length);
        long n = le32(f, 4);
        long id = le64(f, 8);
        switch (type) {
            case XFS_LI_EFI, XFS_LI_EFD -> {
                Corrupt.check(f.length == EF_HDR + 16 * n || f.length == EF_HDR + 12 * n, "%s: %d extents in %d bytes",
                        what, n, f.length);
                if (type == XFS_LI_EFD) {
                    return null;
                }
                int size = n == 0 ? 16 : (int) ((f.length - EF_HDR) / n);
                long[][] out = new long[(int) n][];
                for (int i = 0; i < n; i++) {
                    out[i] = new long[]{le64(f, EF_HDR + size * i), le32(f, EF_HDR + size * i + 8)};
                }
                return new Free(id, out);
            }
            case XFS_LI_CUD, XFS_LI_BUD -> {
                Corrupt.check(f.length == 16, "%s: done item of %d bytes", what, f.length);
                return null;
            }
            case XFS_LI_CUI -> {
                Corrupt.check(disk.sb().hasReflink(), "%s: a refcount intent on a file system without reflink", what);
                Corrupt.check(n > 0 && f.length == 16 + 16 * n, "%s: %d extents in %d bytes", what, n, f.length);
                RefcountUpdate[] u = new RefcountUpdate[(int) n];
                for (int i = 0; i < n; i++) {
                    long fsbno = le64(f, 16 + 16 * i);
                    long len = le32(f, 16 + 16 * i + 8);
                    long flags = le32(f, 16 + 16 * i + 12);
                    Corrupt.check(flags >= 1 && flags <= 4, "%s: extent %d: flags 0x%x", what, i, flags);
                    Corrupt.check(len > 0 && disk.fsbValid(fsbno, len), "%s: extent %d: blocks [%d, +%d] outside the"
                            + " file system", what, i, fsbno, len);
                    u[i] = new RefcountUpdate(RefcountOp.values()[(int) flags - 1], fsbno, len);
                }
                return new Refcount(id, u);
            }
            case XFS_LI_BUI -> {
                Corrupt.check(n == 1 && f.length == 16 + 32, "%s: %d mappings in %d bytes (one per BUI)", what, n, f.length);
                long owner = le64(f, 16);
                long startblock = le64(f, 24);
                long startoff = le64(f, 32);
                long len = le32(f, 40);
                long flags = le32(f, 44);
                long op = flags & 0xff;
                Corrupt.check((flags & ~(0xffL | 1L << 31 | 1L << 30)) == 0 && (op == 1 || op == 2),
                        "%s: flags 0x%x", what, flags);
                // xfs_bmap_finish_one: an attribute fork's mapping is never deferred.
                Corrupt.check((flags & 1L << 31) == 0, "%s: a mapping of inode %d's attribute fork", what, owner);
                Corrupt.check(disk.inoValid(owner), "%s: inode %d out of range", what, owner);
                Corrupt.check(len > 0 && len <= MAX_BMBT_EXTLEN && startoff >= 0 && startoff + len <= MAX_FILEOFF,
                        "%s: file blocks [%d, +%d]", what, startoff, len);
                Corrupt.check(disk.fsbValid(startblock, len), "%s: blocks [%d, +%d] outside the file system", what,
                        startblock, len);
                return new Bmap(id, owner, op == 2, startoff, startblock, len);
            }
            default -> throw new IllegalArgumentException("not an intent: 0x" + Integer.toHexString(type));
        }
    }

    /** A CUI of refcount decreases, one per extent {fsbno, length}: struct xfs_cui_log_format. */
    static byte[] decreases(long id, long[][] extents) {
        byte[] b = new byte[16 + 16 * extents.length];
        putLe16(b, 0, XFS_LI_CUI);
        putLe16(b, 2, 1);
        putLe32(b, 4, extents.length);
        putLe64(b, 8, id);
        for (int i = 0; i < extents.length; i++) {
            putLe64(b, 16 + 16 * i, extents[i][0]);
            putLe32(b, 16 + 16 * i + 8, extents[i][1]);
            putLe32(b, 16 + 16 * i + 12, RefcountOp.DECREASE.ordinal() + 1);
        }
        return b;
    }

    /** A CUD or BUD: struct xfs_cud_log_format / xfs_bud_log_format. */
    private static byte[] doneItem(int type, long id) {
        byte[] b = new byte[16];
        putLe16(b, 0, type);
        putLe16(b, 2, 1);
        putLe64(b, 8, id);
        return b;
    }
}
