package dev.jdax.api.fs;

import dev.jdax.api.Errno;
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

    /** {@code MADV_NORMAL}: no special treatment (readahead advice, which DAX has no use for). */
    int MADV_NORMAL = 0;
    /** {@code MADV_RANDOM}: expect random access (readahead advice). */
    int MADV_RANDOM = 1;
    /** {@code MADV_SEQUENTIAL}: expect sequential access (readahead advice). */
    int MADV_SEQUENTIAL = 2;
    /** {@code MADV_WILLNEED}: expect access soon; Linux ignores it for DAX files ({@code madvise_willneed}). */
    int MADV_WILLNEED = 3;
    /** {@code MADV_DONTNEED}: drop the page-table entries of the range; the next access faults again. */
    int MADV_DONTNEED = 4;

    /** {@code MREMAP_MAYMOVE}: the mapping may move to a new address to grow. */
    int MREMAP_MAYMOVE = 1;
    /** {@code MREMAP_FIXED}: move to the address given (needs MREMAP_MAYMOVE). */
    int MREMAP_FIXED = 2;

    /**
     * do_mmap's first checks, before the file's own {@code ->mmap}: the type must be one of the three
     * (EINVAL), and the descriptor must be open for reading, and for writing too when a shared
     * mapping may store (EACCES).
     *
     * @param ino the inode, for the message
     * @param prot the {@code PROT_*} bits asked for
     * @param flags the {@code MAP_*} flags asked for
     * @param openFlags the open file's {@link OpenFlags}
     * @throws FsException EINVAL or EACCES
     */
    static void checkTypeAndAccess(long ino, int prot, int flags, int openFlags) throws FsException {
        int type = flags & MAP_TYPE;
        if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE && type != MAP_PRIVATE) {
            throw FsException.of(Errno.EINVAL, "inode %d: mmap type 0x%x", ino, type);
        }
        if (!OpenFlags.readable(openFlags) || ((prot & PROT_WRITE) != 0 && type != MAP_PRIVATE && !OpenFlags.writable(openFlags))) {
            throw FsException.of(Errno.EACCES, "inode %d: mmap with prot 0x%x of a file open 0%o", ino, prot, openFlags);
        }
    }

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
     * The range {@code [offset, offset + length)} as device memory mapped into a view of its own
     * ({@link dev.jdax.api.DaxDevice#mapPages}), page for page as the kernel's page tables would have
     * it after faulting every page: the file's blocks, the zero page over holes (read-only mappings),
     * and no page where a fault would raise SIGBUS (poisoned, beyond EOF, allocation failed), whose
     * access raises the JVM's InternalError. Writable mappings fault every page for writing, which
     * allocates. The view follows the file as a refault would: a write that allocates under a zero
     * page maps the new block at the same address; truncate, punch, collapse and insert map what
     * the file then holds in read-only views, and take changed pages out of writable views (they
     * raise InternalError from then on: a store there would have to allocate, which a Java segment
     * cannot do lazily). The view lives until {@code arena} closes, which closes this mapping too.
     *
     * @param offset where the view starts in the mapping, page aligned in the file
     * @param length the view's length in bytes
     * @param arena the view's lifetime
     * @return the view
     * @throws FsException EINVAL for a bad range; EOPNOTSUPP on a device that cannot map its pages a
     *                     second time ({@code /dev/dax}, the crash-simulating device)
     */
    MemorySegment view(long offset, long length, java.lang.foreign.Arena arena) throws FsException;

    /**
     * Runs {@code action} once, when the mapping is unmapped ({@link #close}, or the arena of a view
     * closing): how the VFS learns that the mapping no longer holds the file's inode. Runs at once
     * when the mapping is unmapped already.
     *
     * @param action what to run
     */
    void onClose(Runnable action);

    /**
     * {@code msync(MS_SYNC)}: writes back the dirty pages of the range and commits what MAP_SYNC promised.
     *
     * @param offset where the range starts in the mapping, page aligned in the file
     * @param length the range's length
     * @throws FsException EINVAL for an unaligned start; ENOMEM for a range beyond the mapping or a
     *                     mapping unmapped; what the commit met
     */
    void msync(long offset, long length) throws FsException;

    /**
     * {@code mincore}: which pages of {@code [offset, offset + length)} this mapping has a page-table
     * entry for — faulted in, and not dropped since by {@code MADV_DONTNEED}, truncate or punch. A
     * DAX file has no page cache, so, as on Linux, a page another mapping faulted, or that read()
     * copied, does not count. (For a file without DAX Linux also counts the page cache's pages;
     * jdax has no page cache and counts the mapping's own entries there too.)
     *
     * @param offset where the range starts in the mapping, page aligned in the file
     * @param length the range's length; a last partial page counts as a page
     * @return bit {@code i} set when the range's page {@code i} is resident
     * @throws FsException EINVAL for an unaligned start; ENOMEM for a range beyond the mapping or a
     *                     mapping unmapped
     */
    java.util.BitSet mincore(long offset, long length) throws FsException;

    /**
     * {@code madvise}: {@link #MADV_DONTNEED} drops the page-table entries of the range (a 2 MiB
     * entry goes whole, as Linux clears a DAX PMD it would have to split), the file keeps its data
     * and the next access faults again; the other advice changes nothing on a DAX file.
     *
     * @param offset where the range starts in the mapping, page aligned in the file
     * @param length the range's length
     * @param advice one of the {@code MADV_*} values
     * @throws FsException EINVAL for other advice or an unaligned start; ENOMEM for a range beyond
     *                     the mapping or a mapping unmapped
     */
    void madvise(long offset, long length, int advice) throws FsException;

    /**
     * {@code mremap}: the mapping becomes {@code newLength} long. Shrinking drops the entries past the
     * new end; growing keeps the address while the address space after the mapping is free, moves
     * with {@link #MREMAP_MAYMOVE} when it is not (the entries move along) and fails with ENOMEM
     * without it; {@link #MREMAP_FIXED} moves it to {@code newAddress}. Pages past EOF raise SIGBUS
     * as in any mapping.
     *
     * @param newLength the new length in bytes
     * @param flags {@link #MREMAP_MAYMOVE}, {@link #MREMAP_FIXED} or 0
     * @param newAddress the address for {@link #MREMAP_FIXED}; ignored otherwise
     * @throws FsException EINVAL for a zero length, unknown flags, FIXED without MAYMOVE or an
     *                     unaligned address; ENOMEM when it cannot grow in place; EFAULT when unmapped
     */
    void mremap(long newLength, int flags, long newAddress) throws FsException;

    /** {@code munmap}: later accesses throw {@link dev.jdax.api.SigSegvException}. */
    @Override
    void close();
}
