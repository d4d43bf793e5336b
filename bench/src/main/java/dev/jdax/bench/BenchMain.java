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

    private static ChainedOptionsBuilder options(boolean quick, String targets, int forks) {
        ChainedOptionsBuilder opts = new OptionsBuilder()
                .forks(forks)
                .shouldFailOnError(false)
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xmx4g")
                .param("fileMiB", quick ? "256" : "1024");
        if (quick) {
            // A few minutes: half-second iterations, and the sizes the goals name.
            opts.warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(2).measurementTime(TimeValue.milliseconds(500))
                    .param("ioSize", "4096", "1048576")
                    // Filling a 100,000-extent file takes minutes; the full run measures it.
                    .param("extents", "1", "10", "1000");
        } else {
            opts.warmupIterations(2).warmupTime(TimeValue.seconds(2))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(2));
        }
        if (targets != null) {
            // The personality benchmarks (FsBench, GrowthBench) take the personalities named here.
            opts.param("target", targets.split(","));
        }
        return opts;
    }

    public static void main(String[] args) throws RunnerException, IOException {
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
        // WritersBench runs on its own, in three forks: where the JVM lands its two threads (two
        // vCPUs that share a core's caches, or not) moves the two-writer figure by half from one
        // fork to the next, so one fork's figure says little.
        boolean writersOnly = only != null && only.contains("Writers");
        List<RunResult> results = new ArrayList<>();
        if (!writersOnly) {
            ChainedOptionsBuilder opts = options(quick, targets, 1);
            if (only != null) {
                // A part of the suite (JMH's regex on Class.method), e.g. GrowthBench; goals it does not measure say so.
                opts.include(only);
            } else {
                opts.include(IoBench.class.getName()).include(FsBench.class.getName()).include(MetaBench.class.getName())
                        .include(GrowthBench.class.getName());
            }
            results.addAll(new Runner(opts.build()).run());
        }
        if (only == null || writersOnly) {
            results.addAll(new Runner(options(quick, targets, quick ? 2 : 3).include(WritersBench.class.getName()).build()).run());
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
                others.add(new BenchReport.Other(label.substring(label.lastIndexOf('.', label.lastIndexOf('.') - 1) + 1),
                        params.toString(), r.getPrimaryResult().getScore(), aux.toString().strip()));
            }
        }
        BenchReport report = new BenchReport(ms, others, quick);
        report.write(out);
        System.out.println(report.markdown());
        System.out.println("written: " + out.resolve("latest.md") + ", latest.json, latest.svg");
    }
}
