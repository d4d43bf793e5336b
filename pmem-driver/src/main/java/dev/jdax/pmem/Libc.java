package dev.jdax.pmem;

import dev.jdax.api.Errno;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the driver needs ({@code open}, {@code close}, {@code mmap}, {@code munmap},
 * {@code msync}, {@code memfd_create}, {@code ftruncate}), bound once with the FFM linker, each
 * capturing {@code errno}.
 */
final class Libc {
    static final int O_RDWR = 02;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int PROT_NONE = 0;
    static final int MAP_SHARED = 0x01;
    static final int MAP_PRIVATE = 0x02;
    static final int MAP_FIXED = 0x10;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_NORESERVE = 0x4000;
    static final int MFD_CLOEXEC = 1;
    static final int MAP_SHARED_VALIDATE = 0x03;
    static final int MAP_SYNC = 0x80000;
    static final int MS_SYNC = 4;
    static final int MADV_RANDOM = 1;
    static final int LOCK_EX = 2;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int LOCK_NB = 4;
    /** Linux 5.14: fault every page of the range in, writable, now (EINVAL before 5.14). */
    static final int MADV_POPULATE_WRITE = 23;
    static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MEMFD_CREATE = bind("memfd_create", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FTRUNCATE = bind("ftruncate", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MINCORE = bind("mincore", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    private static final MethodHandle MADVISE = bind("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MKNOD = bind("mknod", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle UTIMENSAT = bind("utimensat", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FLOCK = bind("flock", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));
    private static final MethodHandle MSYNC = bind("msync", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        MemorySegment sym = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(sym, fd, CAPTURE_ERRNO);
    }

    /** A call's result and the errno it left (meaningful only when the result says failure). */
    record Result(long value, int errno) {
        boolean failed() {
            return value == -1;
        }

        String errnoName() {
            Errno e = Errno.ofNumber(errno);
            return e == null ? "errno " + errno : e.name();
        }
    }

    static Result open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, a.allocateFrom(path), flags);
            return new Result(fd, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("open(2) downcall", t);
        }
    }

    static void close(int fd) {
        try (Arena a = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(a.allocate(CAPTURE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close(2) downcall", t);
        }
    }

    /** {@code mmap(NULL, length, prot, flags, fd, 0)}; the value is the address, or -1. */
    static Result mmap(long length, int prot, int flags, int fd) {
        return mmap(0, length, prot, flags, fd, 0);
    }

    /** {@code mmap(address, length, prot, flags, fd, offset)}; the value is the address, or -1. */
    static Result mmap(long address, long length, int prot, int flags, int fd, long offset) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(state, MemorySegment.ofAddress(address), length, prot,
                    flags, fd, offset);
            return new Result(addr.address(), (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("mmap(2) downcall", t);
        }
    }

    static Result munmap(long address, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int r = (int) MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("munmap(2) downcall", t);
        }
    }

    static Result msync(long address, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int r = (int) MSYNC.invokeExact(state, MemorySegment.ofAddress(address), length, MS_SYNC);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("msync(2) downcall", t);
        }
    }

    static Result madvise(long address, long length, int advice) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int r = (int) MADVISE.invokeExact(state, MemorySegment.ofAddress(address), length, advice);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("madvise(2) downcall", t);
        }
    }

    /** {@code memfd_create(name, MFD_CLOEXEC)}: anonymous memory with a descriptor, so it can be mapped again. */
    static Result memfdCreate(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int fd = (int) MEMFD_CREATE.invokeExact(state, a.allocateFrom(name), MFD_CLOEXEC);
            return new Result(fd, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("memfd_create(2) downcall", t);
        }
    }

    /** {@code mknod(path, mode, dev)}. */
    static Result mknod(String path, int mode, long dev) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int r = (int) MKNOD.invokeExact(state, a.allocateFrom(path), mode, dev);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("mknod(2) downcall", t);
        }
    }

    /**
     * {@code utimensat(AT_FDCWD, path, {atime, mtime}, AT_SYMLINK_NOFOLLOW)}: times set on the path
     * itself, never opened (opening a FIFO waits for its other end).
     */
    static Result utimens(String path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            MemorySegment times = a.allocateFrom(ValueLayout.JAVA_LONG, atimeSec, atimeNsec, mtimeSec, mtimeNsec);
            int r = (int) UTIMENSAT.invokeExact(state, AT_FDCWD, a.allocateFrom(path), times, AT_SYMLINK_NOFOLLOW);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("utimensat(2) downcall", t);
        }
    }

    /** {@code flock(fd, op)}: a lock on the open file description, given back when it is closed. */
    static Result flock(int fd, int op) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int r = (int) FLOCK.invokeExact(state, fd, op);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("flock(2) downcall", t);
        }
    }

    static Result ftruncate(int fd, long length) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int r = (int) FTRUNCATE.invokeExact(state, fd, length);
            return new Result(r, (int) ERRNO.get(state, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("ftruncate(2) downcall", t);
        }
    }

    /**
     * {@code mincore(address, length, vec)}: how many of the range's pages are resident. For a shared
     * mapping of a memfd that is whether the page exists in the file, mapped here or not.
     */
    static Result residentPages(long address, long length) {
        long pages = (length + 4095) / 4096;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            MemorySegment vec = a.allocate(pages);
            int r = (int) MINCORE.invokeExact(state, MemorySegment.ofAddress(address), length, vec);
            if (r != 0) {
                return new Result(r, (int) ERRNO.get(state, 0L));
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vec.get(ValueLayout.JAVA_BYTE, i) & 1;
            }
            return new Result(resident, 0);
        } catch (Throwable t) {
            throw new IllegalStateException("mincore(2) downcall", t);
        }
    }
}
