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

/**
 * The data path of {@code dax_iomap_rw}: one iomap at a time, bytes copied straight between the
 * caller's buffer and the device's memory. Holes and unwritten extents read as zeros; a write's new
 * blocks are zeroed where the write does not cover them; a media error ends the copy as Linux 6.1's
 * {@code dax_iomap_iter} does.
 */
final class DaxIo {
    private DaxIo() {
    }

    /** Result of an iteration: bytes done, and the error that stopped it (null when none). */
    record Done(long bytes, FsException error) {
        long orThrow() throws FsException {
            if (bytes == 0 && error != null) {
                throw error;
            }
            return bytes;
        }
    }

    /** Reads {@code [pos, end)} (already clipped at EOF) into {@code dst}. */
    static Done read(AddressSpace space, long pos, long end, MemorySegment dst) {
        long cur = pos;
        try {
            while (cur < end) {
                Iomap map = space.begin(cur, end - cur, 0);
                long n = Math.min(map.end(), end) - cur;
                if (n <= 0) {
                    throw FsException.of(Errno.EIO, "inode %d: iomap %s does not cover offset %d", space.inode().ino(), map, cur);
                }
                try {
                    switch (map.type()) {
                        case MAPPED -> copyFromDevice(map.device(), map.addrOf(cur), dst, cur - pos, n);
                        case HOLE, UNWRITTEN, DELALLOC -> dst.asSlice(cur - pos, n).fill((byte) 0);
                        case INLINE -> {
                            long got = space.ops().readInline(cur, dst.asSlice(cur - pos, n));
                            if (got != n) {
                                throw FsException.of(Errno.EIO, "inode %d: %d bytes of inline data at %d, %d read",
                                        space.inode().ino(), n, cur, got);
                            }
                        }
                    }
                } finally {
                    space.end(cur, n, n, 0, map);
                }
                cur += n;
            }
            return new Done(cur - pos, null);
        } catch (FsException e) {
            return new Done(cur - pos, e);
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
            MemorySegment.copy(w.segment(), a - w.deviceOffset(), dst, dstOff + done, inWindow);
            done += inWindow;
        }
    }

    /**
     * Writes {@code src} at {@code pos}: allocation through {@code begin(WRITE)}, zeroing of the new
     * blocks' uncovered parts, the copy with its flush. {@code direct} says O_DIRECT (which only the
     * direct_io_bypass policy treats differently).
     */
    static Done write(AddressSpace space, long pos, MemorySegment src, boolean direct) {
        long end = pos + src.byteSize();
        long cur = pos;
        try {
            while (cur < end) {
                Iomap map = space.begin(cur, end - cur, IomapOps.WRITE | (direct ? IomapOps.DIRECT : 0));
                long n = Math.min(map.end(), end) - cur;
                long written = 0;
                try {
                    if (map.type() != IomapType.MAPPED || n <= 0) {
                        throw FsException.of(Errno.EIO, "inode %d: write at %d got %s", space.inode().ino(), cur, map);
                    }
                    if (map.has(Iomap.F_NEW)) {
                        if (map.offset() < space.size()) {
                            // Inside EOF a fault may map the new blocks before the copy below is done:
                            // they must read as zeros, never as what the device held (XFS_BMAPI_ZERO).
                            map.device().zero(map.addr(), map.length());
                        } else {
                            zeroAround(map, cur, cur + n);
                        }
                        // Mappings may hold the zero page for what was a hole (dax_iomap_iter's invalidation).
                        space.allocated(map);
                    }
                    written = copyToDevice(space.mount(), map, cur, src, cur - pos, n, direct);
                } finally {
                    space.end(cur, n, written, IomapOps.WRITE, map);
                }
                cur += written;
                if (written < n) {
                    break;
                }
            }
            return new Done(cur - pos, null);
        } catch (FsException e) {
            return new Done(cur - pos, e);
        }
    }

    /** Zeroes the parts of the new blocks under {@code map} that {@code [from, to)} does not write. */
    private static void zeroAround(Iomap map, long from, long to) throws FsException {
        long bs = DaxDevice.PAGE_SIZE;
        long blockStart = Math.max(map.offset(), from - from % bs);
        long blockEnd = Math.min(map.end(), (to + bs - 1) / bs * bs);
        DaxDevice dev = map.device();
        if (from > blockStart) {
            dev.zero(map.addrOf(blockStart), from - blockStart);
        }
        if (blockEnd > to) {
            dev.zero(map.addrOf(to), blockEnd - to);
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
            dev.store(a, src, srcOff + done, inWindow);
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
