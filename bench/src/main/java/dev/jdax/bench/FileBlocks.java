package dev.jdax.bench;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

import java.io.IOException;
import java.util.List;

/**
 * Where a jdax file's blocks are in its device's memory, and raw transfers over them (copies out,
 * the device's own stores in: {@link RawTarget}): the base of the 4 KiB transfer goals. Raw copies
 * over a device of their own read that device's pages, and two devices' pages are not equally fast
 * here: sequential 4 KiB reads of one 256 MiB file's blocks ran
 * 1.09-1.11x raw copies of another device (ext4, four runs), random ones 0.80-1.37x from one slice
 * to the next, and a lock around raw copies of another device's pages seemed to cost random reads
 * 22% where beside the same pages it costs 2%. Beside copies of the same pages, what a ratio leaves
 * is what the file system adds.
 *
 * <p>The copies' positions are the device's: {@link #toDevice} turns the file's positions into them
 * once, so a copy costs what a raw copy costs and nothing is looked up per transfer. Their writes
 * land in the file's own blocks, which the file system takes for the file's data.
 *
 * @param raw     raw copies over the device's whole memory (closing them leaves the device open)
 * @param extents the file's extents
 */
record FileBlocks(RawTarget raw, List<FiemapExtent> extents) {
    /** The blocks of {@code path} ({@code size} bytes, every one written) on the mounted {@code fs}. */
    static FileBlocks of(FileSystem fs, String path, long size) throws IOException {
        List<FiemapExtent> extents;
        try (OpenFile f = fs.open(path, OpenFlags.O_RDONLY)) {
            extents = f.fiemap(0, size);
        }
        DaxDevice device = fs.device();
        return new FileBlocks(new RawTarget(device), List.copyOf(extents));
    }

    /**
     * The device positions of transfers of {@code ioSize} bytes at the file's {@code offsets}.
     *
     * @throws IllegalArgumentException where a transfer's bytes are not in one extent of the file
     */
    long[] toDevice(long[] offsets, int ioSize) {
        long[] out = new long[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            out[i] = toDevice(offsets[i], ioSize);
        }
        return out;
    }

    private long toDevice(long pos, int ioSize) {
        for (FiemapExtent e : extents) {
            if (pos >= e.logical() && pos + ioSize <= e.logical() + e.length()) {
                return e.physical() + pos - e.logical();
            }
        }
        throw new IllegalArgumentException("file bytes [" + pos + ", " + (pos + ioSize) + ") are not in one extent of " + extents);
    }
}
