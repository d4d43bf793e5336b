package dev.jdax.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report's metadata section: {@link MetaBench}'s operations per second per target at 100 and
 * 100,000 names, and the goals of issue 21 — create + write 4 KiB + delete at least 2x /dev/shm,
 * lookups at least 1x Jimfs, and 100,000 names at least 0.8x the rate at 100.
 */
final class MetaSection {
    private static final List<String> PERSONALITIES = List.of("ext2", "ext4", "xfs");

    private MetaSection() {
    }

    static String markdown(List<MetaBench.Result> results) {
        if (results.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n## Metadata through java.nio.file (MetaBench)\n\n"
                + "Operations per second in a directory of N names (readdir: names listed per second); each personality's ratio\n"
                + "to /dev/shm and to Jimfs in this run.\n"
                + "A fill that did not finish in its time measured the names it reached (shown when fewer).\n");
        for (int names : MetaBench.SIZES) {
            sb.append(String.format(Locale.ROOT, "%n### %,d names%n%n| operation |", names));
            MetaBench.TARGETS.forEach(t -> sb.append(' ').append(t).append(reached(results, t, names)).append(" |"));
            sb.append("\n|---|");
            MetaBench.TARGETS.forEach(t -> sb.append("---:|"));
            sb.append('\n');
            for (String op : MetaBench.OPS) {
                sb.append("| ").append(op).append(" |");
                for (String t : MetaBench.TARGETS) {
                    Optional<Double> r = rate(results, t, names, op);
                    sb.append(' ').append(r.map(v -> String.format(Locale.ROOT, "%.0f", v)).orElse("—"));
                    if (r.isPresent() && PERSONALITIES.contains(t)) {
                        sb.append(ratios(r.get(), rate(results, "shm", names, op), rate(results, "jimfs", names, op)));
                    }
                    sb.append(" |");
                }
                sb.append('\n');
            }
        }
        // The peers' own ratios beside the size goals: a lookup among 100,000 names is a walk of
        // memory that no cache holds, where 100 names stay in L1, and Jimfs's hash tables and
        // tmpfs's dcache pay that too — the figure says what the memory costs, the goal what jdax adds.
        sb.append("\n| goal | ").append(String.join(" | ", PERSONALITIES)).append(" | the peers' own (shm / jimfs) |\n|---|");
        PERSONALITIES.forEach(p -> sb.append("---|"));
        sb.append("---|\n");
        for (int names : MetaBench.SIZES) {
            goal(sb, results, String.format(Locale.ROOT, "create+write 4 KiB+delete >= 2x /dev/shm (%,d names)", names),
                    "createWriteDelete", names, "shm", names, 2.0);
            goal(sb, results, String.format(Locale.ROOT, "lookup >= 1x Jimfs (%,d names)", names), "lookup", names, "jimfs", names, 1.0);
        }
        for (String op : MetaBench.OPS) {
            goal(sb, results, "100,000 names >= 0.8x 100 names: " + op, op, 100_000, null, 100, 0.8);
        }
        return sb.toString();
    }

    /** A goal line: {@code op} of each personality at {@code names} over {@code peer} (null: itself) at {@code peerNames}. */
    private static void goal(StringBuilder sb, List<MetaBench.Result> results, String text, String op, int names, String peer,
                             int peerNames, double min) {
        sb.append("| ").append(text).append(" |");
        for (String p : PERSONALITIES) {
            Optional<Double> a = rate(results, p, names, op);
            Optional<Double> b = rate(results, peer == null ? p : peer, peerNames, op);
            if (a.isEmpty() || b.isEmpty()) {
                sb.append(" not measured |");
            } else {
                double r = a.get() / b.get();
                sb.append(String.format(Locale.ROOT, " %s %.2fx |", r >= min ? "met" : "**missed**", r));
            }
        }
        if (peer == null) {
            sb.append(' ').append(ownRatio(results, "shm", op, names, peerNames)).append(" / ")
                    .append(ownRatio(results, "jimfs", op, names, peerNames)).append(" |\n");
        } else {
            sb.append(" |\n");
        }
    }

    /** A peer's rate at {@code names} over its rate at {@code baseNames}, or a dash when either was not measured. */
    private static String ownRatio(List<MetaBench.Result> results, String peer, String op, int names, int baseNames) {
        Optional<Double> a = rate(results, peer, names, op);
        Optional<Double> b = rate(results, peer, baseNames, op);
        return a.isPresent() && b.isPresent() ? String.format(Locale.ROOT, "%.2fx", a.get() / b.get()) : "—";
    }

    private static String ratios(double v, Optional<Double> shm, Optional<Double> jimfs) {
        return String.format(Locale.ROOT, " (%s / %s)", shm.map(s -> String.format(Locale.ROOT, "%.2f", v / s)).orElse("—"),
                jimfs.map(j -> String.format(Locale.ROOT, "%.2f", v / j)).orElse("—"));
    }

    private static String reached(List<MetaBench.Result> results, String target, int names) {
        return results.stream().filter(r -> r.target().equals(target) && r.names() == names && r.reached() < names).findFirst()
                .map(r -> String.format(Locale.ROOT, " (%,d made)", r.reached())).orElse("");
    }

    private static Optional<Double> rate(List<MetaBench.Result> results, String target, int names, String op) {
        return results.stream().filter(r -> r.target().equals(target) && r.names() == names && r.op().equals(op)).findFirst()
                .map(MetaBench.Result::opsPerSec);
    }
}
