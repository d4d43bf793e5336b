package dev.jdax.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The suite's paired measurements ({@link Paired}), each target in a JVM of its own: {@link IoRatio}
 * for the transfer goals (4 KiB and 1 MiB against raw memory), {@link ThreadsRatio} for the
 * thread goals (two creating threads, two readers, against one), {@link MetaRatio} for the
 * metadata goals (100,000 names against 100, /dev/shm and Jimfs as peers) and {@link LuceneRatio}
 * for Lucene's (indexing and queries against /dev/shm).
 */
final class PairedRun {
    static final List<String> IO_TARGETS = List.of("ext2", "ext4", "ext4:dioread_nolock", "xfs");
    static final List<String> PERSONALITIES = List.of("ext2", "ext4", "xfs");
    static final List<String> THREAD_MODES = List.of("create", "read");
    /**
     * ext4 made with orphan_file besides mke2fs.conf's defaults here (e2fsprogs 1.47 upstream makes
     * it by default; Debian's configuration does not): its orphans need no lock shared by all, which
     * a create + unlink takes twice. Measured for creates, beside plain ext4.
     */
    static final String ORPHAN_FILE = "ext4+orphan_file";
    static final List<Integer> IO_SIZES = List.of(4096, 1 << 20);
    /**
     * Raw copies each under a lock ({@link LockedRawTarget}), beside raw copies as the targets are:
     * a figure beside the 4 KiB goals (not their bound: see its doc). Measured at 4 KiB only (at
     * 1 MiB a lock's cost is lost in the copy).
     */
    static final String LOCKED_RAW = "lockedraw";

    /**
     * Seconds of slice pairs per pattern and size ({@code io}), the threads' warm-up (C2 compiles a
     * create's paths over seconds, as {@link BenchMain} says of ThreadsBench) and their seconds of
     * pairs, the same for each metadata ratio ({@link MetaRatio}), and Lucene's build pairs of
     * warm-up and of measurement and seconds of query slices ({@link LuceneRatio}). A JVM's first
     * twenty builds and more compile Lucene's paths, and the personality's side jdax's too, where
     * the kernel's are compiled already; the warm-up's pairs are reported beside the measured ones.
     * After 24 pairs jdax's side still compiled for 32-46% of its measured build time against
     * /dev/shm's 21-28% (ext4 0.95x, XFS 0.96x); after 40, 14-22% against 13-27% (ext4 1.00x and
     * 0.97x, XFS 1.01x and 1.01x in two runs each).
     */
    record Timing(double ioSeconds, double threadsWarmup, double threadsSeconds, double metaWarmup, double metaSeconds,
                  int luceneWarmupPairs, int lucenePairs, double luceneQuerySeconds) {
        static Timing of(boolean quick) {
            return quick ? new Timing(3, 8, 24, 2, 6, 40, 8, 6) : new Timing(8, 10, 60, 3, 15, 50, 15, 15);
        }
    }

    /** The personalities Lucene runs on in the suite (as in LuceneBench). */
    static final List<String> LUCENE_TARGETS = List.of("ext4", "xfs");

    private PairedRun() {
    }

    static List<Paired> run(boolean quick) throws IOException, InterruptedException {
        Timing t = Timing.of(quick);
        List<Paired> out = new ArrayList<>();
        String sizes = String.join(",", IO_SIZES.stream().map(String::valueOf).toList());
        for (String target : IO_TARGETS) {
            System.out.println("# IoRatio: " + target);
            ForkedJvm.run(IoRatio.class, "4g", List.of(target, sizes, Double.toString(t.ioSeconds())), Paired.PREFIX)
                    .forEach(line -> out.add(Paired.parse(line)));
        }
        System.out.println("# IoRatio: " + LOCKED_RAW + " (raw transfers under the engine's lock)");
        ForkedJvm.run(IoRatio.class, "4g", List.of(LOCKED_RAW, "4096", Double.toString(t.ioSeconds())), Paired.PREFIX)
                .forEach(line -> out.add(Paired.parse(line)));
        for (String personality : PERSONALITIES) {
            for (String mode : THREAD_MODES) {
                threads(personality, mode, t, out);
            }
        }
        threads(ORPHAN_FILE, "create", t, out);
        for (String personality : PERSONALITIES) {
            System.out.println("# MetaRatio: " + personality);
            ForkedJvm.run(MetaRatio.class, "6g", List.of(personality, Double.toString(t.metaWarmup()), Double.toString(t.metaSeconds())),
                    Paired.PREFIX).forEach(line -> out.add(Paired.parse(line)));
        }
        for (String personality : LUCENE_TARGETS) {
            System.out.println("# LuceneRatio: " + personality);
            ForkedJvm.run(LuceneRatio.class, "512m", List.of(personality, Integer.toString(t.luceneWarmupPairs()),
                    Integer.toString(t.lucenePairs()), Double.toString(t.luceneQuerySeconds())), Paired.PREFIX)
                    .forEach(line -> out.add(Paired.parse(line)));
        }
        return out;
    }

    private static void threads(String target, String mode, Timing t, List<Paired> out) throws IOException, InterruptedException {
        System.out.println("# ThreadsRatio: " + target + " " + mode);
        ForkedJvm.run(ThreadsRatio.class, "4g", List.of(target, mode, Double.toString(t.threadsWarmup()),
                Double.toString(t.threadsSeconds())), Paired.PREFIX).forEach(line -> out.add(Paired.parse(line)));
    }
}
