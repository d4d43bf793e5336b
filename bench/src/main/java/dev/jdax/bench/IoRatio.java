package dev.jdax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code IoRatio TARGET IO_SIZES SECONDS [ONLY]}: a target's reads and writes of each size in
 * IO_SIZES ({@code 4096} or {@code 4096,1048576}), sequential and random (or only those ONLY names:
 * {@code read-seq,write-rand}), as a ratio to raw memory copy measured in the SAME JVM in
 * alternating slices of 20 ms ({@link Paired}); prints a {@code PAIRED io ...} line per pattern for
 * the suite. One target per JVM, so the benchmark's call sites see two implementations, as JMH's
 * forks see one.
 */
public final class IoRatio {
    /** A slice's length: {@code -Dioratio.sliceMillis} (default 20). */
    private static final long SLICE_NANOS = (long) (Double.parseDouble(System.getProperty("ioratio.sliceMillis", "20")) * 1e6);
    /** The file's size, and raw memory's. */
    static final long FILE_SIZE = 256L << 20;

    private IoRatio() {
    }

    public static void main(String[] args) throws Exception {
        String target = args[0];
        int[] ioSizes = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
        double seconds = Double.parseDouble(args[2]);
        String only = args.length > 3 ? args[3] : "";
        try (Target raw = Target.open("raw", FILE_SIZE); Target t = Target.open(target, FILE_SIZE)) {
            for (int ioSize : ioSizes) {
                for (String pattern : new String[] {"seq", "rand"}) {
                    for (boolean write : new boolean[] {false, true}) {
                        String group = write ? "write" : "read";
                        if (!only.isEmpty() && !only.contains(group + "-" + pattern)) {
                            continue;
                        }
                        Paired r = measure(raw, t, target, ioSize, pattern, write, seconds);
                        System.out.printf(Locale.ROOT, "IORATIO %s %s %s %d median %.3f (q1 %.3f, q3 %.3f; raw %.0f, %s %.0f ops/s)%n",
                                target, group, pattern, ioSize, r.median(), r.q1(), r.q3(), r.baseRate(), target, r.rate());
                        System.out.println(r.line());
                    }
                }
            }
        }
    }

    /** Half a second of warm-up, then {@code seconds} of slice pairs: {@code t}'s transfers over raw's. */
    static Paired measure(Target raw, Target t, String target, int ioSize, String pattern, boolean write, double seconds)
            throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ioSize, 4096);
            buf.fill((byte) 0xa5);
            long[] offsets = offsets(pattern, FILE_SIZE, ioSize);
            run(raw, t, buf, offsets, write, 0.5); // warm-up
            double[][] rates = run(raw, t, buf, offsets, write, seconds);
            return Paired.of("io", target, what(write ? "write" : "read", pattern, ioSize), rates[0], rates[1]);
        }
    }

    /** {@code read-seq-4096}: how a measurement of {@code group}, {@code pattern} and {@code ioSize} is named in its PAIRED line. */
    static String what(String group, String pattern, int ioSize) {
        return group + "-" + pattern + "-" + ioSize;
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

    /** {@return raw's rate and the target's, per slice pair} */
    private static double[][] run(Target raw, Target t, MemorySegment buf, long[] offsets, boolean write, double seconds)
            throws Exception {
        int pairs = Math.max(1, (int) (seconds * 1e9 / (2 * SLICE_NANOS)));
        double[][] rates = new double[2][pairs];
        // Each walks the same offsets from its own cursor: a slice neither inherits the other's
        // place in the pattern nor (Paired.pair alternates them) always follows it.
        Target[] sides = {raw, t};
        int[][] next = {{0}, {0}};
        for (int i = 0; i < pairs; i++) {
            Paired.pair(rates, i, side -> slice(sides[side], buf, offsets, next[side], write));
        }
        return rates;
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
}
