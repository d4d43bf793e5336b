package dev.jdax.iomap;

import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The data path of {@code dax_iomap_rw}: one iomap at a time, bytes copied straight between the
 * caller's buffer and the device's memory. Holes and unwritten extents read as zeros; a write's new
 * blocks are zeroed where the write does not cover them; a media error ends the copy as Linux 6.1's
 * {@code dax_iomap_iter} does.
 */
final class DaxIo {
    private DaxIo() {
    }

    /** Bytes done when some were, else the error that stopped the first ({@code dax_iomap_rw}'s answer). */
    private static long done(long bytes, FsException error) throws FsException {
        if (bytes == 0) {
            throw error;
        }
        return bytes;
    }

    /**
     * Reads {@code [pos, end)} (already clipped at EOF, which is {@code size}) into {@code dst} from
     * {@code dstBase} on: through the answers the file's {@link MappingCache} keeps, asking the
     * personality (to EOF, so the answer can serve what follows) only where it has none.
     *
     * @return the bytes read: all of them, or those before an error (which is thrown when there are none)
     */
    static long read(AddressSpace space, long pos, long end, long size, MemorySegment dst, long dstBase)
            throws FsException {
        long cur = pos;
        try {
            RunHint h = hint(space, space.mapGeneration(), pos, end);
            if (h != null) {
                copy(h.memory(), h.base() + pos, dst, dstBase, end - pos);
                return end - pos;
            }
            while (cur < end) {
                Iomap map = space.cache().at(cur);
                if (map != null) {
                    long n = Math.min(map.end(), end) - cur;
                    copyOut(space, map, cur, dst, dstBase + cur - pos, n);
                    cur += n;
                } else {
                    cur += readMapping(space, cur, end, size, dst, dstBase + cur - pos);
                }
            }
            return cur - pos;
        } catch (FsException e) {
            return done(cur - pos, e);
        } catch (IllegalStateException closed) {
            if (!dst.scope().isAlive()) {
                throw closed; // the caller's buffer, as the JDK's channels say it
            }
            // The clean memory's window went with the device's close (a copy through the device says so itself).
            return done(cur - pos, FsException.of(Errno.EBADF, "%s: device is closed", space.mount().device().name()));
        }
    }

    /**
     * A read without the I/O lock (under its stamp, validated by the caller): {@code [pos, end)}
     * clipped at EOF, copied through the answers kept and the clean memory only. {@return the bytes
     * read (at least 0), or, when that cannot serve it, the complement ({@code ~n}, negative) of how
     * many bytes of {@code dst} it stored into before it gave up} (at or beyond EOF, an answer not
     * kept, inline data, a device with bad sectors, a block map changed meanwhile): such a read
     * takes the lock and the whole path, and the caller clears what a stale attempt left past what
     * that read returns.
     */
    static long readKept(AddressSpace space, long pos, long end, MemorySegment dst, long dstBase) {
        long generation = space.mapGeneration();
        long size = space.size();
        if (pos >= size) {
            return ~0L;
        }
        long last = Math.min(end, size);
        RunHint h = hint(space, generation, pos, last);
        try {
            if (h != null) {
                copy(h.memory(), h.base() + pos, dst, dstBase, last - pos);
            } else {
                long stopped = copyKeptRuns(space, generation, pos, last, dst, dstBase);
                if (stopped < 0) {
                    return stopped;
                }
            }
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            return ~(last - pos); // a stale answer or a closed device: the locked read says what is true
        }
        // A block map changed meanwhile by anything but a writer (a write fault's allocation, the
        // personality on its own) leaves answers this read may have used stale: read again.
        return space.mapGeneration() == generation ? last - pos : ~(last - pos);
    }

    /**
     * The hint that serves a read or an overwrite of {@code [pos, last)} in block-map state
     * {@code generation}: the file's, or the kept answer's; null when no one kept answer maps the
     * whole range to clean memory. The kept answer's becomes the file's when a reader or writer
     * moves on to the next run or back to the first (sequential transfers, and their next pass), or
     * the file's is stale; not when transfers jump between runs: readers of one file at random would
     * each write the field every other read, and take its line from each other (two readers of an
     * ext2 file of 67 runs: 1.58-1.85x one reader where they had made 2.07-2.13x).
     *
     * <p>The chunks' hints ({@link RunDirectory}) are asked first, for every transfer: the file's hint
     * serves transfers at random places seldom, and a branch on it, mispredicted between one copy
     * and the next, cost random 4 KiB reads 0.08-0.19x of raw copies and random overwrites
     * 0.03-0.06x. Sequential 4 KiB reads pay for it: a load more on the way to each copy, about
     * 0.05x. Asking first the one or the other by the file's access pattern (sampled as Linux's
     * readahead samples it) lost more than either: after sequential reads the compiler had made the
     * chunks' path a cold one, and random reads that followed ran at 0.70-0.73x where alone they
     * ran at 0.87x (docs/PERFORMANCE.md).
     */
    private static RunHint hint(AddressSpace space, long generation, long pos, long last) {
        RunHint c = space.chunkHint(generation, pos, last);
        if (c != null) {
            return c;
        }
        RunHint h = space.runHint();
        if (h != null && h.serves(generation, pos, last)) {
            return h;
        }
        return anotherRun(space, generation, pos, last, h);
    }

