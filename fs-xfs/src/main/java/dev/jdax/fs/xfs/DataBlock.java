package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;
import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * A directory data block: the single block of a block directory (XDB3, with its leaf and tail at
 * the end) or one data block of a leaf/node directory (XDD3). Header struct xfs_dir3_data_hdr
 * (64 bytes), then 8-byte aligned entries (inumber, namelen, name, ftype, tag) and unused
 * regions (0xffff, length, ..., tag). Checks follow __xfs_dir3_data_check.
 */
final class DataBlock {
    static final long XFS_DIR3_BLOCK_MAGIC = 0x58444233L;
    static final long XFS_DIR3_DATA_MAGIC = 0x58444433L;
    static final int HDR_SIZE = 64;
    static final int CRC_OFF = 4;

    private DataBlock() {
    }

    /** xfs_dir2_data_entsize: 8 + 1 + namelen + ftype + 2, rounded up to 8. */
    static int entrySize(int namelen, boolean ftype) {
        return (8 + 1 + namelen + (ftype ? 1 : 0) + 2 + 7) & ~7;
    }

    /** Verifies the header of a data or block-form block and returns where its data area ends. */
    static int verify(byte[] b, long magic, long daddr, long owner, UUID uuid, Object what) throws FsException {
        return verify(b, magic, daddr, owner, uuid, what, true);
    }

    /** {@link #verify}, the CRC checked only when {@code crc} (a block read, not one the cache holds: BtreeBlock#verify). */
    static int verify(byte[] b, long magic, long daddr, long owner, UUID uuid, Object what, boolean crc) throws FsException {
        Corrupt.check(be32(b, 0) == magic, "%s: magic 0x%x (want 0x%x)", what, be32(b, 0), magic);
        if (crc) {
            XfsCrc.verify(b, 0, b.length, CRC_OFF, what);
        }
        Corrupt.check(be64(b, 8) == daddr, "%s: blkno %d (want %d)", what, be64(b, 8), daddr);
        if (be64(b, 24) != uuid.getMostSignificantBits() || be64(b, 32) != uuid.getLeastSignificantBits()) {
            throw Corrupt.of("%s: uuid %s (want %s)", what, new UUID(be64(b, 24), be64(b, 32)), uuid);
        }
        Corrupt.check(be64(b, 40) == owner, "%s: owner %d (want %d)", what, be64(b, 40), owner);
        if (magic == XFS_DIR3_BLOCK_MAGIC) {
            long count = be32(b, b.length - 8);
            long end = b.length - 8 - count * 8;
            Corrupt.check(count >= 2 && end >= HDR_SIZE, "%s: block tail count %d", what, count);
            return (int) end;
        }
        return b.length;
    }

    /** Adds the live entries of the data area {@code [64, end)} to {@code out}. */
    static void entries(byte[] b, int end, boolean ftype, List<DirRecord> out, String what) throws FsException {
        entries(b, end, ftype, out, null, what);
    }

    /** As {@link #entries(byte[], int, boolean, List, String)}, each entry's offset in the block added to {@code offsets} (unless null). */
    static void entries(byte[] b, int end, boolean ftype, List<DirRecord> out, List<Integer> offsets, String what)
            throws FsException {
        int pos = HDR_SIZE;
        while (pos < end) {
            Corrupt.check(pos + 8 <= end, "%s: entry at %d runs past %d", what, pos, end);
            if (be16(b, pos) == 0xffff) {
                int len = be16(b, pos + 2);
                Corrupt.check(len >= 8 && (len & 7) == 0 && pos + len <= end && be16(b, pos + len - 2) == pos,
                        "%s: unused region at %d length %d", what, pos, len);
                pos += len;
                continue;
            }
            int namelen = u8(b, pos + 8);
            int size = entrySize(namelen, ftype);
            Corrupt.check(namelen > 0 && pos + size <= end && be16(b, pos + size - 2) == pos,
                    "%s: entry at %d namelen %d", what, pos, namelen);
            byte[] name = new byte[namelen];
            System.arraycopy(b, pos + 9, name, 0, namelen);
            int ft = ftype ? u8(b, pos + 9 + namelen) : DirRecord.FT_UNKNOWN;
            out.add(new DirRecord(name, be64(b, pos), ft));
            if (offsets != null) {
                offsets.add(pos);
            }
            pos += size;
        }
    }
}
