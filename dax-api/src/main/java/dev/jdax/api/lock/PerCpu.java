package dev.jdax.api.lock;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What stands for {@code smp_processor_id()} in Linux's per-CPU structures (mballoc's locality
 * groups, list_lru's per-node lists): Java cannot ask which CPU a thread runs on, so each thread
 * gets a slot of its own the first time it asks, round robin, and keeps it. Threads that work at
 * the same time get different slots as long as there are no more of them than slots — two threads
 * whose ids happen to be equal modulo the CPU count would share one, as {@code threadId() % n} makes
 * them do half the time on two CPUs.
 */
public final class PerCpu {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ThreadLocal<int[]> SLOT = ThreadLocal.withInitial(() -> new int[] {NEXT.getAndIncrement() & Integer.MAX_VALUE});

    /** How many slots a per-CPU structure has: the processors the JVM may use. */
    public static final int CPUS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Longs between two slots' cells in one array: 128 bytes, a cache line and the one fetched with it. */
    private static final int CELL_STRIDE = 16;
    /** {@link #cellArrayLength} of a cell per CPU slot. */
    public static final int CELL_ARRAY_LENGTH = cellArrayLength(CPUS);

    private PerCpu() {
    }

    /**
     * {@return the length of a {@code long} array that holds {@code slots} cells at {@link #cell}}:
     * each 128 bytes from the others, from the array's header (and index 0) and from whatever
     * follows the array. A cell at index 0 shares its line with the header and with the objects
     * allocated just before the array, which other threads write. The slots may be CPU slots or
     * anything else whose writers should not share a line (XFS's AGs); a cell may hold up to
     * 16 longs (128 bytes) from its index on.
     */
    public static int cellArrayLength(int slots) {
        return (slots + 2) * CELL_STRIDE;
    }

    /** {@return the index of slot {@code slot}'s cell} in an array of {@link #cellArrayLength} longs */
    public static int cell(int slot) {
        return (slot + 1) * CELL_STRIDE;
    }

    /** {@return the current thread's slot among {@code n}} */
    public static int slot(int n) {
        return SLOT.get()[0] % n;
    }
}
