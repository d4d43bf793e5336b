package dev.jdax.bench;

import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.pmem.PmemDevices;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The physical limit here: the device's memory without a file system. Reads are
 * {@code MemorySegment.copy} from it; writes are the device's own {@link DaxDevice#storeData}, the
 * store every file system's data write ends in — around the cache where the device stores so
 * (libpmem's non-temporal copy: 4 KiB writes 1.2 times, 1 MiB writes 2.5 times as fast as a copy
 * through the cache here), so a ratio leaves what the file system adds, not which copy it makes.
 */
final class RawTarget implements Target {
    private final DaxDevice device;
    /** Whether closing this target closes the device. */
    private final boolean owned;
    private final MemorySegment memory;

    RawTarget(long size) throws IOException {
        this(PmemDevices.memory(size), size, true);
    }

    /**
     * {@code devraw:TYPE}: raw transfers over the first {@code size} bytes of a personality's own
     * device, after its file of {@code size} bytes was written: the same memory (and its page tables)
     * a file system target copies from, so a difference between two devices' memory is not taken
     * for the file system's cost. Its writes land on the metadata there too, so the file system
     * is dropped unmounted at close (this target closes the device).
     */
    RawTarget(FsTarget fs, long size) throws IOException {
        this(fs.device(), size, true);
    }

    /** Raw transfers over {@code device}'s whole memory; its owner closes it. */
    RawTarget(DaxDevice device) throws IOException {
        this(device, device.size(), false);
    }

    private RawTarget(DaxDevice device, long size, boolean owned) throws IOException {
        this.device = device;
        this.owned = owned;
        memory = device.directAccess(0, size / DaxDevice.PAGE_SIZE, DaxAccessMode.ACCESS).segment();
    }

    @Override
    public void read(long pos, MemorySegment dst) {
        MemorySegment.copy(memory, pos, dst, 0, dst.byteSize());
    }

    @Override
    public void write(long pos, MemorySegment src) throws IOException {
        device.storeData(pos, src, 0, src.byteSize());
    }

    @Override
    public void truncate(long size) {
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            device.close(); // for devraw: the file system's device, its metadata overwritten: never unmounted
        }
    }
}