    /** {@link #hint} when neither the chunks' nor the file's hint serves: the table's, kept as the file's when it may serve next. */
    private static RunHint anotherRun(AddressSpace space, long generation, long pos, long last, RunHint h) {
        RunHint next = space.cache().hint(pos, last, generation);
        if (next != null && (h == null || h.generation() != generation || next.start() == h.end() || next.start() == 0)) {
            space.runHint(next);
        }
        return next;
    }

    /**
     * {@link #readKept}'s copy of {@code [pos, last)} (inside EOF) through several kept answers, or
     * holes: {@return 0 when all of it was copied, else the complement of how many bytes were}
     */
    private static long copyKeptRuns(AddressSpace space, long generation, long pos, long last, MemorySegment dst, long dstBase) {
        DaxMount mount = space.mount();
        MemorySegment clean = mount.cleanMemory();
        if (clean == null) {
            return ~0L;
        }
        MappingCache cache = space.cache();
        for (long cur = pos; cur < last; ) {
            Iomap map = cache.at(cur, generation);
            if (map == null) {
                return ~(cur - pos);
            }
            long n = Math.min(map.end(), last) - cur;
            if (map.type() == IomapType.MAPPED && map.device() == mount.device()) {
                copy(clean, map.addrOf(cur), dst, dstBase + cur - pos, n);
            } else if (map.type() == IomapType.HOLE || map.type() == IomapType.UNWRITTEN) {
                dst.asSlice(dstBase + cur - pos, n).fill((byte) 0);
            } else {
                return ~(cur - pos);
            }
            cur += n;
        }
        return 0;
    }

    /** One {@code iomap_begin} .. {@code iomap_end} of a read into {@code dst} at {@code at}; the answer is kept. */
    private static long readMapping(AddressSpace space, long cur, long end, long size, MemorySegment dst, long at)
            throws FsException {
        long generation = space.mapGeneration();
        Iomap map = space.begin(cur, Math.max(end, size) - cur, 0);
        long n = Math.min(map.end(), end) - cur;
        try {
            if (n <= 0 || map.offset() > cur) {
                throw FsException.of(Errno.EIO, "inode %d: iomap %s does not cover offset %d", space.inode().ino(), map, cur);
            }
            if (map.type() == IomapType.INLINE) {
                long got = space.ops().readInline(cur, dst.asSlice(at, n));
                if (got != n) {
                    throw FsException.of(Errno.EIO, "inode %d: %d bytes of inline data at %d, %d read",
                            space.inode().ino(), n, cur, got);
                }
            } else {
                space.cache().keep(map, generation);
                copyOut(space, map, cur, dst, at, n);
            }
        } finally {
            space.end(cur, Math.max(n, 0), Math.max(n, 0), 0, map);
        }
        return n;
    }

    /** {@code n} bytes of the file at {@code cur}, under {@code map}, into {@code dst} at {@code at}. */
    private static void copyOut(AddressSpace space, Iomap map, long cur, MemorySegment dst, long at, long n)
            throws FsException {
        if (map.type() != IomapType.MAPPED) {
            dst.asSlice(at, n).fill((byte) 0); // holes and unwritten extents read as zeros
            return;
        }
        MemorySegment clean = map.device() == space.mount().device() ? space.mount().cleanMemory() : null;
        if (clean != null) {
            copy(clean, map.addrOf(cur), dst, at, n);
        } else {
            copyFromDevice(map.device(), map.addrOf(cur), dst, at, n);
        }
    }

    private static void copyFromDevice(DaxDevice dev, long addr, MemorySegment dst, long dstOff, long n) throws FsException {
        long done = 0;
        while (done < n) {
            long a = addr + done;
            long firstPage = a / DaxDevice.PAGE_SIZE;
            long lastPage = (addr + n - 1) / DaxDevice.PAGE_SIZE;
            DaxWindow w = dev.directAccess(firstPage, lastPage - firstPage + 1, DaxAccessMode.ACCESS);
            long inWindow = Math.min(n - done, w.deviceOffset() + w.segment().byteSize() - a);
            copy(w.segment(), a - w.deviceOffset(), dst, dstOff + done, inWindow);
            done += inWindow;
        }
    }

