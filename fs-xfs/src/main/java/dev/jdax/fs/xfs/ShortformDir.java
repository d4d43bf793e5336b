package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * A directory held in the inode (struct xfs_dir2_sf_hdr and xfs_dir2_sf_entry): count, i8count,
 * the parent, then entries of namelen, offset, name, ftype, inumber (4 bytes, or 8 when any
 * inode number needs them). Decoding checks every length against the fork (xfs_dir2_sf_verify).
 */
final class ShortformDir {
    /** The offset the first real entry gets after "." and "..": the v5 data header plus their entries. */
    static final int FIRST_OFFSET = 64 + 16 + 16;

    final long parent;
    final List<DirRecord> entries;
    /** The data-block offsets stored per entry (xfs_dir2_sf_entry.offset), kept in entry order. */
    final List<Integer> offsets;

    ShortformDir(long parent, List<DirRecord> entries, List<Integer> offsets) {
        this.parent = parent;
        this.entries = entries;
        this.offsets = offsets;
    }

    static ShortformDir decode(byte[] fork, int size, boolean ftype, String what) throws FsException {
        Corrupt.check(size >= 6 && size <= fork.length, "%s: shortform size %d", what, size);
        int count = u8(fork, 0);
        int i8 = u8(fork, 1);
        int inoLen = i8 != 0 ? 8 : 4;
        long parent = inoLen == 8 ? be64(fork, 2) : be32(fork, 2);
        int pos = 2 + inoLen;
        List<DirRecord> out = new ArrayList<>(count);
        List<Integer> offs = new ArrayList<>(count);
        int lastOff = 0;
        for (int i = 0; i < count; i++) {
            Corrupt.check(pos + 3 <= size, "%s: shortform entry %d beyond the fork", what, i);
            int namelen = u8(fork, pos);
            int offset = be16(fork, pos + 1);
            int len = 3 + namelen + (ftype ? 1 : 0) + inoLen;
            Corrupt.check(namelen > 0 && pos + len <= size, "%s: shortform entry %d namelen %d", what, i, namelen);
            Corrupt.check(offset >= lastOff, "%s: shortform entry %d offset %d not ascending", what, i, offset);
            lastOff = offset;
            byte[] name = new byte[namelen];
            System.arraycopy(fork, pos + 3, name, 0, namelen);
            int ft = ftype ? u8(fork, pos + 3 + namelen) : DirRecord.FT_UNKNOWN;
            int ip = pos + 3 + namelen + (ftype ? 1 : 0);
            long ino = inoLen == 8 ? be64(fork, ip) : be32(fork, ip);
            out.add(new DirRecord(name, ino, ft));
            offs.add(offset);
            pos += len;
        }
        Corrupt.check(pos == size, "%s: shortform size %d, entries end at %d", what, size, pos);
        return new ShortformDir(parent, out, offs);
    }

    /** Bytes this directory takes in the fork (xfs_dir2_sf_hdr_size plus entries). */
    static int encodedSize(List<DirRecord> entries, long parent, boolean ftype) {
        boolean i8 = needsI8(entries, parent);
        int inoLen = i8 ? 8 : 4;
        int n = 2 + inoLen;
        for (DirRecord r : entries) {
            n += 3 + r.name().length + (ftype ? 1 : 0) + inoLen;
        }
        return n;
    }

    private static boolean needsI8(List<DirRecord> entries, long parent) {
        boolean i8 = parent > 0xffffffffL;
        for (DirRecord r : entries) {
            i8 |= r.ino() > 0xffffffffL;
        }
        return i8;
    }

    /** Encodes into {@code fork} and returns the size; offsets are assigned as a block would lay the entries out. */
    static int encode(byte[] fork, List<DirRecord> entries, long parent, boolean ftype) {
        boolean i8 = needsI8(entries, parent);
        int inoLen = i8 ? 8 : 4;
        int i8count = parent > 0xffffffffL ? 1 : 0;
        for (DirRecord r : entries) {
            if (r.ino() > 0xffffffffL) {
                i8count++;
            }
        }
        put8(fork, 0, entries.size());
        put8(fork, 1, i8count);
        int pos = 2;
        pos = putIno(fork, pos, parent, inoLen);
        int offset = FIRST_OFFSET;
        for (DirRecord r : entries) {
            put8(fork, pos, r.name().length);
            put16(fork, pos + 1, offset);
            System.arraycopy(r.name(), 0, fork, pos + 3, r.name().length);
            pos += 3 + r.name().length;
            if (ftype) {
                put8(fork, pos++, r.ftype());
            }
            pos = putIno(fork, pos, r.ino(), inoLen);
            offset += DataBlock.entrySize(r.name().length, ftype);
        }
        return pos;
    }

    private static int putIno(byte[] b, int pos, long ino, int len) {
        if (len == 8) {
            put64(b, pos, ino);
        } else {
            put32(b, pos, ino);
        }
        return pos + len;
    }
}
