package dev.jdax.cli.fsx;

import java.util.Arrays;

/**
 * What the file must hold after each operation, by the semantics of Linux's pwrite, ftruncate and
 * fallocate (mode 0, KEEP_SIZE, PUNCH_HOLE, ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE).
 */
public final class FileModel {
    private final byte[] bytes;
    private long size;

    public FileModel(int maxSize) {
        bytes = new byte[maxSize];
    }

    public long size() {
        return size;
    }

    public int capacity() {
        return bytes.length;
    }

    /** {@return the model's bytes {@code [0, size)}} */
    public byte[] contents() {
        return Arrays.copyOf(bytes, (int) size);
    }

    public byte at(long offset) {
        return bytes[(int) offset];
    }

    public void write(long offset, byte[] data) {
        System.arraycopy(data, 0, bytes, (int) offset, data.length);
        size = Math.max(size, offset + data.length);
    }

    public void truncate(long newSize) {
        if (newSize < size) {
            Arrays.fill(bytes, (int) newSize, (int) size, (byte) 0);
        }
        size = newSize;
    }

    /** Mode 0 extends the size; the new range reads as zeros, which it already holds here. */
    public void allocate(long offset, long length, boolean keepSize) {
        if (!keepSize) {
            size = Math.max(size, offset + length);
        }
    }

    /** PUNCH_HOLE (always with KEEP_SIZE) and ZERO_RANGE: zeros inside; ZERO_RANGE without KEEP_SIZE extends. */
    public void zero(long offset, long length, boolean keepSize) {
        long end = keepSize ? Math.min(offset + length, size) : offset + length;
        if (end > offset) {
            Arrays.fill(bytes, (int) offset, (int) end, (byte) 0);
        }
        if (!keepSize) {
            size = Math.max(size, offset + length);
        }
    }

    public void collapse(long offset, long length) {
        System.arraycopy(bytes, (int) (offset + length), bytes, (int) offset, (int) (size - offset - length));
        Arrays.fill(bytes, (int) (size - length), (int) size, (byte) 0);
        size -= length;
    }

    public void insert(long offset, long length) {
        System.arraycopy(bytes, (int) offset, bytes, (int) (offset + length), (int) (size - offset));
        Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
        size += length;
    }
}
