package dev.jdax.fs.ext2;

import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Metadata blocks of the device, read and written whole through the driver (its stores write the
 * lines back; {@link #barrier()} fences them). Block numbers are checked against the file system's
 * size, so a corrupt pointer is an EUCLEAN naming it, never an access outside the device.
 */
final class Disk {
    private final DaxDevice device;
    private final int blockSize;
    private long blocksCount;
    /** mkfs: stores without a write-back each, written back in one go by {@link #barrier()}; else -1. */
    private long deferredLow = -1;
    private long deferredHigh = -1;

    Disk(DaxDevice device, int blockSize, long blocksCount) {
        this.device = device;
        this.blockSize = blockSize;
        this.blocksCount = blocksCount;
    }

    DaxDevice device() {
        return device;
    }

    int blockSize() {
        return blockSize;
    }

    long blocksCount() {
        return blocksCount;
    }

    void setBlocksCount(long n) {
        blocksCount = n;
    }

    void check(long block, String what) throws FsException {
        if (block <= 0 || block >= blocksCount) {
            throw FsException.of(Errno.EUCLEAN, "ext2: %s: block %d outside the file system (%d blocks)", what, block, blocksCount);
        }
    }

    ByteBuffer read(long block, String what) throws FsException {
        check(block, what);
        byte[] b = new byte[blockSize];
        device.load(block * blockSize, MemorySegment.ofArray(b), 0, blockSize);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A heap buffer of one block and the segment over it, made once and read into again and again. */
    record Scratch(ByteBuffer bytes, MemorySegment segment) {
        static Scratch of(int blockSize) {
            byte[] b = new byte[blockSize];
            return new Scratch(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), MemorySegment.ofArray(b));
        }
    }

    /**
     * The block loaded into {@code into} (a caller's buffer: a directory change reads its block
     * without allocating anything); returns its bytes. The error, if any, names {@code what} and
     * {@code ino}.
     */
    ByteBuffer readInto(long block, String what, long ino, Scratch into) throws FsException {
        if (block <= 0 || block >= blocksCount) {
            check(block, what + " " + ino);
        }
        device.load(block * blockSize, into.segment(), 0, blockSize);
        return into.bytes();
    }

    /** {@link #write}, with the error naming {@code what} and {@code ino} made only if there is one. */
    void write(long block, ByteBuffer data, String what, long ino) throws FsException {
        if (block <= 0 || block >= blocksCount) {
            check(block, what + " " + ino);
        }
        writeBytes(block * blockSize, data.array());
    }

    void write(long block, ByteBuffer data, String what) throws FsException {
        check(block, what);
        writeBytes(block * blockSize, data.array());
    }

    void writeBytes(long offset, byte[] data) throws FsException {
        writeBytes(offset, data, 0, data.length);
    }

    /** Stores {@code len} bytes of {@code data} from {@code from} at device offset {@code offset}. */
    void writeBytes(long offset, byte[] data, int from, int len) throws FsException {
        if (deferredLow < 0) {
            device.store(offset, MemorySegment.ofArray(data), from, len);
            return;
        }
        // Through the device's own window, with no write-back yet: barrier() writes back the whole range.
        long page = offset / DaxDevice.PAGE_SIZE;
        DaxWindow w = device.directAccess(page, (offset + len - 1) / DaxDevice.PAGE_SIZE - page + 1, DaxAccessMode.ACCESS);
        if (w.deviceOffset() + w.pages() * DaxDevice.PAGE_SIZE < offset + len) {
            device.store(offset, MemorySegment.ofArray(data), from, len);
            return;
        }
        MemorySegment.copy(MemorySegment.ofArray(data), from, w.segment(), offset - w.deviceOffset(), len);
        deferredLow = Math.min(deferredLow, offset);
        deferredHigh = Math.max(deferredHigh, offset + len);
    }

    /**
     * mkfs writes as mke2fs writes a disk: its many small stores (bitmaps, descriptor copies) get no
     * write-back each — on an image mapped without MAP_SYNC a write-back is an msync, a synchronous
     * flush of the file — and {@link #barrier()} writes back everything at once. On persistent
     * memory, where write-back is per cache line, or with bad sectors, stores stay as they are.
     */
    void deferWriteBack() {
        if (!device.info().persistent() && device.badBlocks().isEmpty()) {
            deferredLow = Long.MAX_VALUE;
        }
    }

    byte[] readBytes(long offset, int len) throws FsException {
        byte[] b = new byte[len];
        device.load(offset, MemorySegment.ofArray(b), 0, len);
        return b;
    }

    void zero(long block) throws FsException {
        check(block, "zeroing");
        device.zero(block * blockSize, blockSize);
    }

    void barrier() throws FsException {
        if (deferredLow >= 0 && deferredHigh > deferredLow) {
            device.flush(deferredLow, deferredHigh - deferredLow);
            deferredLow = Long.MAX_VALUE;
            deferredHigh = -1;
        }
        device.fence();
    }

    /** Entry {@code index} of a block of 32-bit little-endian pointers. */
    long readU32(long block, int index) throws FsException {
        check(block, "indirect block");
        byte[] b = new byte[4];
        device.load(block * blockSize + index * 4L, MemorySegment.ofArray(b), 0, 4);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    }

    /** Entries {@code [from, from + count)} of a block of 32-bit pointers. */
    long[] readU32s(long block, int from, int count) throws FsException {
        check(block, "indirect block");
        byte[] b = new byte[count * 4];
        device.load(block * blockSize + from * 4L, MemorySegment.ofArray(b), 0, b.length);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = bb.getInt(i * 4) & 0xffffffffL;
        }
        return out;
    }
}
