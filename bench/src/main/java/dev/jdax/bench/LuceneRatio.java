package dev.jdax.bench;

import example.lucene.LuceneIndex;

import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NoLockFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code LuceneRatio PERSONALITY WARMUP_PAIRS PAIRS QUERY_SECONDS}: issue 19's goal (Lucene on jdax
 * at least as fast as on /dev/shm) as {@link Paired} ratios. {@code index}: whole builds of
 * examples/lucene-index's program (two indexing threads, commits, updates, deletes, merges,
 * forceMerge(1), CheckIndex), one on /dev/shm and one on the personality per pair, which goes first
 * alternating; {@code queries}: the fixed query set on each side's merged index, in alternating
 * slices of 200 ms. A ratio is jdax's rate over /dev/shm's: at least 1 meets the goal.
 *
 * <p>The warm-up's pairs are a figure of their own ({@link #WARMUP}), and each side's share of
 * compilation during the measured pairs is printed: a JVM compiles Lucene's paths for twenty builds
 * and more, with jdax's on top on the personality's side, where the kernel's paths come compiled
 * (JFR's compilation events, ext4's side: 0.7-0.9 s of compiling per build to the twelfth, about
 * 0.5 s to the eighteenth, 0.2 s after the twentieth, where a build takes 0.5-0.9 s on two CPUs).
 * Measured pairs that follow a short warm-up judge the compilers' race, not the file systems.
 *
 * <p>Each side runs in a JVM of its own, both alive for the whole run and told in turn what to do
 * (only one works at a time), so a pair's two builds run seconds apart, as in the other paired
 * measurements, and neither side's code is compiled for the other's classes. In one JVM with both,
 * Lucene's call sites met both file systems' channels and buffers, and ext4's builds ran 0.80-0.87x
 * /dev/shm's where each alone in its JVM ran as fast; LuceneBench's forks, a target minutes after
 * its peer, put the same build at 1.05x, 1.12x and 1.06x the time on /dev/shm on three runs.
 */
public final class LuceneRatio {
    private static final long SLICE_MILLIS = 200;
    /** The ratio over the warm-up's pairs: builds while both JVMs' compilers are at work. */
    static final String WARMUP = "index-warmup";

