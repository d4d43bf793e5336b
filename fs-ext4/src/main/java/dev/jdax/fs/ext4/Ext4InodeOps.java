package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.iomap.CoarseClock;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * What the VFS asks of one ext4 inode besides its names: stat (ext4_getattr), setattr, readlink,
 * and open — which refuses what ext4 refuses and converts an inline file before its first change.
 */
final class Ext4InodeOps {
    private final Ext4FileSystem fs;
    private final Ext4Superblock sb;
    private final Disk disk;

    Ext4InodeOps(Ext4FileSystem fs, Ext4Superblock sb, Disk disk) {
        this.fs = fs;
        this.sb = sb;
        this.disk = disk;
    }

    StatInfo statOf(Ext4Inode in) {
        long attrs = (in.daxNow ? StatInfo.STATX_ATTR_DAX : 0) | (NoKeyNames.encrypted(in) ? StatInfo.STATX_ATTR_ENCRYPTED : 0)
                | InodeFlags.statxAttributes(in.inodeFlags()); // ext4_getattr
        Instant btime = in.crtime();
        Instant atime = in.space != null ? in.space.atime() : in.atime();
        Instant mtime = in.space != null ? in.space.mtime() : in.mtime();
        Instant ctime = in.space != null ? in.space.ctime() : in.ctime();
        // fscrypt_symlink_getattr: an encrypted symlink's st_size is the length of what readlink gives.
        long size = in.size();
        if (in.type() == FileType.SYMLINK && NoKeyNames.encrypted(in)) {
            try {
                size = readlink(in).length();
            } catch (FsException e) {
                size = in.size();
            }
        }
        long rdev = DeviceNumbers.hasDevice(in.type())
                ? DeviceNumbers.extDecode(in.b.getInt(0x28) & 0xffffffffL, in.b.getInt(0x2c) & 0xffffffffL) : 0;
        return new StatInfo(in.ino, in.i_mode(), in.i_links_count(), in.i_uid(), in.i_gid(), rdev, size,
                in.i_blocks(sb.blockSize()), sb.blockSize(), atime, mtime, ctime, btime, attrs);
    }

    void setattr(Ext4Inode in, SetAttr attr) throws FsException {
        Instant now = CoarseClock.now(fs.timeGranularityNanos());
        Instant atime = attr.atime() == null ? null : fs.truncateTime(attr.atime());
        Instant mtime = attr.mtime() == null ? null : fs.truncateTime(attr.mtime());
        fs.opVoid(() -> fs.changeInode(in, i -> {
            if (attr.mode() != null) {
                i.i_mode((i.i_mode() & FileType.S_IFMT) | (attr.mode() & 07777));
            }
            if (attr.uid() != null) {
                i.i_uid(attr.uid());
            }
            if (attr.gid() != null) {
                i.i_gid(attr.gid());
            }
            if (atime != null) {
                i.atime(atime);
            }
            if (mtime != null) {
                i.mtime(mtime);
            }
            i.ctime(now);
        }));
        if (in.space != null) {
            in.space.timesSet(atime, mtime, now);
        }
    }

    /**
     * ext4_dirty_inode after update_time(S_ATIME): the access time alone, in a handle of its own;
     * under lazytime a directory's or symbolic link's is kept in the in-core inode (I_DIRTY_TIME)
     * and goes out with its next write (its block's too), fsync, sync, unmount or eviction.
     */
    void updateAtime(Ext4Inode in, Instant atime) throws FsException {
        if (in.space == null && fs.keepAtime(in, atime)) {
            return;
        }
        fs.opVoid(() -> fs.changeInode(in, i -> i.atime(atime)));
    }

