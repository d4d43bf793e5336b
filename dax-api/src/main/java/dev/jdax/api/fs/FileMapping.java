package dev.jdax.api.fs;

import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;

/**
 * A mapping of a file made by {@link OpenFile#mmap}: Linux's {@code mmap(fd, off, len, prot, flags)}
 * on a DAX file. Loads and stores through it fault a page (or a 2 MiB PMD) at a time, exactly as the
 * kernel's DAX fault handler would: a read fault on a hole maps the shared zero page, a write fault
 * allocates. Pages are the device's own memory; nothing is copied on the mapped path.
 *
 * <p>Offsets are relative to the start of the mapping. A load or store the kernel would answer with
 * a signal throws {@link dev.jdax.api.SigBusException} (page beyond EOF, poisoned page, failed
 * allocation) or {@link dev.jdax.api.SigSegvException} (store to a read-only mapping, outside it).
 */
public interface FileMapping extends AutoCloseable {
    /** {@code PROT_NONE}: no access. */
    int PROT_NONE = 0;
    /** {@code PROT_READ}: loads allowed. */
    int PROT_READ = 1;
    /** {@code PROT_WRITE}: stores allowed. */
    int PROT_WRITE = 2;

    /** {@code MAP_SHARED}: stores reach the file. */
    int MAP_SHARED = 0x01;
    /** {@code MAP_PRIVATE}: copy on write, stores stay in the mapping. */
    int MAP_PRIVATE = 0x02;
    /** {@code MAP_SHARED_VALIDATE}: MAP_SHARED that refuses flags it does not know (needed for MAP_SYNC). */
    int MAP_SHARED_VALIDATE = 0x03;
    /** The bits that hold the mapping type (one of the three above). */
    int MAP_TYPE = 0x0f;
    /** {@code MAP_POPULATE}: fault every page in at mmap time. */
    int MAP_POPULATE = 0x8000;
    /** {@code MAP_SYNC}: metadata durable before a write fault returns; EOPNOTSUPP where not DAX. */
    int MAP_SYNC = 0x80000;

    /** The file offset the mapping starts at. */
    long fileOffset();

    /** The mapping's length in bytes. */
    long length();

    /** The {@code PROT_*} bits it was made with. */
    int prot();

    /** The {@code MAP_*} flags it was made with. */
    int flags();

    /** The emulated virtual address of the mapping's first byte (what SIGBUS reports). */
    long address();

    /** Loads one byte, faulting its page in as a load would. */
    byte getByte(long offset);

    /** Stores one byte, faulting its page in for writing as a store would. */
    void putByte(long offset, byte value);

    /** Loads {@code length} bytes into {@code dst} (xfs_io {@code mread}). */
    void read(long offset, MemorySegment dst, long dstOffset, long length);

    /** Stores {@code length} bytes from {@code src} (xfs_io {@code mwrite}). */
    void write(long offset, MemorySegment src, long srcOffset, long length);

    /**
     * Faults the page under {@code offset} (for writing when {@code write}) and returns the memory it
     * maps: a page, a 2 MiB PMD, or the read-only zero page, starting at the page boundary. Loads and
     * stores through it are plain memory accesses, as after a fault in a real process.
     */
    MemorySegment faultIn(long offset, boolean write);

    /**
     * The range {@code [offset, offset + length)} as one segment of the device's own memory: every page
     * is faulted in (for writing when the mapping is writable, which allocates), and the answer exists
     * only when the pages are contiguous on the device (one extent under the range). EOPNOTSUPP
     * otherwise — a hole over several pages (the zero page repeats) or blocks in several places.
     */
    default MemorySegment segment(long offset, long length) throws FsException {
        throw FsException.of(dev.jdax.api.Errno.EOPNOTSUPP, "this mapping cannot be one segment");
    }

    /**
     * The range {@code [offset, offset + length)} as device memory mapped into a view of its own
     * ({@link dev.jdax.api.DaxDevice#mapPages}), page for page as the kernel's page tables would have
     * it after faulting every page: the file's blocks, the zero page over holes (read-only mappings),
     * and no page where a fault would raise SIGBUS (poisoned, beyond EOF, allocation failed), whose
     * access raises the JVM's InternalError. Writable mappings fault every page for writing, which
     * allocates. Truncate, punch and writes into holes take the pages they change out of the view
     * (they fault from then on; Linux would fault them in again, a Java segment cannot be faulted
     * lazily). The view lives until {@code arena} closes, which closes this mapping too. Where the
     * device cannot map its pages twice, the contiguous {@link #segment} is the answer.
     *
     * @param offset where the view starts in the mapping, page aligned in the file
     * @param length the view's length in bytes
     * @param arena the view's lifetime
     * @return the view
     * @throws FsException EINVAL for a bad range; EOPNOTSUPP as {@link #segment} on devices without views
     */
    default MemorySegment view(long offset, long length, java.lang.foreign.Arena arena) throws FsException {
        return segment(offset, length);
    }

    /** {@code msync(MS_SYNC)}: writes back the dirty pages of the range and commits what MAP_SYNC promised. */
    void msync(long offset, long length) throws FsException;

    /** {@code munmap}: later accesses throw {@link dev.jdax.api.SigSegvException}. */
    @Override
    void close();
}
