package dev.jdax.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bench/run [--quick] [--targets LIST] [--only REGEX] [--out DIR]}: runs the suite with JMH and writes
 * {@code latest.json}, {@code latest.md} and {@code latest.svg} (ratios against the peers of the same run).
 */
public final class BenchMain {
    private BenchMain() {
    }

    /**
     * A part of the suite with its own forks: JMH forks of one benchmark differ by up to 20% on these
     * shared two-vCPU machines (where the JVM lands its threads and memory) while the iterations
     * inside a fork agree within 3%, so the goals' benchmarks run in more forks of fewer iterations.
     * {@code warmupMillis}: the quick run warms up for one iteration that long, the full run for two
     * of half of it, each at least two seconds; {@code measureMillis}: an iteration of the quick run
     * (the full run's are two seconds).
     */
    private record Part(String benchmarks, int forks, int iterations, long warmupMillis, long measureMillis) {
        boolean named(String only) {
            return java.util.Arrays.stream(benchmarks.split("\\|")).anyMatch(b -> only.contains(b.substring(b.lastIndexOf('.') + 1)));
        }
    }

    private static List<Part> parts(boolean quick) {
        String io = IoBench.class.getName();
        String rest = FsBench.class.getName() + "|" + GrowthBench.class.getName();
        String writers = WritersBench.class.getName() + "|" + ThreadsBench.class.getName();
        String lucene = LuceneBench.class.getName();
        return quick
                // Creates from two threads in a JVM just started share the two cores with C2 compiling
                // their paths, where one thread leaves the compiler a core of its own: half a second of
                // warm-up measured the compiler, three still did in the first measured iteration (ext2's
                // two threads: 1.15x one after 3 s, 1.80x after 10 s), so they have eight. Then XFS's
                // creates run in phases of 5-10 s, two threads 110k-265k/s within one fork (one thread
                // 100k-160k): two half-second iterations caught one phase, five of a second see several.
                // One Lucene build in a JVM differs from the next JVM's by a tenth or more (where the JVM
                // lands its threads and memory): three JVMs per target, and the median build.
                ? List.of(new Part(io + "|" + rest, 1, 2, 500, 500), new Part(writers, 2, 5, 8000, 1000), new Part(lucene, 3, 2, 500, 500))
                : List.of(new Part(io, 2, 3, 0, 0), new Part(rest, 1, 5, 0, 0), new Part(writers, 3, 5, 8000, 0), new Part(lucene, 3, 3, 0, 0));
    }

    private static ChainedOptionsBuilder options(boolean quick, String targets, Part part) {
        int iterations = part.iterations();
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .forks(part.forks())
                .shouldFailOnError(false)
                .jvmArgsAppend(ForkArgs.withHeap("4g").toArray(String[]::new))
                .param("fileMiB", quick ? "256" : "1024");
        if (quick) {
            // The part's iterations after its warm-up, and the sizes the goals name.
            opts.warmupIterations(1).warmupTime(TimeValue.milliseconds(part.warmupMillis()))
                    .measurementIterations(iterations).measurementTime(TimeValue.milliseconds(part.measureMillis()))
                    .param("ioSize", "4096", "1048576")
                    // Filling the 100,000-extent file takes 5 s (ext2) to 90 s (XFS) since the extent
                    // lists stopped rewriting themselves whole per change: the goal's size is measured.
                    .param("extents", "1", "10", "1000", "100000");
        } else {
            opts.warmupIterations(2).warmupTime(TimeValue.milliseconds(Math.max(2000, part.warmupMillis() / 2)))
                    .measurementIterations(iterations).measurementTime(TimeValue.seconds(2));
        }
        if (targets != null) {
            // The personality benchmarks (FsBench, GrowthBench) take the personalities named here.
            opts.param("target", targets.split(","));
        }
        return opts;
    }

    public static void main(String[] args) throws RunnerException, IOException, InterruptedException {
        boolean quick = false;
        String targets = null;
        String only = null;
        Path out = Path.of("bench/results");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--targets" -> targets = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> only = args[++i];
                default -> {
                    System.err.println("usage: bench/run [--quick] [--targets raw,ext4,...] [--only REGEX] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        List<RunResult> results = new ArrayList<>();
        // MetaBench is not JMH (a directory of 100,000 names is filled once per target, then measured
        // there), nor are the paired ratios (PairedRun): each runs with the whole suite, or alone when
        // --only names just it (MetaBench, Paired).
        boolean meta = only == null || only.contains("MetaBench");
        boolean pairs = only == null || only.contains("Paired");
        if (only != null && (only.equals("MetaBench") || only.equals("Paired"))) {
            // nothing of JMH
        } else if (only != null) {
            // A part of the suite (JMH's regex on Class.method), e.g. GrowthBench, with the forks of the
            // part it names; goals it does not measure say so.
            String regex = only;
            Part part = parts(quick).stream().filter(pt -> pt.named(regex)).findFirst().orElse(parts(quick).get(0));
            results.addAll(new Runner(options(quick, targets, part).include(regex).build()).run());
        } else {
            for (Part part : parts(quick)) {
                ChainedOptionsBuilder opts = options(quick, targets, part);
                for (String b : part.benchmarks().split("\\|")) {
                    opts.include(b);
                }
                results.addAll(new Runner(opts.build()).run());
            }
        }
        List<Measurement> ms = new ArrayList<>();
        List<BenchReport.Other> others = new ArrayList<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String label = p.getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            if (label.contains("IoBench")) {
                ms.add(new Measurement(method, p.getParam("target"), Integer.parseInt(p.getParam("ioSize")),
                        p.getParam("pattern"), r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
            } else {
                StringBuilder params = new StringBuilder();
                for (String k : p.getParamsKeys()) {
                    params.append(params.isEmpty() ? "" : ", ").append(k).append('=').append(p.getParam(k));
                }
                StringBuilder aux = new StringBuilder();
                r.getSecondaryResults().forEach((k, v) -> aux.append(String.format(java.util.Locale.ROOT, " %s/op=%.1f",
                        k, v.getScore() / r.getPrimaryResult().getScore())));
                double score = r.getPrimaryResult().getScore();
                // LuceneBench measures milliseconds per run, the median over its forks' runs (their mean
                // follows one slow JVM): as ops/s like the others.
                double opsPerSec = label.contains("LuceneBench") ? 1000 / r.getPrimaryResult().getStatistics().getPercentile(50) : score;
                others.add(new BenchReport.Other(label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1),
                        params.toString(), opsPerSec, aux.toString().strip()));
            }
        }
        List<Paired> paired = pairs ? PairedRun.run(quick) : List.of();
        List<MetaBench.Result> metadata = meta ? MetaBench.run(quick, null) : List.of();
        BenchReport report = new BenchReport(ms, others, metadata, paired, quick);
        report.write(out);
        System.out.println(report.markdown());
        System.out.println("written: " + out.resolve("latest.md") + ", latest.json, latest.svg");
    }
}
