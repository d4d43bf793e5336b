package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Whole metadata blocks through the driver, their numbers checked against the file system's size. */
final class Disk {
    private final DaxDevice device;
    private final int bs;
    private final long blocks;

    Disk(DaxDevice device, int bs, long blocks) {
        this.device = device;
        this.bs = bs;
        this.blocks = blocks;
    }

    DaxDevice device() {
        return device;
    }

    int blockSize() {
        return bs;
    }

    long blocks() {
        return blocks;
    }

    void check(long block, String what) throws FsException {
        if (block <= 0 || block >= blocks) {
            throw FsException.of(Errno.EUCLEAN, "ext4: %s: block %d outside the file system (%d blocks)", what, block, blocks);
        }
    }

    ByteBuffer read(long block, String what) throws FsException {
        check(block, what);
        byte[] b = new byte[bs];
        device.load(block * bs, MemorySegment.ofArray(b), 0, bs);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    void write(long block, ByteBuffer data, String what) throws FsException {
        check(block, what);
        device.store(block * bs, MemorySegment.ofArray(data.array()), 0, bs);
    }

    byte[] readBytes(long off, int len) throws FsException {
        byte[] b = new byte[len];
        device.load(off, MemorySegment.ofArray(b), 0, len);
        return b;
    }

    void writeBytes(long off, byte[] b) throws FsException {
        device.store(off, MemorySegment.ofArray(b), 0, b.length);
    }

    void zero(long block, long count) throws FsException {
        check(block, "zeroing");
        check(block + count - 1, "zeroing");
        device.zero(block * bs, count * bs);
    }
}
