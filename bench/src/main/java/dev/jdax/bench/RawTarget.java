package dev.jdax.bench;

import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.pmem.PmemDevices;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** The physical limit here: {@code MemorySegment.copy} to and from the device's own memory, no file system. */
final class RawTarget implements Target {
    private final DaxDevice device;
    private final MemorySegment memory;

    RawTarget(long size) throws IOException {
        device = PmemDevices.memory(size);
        memory = device.directAccess(0, size / DaxDevice.PAGE_SIZE, DaxAccessMode.ACCESS).segment();
    }

    /**
     * {@code devraw:TYPE}: raw copies over the first {@code size} bytes of a personality's own device,
     * after its file of {@code size} bytes was written: the same memory (and its page tables) a
     * file system target copies from, so a difference between two devices' memory is not taken
     * for the file system's cost. Its writes land on the metadata there too, so the file system
     * is dropped unmounted at close.
     */
    RawTarget(FsTarget fs, long size) throws IOException {
        device = fs.device();
        memory = device.directAccess(0, size / DaxDevice.PAGE_SIZE, DaxAccessMode.ACCESS).segment();
    }

    /** Raw copies over {@code memory}, a device's that its owner closes (the positions are the memory's). */
    RawTarget(MemorySegment memory) {
        device = null;
        this.memory = memory;
    }

    @Override
    public void read(long pos, MemorySegment dst) {
        MemorySegment.copy(memory, pos, dst, 0, dst.byteSize());
    }

    @Override
    public void write(long pos, MemorySegment src) {
        MemorySegment.copy(src, 0, memory, pos, src.byteSize());
    }

    @Override
    public void truncate(long size) {
    }

    @Override
    public void close() throws IOException {
        if (device != null) {
            device.close(); // for devraw: the file system's device, its metadata overwritten: never unmounted
        }
    }
}
