package dev.jdax.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report's Lucene section: {@link LuceneBench}'s times per target, each with its ratio to the
 * same program on /dev/shm in the same run (below 1.00 is faster than /dev/shm, the goal).
 */
final class LuceneSection {
    private static final List<String> TARGETS = List.of("shm", "ext4", "xfs", "ext4-image");

    private LuceneSection() {
    }

    static String markdown(List<BenchReport.Other> others) {
        if (others.stream().noneMatch(o -> o.benchmark().startsWith("LuceneBench."))) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n## Lucene (examples/lucene-index, MMapDirectory)\n\n"
                + "Milliseconds per run (the median of three JVMs' runs per target), and the ratio to the same program on /dev/shm (the JDK's file system) in this run.\n"
                + "index: two threads, commits, updates, deletes, merges, forceMerge(1), CheckIndex; queries: the fixed set.\n\n"
                + "| target | index ms | queries ms |\n|---|---:|---:|\n");
        for (String t : TARGETS) {
            sb.append("| ").append(t).append(" | ").append(cell(others, "index", t)).append(" | ")
                    .append(cell(others, "queries", t)).append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(List<BenchReport.Other> others, String benchmark, String target) {
        Optional<Double> ms = millis(others, benchmark, target);
        Optional<Double> shm = millis(others, benchmark, "shm");
        if (ms.isEmpty()) {
            return "—";
        }
        String v = String.format(Locale.ROOT, "%.0f", ms.get());
        if (!target.equals("shm") && shm.isPresent()) {
            v += String.format(Locale.ROOT, " (%.2fx)", ms.get() / shm.get());
        }
        return v;
    }

    private static Optional<Double> millis(List<BenchReport.Other> others, String benchmark, String target) {
        return others.stream().filter(o -> o.benchmark().equals("LuceneBench." + benchmark) && o.params().equals("fs=" + target))
                .findFirst().map(o -> 1000 / o.opsPerSec());
    }
}
