package dev.jdax.pmem;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * PMDK's libpmem, when the machine has {@code libpmem.so.1}: the cache-line write-back
 * ({@code pmem_flush}) and drain ({@code pmem_drain}) a real DAX mapping needs,
 * {@code pmem_is_pmem} to tell whether a mapping is one, and the copy and fill that store file data
 * around the cache ({@code pmem_memcpy_nodrain}, {@code pmem_memset_nodrain}: non-temporal stores
 * from 256 bytes on, as Linux's pmem driver copies with {@code memcpy_flushcache}). Optional: found at
 * run time or not at all.
 */
final class Libpmem {
    private static final Optional<Libpmem> INSTANCE = load();

    private final MethodHandle isPmem;
    private final MethodHandle flush;
    private final MethodHandle drain;
    private final MethodHandle copyNodrain;
    private final MethodHandle fillNodrain;
    private final String version;

    private Libpmem(SymbolLookup lib) {
        Linker l = Linker.nativeLinker();
        isPmem = l.downcallHandle(lib.find("pmem_is_pmem").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        flush = l.downcallHandle(lib.find("pmem_flush").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        drain = l.downcallHandle(lib.find("pmem_drain").orElseThrow(), FunctionDescriptor.ofVoid());
        // Critical: no thread-state transition around a call of a microsecond or so, and the source
        // may be a Java array (a program's heap buffer), passed without a copy of its own. The
        // destination, the device's memory, is a raw address (an integer register, as a pointer is
        // passed): its device keeps it alive around the call (DaxSrcu), not its arena's shared count.
        copyNodrain = l.downcallHandle(lib.find("pmem_memcpy_nodrain").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                Linker.Option.critical(true));
        fillNodrain = l.downcallHandle(lib.find("pmem_memset_nodrain").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.critical(false));
        String v;
        try {
            MethodHandle check = l.downcallHandle(lib.find("pmem_check_version").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MemorySegment err = (MemorySegment) check.invokeExact(1, 0);
            v = err.equals(MemorySegment.NULL) ? "1.x" : "too old";
        } catch (Throwable t) {
            v = "unknown version";
        }
        version = v;
    }

    private static Optional<Libpmem> load() {
        try {
            return Optional.of(new Libpmem(SymbolLookup.libraryLookup("libpmem.so.1", Arena.global())));
        } catch (IllegalArgumentException | java.util.NoSuchElementException e) {
            return Optional.empty();
        }
    }

    static Optional<Libpmem> get() {
        return INSTANCE;
    }

    String version() {
        return version;
    }

    boolean isPmem(long address, long length) {
        try {
            return (int) isPmem.invokeExact(MemorySegment.ofAddress(address), length) != 0;
        } catch (Throwable t) {
            throw new IllegalStateException("pmem_is_pmem downcall", t);
        }
    }

    void flush(long address, long length) {
        try {
            flush.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw new IllegalStateException("pmem_flush downcall", t);
        }
    }

    /**
     * Copies {@code src} (native or a heap array's) to the device memory at {@code dst}, which its
     * caller keeps mapped meanwhile, with the library's cache-bypassing stores; {@link #drain} orders them.
     */
    void copyNodrain(long dst, MemorySegment src) {
        try {
            long unused = (long) copyNodrain.invokeExact(dst, src, src.byteSize());
        } catch (RuntimeException e) {
            throw e; // a segment closed meanwhile: the JDK's IllegalStateException, as a copy of its own says it
        } catch (Throwable t) {
            throw new IllegalStateException("pmem_memcpy_nodrain downcall", t);
        }
    }

    /**
     * Zeroes {@code length} bytes of device memory at {@code dst}, which its caller keeps mapped
     * meanwhile, with the library's cache-bypassing stores; {@link #drain} orders them.
     */
    void zeroNodrain(long dst, long length) {
        try {
            long unused = (long) fillNodrain.invokeExact(dst, 0, length);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("pmem_memset_nodrain downcall", t);
        }
    }

    void drain() {
        try {
            drain.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("pmem_drain downcall", t);
        }
    }
}
