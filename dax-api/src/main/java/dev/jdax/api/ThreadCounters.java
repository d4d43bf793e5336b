package dev.jdax.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Cell[].class);
    /** Slots of the direct-mapped table of cells, by thread id (a power of two). */
    private static final int SLOT_COUNT = 64;
    /** Cells kept before those of ended threads are folded. */
    private static final int FOLD_AT = 64;

    /**
     * Longs before and after a thread's counters, a cache line each: the cells of threads are
     * allocated apart, in each thread's own allocation buffer, but a collection that copies the
     * survivors may put two of them side by side, and two threads' counters on one line would
     * take that line from each other's core at every addition.
     */
    private static final int PAD = 8;

    /** Where a thread's counters hold their owner's id, in the padding before them. */
    private static final int OWNER = 0;

    /**
     * One thread's counters: only {@code owner} writes {@code values}, from {@link #PAD} on;
     * {@code values[OWNER]} is its {@link Thread#threadId()} (ids are never reused), so that a caller
     * holding the array ({@link #cellOfCurrentThread()}) can tell whose it is.
     */
    private record Cell(Thread owner, long[] values) {
    }

    private final int width;
    private final ThreadLocal<Cell> mine = ThreadLocal.withInitial(this::register);
    /**
     * The cells by thread id: a slot is claimed once, by the first thread with that id modulo the
     * table's size, and then found in three loads, where a {@code ThreadLocal} walks the thread's
     * map (a chain of about ten, a tenth of a 4 KiB read's cost above the copy). A thread whose slot
     * another holds uses its {@code ThreadLocal}. Cells are records: one read racily is whole.
     */
    private final Cell[] slots = new Cell[SLOT_COUNT];
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
                    folded[i] += (long) LONGS.getOpaque(c.values(), PAD + i);
                }
                return true;
            });
        }
        Cell c = new Cell(Thread.currentThread(), new long[PAD + width + PAD]);
        c.values()[OWNER] = c.owner().threadId();
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
        Objects.checkIndex(counter, width);
        long[] v = cell().values();
        // Opaque: never kept in a register across calls, so a reader sees it soon; no fence.
        LONGS.setOpaque(v, PAD + counter, v[PAD + counter] + delta);
    }

    /**
     * Adds {@code delta} to counter {@code counter} and {@code delta2} to {@code counter2}: one
     * look-up of the thread's cells for two counters bumped together.
     *
     * @param counter  the first counter
     * @param delta    how much to it
     * @param counter2 the second counter
     * @param delta2   how much to it
     */
    public void add(int counter, long delta, int counter2, long delta2) {
        Objects.checkIndex(counter, width);
        Objects.checkIndex(counter2, width);
        long[] v = cell().values();
        LONGS.setOpaque(v, PAD + counter, v[PAD + counter] + delta);
        LONGS.setOpaque(v, PAD + counter2, v[PAD + counter2] + delta2);
    }

    /**
     * The calling thread's counters, for a caller to keep and bump with {@link #add(long[], int, long)}
     * while {@link #isCurrentThreads(long[])} says they are still its thread's: on a 4 KiB read the
     * look-up through this object, its slots and the cell was five objects loaded right after the
     * copy, where a kept array is one.
     */
    public long[] cellOfCurrentThread() {
        return cell().values();
    }

    /** {@return whether {@code cell}, from {@link #cellOfCurrentThread()}, is the calling thread's} */
    public static boolean isCurrentThreads(long[] cell) {
        return cell[OWNER] == Thread.currentThread().threadId();
    }

    /**
     * Adds {@code delta} to counter {@code counter} in {@code cell}, which must be the calling
     * thread's ({@link #isCurrentThreads(long[])}).
     *
     * @param cell    the calling thread's counters
     * @param counter which counter
     * @param delta   how much
     */
    public static void add(long[] cell, int counter, long delta) {
        int i = PAD + Objects.checkIndex(counter, cell.length - 2 * PAD);
        LONGS.setOpaque(cell, i, cell[i] + delta);
    }

    /** The calling thread's cells: its slot's when it holds the slot, else its {@code ThreadLocal}'s. */
    private Cell cell() {
        Thread me = Thread.currentThread();
        Cell c = slots[(int) me.threadId() & (SLOT_COUNT - 1)];
        return c != null && c.owner() == me ? c : slowCell(me);
    }

    private Cell slowCell(Thread me) {
        Cell c = mine.get();
        // Claim a free slot; one left by a thread that ended stays taken (its cell is still summed).
        SLOTS.compareAndSet(slots, (int) me.threadId() & (SLOT_COUNT - 1), null, c);
        return c;
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
        Objects.checkIndex(counter, width);
        long s = folded[counter];
        for (Cell c : cells) {
            s += (long) LONGS.getOpaque(c.values(), PAD + counter);
        }
        return s;
    }
}
