package dev.jdax.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** The report of a run: tables of throughput with ratios to the peers, and each target met or missed. */
final class BenchReport {
    static final Set<String> PEERS = Set.of("raw", "shm", "jimfs");

    /** A goal of issue 8: {@code personality / peer >= ratio} for one benchmark. */
    record Goal(String group, String pattern, int ioSize, String peer, double ratio) {
        String text() {
            return String.format(Locale.ROOT, "%s %s %s >= %.2fx %s", group, pattern, size(ioSize), ratio, peer);
        }
    }

    /**
     * Issue 8's 1 MiB goals and issue 21's 4 KiB ones: 0.90 of raw memory copy. The 4 KiB ratios to
     * /dev/shm and Jimfs are reported as figures ({@link #peerFigures}), no longer as goals: raw
     * copy's own ratio to those peers on this machine is below the old 3x and 2x.
     */
    static final List<Goal> GOALS = List.of(
            new Goal("read", "seq", 1 << 20, "raw", 0.90), new Goal("write", "seq", 1 << 20, "raw", 0.90),
            new Goal("read", "seq", 4096, "raw", 0.90), new Goal("write", "seq", 4096, "raw", 0.90),
            new Goal("read", "rand", 4096, "raw", 0.90), new Goal("write", "rand", 4096, "raw", 0.90));

    /** A result of the other benchmarks: name, parameters, ops/s, per-op counters. */
    record Other(String benchmark, String params, double opsPerSec, String counters) {
    }

    private final List<Measurement> ms;
    private final List<Other> others;
    private final List<MetaBench.Result> metadata;
    private final List<Paired> paired;
    private final boolean quick;

    BenchReport(List<Measurement> ms, List<Other> others, List<MetaBench.Result> metadata, List<Paired> paired, boolean quick) {
        this.ms = List.copyOf(ms);
        this.others = List.copyOf(others);
        this.metadata = List.copyOf(metadata);
        this.paired = List.copyOf(paired);
        this.quick = quick;
    }

    private Optional<Other> other(String benchmark, String params) {
        return others.stream().filter(o -> o.benchmark().equals(benchmark) && o.params().equals(params)).findFirst();
    }

    /** The ratio goals of the other benchmarks, as "met/missed x.xx" lines. */
    private List<String> otherGoals() {
        List<String> out = new ArrayList<>();
        for (String target : List.of("ext2", "ext4", "xfs")) {
            ratio(out, "mapped 4 KiB copy >= 1.00x raw copy (" + target + ")", other("FsBench.mappedCopy4k", "personality=" + target),
                    other("FsBench.rawCopy4k", "personality=" + target), 1.0);
            String most = other("GrowthBench.randomRead4k", "extents=100000, personality=" + target).isPresent() ? "100000" : "1000";
            ratio(out, "random read on " + String.format(Locale.ROOT, "%,d", Integer.parseInt(most)) + " extents >= 0.50x on 1 extent ("
                            + target + ")" + (most.equals("1000") ? " [quick run: 100,000 in the full run]" : ""),
                    other("GrowthBench.randomRead4k", "extents=" + most + ", personality=" + target),
                    other("GrowthBench.randomRead4k", "extents=1, personality=" + target), 0.5);
        }
        Optional<Other> rawTwo = other("WritersBench.twoWriters", "locking=raw");
        Optional<Other> rawOne = other("WritersBench.oneWriter", "locking=raw");
        String ceiling = rawTwo.isPresent() && rawOne.isPresent()
                ? String.format(Locale.ROOT, " (ceiling %.2fx)", rawTwo.get().opsPerSec() / rawOne.get().opsPerSec()) : "";
        ratio(out, "2 disjoint writers under the range lock >= 1.60x one", other("WritersBench.twoWriters", "locking=range"),
                other("WritersBench.oneWriter", "locking=range"), 1.6, ceiling);
        ratio(out, "2 disjoint writers under the inode rwsem ~1x one (0.8x..1.25x)", other("WritersBench.twoWriters", "locking=inode_rwsem"),
                other("WritersBench.oneWriter", "locking=inode_rwsem"), 0.8);
        for (String target : List.of("ext2", "ext4", "xfs")) {
            ratio(out, "2 threads creating in 2 directories >= 1.60x one (" + target + ")",
                    other("ThreadsBench.createTwoThreadsTwoDirs", "personality=" + target),
                    other("ThreadsBench.createOneThread", "personality=" + target), 1.6, ceiling);
            ratio(out, "2 readers of one file >= 1.60x one (" + target + ")",
                    other("ThreadsBench.readTwoReaders", "personality=" + target),
                    other("ThreadsBench.readOneReader", "personality=" + target), 1.6, ceiling);
        }
        return out;
    }

