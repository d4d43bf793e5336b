package dev.jdax.cli.fsx;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.StatInfo;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * A file in a byte array that follows Linux's read/write/truncate/fallocate rules, written apart
 * from {@link FileModel} so the two check each other; {@code staleTruncate} plants the bug fsx
 * exists to find (truncate up showing old bytes instead of zeros).
 */
final class ArrayFile implements OpenFile {
    private byte[] data = new byte[0];
    private final boolean staleTruncate;
    private final boolean fallocateSupported;

    ArrayFile(boolean staleTruncate, boolean fallocateSupported) {
        this.staleTruncate = staleTruncate;
        this.fallocateSupported = fallocateSupported;
    }

    @Override
    public long ino() {
        return 12;
    }

    @Override
    public int flags() {
        return 2;
    }

    @Override
    public long read(long pos, MemorySegment dst) {
        if (pos >= data.length) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), data.length - pos);
        MemorySegment.copy(MemorySegment.ofArray(data), pos, dst, 0, n);
        return n;
    }

    @Override
    public long write(long pos, MemorySegment src, int rwFlags) {
        int end = (int) (pos + src.byteSize());
        if (end > data.length) {
            resize(end);
        }
        MemorySegment.copy(src, 0, MemorySegment.ofArray(data), pos, src.byteSize());
        return src.byteSize();
    }

    private void resize(int size) {
        byte[] old = data;
        data = Arrays.copyOf(data, size);
        if (staleTruncate && size > old.length && old.length > 0) {
            Arrays.fill(data, old.length, size, (byte) 0x77);
        }
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public void truncate(long size) {
        resize((int) size);
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        if (!fallocateSupported) {
            throw FsException.of(Errno.EOPNOTSUPP, "fallocate");
        }
        int off = (int) offset;
        int len = (int) length;
        if ((mode & Falloc.COLLAPSE_RANGE) != 0) {
            byte[] out = new byte[data.length - len];
            System.arraycopy(data, 0, out, 0, off);
            System.arraycopy(data, off + len, out, off, data.length - off - len);
            data = out;
        } else if ((mode & Falloc.INSERT_RANGE) != 0) {
            byte[] out = new byte[data.length + len];
            System.arraycopy(data, 0, out, 0, off);
            System.arraycopy(data, off, out, off + len, data.length - off);
            data = out;
        } else if ((mode & (Falloc.PUNCH_HOLE | Falloc.ZERO_RANGE)) != 0) {
            if ((mode & Falloc.KEEP_SIZE) == 0 && off + len > data.length) {
                resize(off + len);
            }
            Arrays.fill(data, Math.min(off, data.length), Math.min(off + len, data.length), (byte) 0);
        } else if ((mode & Falloc.KEEP_SIZE) == 0 && off + len > data.length) {
            resize(off + len);
        }
    }

    @Override
    public void fsync(boolean dataOnly) {
    }

    @Override
    public void fadvise(long offset, long length, int advice) {
    }

    @Override
    public void syncRange(long offset, long length, int flags) {
    }

    @Override
    public long seekData(long offset) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "seek");
    }

    @Override
    public long seekHole(long offset) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "seek");
    }

    @Override
    public List<FiemapExtent> fiemap(long start, long length) {
        return List.of();
    }

    @Override
    public StatInfo stat() throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "stat");
    }

    @Override
    public FsxAttr fsxattr() throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "fsxattr");
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "dax");
    }

    @Override
    public void setExtsize(long bytes) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "extsize");
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "mmap");
    }

    @Override
    public void close() {
    }
}
