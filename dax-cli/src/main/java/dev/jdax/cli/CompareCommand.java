package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.cli.compare.Catalog;
import dev.jdax.cli.compare.Comparison;
import dev.jdax.cli.compare.HtmlReport;
import dev.jdax.cli.compare.JsonReport;
import dev.jdax.cli.compare.MarkdownReport;
import dev.jdax.cli.compare.PersonalityConfig;
import dev.jdax.cli.compare.Scenario;
import dev.jdax.cli.compare.TextReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jdax compare}: the side-by-side table of the personalities, checked against Linux 6.1. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        header = "Every scenario on every personality, beside Linux 6.1's own output.",
        description = {"Runs every scenario on every personality, each on a fresh device in memory, and prints "
                + "one table: a row per command, a column per personality, Linux 6.1's own output beside each. "
                + "Timing lines, fd.path, clock times and mapping addresses are not compared, nor fiemap physical blocks except on ext4 and XFS."})
final class CompareCommand implements Callable<Integer> {
    @Option(names = "--fs", paramLabel = "LIST", defaultValue = PersonalityConfig.DEFAULT_LIST,
            description = "Personalities with optional mount options (default: ${DEFAULT-VALUE}).")
    String fs;

    @Option(names = "--scenario", paramLabel = "GLOB", description = "Only the scenarios whose names match (e.g. 'badblock-*').")
    String scenario;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (aligned, colour on a terminal), markdown, json or html (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the report to FILE instead of standard output.")
    Path out;

    @Option(names = "--strict", description = "Exit 1 when jdax differs from Linux where no difference is declared.")
    boolean strict;

    @Option(names = "--list", description = "List the scenarios and exit.")
    boolean list;

    @Option(names = "--threads", paramLabel = "N", description = "Runs at a time (default: the number of processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Override
    public Integer call() throws FsException {
        Catalog catalog = Catalog.load();
        List<Scenario> scenarios = catalog.matching(scenario);
        if (scenarios.isEmpty()) {
            throw FsException.of(Errno.ENOENT, "no scenario matches \"%s\" (try --list)", scenario);
        }
        if (list) {
            for (Scenario s : scenarios) {
                System.out.printf(Locale.ROOT, "%-28s %-9s %s%n", s.name(), s.source(), s.description());
            }
            return 0;
        }
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!List.of("text", "markdown", "json", "html").contains(fmt)) {
            throw FsException.of(Errno.EINVAL, "--format %s: want text, markdown, json or html", format);
        }
        List<PersonalityConfig> configs = available(PersonalityConfig.parseList(fs), fs.equals(PersonalityConfig.DEFAULT_LIST));
        boolean tty = System.console() != null;
        int total = scenarios.size() * configs.size();
        long start = System.nanoTime();
        Comparison c = Comparison.run(catalog, scenarios, configs, threads, p -> {
            if (tty) {
                synchronized (System.err) {
                    System.err.printf(Locale.ROOT, "\rjdax compare: %d/%d runs (%s on %s)\u001b[K", p.done(), p.total(),
                            p.scenario(), p.config());
                }
            }
        });
        if (tty) {
            System.err.print("\r\u001b[K");
        }
        System.err.printf(Locale.ROOT, "jdax compare: %d runs (%d scenarios x %d personalities) in %.1f s%n", total,
                scenarios.size(), configs.size(), (System.nanoTime() - start) / 1e9);
        try (PrintStream ps = out == null ? null : new PrintStream(new FileOutputStream(out.toFile()), false,
                StandardCharsets.UTF_8)) {
            PrintStream target = ps == null ? new PrintStream(new FileOutputStream(java.io.FileDescriptor.out), true,
                    StandardCharsets.UTF_8) : ps;
            switch (fmt) {
                case "markdown" -> new MarkdownReport(target).write(c);
                case "json" -> new JsonReport(target).write(c);
                case "html" -> new HtmlReport(target).write(c);
                default -> new TextReport(target, ps == null && tty && System.getenv("NO_COLOR") == null).write(c);
            }
            target.flush();
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "--out %s: %s", out, e.getMessage());
        }
        if (out != null) {
            System.err.println("jdax compare: wrote " + out + " (" + sizeOf(out) + " bytes)");
        }
        return strict && c.hasUndeclaredDifferences() ? 1 : 0;
    }

    /**
     * The configurations whose personality is on the class path. A personality named with --fs that
     * is missing is an error (ENODEV); from the default list it is left out with a note, so the main
     * job runs with what this build has.
     */
    private static List<PersonalityConfig> available(List<PersonalityConfig> configs, boolean defaults) throws FsException {
        java.util.Set<String> have = new java.util.TreeSet<>();
        dev.jdax.api.fs.FileSystemTypes.all().forEach(t -> have.add(t.name()));
        List<PersonalityConfig> out = new java.util.ArrayList<>();
        List<String> missing = new java.util.ArrayList<>();
        for (PersonalityConfig c : configs) {
            if (have.contains(c.type())) {
                out.add(c);
            } else {
                missing.add(c.label());
            }
        }
        if (!missing.isEmpty() && (!defaults || out.isEmpty())) {
            throw FsException.of(Errno.ENODEV, "--fs: no personality for %s in this build (have: %s)",
                    String.join(", ", missing), have.isEmpty() ? "none" : String.join(", ", have));
        }
        if (!missing.isEmpty()) {
            System.err.println("jdax compare: not in this build yet, left out: " + String.join(", ", missing)
                    + " (Linux's output for them is in the catalogue; see the README's status)");
        }
        return out;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }
}
