package dev.jdax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * {@code ThreadsRatio PERSONALITY MODE WARMUP_SECONDS SECONDS}: {@link ThreadsBench}'s operations
 * ({@code create}: create + write 4 KiB + unlink, each thread in a directory of its own;
 * {@code read}: random 4 KiB reads of one file) from one thread and from two, in alternating slices
 * of 200 ms inside one JVM, and the median of the pairs' ratios two / one ({@link Paired}); prints a
 * {@code PAIRED threads ...} line for the suite. The same two threads serve both: in a one-thread
 * slice the second waits on a monitor, so it takes no core from the first.
 *
 * <p>{@code create-two-mounts} runs the creates with each thread on a file system (and memory device)
 * of its own: what two threads lose in {@code create} and not here is state the mount shares —
 * which is how the per-CPU counters and padded lists of 2026-12-05 were found.
 *
 * <p>Between those pairs run pairs of the machine's own ceiling ({@code MODE-ceiling}): the same
 * threads, each working a hash map of its own (lookups, inserts and removals of small arrays; no
 * state shared, memory touched and garbage made as a file system's operation makes them). On these
 * shared two-vCPU machines two threads do not always get two cores: two-thread slices ran 435,000
 * to 605,000 ext2 creates a second from one run to the next while one thread held 340,000-375,000,
 * and what the machine gave to work that shares nothing says which of those a file system can reach.
 *
 * <p>That ceiling does not show where the host put the two vCPUs. A line written by both threads
 * moves between their caches in about 20 ns on some placements and 190 ns on others, and the host
 * moves them between the two for seconds at a time (a ping-pong of one line: 40 ns against 390 ns a
 * round trip), so every line a create shares costs ten times as much while they are far apart,
 * where a hash map of one's own loses nothing. After each pair of the file system's slices the two
 * workers pass one line back and forth ({@link #PING_ROUNDS} round trips), and the pairs are
 * reported again split by that round trip ({@code MODE-near}, {@code MODE-far}: at most and more
 * than {@link #FAR_NANOS}); the goal stays judged on all of them.
 */
public final class ThreadsRatio {
    private static final long SLICE_MILLIS = 200;
    /** The creates with each thread on a mount of its own. */
    static final String TWO_MOUNTS = "create-two-mounts";
    /** Counts per worker, 16 longs apart so the two do not share a cache line. */
    private static final int STRIDE = 16;

    private final Object gate = new Object();
    /** How many workers run: worker {@code k} runs while {@code k < running}; -1 ends them. */
    private volatile int running;
    /** Whether the workers run the ceiling's batches rather than the file system's. */
    private volatile boolean ceiling;
    private final AtomicLongArray done = new AtomicLongArray(2 * STRIDE);
    /** Round trips of one line between the workers after each pair. */
    static final int PING_ROUNDS = 2000;
    /** A round trip above this: the two vCPUs far apart (20-100 ns near, 380-460 ns far here). */
    static final double FAR_NANOS = 200;
    /** While true the workers pass {@link #ball} back and forth instead of working. */
    private volatile boolean pinging;
    private final AtomicLong ball = new AtomicLong();
    /** The last ping-pong's round trip, in ns. */
    private volatile double pingNanos;

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
        if (!mode.equals("create") && !mode.equals("read") && !mode.equals(TWO_MOUNTS)) {
            throw new IllegalArgumentException("mode: create, " + TWO_MOUNTS + " or read, not " + mode);
        }
        boolean creates = !mode.equals("read");
        try (FsTarget first = ThreadsBench.target(personality, creates);
             FsTarget second = mode.equals(TWO_MOUNTS) ? ThreadsBench.target(personality, true) : null) {
            Batch[] batches = new Batch[2];
            for (int k = 0; k < 2; k++) {
                FsTarget t = k == 1 && second != null ? second : first;
                MemorySegment buf = Arena.ofAuto().allocate(4096, 4096);
                buf.fill((byte) k);
                if (creates) {
                    long dir = ThreadsBench.directory(t.fs(), k);
                    int[] serial = {0};
                    batches[k] = () -> ThreadsBench.createWriteUnlink(t.fs(), dir, serial[0]++, buf);
                } else {
                    SplittableRandom random = new SplittableRandom(k);
                    batches[k] = () -> ThreadsBench.read(t, random, buf);
                }
            }
            for (Paired r : new ThreadsRatio().measure(personality, mode, batches, warmup, seconds)) {
                System.out.printf("THREADSRATIO %s %s: two threads %.2fx one (quartiles %.2f-%.2f; one %.0f/s, two %.0f/s, %d pairs)%n",
                        personality, r.what(), r.median(), r.q1(), r.q3(), r.baseRate(), r.rate(), r.pairs());
                System.out.println(r.line());
            }
        }
    }

    /** The ceiling's work for one worker: a hash map of its own, of 200,000 keys at most. */
    private static Batch ceilingBatch(int seed) {
        HashMap<Long, long[]> map = new HashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        return () -> {
            for (int i = 0; i < 16; i++) {
                long key = random.nextLong(200_000);
                long[] v = map.get(key);
                if (v == null) {
                    map.put(key, new long[8]);
                } else if (++v[0] % 4 == 0) {
                    map.remove(key);
                }
            }
        };
    }

    /** {@return the file system's pairs, then the ceiling's} */
    private List<Paired> measure(String personality, String mode, Batch[] batches, double warmup, double seconds) throws Exception {
        Batch[] ceilings = {ceilingBatch(0), ceilingBatch(1)};
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread[] workers = new Thread[2];
        for (int k = 0; k < 2; k++) {
            int me = k;
            workers[k] = new Thread(() -> {
                try {
                    work(me, batches[me], ceilings[me]);
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }, "threads-ratio-" + k);
            workers[k].start();
        }
        try {
            // Both threads through the warm-up: C2 compiles the paths while both run them (the
            // ceiling's hash maps, a few methods, take a tenth of that).
            ceiling = true;
            rate(2, (long) (warmup * 100));
            ceiling = false;
            rate(2, (long) (warmup * 1000));
            int pairs = Math.max(1, (int) (seconds * 1000 / (4 * SLICE_MILLIS))); // a pair of each kind
            double[][] fs = new double[2][pairs];
            double[][] machine = new double[2][pairs];
            double[] ping = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                pair(fs, i, false);
                ping[i] = ping(failed);
                pair(machine, i, true);
                if (failed.get() != null) {
                    break;
                }
            }
            if (failed.get() != null) {
                throw new IllegalStateException("a worker failed", failed.get());
            }
            List<Paired> out = new ArrayList<>(List.of(Paired.of("threads", personality, mode, fs[0], fs[1]),
                    Paired.of("threads", personality, mode + "-ceiling", machine[0], machine[1])));
            for (boolean far : new boolean[] {false, true}) {
                int[] which = IntStream.range(0, pairs).filter(i -> (ping[i] > FAR_NANOS) == far).toArray();
                if (which.length > 0) {
                    out.add(Paired.of("threads", personality, mode + (far ? "-far" : "-near"),
                            Arrays.stream(which).mapToDouble(i -> fs[0][i]).toArray(), Arrays.stream(which).mapToDouble(i -> fs[1][i]).toArray()));
                }
            }
            System.out.printf(Locale.ROOT, "THREADSRATIO %s %s: one line between the two workers, round trip %.0f ns (median; quartiles %.0f-%.0f), %d of %d pairs far (> %.0f ns)%n",
                    personality, mode, Paired.percentile(ping, 0.5), Paired.percentile(ping, 0.25), Paired.percentile(ping, 0.75),
                    Arrays.stream(ping).filter(p -> p > FAR_NANOS).count(), pairs, FAR_NANOS);
            return out;
        } finally {
            setRunning(-1);
            for (Thread w : workers) {
                w.join();
            }
        }
    }

    /**
     * Both workers pass one line back and forth: {@return the round trip in ns}, or NaN when a
     * worker failed (which stops the other's wait for the ball).
     */
    private double ping(AtomicReference<Throwable> failed) throws InterruptedException {
        pinging = true;
        setRunning(2);
        while (pinging) {
            if (failed.get() != null) {
                pinging = false;
                return Double.NaN;
            }
            Thread.sleep(1);
        }
        return pingNanos;
    }

    /** Worker 0's side of a ping-pong: sends the ball and waits for it to come back, {@link #PING_ROUNDS} times. */
    private void serve() {
        long start = 0;
        // One round trip untimed: worker 1 may still be waking from a one-thread slice.
        for (int i = -1; i < PING_ROUNDS; i++) {
            if (i == 0) {
                start = System.nanoTime();
            }
            long v = ball.get();
            ball.set(v + 1);
            while (ball.get() == v + 1 && pinging) {
                Thread.onSpinWait();
            }
        }
        pingNanos = (System.nanoTime() - start) / (double) PING_ROUNDS;
        pinging = false;
    }

    /** Worker 1's side: sends back what worker 0 sent, until worker 0 is done. */
    private void returnBall() {
        while (pinging) {
            long v = ball.get();
            if ((v & 1) == 1) {
                ball.set(v + 1);
            }
        }
    }

    /** Pair {@code i}: one thread's rate into {@code rates[0][i]}, two threads' into {@code rates[1][i]}. */
    private void pair(double[][] rates, int i, boolean ceilingWork) throws Exception {
        ceiling = ceilingWork;
        Paired.pair(rates, i, side -> rate(side + 1, SLICE_MILLIS));
    }

    /** {@code n} workers for {@code millis}: {@return their operations per second} (a batch counts 16) */
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

    private void work(int me, Batch batch, Batch ceilingBatch) throws Exception {
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
            if (pinging) {
                if (me == 0) {
                    serve();
                } else {
                    returnBall();
                }
                continue;
            }
            if (ceiling) {
                ceilingBatch.run();
            } else {
                for (int i = 0; i < 16; i++) {
                    batch.run();
                }
            }
            done.addAndGet(me * STRIDE, 16);
        }
    }
}
