package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.api.fs.OpenFlags;

import java.lang.foreign.MemorySegment;

/**
 * A regular file whose data is inline, seen through an open file: read from the inode (the DAX
 * engine has no device blocks to copy from), reported to FIEMAP as one inline extent, refused where
 * Linux 6.1 refuses it (FS_XFLAG_DAX: EOPNOTSUPP, measured), and never mapped: Linux maps it through
 * the page cache, which jdax does not have.
 */
final class InlineFile {
    private InlineFile() {
    }

    static long read(Ext4Inode in, int openFlags, long pos, MemorySegment dst) throws FsException {
        if (!OpenFlags.readable(openFlags)) {
            throw FsException.of(Errno.EBADF, "inode %d: not open for reading", in.ino);
        }
        if (pos < 0) {
            throw FsException.of(Errno.EINVAL, "inode %d: read at offset %d", in.ino, pos);
        }
        long size = in.i_size();
        if (pos >= size || dst.byteSize() == 0) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), size - pos);
        MemorySegment.copy(MemorySegment.ofArray(InlineData.bytes(in, size)), pos, dst, 0, n);
        return n;
    }

    /** ext4_iomap_begin_report on inline data: one IOMAP_INLINE extent over the file, at its bytes in the inode. */
    static Iomap iomap(Ext4FileSystem fs, Ext4Inode in, long pos, int flags) throws FsException {
        if ((flags & IomapOps.WRITE) != 0) {
            throw FsException.of(Errno.EIO, "ext4: inode %d: a write mapping of inline data (it is converted first)", in.ino);
        }
        long size = Math.max(in.i_size(), 1);
        if (pos >= size) {
            return Iomap.hole(pos, Long.MAX_VALUE - pos, fs.device());
        }
        return new Iomap(0, size, IomapType.INLINE, InlineData.address(fs.inodeOffsetOf(in.ino)), 0, fs.device());
    }

    static void refuseDax(Ext4Inode in) throws FsException {
        if (InlineData.has(in)) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d has inline data: FS_XFLAG_DAX cannot be set (Linux 6.1: "
                    + "\"cannot set flags: Operation not supported\")", in.ino);
        }
    }

    static void refuseMapping(Ext4Inode in) throws FsException {
        if (InlineData.has(in)) {
            throw FsException.of(Errno.EOPNOTSUPP, "ext4: inode %d has inline data: jdax maps device blocks, and an inline file "
                    + "has none until it is opened for writing (Linux maps it through its page cache)", in.ino);
        }
    }
}
