package dev.jdax.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report's section of {@link Paired} measurements and the goals they judge: every transfer goal
 * of {@link BenchReport#GOALS} (a personality against raw memory), two threads against one
 * (creating in two directories, reading one file), the metadata goals ({@link #META_GOALS}) and
 * Lucene's against /dev/shm, each the median of slice pairs with its quartiles.
 */
final class PairedSection {
    /** Two threads over one: issue 18's goal for creates, and readers of one file held to the same. */
    static final double THREADS_GOAL = 1.6;

    private PairedSection() {
    }

    static String markdown(List<Paired> paired) {
        if (paired.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n## Paired (the ratio goals' measure)\n\n"
                + "Each figure is the median of the ratios of slice pairs run one after the other in one JVM (20 ms slices of\n"
                + "transfers beside raw memory — reads copied out, writes the device's own stores, around the cache where it stores so;\n"
                + "at 4 KiB, the file's own blocks, the same memory, with the ratio to a device of their own after it; 200 ms slices of one thread and of two; 100 ms slices of metadata operations\n"
                + "through java.nio.file in two directories or beside a peer, each on a mount of its own; whole Lucene builds, one on\n"
                + "/dev/shm and one on jdax, each side in a JVM of its own kept for the run, and 200 ms slices of its queries), with the\n"
                + "quartiles of those ratios:\n"
                + "JMH's trials of a target and its peer run minutes apart, and the load between them moves a ratio by more than\n"
                + "a goal's margin. The JMH tables (in a whole run) stay as figures. \"machine\": two threads over one in the same JVM's\n"
                + "slices between, each thread working a hash map of its own — what the machine gave to work that shares nothing.\n"
                + "\"vCPUs near / far\": the same pairs split by where the host had the two vCPUs, told by one cache line passed between\n"
                + "the two threads after each pair (near: a round trip of 200 ns or less); far apart, a line both threads write costs ten times as much.\n"
                + "\"raw under a lock\": raw transfers each under the engine's lock (shared to read, exclusive to write) beside raw ones\n"
                + "of the same memory, in the same pairs; a figure, not a bound (jdax's overwrites, under the same lock, have run faster).\n\n| goal | ");
        sb.append(String.join(" | ", PairedRun.IO_TARGETS)).append(" |\n|---|");
        PairedRun.IO_TARGETS.forEach(t -> sb.append("---|"));
        sb.append('\n');
        for (BenchReport.Goal g : BenchReport.GOALS) {
            sb.append("| ").append(g.text()).append(find(paired, "io", PairedRun.LOCKED_RAW, what(g))
                    .map(c -> String.format(Locale.ROOT, " (raw under a lock: %.2fx)", c.median())).orElse("")).append(" |");
            for (String t : PairedRun.IO_TARGETS) {
                sb.append(' ').append(verdict(find(paired, "io", t, what(g)), g.ratio()))
                        .append(find(paired, "io", t, what(g) + IoRatio.OTHER_DEVICE)
                                .map(o -> String.format(Locale.ROOT, "; another device's raw %.2fx", o.median())).orElse(""))
                        .append(" |");
            }
            sb.append('\n');
        }
        for (String mode : PairedRun.THREAD_MODES) {
            sb.append(String.format(Locale.ROOT, "| %s >= %.2fx one thread |", mode.equals("create")
                    ? "2 threads creating in 2 directories" : "2 readers of one file", THREADS_GOAL));
            for (String t : PairedRun.IO_TARGETS) {
                sb.append(' ').append(PairedRun.PERSONALITIES.contains(t) ? threadsCell(paired, t, mode) : "—").append(" |");
            }
            sb.append('\n');
        }
        metaRows(sb, paired);
        if (paired.stream().anyMatch(p -> p.kind().equals("lucene") && p.what().equals("index"))) {
            sb.append("| Lucene indexing >= 1x /dev/shm (rate), after the warm-up; the warm-up's builds beside |");
            for (String t : PairedRun.IO_TARGETS) {
                sb.append(' ').append(PairedRun.LUCENE_TARGETS.contains(t) ? verdict(find(paired, "lucene", t, "index"), 1.0)
                        + find(paired, "lucene", t, LuceneRatio.WARMUP).map(w -> "; warm-up " + w.figure() + " over " + w.pairs())
                        .orElse("") : "—").append(" |");
            }
            sb.append('\n');
        }
        if (paired.stream().anyMatch(p -> p.kind().equals("lucene") && p.what().equals("queries"))) {
            row(sb, paired, "Lucene queries >= 1x /dev/shm (rate)", PairedRun.LUCENE_TARGETS, "lucene", "queries", 1.0);
        }
        sb.append("\nRates beside the ratios (medians of the slices, ops/s): base -> target.\n\n| measurement | target | base | target |\n"
                + "|---|---|---:|---:|\n");
        for (Paired p : paired) {
            sb.append(String.format(Locale.ROOT, "| %s %s | %s | %.0f | %.0f |%n", p.kind(), p.what(), p.target(), p.baseRate(), p.rate()));
        }
        return sb.toString();
    }

    /** A metadata goal: its text, the measurement's name ({@link MetaRatio}) and the least ratio that meets it. */
    record MetaGoal(String text, String what, double ratio) {
    }

    /** Issue 21's metadata goals as {@link MetaRatio} measures them. */
    static final List<MetaGoal> META_GOALS = metaGoals();

    private static List<MetaGoal> metaGoals() {
        List<MetaGoal> goals = new ArrayList<>();
        for (int names : new int[] {MetaRatio.SMALL, MetaRatio.LARGE}) {
            goals.add(new MetaGoal(String.format(Locale.ROOT, "create + write 4 KiB + delete >= 2x /dev/shm, %,d names", names),
                    MetaRatio.peerWhat("createWriteDelete", "shm", names), 2.0));
            goals.add(new MetaGoal(String.format(Locale.ROOT, "lookups >= 1x Jimfs, %,d names", names),
                    MetaRatio.peerWhat("lookup", "jimfs", names), 1.0));
        }
        for (String op : MetaRatio.SIZE_OPS) {
            goals.add(new MetaGoal(String.format(Locale.ROOT, "%s at %,d names >= 0.8x at %,d", op, MetaRatio.LARGE, MetaRatio.SMALL),
                    MetaRatio.sizeWhat(op), 0.8));
        }
        return List.copyOf(goals);
    }

    private static void metaRows(StringBuilder sb, List<Paired> paired) {
        if (paired.stream().noneMatch(p -> p.kind().equals("meta"))) {
            return;
        }
        for (MetaGoal g : META_GOALS) {
            row(sb, paired, g.text(), PairedRun.PERSONALITIES, "meta", g.what(), g.ratio());
        }
    }

    /** A goal's row: the verdict of {@code kind}/{@code what} under each column of {@code targets}, a dash under the others. */
    private static void row(StringBuilder sb, List<Paired> paired, String text, List<String> targets, String kind, String what,
                            double goal) {
        sb.append("| ").append(text).append(" |");
        for (String t : PairedRun.IO_TARGETS) {
            sb.append(' ').append(targets.contains(t) ? verdict(find(paired, kind, t, what), goal) : "—").append(" |");
        }
        sb.append('\n');
    }

    /** A personality's threads verdict, the machine's own ratio beside it, and for ext4 the orphan_file figure. */
    private static String threadsCell(List<Paired> paired, String t, String mode) {
        String cell = verdict(find(paired, "threads", t, mode), THREADS_GOAL)
                + find(paired, "threads", t, mode + "-ceiling").map(c -> String.format(Locale.ROOT, "; machine %.2fx", c.median())).orElse("")
                + placements(paired, t, mode);
        if (!t.equals("ext4")) {
            return cell;
        }
        return cell + find(paired, "threads", PairedRun.ORPHAN_FILE, mode)
                .map(o -> "; with orphan_file " + verdict(Optional.of(o), THREADS_GOAL) + placements(paired, PairedRun.ORPHAN_FILE, mode)).orElse("");
    }

    /** The pairs split by where the host had the two vCPUs ({@link ThreadsRatio#FAR_NANOS}): "vCPUs near 1.85x (20), far 1.40x (10)". */
    private static String placements(List<Paired> paired, String t, String mode) {
        List<String> parts = new ArrayList<>();
        for (String where : List.of("near", "far")) {
            find(paired, "threads", t, mode + "-" + where)
                    .ifPresent(p -> parts.add(String.format(Locale.ROOT, "%s %.2fx (%d)", where, p.median(), p.pairs())));
        }
        return parts.isEmpty() ? "" : "; vCPUs " + String.join(", ", parts);
    }

    /** The name of the measurement that judges goal {@code g} ({@link IoRatio#what}). */
    static String what(BenchReport.Goal g) {
        return IoRatio.what(g.group(), g.pattern(), g.ioSize());
    }

    static Optional<Paired> find(List<Paired> paired, String kind, String target, String what) {
        return paired.stream().filter(p -> p.kind().equals(kind) && p.target().equals(target) && p.what().equals(what)).findFirst();
    }

    static String verdict(Optional<Paired> p, double goal) {
        return p.map(x -> {
            boolean met = x.median() >= goal;
            // A median of 0.996 printed as "1.00x" would read as met: one that rounds across the line keeps a third digit.
            boolean roundsAcross = met != (Math.round(x.median() * 100) / 100.0 >= goal);
            return (met ? "met " : "**missed** ") + x.figure(roundsAcross ? 3 : 2);
        }).orElse("not measured");
    }

    /** The section's results as JSON objects, for the report's {@code paired} array. */
    static List<String> json(List<Paired> paired) {
        return paired.stream().map(p -> String.format(Locale.ROOT,
                "{\"kind\":\"%s\",\"target\":\"%s\",\"what\":\"%s\",\"median\":%.4f,\"q1\":%.4f,\"q3\":%.4f,\"baseRate\":%.1f,\"rate\":%.1f,\"pairs\":%d}",
                p.kind(), p.target(), p.what(), p.median(), p.q1(), p.q3(), p.baseRate(), p.rate(), p.pairs())).toList();
    }
}
