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
    /** Metadata written since the last commit, by block: what reads see, what the journal logs. */
    private final java.util.LinkedHashMap<Long, byte[]> dirty = new java.util.LinkedHashMap<>();
    private boolean buffering;

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

    /** From now on metadata writes are kept for {@link #takeDirty} (the journal) instead of going in place. */
    void bufferWrites() {
        buffering = true;
    }

    /** The blocks written since the last call, in the order first written; the buffer is emptied. */
    java.util.Map<Long, byte[]> takeDirty() {
        var out = new java.util.LinkedHashMap<>(dirty);
        dirty.clear();
        return out;
    }

    private byte[] current(long block) throws FsException {
        byte[] d = dirty.get(block);
        if (d != null) {
            return d.clone();
        }
        byte[] b = new byte[bs];
        device.load(block * bs, MemorySegment.ofArray(b), 0, bs);
        return b;
    }

    ByteBuffer read(long block, String what) throws FsException {
        check(block, what);
        return ByteBuffer.wrap(current(block)).order(ByteOrder.LITTLE_ENDIAN);
    }

    void write(long block, ByteBuffer data, String what) throws FsException {
        check(block, what);
        if (buffering) {
            dirty.put(block, data.array().clone());
        } else {
            device.store(block * bs, MemorySegment.ofArray(data.array()), 0, bs);
        }
    }

    byte[] readBytes(long off, int len) throws FsException {
        byte[] out = new byte[len];
        for (int done = 0; done < len; ) {
            long block = (off + done) / bs;
            int in = (int) ((off + done) % bs);
            int n = Math.min(len - done, bs - in);
            System.arraycopy(current(block), in, out, done, n);
            done += n;
        }
        return out;
    }

    void writeBytes(long off, byte[] b) throws FsException {
        if (!buffering) {
            device.store(off, MemorySegment.ofArray(b), 0, b.length);
            return;
        }
        for (int done = 0; done < b.length; ) {
            long block = (off + done) / bs;
            int in = (int) ((off + done) % bs);
            int n = Math.min(b.length - done, bs - in);
            byte[] cur = current(block);
            System.arraycopy(b, done, cur, in, n);
            dirty.put(block, cur);
            done += n;
        }
    }

    void zero(long block, long count) throws FsException {
        check(block, "zeroing");
        check(block + count - 1, "zeroing");
        device.zero(block * bs, count * bs);
    }
}
