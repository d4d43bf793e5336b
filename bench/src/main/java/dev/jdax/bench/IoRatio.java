package dev.jdax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code IoRatio TARGET IO_SIZE SECONDS [ONLY]}: a target's 4 KiB (or other) reads and writes, sequential
 * and random (or only those ONLY names: {@code read-seq,write-rand}), as a ratio to raw memory copy measured in the SAME JVM in alternating slices of 20 ms.
 * On a loaded shared machine JMH's trials run minutes apart and the load between them moves their
 * ratio by more than the goal's margin; slices next to each other see the same load, and the
 * median of their ratios says what the file system costs. One target per JVM, so the benchmark's
 * call sites see two implementations, as JMH's forks see one.
 */
public final class IoRatio {
    /** A slice's length: {@code -Dioratio.sliceMillis} (default 20). */
    private static final long SLICE_NANOS = (long) (Double.parseDouble(System.getProperty("ioratio.sliceMillis", "20")) * 1e6);

    private IoRatio() {
    }

    public static void main(String[] args) throws Exception {
        String target = args[0];
        int ioSize = Integer.parseInt(args[1]);
        double seconds = Double.parseDouble(args[2]);
        String only = args.length > 3 ? args[3] : "";
        long size = 256L << 20;
        try (Target raw = Target.open("raw", size); Target t = Target.open(target, size); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ioSize, 4096);
            buf.fill((byte) 0xa5);
            for (String pattern : new String[] {"seq", "rand"}) {
                long[] offsets = offsets(pattern, size, ioSize);
                for (boolean write : new boolean[] {false, true}) {
                    if (!only.isEmpty() && !only.contains((write ? "write-" : "read-") + pattern)) {
                        continue;
                    }
                    run(raw, t, buf, offsets, write, 0.5); // warm-up
                    double[] r = run(raw, t, buf, offsets, write, seconds);
                    System.out.printf(Locale.ROOT, "IORATIO %s %s %s %d median %.3f (raw %.0f, %s %.0f ops/s) fastest-tenth %.3f%n",
                            target, write ? "write" : "read", pattern, ioSize, r[0], r[1], target, r[2], r[3]);
                }
            }
        }
    }

    private static long[] offsets(String pattern, long size, int ioSize) {
        long slots = size / ioSize;
        long[] offsets = new long[(int) Math.min(slots, 1 << 16)];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = (pattern.equals("seq") ? i % slots : r.nextLong(slots)) * ioSize;
        }
        return offsets;
    }

    /**
     * {@return the median ratio of target to raw over the slice pairs, the median ops/s of each, and
     * the ratio of their 90th percentiles} — the slices least disturbed by other processes, which
     * on a loaded machine say best what each costs by itself.
     */
    private static double[] run(Target raw, Target t, MemorySegment buf, long[] offsets, boolean write, double seconds)
            throws Exception {
        int pairs = Math.max(1, (int) (seconds * 1e9 / (2 * SLICE_NANOS)));
        double[] ratios = new double[pairs];
        double[] rawRates = new double[pairs];
        double[] rates = new double[pairs];
        // Each walks the same offsets from its own cursor, and which goes first alternates: a slice
        // neither inherits the other's place in the pattern nor always follows it.
        int[] rawNext = {0};
        int[] next = {0};
        for (int i = 0; i < pairs; i++) {
            if (i % 2 == 0) {
                rawRates[i] = slice(raw, buf, offsets, rawNext, write);
                rates[i] = slice(t, buf, offsets, next, write);
            } else {
                rates[i] = slice(t, buf, offsets, next, write);
                rawRates[i] = slice(raw, buf, offsets, rawNext, write);
            }
            ratios[i] = rates[i] / rawRates[i];
        }
        return new double[] {median(ratios), median(rawRates), median(rates), percentile(rates, 0.9) / percentile(rawRates, 0.9)};
    }

    private static double slice(Target t, MemorySegment buf, long[] offsets, int[] next, boolean write) throws Exception {
        long start = System.nanoTime();
        long end = start + SLICE_NANOS;
        long ops = 0;
        long now;
        int k = next[0];
        do {
            for (int j = 0; j < 64; j++) {
                long off = offsets[k];
                k = k + 1 == offsets.length ? 0 : k + 1;
                if (write) {
                    t.write(off, buf);
                } else {
                    t.read(off, buf);
                }
            }
            ops += 64;
        } while ((now = System.nanoTime()) < end);
        next[0] = k;
        return ops * 1e9 / (now - start);
    }

    private static double median(double[] v) {
        return percentile(v, 0.5);
    }

    private static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, s.length * p)];
    }
}