    private LuceneRatio() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("side")) {
            side(args[1]);
            return;
        }
        String personality = args[0];
        int warmupPairs = Integer.parseInt(args[1]);
        int pairs = Integer.parseInt(args[2]);
        double querySeconds = Double.parseDouble(args[3]);
        try (Side shm = Side.start("shm"); Side jdax = Side.start(personality)) {
            Side[] sides = {shm, jdax};
            double[][] warmup = run(sides, "build", warmupPairs);
            long[] compiledBefore = {shm.compiledMillis, jdax.compiledMillis};
            double[][] builds = run(sides, "build", pairs);
            String shmAnswers = shm.ask("prepare");
            if (!shmAnswers.equals(jdax.ask("prepare"))) {
                throw new IllegalStateException(personality + ": the queries answered otherwise than on /dev/shm");
            }
            int slices = Math.max(1, (int) (querySeconds * 1000 / (2 * SLICE_MILLIS)));
            run(sides, "queries", slices);
            double[][] queries = run(sides, "queries", slices);
            for (Paired p : List.of(Paired.of("lucene", personality, WARMUP, warmup[0], warmup[1]),
                    Paired.of("lucene", personality, "index", builds[0], builds[1]),
                    Paired.of("lucene", personality, "queries", queries[0], queries[1]))) {
                System.out.printf(Locale.ROOT, "LUCENERATIO %s %s: %s (/dev/shm %.2f/s, %s %.2f/s, %d pairs)%n", personality,
                        p.what(), p.figure(), p.baseRate(), personality, p.rate(), p.pairs());
                System.out.println(p.line());
            }
            for (int side = 0; side < 2; side++) {
                double buildSeconds = Arrays.stream(builds[side]).map(r -> 1 / r).sum();
                System.out.printf(Locale.ROOT, "LUCENERATIO %s: the JIT compiled for %.0f%% of %s's measured build time%n",
                        personality, (sides[side].compiledMillis - compiledBefore[side]) / 10.0 / buildSeconds, sides[side].target());
            }
        }
    }

    /** {@return each side's rate per pair of {@code command}} */
    private static double[][] run(Side[] sides, String command, int pairs) throws Exception {
        double[][] rates = new double[2][pairs];
        for (int i = 0; i < pairs; i++) {
            Paired.pair(rates, i, side -> sides[side].rate(command));
        }
        return rates;
    }

    /** One side: a JVM of its own ({@link #side}), asked one line at a time. */
    private static final class Side implements AutoCloseable {
        private final String target;
        private final Process process;
        private final BufferedReader out;
        private final PrintWriter in;
        /** The side's JVM's compilation time so far, as its last build's answer gave it (milliseconds). */
        long compiledMillis;

        private Side(String target, Process process, BufferedReader out, PrintWriter in) {
            this.target = target;
            this.process = process;
            this.out = out;
            this.in = in;
        }

        static Side start(String target) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(ForkArgs.withHeap("4g"));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LuceneRatio.class.getName(), "side", target));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            return new Side(target, p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                    new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8));
        }

        String target() {
            return target;
        }

        /** Sends {@code command}; {@return the rate it answers}, keeping the compilation time a build's answer adds. */
        double rate(String command) throws IOException {
            String[] answer = ask(command).split(" ");
            if (answer.length > 1) {
                compiledMillis = Long.parseLong(answer[1]);
            }
            return Double.parseDouble(answer[0]);
        }

        /** Sends {@code command}; {@return the answer after "OK "}. */
        String ask(String command) throws IOException {
            in.println(command);
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("OK ")) {
                    return line.substring(3);
                }
                System.out.println(line); // what the side says on the way (Lucene's warnings)
            }
            throw new IOException("LuceneRatio on " + target + " ended (exit " + waitQuietly() + ") before answering " + command);
        }

        private int waitQuietly() {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        @Override
        public void close() {
            in.println("quit");
            if (waitQuietly() != 0) {
                System.out.println("# LuceneRatio on " + target + ": exited with " + process.exitValue());
            }
        }
    }

    /**
     * A side's JVM: reads commands from its standard input and answers {@code OK value} — {@code build}:
     * one build, removed after it, as builds per second, and the JVM's compilation time so far in
     * milliseconds; {@code prepare}: the build kept for queries,
     * its answers' hash; {@code queries}: query sets per second for a slice; {@code quit}.
     */
    private static void side(String target) throws Exception {
        PrintStream out = System.out;
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "jdax-lucene-ratio");
        FileSystem jdax = target.equals("shm") ? null : FileSystems.newFileSystem(URI.create("jdax:memory:lucene-ratio-" + target),
                Map.of("memory", "1g", "populate", "true", "type", target, "options", "dax"));
        Path root = jdax == null ? shm : jdax.getPath("/");
        MMapDirectory dir = null;
        DirectoryReader reader = null;
        try (BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String command;
            while ((command = commands.readLine()) != null && !command.equals("quit")) {
                switch (command) {
                    case "build" -> {
                        Path index = root.resolve("index");
                        long nanos = LuceneIndex.build(index, LuceneBench.SEED, 0, false).indexNanos();
                        LuceneBench.delete(index);
                        out.println("OK " + 1e9 / nanos + " " + ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
                    }
                    case "prepare" -> {
                        Path index = root.resolve("queried");
                        LuceneIndex.build(index, LuceneBench.SEED, 0, false);
                        dir = new MMapDirectory(index, NoLockFactory.INSTANCE);
                        reader = DirectoryReader.open(dir);
                        out.println("OK " + Integer.toHexString(String.join("\n", LuceneIndex.answers(reader)).hashCode()));
                    }
                    case "queries" -> {
                        long start = System.nanoTime();
                        long now;
                        long sets = 0;
                        do {
                            LuceneIndex.answers(reader);
                            sets++;
                        } while ((now = System.nanoTime()) - start < SLICE_MILLIS * 1_000_000);
                        out.println("OK " + sets * 1e9 / (now - start));
                    }
                    default -> throw new IllegalArgumentException("LuceneRatio side: " + command);
                }
            }
        } finally {
            if (reader != null) {
                reader.close();
                dir.close();
            }
            if (jdax != null) {
                jdax.close();
            }
            LuceneBench.delete(shm);
        }
    }
}