    /**
     * Writes {@code src[srcBase, srcBase + length)} at {@code pos}: allocation through
     * {@code begin(WRITE)}, zeroing of the new blocks' uncovered parts, the copy with its flush. An
     * overwrite wholly inside EOF ({@code size}) goes straight to the blocks already there, found
     * through the file's {@link RunHint} (one run of its own blocks, the whole write inside it), in
     * the {@link MappingCache} or by a lookup without WRITE (no transaction, shared locks): nothing
     * is allocated, converted or resized there, so {@code iomap_end} would have nothing to do.
     * {@code direct} says O_DIRECT (which only the direct_io_bypass policy treats differently).
     *
     * @return the bytes written: all of them, or those before an error (which is thrown when there are none)
     */
    static long write(AddressSpace space, long pos, MemorySegment src, long srcBase, long length, long size,
                      boolean direct) throws FsException {
        long end = pos + length;
        long cur = pos;
        try {
            if (end <= size && overwroteThroughHint(space, pos, src, srcBase, length)) {
                return length;
            }
            while (cur < end) {
                Iomap blocks = end <= size ? overwritable(space, cur, size) : null;
                if (blocks != null) {
                    long n = Math.min(blocks.end(), end) - cur;
                    blocks.device().storeData(blocks.addrOf(cur), src, srcBase + cur - pos, n);
                    cur += n;
                    continue;
                }
                Iomap map = space.begin(cur, end - cur, IomapOps.WRITE | (direct ? IomapOps.DIRECT : 0));
                long n = Math.min(map.end(), end) - cur;
                long written = 0;
                // A copy on write the engine completes: faults of the range wait until the new
                // blocks are filled and remapped (the personality keeps the answer in one PMD).
                long cowPmd = map.cowPending() ? cur / DaxMount.PMD : -1;
                if (cowPmd >= 0) {
                    space.entries().lockPmd(cowPmd);
                }
                try {
                    try {
                        if (map.type() != IomapType.MAPPED || n <= 0) {
                            throw FsException.of(Errno.EIO, "inode %d: write at %d got %s", space.inode().ino(), cur, map);
                        }
                        if (map.has(Iomap.F_NEW)) {
                            zeroNew(space, map, cur, cur + n);
                        } else if (cowPmd >= 0) {
                            CowCopy.around(space, map, cur, cur + n);
                        } else if (map.has(Iomap.F_COW)) {
                            space.copiedOnWrite(map);
                        }
                        written = copyToDevice(space.mount(), map, cur, src, srcBase + cur - pos, n, direct);
                        if (cowPmd >= 0 && written < n) {
                            CowCopy.after(space, map, cur + written);
                        }
                    } finally {
                        space.end(cur, n, written, IomapOps.WRITE, map);
                    }
                    if (cowPmd >= 0 && written > 0) {
                        space.copiedOnWrite(CowCopy.reached(space, map, cur, cur + written));
                    }
                } finally {
                    if (cowPmd >= 0) {
                        space.entries().unlockPmd(cowPmd);
                    }
                }
                cur += written;
                if (written < n) {
                    break;
                }
            }
            return cur - pos;
        } catch (FsException e) {
            return done(cur - pos, e);
        }
    }

