package dev.jdax.pmem;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Ranges of virtual memory that the JDK maps itself, so that the segment over them is the JDK's
 * own mapped segment ({@code isMapped()}, {@code load()}, {@code isLoaded()}, {@code unload()},
 * {@code force()}, and {@code munmap} when its arena closes). The JDK maps a sparse memfd, reached
 * as {@code /proc/self/fd/N} like any file; a view then replaces every page of the range with
 * {@code MAP_FIXED} before anyone can touch it, so the memfd's own pages are never allocated.
 * {@code force()} is then {@code msync} of whatever the range maps, which the kernel answers for
 * each piece: the image file's pages are written back (what msync of a DAX file does), the zero
 * page and the empty file have nothing to write.
 */
final class JdkMappedRange {
    /** The memfd behind every range, opened read-write so the JDK extends it as ranges grow. */
    private static FileChannel backing;

    private JdkMappedRange() {
    }

    /**
     * A JDK mapping of {@code length} bytes, read-only unless {@code writable}, unmapped by the JDK
     * when {@code arena} closes.
     */
    static MemorySegment map(String device, long length, boolean writable, Arena arena) throws FsException {
        try {
            return channel(device).map(writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY,
                    0, length, arena);
        } catch (IOException | UnsupportedOperationException e) {
            throw FsException.of(Errno.ENOMEM, "%s: the JDK's mapping of %d bytes for a view: %s", device, length,
                    e.getMessage());
        }
    }

    private static synchronized FileChannel channel(String device) throws FsException {
        if (backing == null) {
            Libc.Result fd = Libc.memfdCreate("jdax-view-range");
            if (fd.failed()) {
                Errno e = Errno.ofNumber(fd.errno());
                throw FsException.of(Errno.EOPNOTSUPP, "%s: memfd_create for view ranges: %s", device,
                        e == null ? "errno " + fd.errno() : e.name());
            }
            try {
                backing = FileChannel.open(Path.of("/proc/self/fd/" + fd.value()), StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
            } catch (IOException | RuntimeException e) {
                throw FsException.of(Errno.EOPNOTSUPP, "%s: the memfd for view ranges cannot be opened again "
                        + "through /proc/self/fd: %s", device, e.getMessage());
            } finally {
                // The channel holds its own descriptor of the memfd.
                Libc.close((int) fd.value());
            }
        }
        return backing;
    }
}
