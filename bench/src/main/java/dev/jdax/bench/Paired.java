package dev.jdax.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * One ratio measured in alternating slices inside one JVM: a target's rate over its base's
 * ({@code io}: a personality's 4 KiB or 1 MiB transfers over raw memory copies; {@code threads}:
 * two threads over one), the median of the slice pairs' ratios and its quartiles, and each side's
 * median rate.
 *
 * <p>Why pairs: JMH measures a target and its peer in trials that run minutes apart, and on these
 * shared machines the load between them moves a ratio by more than a goal's margin (one fork of
 * XFS's creates ran 22,000-105,000/s from one second to the next, every frame of the profile
 * slower alike; JMH's random 1 MiB reads came out 1.18x raw memory, which no file system on that
 * memory can be). Slices next to each other see the same machine, so the median of their ratios
 * says what the file system costs, and the quartiles how far the machine let it be known.
 *
 * @param kind     {@code io} or {@code threads}
 * @param target   the personality (with mount options, as {@code ext4:dioread_nolock})
 * @param what     {@code read-seq-4096} and the like, or {@code create}, {@code read}
 * @param median   the median of the pairs' ratios
 * @param q1       their first quartile
 * @param q3       their third quartile
 * @param baseRate the base's median rate (ops/s)
 * @param rate     the target's median rate (ops/s)
 * @param pairs    how many pairs of slices
 */
record Paired(String kind, String target, String what, double median, double q1, double q3, double baseRate, double rate, int pairs) {
    static final String PREFIX = "PAIRED ";

    /** One side's slice of a pair: side 0 is the base, side 1 the target. */
    @FunctionalInterface
    interface Slice {
        /** {@return the side's rate over its slice} */
        double run(int side) throws Exception;
    }

    /**
     * Pair {@code i}: each side's slice, its rate into {@code rates[side][i]}. Which side goes first
     * alternates with {@code i}, so that neither always follows the other.
     */
    static void pair(double[][] rates, int i, Slice slice) throws Exception {
        for (int k = 0; k < 2; k++) {
            int side = i % 2 == 0 ? k : 1 - k;
            rates[side][i] = slice.run(side);
        }
    }

    /** The ratio of {@code rates[i] / baseRates[i]} over the pairs, with both sides' median rates. */
    static Paired of(String kind, String target, String what, double[] baseRates, double[] rates) {
        if (baseRates.length != rates.length || rates.length == 0) {
            throw new IllegalArgumentException("pairs: " + baseRates.length + " base slices, " + rates.length + " target slices");
        }
        double[] ratios = new double[rates.length];
        for (int i = 0; i < rates.length; i++) {
            ratios[i] = rates[i] / baseRates[i];
        }
        return new Paired(kind, target, what, percentile(ratios, 0.5), percentile(ratios, 0.25), percentile(ratios, 0.75),
                percentile(baseRates, 0.5), percentile(rates, 0.5), rates.length);
    }

    /** The value at {@code p} of the sorted values (nearest rank, the upper one of two middles). */
    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, s.length * p)];
    }

    /** The line a forked JVM prints for the suite to read back ({@link #parse}). */
    String line() {
        return String.format(Locale.ROOT, "%s%s %s %s %.4f %.4f %.4f %.1f %.1f %d", PREFIX, kind, target, what, median, q1, q3,
                baseRate, rate, pairs);
    }

    static Paired parse(String line) {
        String[] f = line.substring(PREFIX.length()).split(" ");
        if (f.length != 9) {
            throw new IllegalArgumentException("not a paired result: " + line);
        }
        return new Paired(f[0], f[1], f[2], Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                Double.parseDouble(f[6]), Double.parseDouble(f[7]), Integer.parseInt(f[8]));
    }

    /** {@code 0.93x (0.90-0.95)}: the median and its quartiles. */
    String figure() {
        return figure(2);
    }

    /** {@link #figure()} with {@code digits} decimals. */
    String figure(int digits) {
        String d = "%." + digits + "f";
        return String.format(Locale.ROOT, d + "x (" + d + "-" + d + ")", median, q1, q3);
    }
}
