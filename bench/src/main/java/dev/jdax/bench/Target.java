package dev.jdax.bench;


import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * What a benchmark reads and writes: one file of a personality, or a peer measured in the same run
 * (raw device memory, FileChannel on /dev/shm, Jimfs). IoBench's personalities are FileChannels of
 * jdax's provider, as a program uses them; the other benchmarks use the mounted file system directly.
 */
interface Target extends AutoCloseable {
    /** Reads {@code dst.byteSize()} bytes at {@code pos}. */
    void read(long pos, MemorySegment dst) throws IOException;

    /** Writes {@code src} at {@code pos}. */
    void write(long pos, MemorySegment src) throws IOException;

    /** Truncates to {@code size} (the append benchmark starts each iteration from empty). */
    void truncate(long size) throws IOException;

    @Override
    void close() throws IOException;

    /**
     * {@code raw}, {@code lockedraw} (raw copies each under a lock: {@link LockedRawTarget}),
     * {@code shm}, {@code jimfs}, or a personality with optional mount options
     * ({@code ext4:dioread_nolock}) through java.nio.file, or {@code vfs:ext4} through the mounted
     * {@code FileSystem}'s {@code OpenFile} (to tell the provider's cost from the engine's), or
     * {@code devraw:ext4}, raw copies over that personality's device memory (to tell the memory's);
     * the file is {@code size} bytes, written once so reads and overwrites meet allocated blocks
     * (and raw memory meets its pages).
     */
    static Target open(String name, long size) throws IOException {
        Target t = switch (name) {
            case "raw" -> new RawTarget(size);
            case "lockedraw" -> new LockedRawTarget(size);
            case "shm" -> new ChannelTarget(ChannelTarget.shmFile(), null);
            case "jimfs" -> ChannelTarget.jimfs();
            // devraw:ext4 — raw copies over the memory of ext4's device, its file written first
            case String n when n.startsWith("devraw:") -> {
                FsTarget fs = FsTarget.open(n.substring(7), size);
                fill(fs, size);
                yield new RawTarget(fs, size);
            }
            // vfs:ext4 — the mounted file system's OpenFile, without java.nio.file (what the provider adds)
            default -> name.startsWith("vfs:") ? FsTarget.open(name.substring(4), size) : ChannelTarget.jdax(name, size);
        };
        // Raw memory too: pages never written may all be one zero page (a read would hit one cached
        // page), and the first write of each would pay the kernel's page fault.
        fill(t, size);
        return t;
    }

    static void fill(Target t, long size) throws IOException {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(1 << 20);
            chunk.fill((byte) 0x5a);
            for (long pos = 0; pos < size; pos += chunk.byteSize()) {
                t.write(pos, chunk.asSlice(0, Math.min(chunk.byteSize(), size - pos)));
            }
        }
    }

}
