package dev.jdax.api.lock;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Linux's {@code percpu_counter}: a count that many threads change and few need exactly (a file
 * system's free blocks and inodes). An add goes to a cell of the adder's CPU slot ({@link PerCpu})
 * and is folded into the shared count only once the cell holds {@code batch} or more either way;
 * {@link #read()} is that shared count, off by less than {@code batch} per slot, and
 * {@link #compare(long)} sums the cells only when the shared count is that close to the value it
 * is compared with ({@code __percpu_counter_compare}).
 *
 * <p>Why not a {@code LongAdder}: its only read is the sum, which loads every thread's cell, and an
 * allocator that asks "is anything free?" at every allocation then pulls the other threads' cells to
 * itself each time, and they pull them back at their next add: two threads creating files in two
 * directories of one ext2 file system made 1.38-1.49x one thread with a {@code LongAdder} there and
 * 1.50-1.67x with this.
 */
public final class PercpuCounter {
    /** Linux's {@code percpu_counter_batch}: {@code max(32, 2 * CPUs)}. */
    public static final long DEFAULT_BATCH = Math.max(32, 2L * PerCpu.CPUS);

    private final long batch;
    /** Index 0: the shared count; {@link PerCpu#cell}: a slot's cell, 128 bytes from it and each other. */
    private final AtomicLongArray cells = new AtomicLongArray(PerCpu.CELL_ARRAY_LENGTH);

    /** A counter at zero whose cells fold into the shared count at {@code batch} (at least 1). */
    public PercpuCounter(long batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch " + batch);
        }
        this.batch = batch;
    }

    /** A counter at zero with Linux's default batch. */
    public PercpuCounter() {
        this(DEFAULT_BATCH);
    }

    /** Adds {@code delta} ({@code percpu_counter_add_batch}). */
    public void add(long delta) {
        int i = PerCpu.cell(PerCpu.slot(PerCpu.CPUS));
        long v = cells.addAndGet(i, delta);
        if (v >= batch || v <= -batch) {
            // Another thread of the same slot may add between these two: each moves what it took
            // out, so the sum is exact once the adds are done. A sum racing the move may miss it, as
            // a LongAdder's sum may miss the adds racing it (Linux moves under a lock that its exact
            // sum takes too).
            cells.addAndGet(i, -v);
            cells.addAndGet(0, v);
        }
    }

    /** {@return the shared count}: off from the sum by less than {@code batch} per CPU slot ({@code percpu_counter_read}) */
    public long read() {
        return cells.get(0);
    }

    /**
     * {@return how far the shared count may be from the sum}: less than {@code batch} per CPU slot
     * once the adds are done, the reach {@code __percpu_counter_compare} trusts {@link #read()} beyond
     */
    public long slack() {
        return batch * PerCpu.CPUS;
    }

    /** {@return the shared count and every cell}: exact when no add runs meanwhile ({@code percpu_counter_sum}) */
    public long sum() {
        long s = cells.get(0);
        for (int slot = 0; slot < PerCpu.CPUS; slot++) {
            s += cells.get(PerCpu.cell(slot));
        }
        return s;
    }

    /**
     * {@return the sign of the count less {@code rhs}}: from the shared count when it is further from
     * {@code rhs} than the cells can hold, else from the sum ({@code __percpu_counter_compare})
     */
    public int compare(long rhs) {
        long count = read();
        if (Math.abs(count - rhs) > slack()) {
            return Long.signum(count - rhs);
        }
        return Long.signum(sum() - rhs);
    }
}