    String readlink(Ext4Inode in) throws FsException {
        long ino = in.ino;
        if (in.type() != FileType.SYMLINK) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d is not a symlink", ino);
        }
        long size = in.i_size();
        if (size <= 0 || size >= sb.blockSize()) {
            throw FsException.of(Errno.EUCLEAN, "ext4: symlink %d: size %d", ino, size);
        }
        byte[] b;
        int at;
        if (InlineData.has(in)) {
            b = InlineData.bytes(in, size);
            at = 0;
        } else if (in.isFastSymlink(sb.blockSize(), sb.clusterSize())) {
            if (size >= 60) {
                throw FsException.of(Errno.EUCLEAN, "ext4: fast symlink %d: size %d does not fit i_block", ino, size);
            }
            b = in.b.array();
            at = 0x28;
        } else {
            long p = fs.mapBlock(in, 0);
            if (p < 0) {
                throw FsException.of(Errno.EUCLEAN, "ext4: symlink %d has no block", ino);
            }
            b = disk.read(p, "symlink " + ino).array();
            at = 0;
        }
        return NoKeyNames.encrypted(in) ? NoKeyNames.symlinkTarget(ino, b, at, (int) size)
                : new String(b, at, (int) size, StandardCharsets.UTF_8);
    }


    OpenFile open(Ext4Inode in, int flags) throws FsException {
        if (in.isDir()) {
            throw FsException.of(Errno.EISDIR, "ext4: inode %d is a directory", in.ino);
        }
        if (in.type() != FileType.REGULAR) {
            throw FsException.of(Errno.EINVAL, "ext4: inode %d is not a regular file", in.ino);
        }
        if (NoKeyNames.encrypted(in)) {
            // fscrypt_file_open: an encrypted file's contents need its key; jdax never has one.
            throw FsException.of(Errno.ENOKEY, "ext4: inode %d is encrypted and its key is not available", in.ino);
        }
        if ((in.i_flags() & Ext4Inode.VERITY_FL) != 0) {
            // __fsverity_file_open and __fsverity_prepare_setattr: a verity file is never written nor truncated.
            if (OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0) {
                throw FsException.of(Errno.EPERM, "ext4: inode %d is an fs-verity file: it cannot be opened for writing", in.ino);
            }
            VerityFile.of(fs, in); // ensure_verity_info: a bad descriptor fails the open
        }
        if ((OpenFlags.writable(flags) || (flags & OpenFlags.O_TRUNC) != 0) && InlineData.has(in)) {
            fs.requireWritable();
            convertInline(in); // every change of an inline file starts with this
        }
        OpenFile f = in.space.open(flags);
        return OpenFlags.writable(flags) ? new WriterFile(f, in) : f;
    }

    /**
     * An open file that may write: counted on its inode, and the last one's close forgets the
     * inode's preallocations (ext4_release_file), so a closed file keeps no blocks from others.
     */
    private final class WriterFile implements dev.jdax.api.fs.ForwardingOpenFile {
        private final OpenFile delegate;
        private final Ext4Inode in;
        private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

        WriterFile(OpenFile delegate, Ext4Inode in) {
            this.delegate = delegate;
            this.in = in;
            in.writers.incrementAndGet();
        }

        @Override
        public OpenFile delegate() {
            return delegate;
        }

        // Reads and writes forward from call sites of their own (see VfsFile: the interface's
        // default methods are one call site for every forwarding layer).

        @Override
        public long read(long pos, java.lang.foreign.MemorySegment dst, long offset, long length) throws FsException {
            return delegate.read(pos, dst, offset, length);
        }

        @Override
        public long write(long pos, java.lang.foreign.MemorySegment src, long offset, long length, int rwFlags)
                throws FsException {
            return delegate.write(pos, src, offset, length, rwFlags);
        }

        @Override
        public int flags() {
            return delegate.flags();
        }

        @Override
        public void close() throws FsException {
            try {
                delegate.close();
            } finally {
                if (closed.compareAndSet(false, true) && in.writers.decrementAndGet() == 0 && !in.prealloc.isEmpty()) {
                    in.dataSem.lockExclusive();
                    try {
                        fs.discardPreallocations(in);
                    } finally {
                        in.dataSem.unlockExclusive();
                    }
                }
            }
        }
    }

    /**
     * ext4_convert_inline_data for a file opened for writing: under its i_rwsem (as write_begin
     * holds it), so one opener converts and no reader sees it half way; one transaction.
     */
    private void convertInline(Ext4Inode in) throws FsException {
        in.rwsem().lockExclusive();
        try {
            if (InlineData.has(in)) {
                fs.opVoid(() -> {
                    in.dataSem.lockExclusive();
                    try {
                        InlineData.fileToBlocks(fs, in);
                    } finally {
                        in.dataSem.unlockExclusive();
                    }
                });
            }
        } finally {
            in.rwsem().unlockExclusive();
        }
    }

}
