package dev.jdax.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code MetaRatio PERSONALITY WARMUP_SECONDS SECONDS}: issue 21's metadata goals as {@link Paired}
 * ratios, each side of a ratio run in alternating slices of 100 ms inside one JVM — a directory of
 * 100,000 names over one of 100 (create + write 4 KiB + delete, create + delete, rename), the
 * personality over the JDK's file system on /dev/shm (create + write 4 KiB + delete) and over Jimfs
 * (lookups), at both sizes. Prints a {@code PAIRED meta ...} line per ratio.
 *
 * <p>Why pairs here too: {@link MetaBench} measures each target in a JVM of its own, minutes apart,
 * and two runs of it an hour apart put ext4's create + write + delete at 100 names at 116,000/s and
 * at 165,000/s, and its rate at 100,000 names at 0.58x and 1.07x the rate at 100: the JIT's choices
 * and the machine's load, not the directory, decided the goal. Each directory lives on a mount of
 * its own (as MetaBench's do), and every side's operation is the same call site for both, so the
 * compiled code a slice runs is the code its pair runs.
 */
public final class MetaRatio {
    /** A slice's length. */
    private static final long SLICE_NANOS = 100_000_000L;
    static final int SMALL = 100;
    static final int LARGE = 100_000;
    /** The operations judged by the size goal: those that change the directory. */
    static final List<String> SIZE_OPS = List.of("createWriteDelete", "createDelete", "rename");
    /** A fill of 100,000 names takes seconds; past this, the directory is what it reached (MetaBench's rule). */
    private static final long FILL_SECONDS = 300;

    private MetaRatio() {
    }

    /** {@code createWriteDelete-100000-over-100}: how the size ratio of {@code op} is named. */
    static String sizeWhat(String op) {
        return op + "-" + LARGE + "-over-" + SMALL;
    }

    /** {@code createWriteDelete-over-shm-100000}: how a ratio to a peer at {@code names} is named. */
    static String peerWhat(String op, String peer, int names) {
        return op + "-over-" + peer + "-" + names;
    }

    public static void main(String[] args) throws Exception {
        String personality = args[0];
        double warmup = Double.parseDouble(args[1]);
        double seconds = Double.parseDouble(args[2]);
        List<MetaBench.Site> sites = new ArrayList<>();
        try {
            Sides small = Sides.open(personality, SMALL, sites);
            Sides large = Sides.open(personality, LARGE, sites);
            List<Paired> out = new ArrayList<>();
            for (String op : SIZE_OPS) {
                out.add(measure(personality, sizeWhat(op), small.jdax().operation(op), large.jdax().operation(op), warmup, seconds));
            }
            for (Sides s : List.of(small, large)) {
                String cwd = "createWriteDelete";
                out.add(measure(personality, peerWhat(cwd, "shm", s.names()), s.shm().operation(cwd), s.jdax().operation(cwd),
                        warmup, seconds));
                out.add(measure(personality, peerWhat("lookup", "jimfs", s.names()), s.jimfs().operation("lookup"),
                        s.jdax().operation("lookup"), warmup, seconds));
            }
            for (Paired p : out) {
                System.out.printf(Locale.ROOT, "METARATIO %s %s: %s (base %.0f/s, %s %.0f/s, %d pairs)%n", personality, p.what(),
                        p.figure(), p.baseRate(), personality, p.rate(), p.pairs());
                System.out.println(p.line());
            }
        } finally {
            for (MetaBench.Site s : sites.reversed()) {
                s.close();
            }
        }
    }

    /** A directory of {@code names} on the personality, on /dev/shm and in Jimfs, each on a mount of its own. */
    private record Sides(int names, MetaBench.Directory jdax, MetaBench.Directory shm, MetaBench.Directory jimfs) {
        static Sides open(String personality, int names, List<MetaBench.Site> sites) throws IOException {
            return new Sides(names, fill(personality, names, sites), fill("shm", names, sites), fill("jimfs", names, sites));
        }

        private static MetaBench.Directory fill(String target, int names, List<MetaBench.Site> sites) throws IOException {
            MetaBench.Site site = MetaBench.Site.open(target, "ratio" + names);
            sites.add(site);
            MetaBench.Directory d = MetaBench.Directory.fill(site.root().resolve("d"), names, FILL_SECONDS);
            System.out.printf(Locale.ROOT, "# %s: %,d names made in %.1f s%n", target, d.paths.length, d.fillSeconds);
            return d;
        }
    }

    /** {@code target}'s rate over {@code base}'s, in pairs of slices after {@code warmup} seconds of them. */
    static Paired measure(String personality, String what, MetaBench.Op base, MetaBench.Op target, double warmup,
                          double seconds) throws Exception {
        int[][] calls = {{0}, {0}};
        pairs(base, target, calls, warmup);
        double[][] rates = pairs(base, target, calls, seconds);
        return Paired.of("meta", personality, what, rates[0], rates[1]);
    }

    /** {@return base's and target's rates per pair} */
    private static double[][] pairs(MetaBench.Op base, MetaBench.Op target, int[][] calls, double seconds) throws Exception {
        int n = Math.max(1, (int) (seconds * 1e9 / (2 * SLICE_NANOS)));
        double[][] rates = new double[2][n];
        MetaBench.Op[] ops = {base, target};
        for (int i = 0; i < n; i++) {
            Paired.pair(rates, i, side -> MetaBench.run(ops[side], calls[side], SLICE_NANOS));
        }
        return rates;
    }
}
