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
        device.close();
    }
}
