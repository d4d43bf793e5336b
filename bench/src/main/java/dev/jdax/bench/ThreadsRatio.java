package dev.jdax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code ThreadsRatio PERSONALITY MODE WARMUP_SECONDS SECONDS}: {@link ThreadsBench}'s operations
 * ({@code create}: create + write 4 KiB + unlink, each thread in a directory of its own;
 * {@code read}: random 4 KiB reads of one file) from one thread and from two, in alternating slices
 * of 200 ms inside one JVM, and the median of the pairs' ratios two / one ({@link Paired}); prints a
 * {@code PAIRED threads ...} line for the suite. The same two threads serve both: in a one-thread
 * slice the second waits on a monitor, so it takes no core from the first.
 */
public final class ThreadsRatio {
    private static final long SLICE_MILLIS = 200;
    /** Counts per worker, 16 longs apart so the two do not share a cache line. */
    private static final int STRIDE = 16;

    private final Object gate = new Object();
    /** How many workers run: worker {@code k} runs while {@code k < running}; -1 ends them. */
    private volatile int running;
    private final AtomicLongArray done = new AtomicLongArray(2 * STRIDE);

    private ThreadsRatio() {
    }

    /** One batch of a worker's operations. */
    private interface Batch {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        String personality = args[0];
        String mode = args[1];
        double warmup = Double.parseDouble(args[2]);
        double seconds = Double.parseDouble(args[3]);
        if (!mode.equals("create") && !mode.equals("read")) {
            throw new IllegalArgumentException("mode: create or read, not " + mode);
        }
        try (FsTarget t = ThreadsBench.target(personality, mode.equals("create"))) {
            Batch[] batches = new Batch[2];
            for (int k = 0; k < 2; k++) {
                MemorySegment buf = Arena.ofAuto().allocate(4096, 4096);
                buf.fill((byte) k);
                if (mode.equals("create")) {
                    long dir = ThreadsBench.directory(t.fs(), k);
                    int[] serial = {0};
                    batches[k] = () -> ThreadsBench.createWriteUnlink(t.fs(), dir, serial[0]++, buf);
                } else {
                    SplittableRandom random = new SplittableRandom(k);
                    batches[k] = () -> ThreadsBench.read(t, random, buf);
                }
            }
            Paired r = new ThreadsRatio().measure(personality, mode, batches, warmup, seconds);
            System.out.printf("THREADSRATIO %s %s: two threads %.2fx one (quartiles %.2f-%.2f; one %.0f/s, two %.0f/s, %d pairs)%n",
                    personality, mode, r.median(), r.q1(), r.q3(), r.baseRate(), r.rate(), r.pairs());
            System.out.println(r.line());
        }
    }

    private Paired measure(String personality, String mode, Batch[] batches, double warmup, double seconds) throws Exception {
        Throwable[] failed = new Throwable[1];
        Thread[] workers = new Thread[2];
        for (int k = 0; k < 2; k++) {
            int me = k;
            workers[k] = new Thread(() -> {
                try {
                    work(me, batches[me]);
                } catch (Throwable e) {
                    failed[0] = e;
                    running = -1;
                }
            }, "threads-ratio-" + k);
            workers[k].start();
        }
        try {
            // Both threads through the warm-up: C2 compiles the paths while both run them.
            rate(2, (long) (warmup * 1000));
            int pairs = Math.max(1, (int) (seconds * 1000 / (2 * SLICE_MILLIS)));
            double[] one = new double[pairs];
            double[] two = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                // Which goes first alternates, so that neither always follows the other.
                if (i % 2 == 0) {
                    one[i] = rate(1, SLICE_MILLIS);
                    two[i] = rate(2, SLICE_MILLIS);
                } else {
                    two[i] = rate(2, SLICE_MILLIS);
                    one[i] = rate(1, SLICE_MILLIS);
                }
                if (failed[0] != null) {
                    break;
                }
            }
            if (failed[0] != null) {
                throw new IllegalStateException("a worker failed", failed[0]);
            }
            return Paired.of("threads", personality, mode, one, two);
        } finally {
            setRunning(-1);
            for (Thread w : workers) {
                w.join();
            }
        }
    }

    /** {@code n} workers for {@code millis}: {@return their operations per second} */
    private double rate(int n, long millis) throws InterruptedException {
        long before = done.get(0) + done.get(STRIDE);
        long start = System.nanoTime();
        setRunning(n);
        Thread.sleep(millis);
        long after = done.get(0) + done.get(STRIDE);
        return (after - before) * 1e9 / (System.nanoTime() - start);
    }

    private void setRunning(int n) {
        synchronized (gate) {
            running = n;
            gate.notifyAll();
        }
    }

    private void work(int me, Batch batch) throws Exception {
        while (true) {
            int n = running;
            if (n < 0) {
                return;
            }
            if (me >= n) {
                synchronized (gate) {
                    while (running >= 0 && me >= running) {
                        gate.wait();
                    }
                }
                continue;
            }
            for (int i = 0; i < 16; i++) {
                batch.run();
            }
            done.addAndGet(me * STRIDE, 16);
        }
    }
}
