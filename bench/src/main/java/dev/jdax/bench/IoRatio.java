package dev.jdax.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code IoRatio TARGET IO_SIZES SECONDS [ONLY]}: a target's reads and writes of each size in
 * IO_SIZES ({@code 4096} or {@code 4096,1048576}), sequential and random (or only those ONLY names:
 * {@code read-seq,write-rand}), as a ratio to raw memory ({@link RawTarget}: copies out, the
 * device's own stores in) measured in the SAME JVM in alternating slices of 20 ms ({@link Paired});
 * prints a {@code PAIRED io ...} line per pattern for the suite. At 4 KiB a personality's base is
 * raw transfers over its file's own blocks ({@link FileBlocks}), and the ratio to raw transfers over
 * a device of their own follows; at 1 MiB, and for the peers, the base is the latter. One target
 * per JVM, so the benchmark's call sites see two implementations, as JMH's forks see one.
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
        try (Target raw = Target.open("raw", FILE_SIZE); Target t = open(target, (RawTarget) raw)) {
            FileBlocks blocks = fileBlocks(t);
            for (int ioSize : ioSizes) {
                for (String pattern : new String[] {"seq", "rand"}) {
                    for (boolean write : new boolean[] {false, true}) {
                        String group = write ? "write" : "read";
                        if (!only.isEmpty() && !only.contains(group + "-" + pattern)) {
                            continue;
                        }
                        long[] offsets = offsets(pattern, FILE_SIZE, ioSize);
                        String what = what(group, pattern, ioSize);
                        if (blocks != null && ioSize == FILE_BLOCKS_SIZE) {
                            report(target, what, "the file's blocks", measure(blocks.raw(), blocks.toDevice(offsets, ioSize), t, offsets,
                                    target, what, ioSize, write, seconds));
                            what += OTHER_DEVICE;
                        }
                        report(target, what, "raw", measure(raw, offsets, t, offsets, target, what, ioSize, write, seconds));
                    }
                }
            }
        }
    }

    /**
     * The transfer size whose goals are judged beside raw copies of the file's own blocks
     * ({@link FileBlocks}), with the ratio to raw copies of another device beside it under
     * {@code what + OTHER_DEVICE}. At 1 MiB the two devices' pages read alike (1.00x).
     */
    static final int FILE_BLOCKS_SIZE = 4096;
    /** What a 4 KiB measurement beside raw copies of a device of their own is called: {@code read-seq-4096-otherdevice}. */
    static final String OTHER_DEVICE = "-otherdevice";

    /** {@code lockedraw} over raw's own pages (the lock's cost alone); any other target on memory of its own. */
    private static Target open(String target, RawTarget raw) throws java.io.IOException {
        return target.equals(PairedRun.LOCKED_RAW) ? new LockedRawTarget(raw) : Target.open(target, FILE_SIZE);
    }

    /** The blocks of a jdax target's file, or null for a peer. */
    private static FileBlocks fileBlocks(Target t) throws java.io.IOException {
        dev.jdax.api.fs.FileSystem fs = t instanceof FsTarget f ? f.fs() : t instanceof ChannelTarget c ? c.jdaxMount() : null;
        return fs == null ? null : FileBlocks.of(fs, FsTarget.FILE, FILE_SIZE);
    }

    private static void report(String target, String what, String baseName, Paired r) {
        System.out.printf(Locale.ROOT, "IORATIO %s %s median %.3f (q1 %.3f, q3 %.3f; %s %.0f, %s %.0f ops/s)%n",
                target, what, r.median(), r.q1(), r.q3(), baseName, r.baseRate(), target, r.rate());
        System.out.println(r.line());
    }

    /**
     * Half a second of warm-up, then {@code seconds} of slice pairs: {@code t}'s transfers at
     * {@code offsets} over {@code base}'s at {@code baseOffsets} (the same bytes of the file, or of raw memory).
     */
    static Paired measure(Target base, long[] baseOffsets, Target t, long[] offsets, String target, String what, int ioSize,
                          boolean write, double seconds) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(ioSize, 4096);
            buf.fill((byte) 0xa5);
            run(base, baseOffsets, t, offsets, buf, write, 0.5); // warm-up
            double[][] rates = run(base, baseOffsets, t, offsets, buf, write, seconds);
            return Paired.of("io", target, what, rates[0], rates[1]);
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
    private static double[][] run(Target base, long[] baseOffsets, Target t, long[] offsets, MemorySegment buf, boolean write,
                                  double seconds) throws Exception {
        int pairs = Math.max(1, (int) (seconds * 1e9 / (2 * SLICE_NANOS)));
        double[][] rates = new double[2][pairs];
        // Each walks the same offsets from its own cursor: a slice neither inherits the other's
        // place in the pattern nor (Paired.pair alternates them) always follows it.
        Target[] sides = {base, t};
        long[][] sideOffsets = {baseOffsets, offsets};
        int[][] next = {{0}, {0}};
        for (int i = 0; i < pairs; i++) {
            Paired.pair(rates, i, side -> slice(sides[side], buf, sideOffsets[side], next[side], write));
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