    /**
     * The data path's copies from the device's memory into a program's buffer. Through the
     * layout-taking {@code MemorySegment.copy}: the other one is compiled from a profile that every
     * caller in the JVM shapes, the metadata's small copies from and to byte arrays included, and
     * 4 KiB transfers compiled after ext4's commit thread first stored metadata ran a fifth slower
     * (docs/PERFORMANCE.md; the device's stores keep a call site of their own for the same reason).
     */
    private static void copy(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long length) {
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset, dst, ValueLayout.JAVA_BYTE, dstOffset, length);
    }

    /**
     * {@return whether {@code [pos, pos + length)} was overwritten through the file's run hint}: only
     * when the hint covers it whole and its blocks are not shared. The device stores the bytes (around
     * the cache where it is persistent memory), at the address the hint gives, without a look-up.
     */
    private static boolean overwroteThroughHint(AddressSpace space, long pos, MemorySegment src, long srcBase, long length)
            throws FsException {
        RunHint h = hint(space, space.mapGeneration(), pos, pos + length);
        if (h == null || !h.overwritable()) {
            return false;
        }
        space.mount().device().storeData(h.base() + pos, src, srcBase, length);
        return true;
    }

    /**
     * The written blocks under {@code cur} while the device has no bad sector (the media-error rules
     * then have nothing to say): a kept answer, or a lookup that is kept in turn; null when there are
     * none (a hole, unwritten blocks, shared blocks: the write must ask with WRITE).
     */
    private static Iomap overwritable(AddressSpace space, long cur, long size) throws FsException {
        if (space.mount().cleanMemory() == null) {
            return null;
        }
        Iomap map = space.cache().at(cur);
        if (map == null) {
            long generation = space.mapGeneration();
            map = space.begin(cur, size - cur, 0);
            try {
                space.cache().keep(map, generation);
            } finally {
                space.end(cur, map.length(), 0, 0, map);
            }
        }
        boolean written = map.type() == IomapType.MAPPED && map.offset() <= cur && map.end() > cur
                && !map.has(Iomap.F_SHARED) && map.device() == space.mount().device();
        return written ? map : null;
    }

    /**
     * New blocks: zeroed where the write does not cover them, and taken out from under the zero
     * page of every mapping (dax_iomap_iter's invalidation).
     */
    private static void zeroNew(AddressSpace space, Iomap map, long from, long to) throws FsException {
        if (map.offset() < space.size()) {
            // Inside EOF a fault may map the new blocks before the copy is done:
            // they must read as zeros, never as what the device held (XFS_BMAPI_ZERO).
            map.device().zeroData(map.addr(), map.length());
        } else {
            zeroAround(map, from, to);
        }
        space.allocated(map);
    }

    /** Zeroes the parts of the new blocks under {@code map} that {@code [from, to)} does not write. */
    private static void zeroAround(Iomap map, long from, long to) throws FsException {
        long bs = DaxDevice.PAGE_SIZE;
        long blockStart = Math.max(map.offset(), from - from % bs);
        long blockEnd = Math.min(map.end(), (to + bs - 1) / bs * bs);
        DaxDevice dev = map.device();
        if (from > blockStart) {
            dev.zeroData(map.addrOf(blockStart), from - blockStart);
        }
        if (blockEnd > to) {
            dev.zeroData(map.addrOf(to), blockEnd - to);
        }
    }

    /**
     * The copy of one iomap's part, page window by page window. ACCESS fails with EIO over a poisoned
     * page; under recovery_write the driver then gives the pages before it, or the poisoned page
     * alone, which only a write of the whole page may clear (pmem_recovery_write: else EFAULT).
     */
    private static long copyToDevice(DaxMount mount, Iomap map, long pos, MemorySegment src, long srcOff, long n,
                                     boolean direct) throws FsException {
        DaxDevice dev = map.device();
        long addr = map.addrOf(pos);
        long done = 0;
        while (done < n) {
            long a = addr + done;
            long firstPage = a / DaxDevice.PAGE_SIZE;
            long lastPage = (addr + n - 1) / DaxDevice.PAGE_SIZE;
            DaxWindow w;
            try {
                w = dev.directAccess(firstPage, lastPage - firstPage + 1, DaxAccessMode.ACCESS);
            } catch (FsException e) {
                if (e.errno() != Errno.EIO) {
                    throw e;
                }
                w = recoveryWindow(mount, dev, firstPage, lastPage, a, n - done, direct, e);
                if (w == null) {
                    return done > 0 ? done : failEfault(e, a);
                }
            }
            long inWindow = Math.min(n - done, w.deviceOffset() + w.segment().byteSize() - a);
            if (w.poisoned()) {
                dev.clearPoison(w.deviceOffset(), w.segment().byteSize());
            }
            dev.storeData(a, src, srcOff + done, inWindow);
            done += inWindow;
        }
        return done;
    }

    private static long failEfault(FsException cause, long addr) throws FsException {
        throw new FsException(Errno.EFAULT, "write into poisoned memory at device offset " + addr
                + " does not cover whole pages: " + cause.getMessage(), cause);
    }

    /** The window a write may use after ACCESS failed, or null when the policy refuses (EFAULT/EIO). */
    private static DaxWindow recoveryWindow(DaxMount mount, DaxDevice dev, long firstPage, long lastPage, long a,
                                            long remaining, boolean direct, FsException eio) throws FsException {
        if (mount.mediaErrors() == MediaErrorPolicy.DIRECT_IO_BYPASS) {
            // 2016: only an O_DIRECT write of whole sectors reaches the driver, which clears them.
            if (!direct || a % DaxDevice.SECTOR_SIZE != 0 || remaining % DaxDevice.SECTOR_SIZE != 0) {
                throw eio;
            }
            dev.clearPoison(a, remaining);
            return dev.directAccess(firstPage, lastPage - firstPage + 1, DaxAccessMode.ACCESS);
        }
        DaxWindow w = dev.directAccess(firstPage, lastPage - firstPage + 1, DaxAccessMode.RECOVERY_WRITE);
        if (w.poisoned() && (a % DaxDevice.PAGE_SIZE != 0 || remaining < DaxDevice.PAGE_SIZE)) {
            return null;
        }
        return w;
    }
}