    private static void ratio(List<String> out, String goal, Optional<Other> a, Optional<Other> b, double min) {
        ratio(out, goal, a, b, min, "");
    }

    /** A "met/missed x.xx" line; {@code note} follows the ratio (a ceiling, say). */
    private static void ratio(List<String> out, String goal, Optional<Other> a, Optional<Other> b, double min, String note) {
        if (a.isEmpty() || b.isEmpty()) {
            out.add("| " + goal + " | not measured |");
            return;
        }
        double r = a.get().opsPerSec() / b.get().opsPerSec();
        out.add(String.format(Locale.ROOT, "| %s | %s %.2fx%s |", goal, r >= min ? "met" : "**missed**", r, note));
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("latest.md"), markdown());
        Files.writeString(dir.resolve("latest.json"), json());
        Files.writeString(dir.resolve("latest.svg"), new ThroughputChart(ms).svg());
    }

    private Optional<Measurement> find(String group, String target, String pattern, int ioSize) {
        return ms.stream().filter(m -> m.group().equals(group) && m.target().equals(target)
                && m.pattern().equals(pattern) && m.ioSize() == ioSize).findFirst();
    }

    private Set<String> personalities() {
        Set<String> out = new LinkedHashSet<>();
        ms.stream().map(Measurement::target).filter(t -> !PEERS.contains(t)).forEach(out::add);
        return out;
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# jdax benchmarks (").append(quick ? "quick" : "full").append(" run)\n\n");
        sb.append(String.format(Locale.ROOT, "%s; Java %s; %d processors; %s %s.%n%n", Instant.now().toString().substring(0, 16) + "Z",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch")));
        if (!ms.isEmpty()) {
            throughput(sb);
        }
        if (!others.isEmpty()) {
            sb.append("\n## Faults, fsync, metadata, fragmentation, writers\n\n| benchmark | parameters | ops/s | per op |\n|---|---|---:|---|\n");
            for (Other o : others) {
                if (!o.benchmark().startsWith("LuceneBench.")) { // in its own section, as milliseconds
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s |%n", o.benchmark(), o.params(), o.opsPerSec(), o.counters()));
                }
            }
            sb.append("\n| goal | result |\n|---|---|\n");
            otherGoals().forEach(l -> sb.append(l).append('\n'));
        }
        sb.append(PairedSection.markdown(paired));
        sb.append(MetaSection.markdown(metadata));
        sb.append(LuceneSection.markdown(others));
        return sb.toString();
    }

    /** IoBench's tables (GB/s and the ratio to raw) and the JMH verdicts of the transfer goals. */
    private void throughput(StringBuilder sb) {
        sb.append("Throughput in GB/s (10^9 bytes), each with its ratio to raw device memory measured in the same run.\n");
        Set<Integer> sizes = new TreeSet<>();
        ms.forEach(m -> sizes.add(m.ioSize()));
        for (String group : List.of("read", "write")) {
            for (String pattern : List.of("seq", "rand")) {
                sb.append("\n## ").append(group).append(", ").append(pattern.equals("seq") ? "sequential" : "random").append("\n\n| target |");
                sizes.forEach(s -> sb.append(' ').append(size(s)).append(" |"));
                sb.append("\n|---|");
                sizes.forEach(s -> sb.append("---:|"));
                sb.append('\n');
                Set<String> targets = new LinkedHashSet<>(List.of("raw"));
                targets.addAll(personalities());
                targets.addAll(List.of("shm", "jimfs"));
                for (String t : targets) {
                    sb.append("| ").append(t).append(" |");
                    for (int s : sizes) {
                        Optional<Measurement> m = find(group, t, pattern, s);
                        Optional<Measurement> raw = find(group, "raw", pattern, s);
                        sb.append(' ').append(m.map(x -> String.format(Locale.ROOT, "%.2f", x.bytesPerSec() / 1e9)
                                + raw.filter(r -> !t.equals("raw")).map(r -> String.format(Locale.ROOT, " (%.2f)", x.opsPerSec() / r.opsPerSec())).orElse(""))
                                .orElse("—")).append(" |");
                    }
                    sb.append('\n');
                }
            }
        }
        sb.append("\n## Targets (JMH trials; figures where the paired section below measured the goal)\n\n| goal | ").append(String.join(" | ", personalities())).append(" |\n|---|");
        personalities().forEach(p -> sb.append("---|"));
        sb.append('\n');
        for (Goal g : GOALS) {
            sb.append("| ").append(g.text()).append(" |");
            for (String p : personalities()) {
                sb.append(' ').append(verdict(g, p)).append(" |");
            }
            sb.append('\n');
        }
        sb.append("\nA ceiling is raw device memory's own ratio to that peer in this run: no file system on this memory\n"
                + "can do better, so a goal above its ceiling cannot be met on this machine.\n");
        sb.append(peerFigures());
    }

    /** Random 4 KiB I/O of each target over /dev/shm and over Jimfs, raw's own ratio being the ceiling. */
    private String peerFigures() {
        if (find("read", "shm", "rand", 4096).isEmpty() && find("read", "jimfs", "rand", 4096).isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\nRandom 4 KiB over the peers (figures, not goals): target / shm, target / jimfs.\n\n"
                + "| target | read / shm | write / shm | read / jimfs | write / jimfs |\n|---|---:|---:|---:|---:|\n");
        Set<String> targets = new LinkedHashSet<>(List.of("raw"));
        targets.addAll(personalities());
        for (String t : targets) {
            sb.append("| ").append(t).append(" |");
            for (String peer : List.of("shm", "jimfs")) {
                for (String group : List.of("read", "write")) {
                    Optional<Measurement> m = find(group, t, "rand", 4096);
                    Optional<Measurement> p = find(group, peer, "rand", 4096);
                    sb.append(m.isPresent() && p.isPresent()
                            ? String.format(Locale.ROOT, " %.2fx |", m.get().opsPerSec() / p.get().opsPerSec()) : " — |");
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private String verdict(Goal g, String personality) {
        Optional<Measurement> m = find(g.group(), personality, g.pattern(), g.ioSize());
        Optional<Measurement> peer = find(g.group(), g.peer(), g.pattern(), g.ioSize());
        if (m.isEmpty() || peer.isEmpty()) {
            return "not measured";
        }
        double r = m.get().opsPerSec() / peer.get().opsPerSec();
        String v = String.format(Locale.ROOT, "%s %.2fx", r >= g.ratio() ? "met" : "**missed**", r);
        Optional<Measurement> raw = find(g.group(), "raw", g.pattern(), g.ioSize());
        if (r < g.ratio() && !g.peer().equals("raw") && raw.isPresent()) {
            // Raw copy on the same memory is the most any file system here can reach.
            double ceiling = raw.get().opsPerSec() / peer.get().opsPerSec();
            v += String.format(Locale.ROOT, " (ceiling %.2fx)", ceiling);
        }
        return v;
    }

    String json() {
        List<String> rows = new ArrayList<>();
        for (Measurement m : ms) {
            rows.add(String.format(Locale.ROOT,
                    "{\"benchmark\":\"%s\",\"target\":\"%s\",\"ioSize\":%d,\"pattern\":\"%s\",\"opsPerSec\":%.1f,\"error\":%s,\"bytesPerSec\":%.1f}",
                    m.group(), m.target(), m.ioSize(), m.pattern(), m.opsPerSec(),
                    Double.isNaN(m.error()) ? "null" : String.format(Locale.ROOT, "%.1f", m.error()), m.bytesPerSec()));
        }
        List<String> goals = new ArrayList<>();
        for (Goal g : GOALS) {
            for (String p : personalities()) {
                goals.add(String.format("{\"goal\":\"%s\",\"personality\":\"%s\",\"verdict\":\"%s\"}", g.text(), p,
                        verdict(g, p).replace("**", "")));
            }
        }
        List<String> other = new ArrayList<>();
        for (Other o : others) {
            other.add(String.format(Locale.ROOT, "{\"benchmark\":\"%s\",\"params\":\"%s\",\"opsPerSec\":%.1f,\"perOp\":\"%s\"}",
                    o.benchmark(), o.params(), o.opsPerSec(), o.counters()));
        }
        return "{\"run\":\"" + (quick ? "quick" : "full") + "\",\"java\":\"" + Runtime.version() + "\",\"processors\":"
                + Runtime.getRuntime().availableProcessors() + ",\n\"results\":[\n" + String.join(",\n", rows)
                + "],\n\"other\":[\n" + String.join(",\n", other)
                + "],\n\"metadata\":[\n" + String.join(",\n", metadata.stream().map(r -> String.format(Locale.ROOT,
                        "{\"target\":\"%s\",\"names\":%d,\"reached\":%d,\"op\":\"%s\",\"opsPerSec\":%.1f}",
                        r.target(), r.names(), r.reached(), r.op(), r.opsPerSec())).toList())
                + "],\n\"paired\":[\n" + String.join(",\n", PairedSection.json(paired))
                + "],\n\"targets\":[\n" + String.join(",\n", goals) + "]}\n";
    }

    static String size(int bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }
}
