package dev.jdax.nio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * {@code FileChannel.map} on a jdax file, with the JDK's argument rules: the DAX mapping of the
 * file's pages as the JDK's own mapped segment (the driver places the pages into a range the JDK
 * mapped), and the old {@link MappedByteBuffer} form as that segment's buffer in an automatic
 * arena, unmapped when the buffer becomes unreachable as the JDK's buffers are.
 */
final class ChannelMaps {
    private static final long PAGE = 4096;

    private ChannelMaps() {
    }

    /**
     * The file's pages under {@code [offset, offset + size)}: the device's memory for blocks, the
     * zero page for holes (READ_ONLY), no page (an access raises InternalError, the JVM's SIGBUS)
     * for a poisoned page or one beyond EOF. As {@code FileChannelImpl.map}, a file shorter than the
     * range grows to it when the channel is writable and is an IOException otherwise. READ_WRITE
     * faults every page for writing (which allocates) and makes that allocation durable at once,
     * as a MAP_SYNC write fault does, so that {@code force()} of the segment (msync of its range)
     * is all a program needs for its stores.
     */
    static MemorySegment segment(OpenFile file, boolean writableChannel, MapMode mode, long offset, long size,
                                 Arena arena) throws IOException, FsException {
        Objects.requireNonNull(mode, "Mode is null");
        Objects.requireNonNull(arena, "Arena is null");
        if (offset < 0) {
            throw new IllegalArgumentException("Requested bytes offset must be >= 0.");
        }
        if (size < 0) {
            throw new IllegalArgumentException("Requested bytes size must be >= 0.");
        }
        if (offset + size < 0) {
            throw new IllegalArgumentException("Position + size overflow");
        }
        if (mode != MapMode.READ_ONLY && !writableChannel) {
            throw new NonWritableChannelException();
        }
        if (!OpenFlags.readable(file.flags())) {
            throw new NonReadableChannelException();
        }
        if (mode == MapMode.PRIVATE) {
            throw new UnsupportedOperationException("private (copy-on-write) mappings are not emulated on jdax");
        }
        boolean write = mode == MapMode.READ_WRITE;
        if (mode != MapMode.READ_ONLY && !write) {
            throw new UnsupportedOperationException("map mode " + mode + " is not supported on jdax");
        }
        if (file.size() < offset + size) {
            if (!writableChannel) {
                throw new IOException("Channel not open for writing - cannot extend file to required size");
            }
            file.truncate(offset + size);
        }
        if (size == 0) {
            return emptyMapping(mode, arena);
        }
        long inPage = offset % PAGE;
        long start = offset - inPage;
        FileMapping m = mapSync(file, start, size + inPage, write);
        MemorySegment view;
        try {
            view = m.view(0, size + inPage, arena).asSlice(inPage, size);
        } catch (FsException | RuntimeException e) {
            m.close(); // no view holds it: munmap, as a failed mmap leaves nothing behind
            throw e;
        }
        if (write && (m.flags() & FileMapping.MAP_SYNC) == 0) {
            // Without MAP_SYNC (ext2, a device that is not persistent) the blocks the faults
            // allocated become durable here, as MAP_SYNC's faults would have made them.
            file.fsync(true);
        }
        return view;
    }

    /** MAP_SHARED_VALIDATE | MAP_SYNC for writing where the personality and the device grant it, else MAP_SHARED. */
    private static FileMapping mapSync(OpenFile file, long offset, long length, boolean write) throws FsException {
        int prot = FileMapping.PROT_READ | (write ? FileMapping.PROT_WRITE : 0);
        if (write) {
            try {
                return file.mmap(offset, length, prot, FileMapping.MAP_SHARED_VALIDATE | FileMapping.MAP_SYNC);
            } catch (FsException e) {
                if (e.errno() != Errno.EOPNOTSUPP) {
                    throw e;
                }
            }
        }
        return file.mmap(offset, length, prot, FileMapping.MAP_SHARED);
    }

    /**
     * A mapping of no bytes is the JDK's empty mapped segment, which maps nothing: the JDK makes it
     * for any file, so /dev/null serves.
     */
    static MemorySegment emptyMapping(MapMode mode, Arena arena) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(Path.of("/dev/null"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return ch.map(mode, 0, 0, arena);
        }
    }

    /**
     * {@code map(mode, position, size)}: the segment's buffer, in an automatic arena, so the range is
     * unmapped once the buffer is unreachable, as the JDK's mapped buffers are.
     */
    static MappedByteBuffer buffer(OpenFile file, boolean writableChannel, MapMode mode, long position, long size)
            throws IOException, FsException {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Size exceeds Integer.MAX_VALUE");
        }
        return (MappedByteBuffer) segment(file, writableChannel, mode, position, size, Arena.ofAuto()).asByteBuffer();
    }
}
