package dev.jdax.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed set of counters bumped from many threads, each thread in cells of its own: an addition
 * is a plain store to memory only its thread writes (Linux's per-CPU counters, {@code this_cpu_add}),
 * no atomic instruction. That matters on the data path: an atomic read-modify-write right after a
 * 4 KiB copy waits for the copy's stores to drain, and three {@code LongAdder}s there cost a fifth
 * of a write's time. A sum adds every thread's cells; like {@code LongAdder.sum()} it is exact when
 * no addition runs meanwhile (the readers, {@code jdax}'s counters and the benchmarks, read after
 * the operations they count), and otherwise some value between.
 *
 * <p>Cells of threads that have ended are folded into one total when new threads arrive, so a
 * program that starts many threads keeps few cells (a thread's end happens-before
 * {@link Thread#isAlive()} seeing it, so nothing it added is lost).
 */
public final class ThreadCounters {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Cells kept before those of ended threads are folded. */
    private static final int FOLD_AT = 64;

    /** One thread's counters: only {@code owner} writes {@code values}. */
    private record Cell(Thread owner, long[] values) {
    }

    private final int width;
    private final ThreadLocal<Cell> mine = ThreadLocal.withInitial(this::register);
    /** The cells of live (and not yet folded) threads; guarded by this. */
    private final List<Cell> cells = new ArrayList<>();
    /** What threads folded away had added; guarded by this. */
    private final long[] folded;

    /**
     * Counters numbered {@code 0 .. width - 1}, all zero.
     *
     * @param width how many counters
     */
    public ThreadCounters(int width) {
        this.width = width;
        this.folded = new long[width];
    }

    private synchronized Cell register() {
        if (cells.size() >= FOLD_AT) {
            cells.removeIf(c -> {
                if (c.owner().isAlive()) {
                    return false;
                }
                for (int i = 0; i < width; i++) {
                    folded[i] += (long) LONGS.getOpaque(c.values(), i);
                }
                return true;
            });
        }
        Cell c = new Cell(Thread.currentThread(), new long[width]);
        cells.add(c);
        return c;
    }

    /**
     * Adds {@code delta} to counter {@code counter} in the calling thread's cells.
     *
     * @param counter which counter
     * @param delta   how much
     */
    public void add(int counter, long delta) {
        long[] v = mine.get().values();
        // Opaque: never kept in a register across calls, so a reader sees it soon; no fence.
        LONGS.setOpaque(v, counter, v[counter] + delta);
    }

    /**
     * Adds one to counter {@code counter}.
     *
     * @param counter which counter
     */
    public void increment(int counter) {
        add(counter, 1);
    }

    /**
     * {@return the sum of counter {@code counter} over all threads}
     *
     * @param counter which counter
     */
    public synchronized long sum(int counter) {
        long s = folded[counter];
        for (Cell c : cells) {
            s += (long) LONGS.getOpaque(c.values(), counter);
        }
        return s;
    }
}
