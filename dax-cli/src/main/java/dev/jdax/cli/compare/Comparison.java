package dev.jdax.cli.compare;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The side-by-side table: every scenario run on every personality, each output row beside what
 * Linux 6.1 printed for it, marked equal, different (declared on purpose or not), or unmeasured.
 */
public final class Comparison {
    /** How a jdax cell stands against Linux's. */
    public enum Status {
        EQUAL, DECLARED, DIFFERS, NO_REFERENCE
    }

    /** One personality's output for one row, and Linux's (null when Linux was not measured). */
    public record Cell(List<String> jdax, List<String> linux, Status status, String declaredReason) {
    }

    /** One row of a scenario; {@code personalitiesDiffer} when the jdax outputs are not all alike. */
    public record Row(String key, String command, Map<String, Cell> cells, boolean personalitiesDiffer) {
    }

    /** One scenario's rows; {@code errors} holds runs that could not start (mkfs, mount). */
    public record Table(Scenario scenario, List<Row> rows, Map<String, String> errors) {
    }

    /** Agreement of one personality with Linux. */
    public record Agreement(String config, int equal, int compared, int declared, int undeclared) {
        public double percent() {
            return compared == 0 ? 0 : 100.0 * equal / compared;
        }
    }

    /** One finished run, for progress reports. */
    public record Progress(int done, int total, String config, String scenario) {
    }

    private final List<PersonalityConfig> configs;
    private final List<Table> tables;

    private Comparison(List<PersonalityConfig> configs, List<Table> tables) {
        this.configs = List.copyOf(configs);
        this.tables = List.copyOf(tables);
    }

    public List<PersonalityConfig> configs() {
        return configs;
    }

    public List<Table> tables() {
        return tables;
    }

    /** Runs every scenario on every configuration, {@code threads} at a time. */
    public static Comparison run(Catalog catalog, List<Scenario> scenarios, List<PersonalityConfig> configs,
                                 int threads, Consumer<Progress> progress) throws FsException {
        int total = scenarios.size() * configs.size();
        AtomicInteger done = new AtomicInteger();
        Map<String, ScenarioRunner.Run> runs = new HashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "jdax-compare");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, Future<ScenarioRunner.Run>> futures = new LinkedHashMap<>();
            for (Scenario s : scenarios) {
                for (PersonalityConfig c : configs) {
                    futures.put(s.name() + "\0" + c.label(), pool.submit(() -> {
                        ScenarioRunner.Run r = ScenarioRunner.run(s, c);
                        progress.accept(new Progress(done.incrementAndGet(), total, c.label(), s.name()));
                        return r;
                    }));
                }
            }
            for (Map.Entry<String, Future<ScenarioRunner.Run>> e : futures.entrySet()) {
                runs.put(e.getKey(), e.getValue().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FsException.of(dev.jdax.api.Errno.EINTR, "compare interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException("scenario run failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<Table> tables = new ArrayList<>();
        for (Scenario s : scenarios) {
            tables.add(table(catalog, s, configs, runs));
        }
        return new Comparison(configs, tables);
    }

    private static Table table(Catalog catalog, Scenario s, List<PersonalityConfig> configs,
                               Map<String, ScenarioRunner.Run> runs) throws FsException {
        Map<String, Map<String, OutputRow>> jdax = new HashMap<>();
        Map<String, Map<String, OutputRow>> linux = new HashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        List<OutputRow> shape = null;
        for (PersonalityConfig c : configs) {
            ScenarioRunner.Run r = runs.get(s.name() + "\0" + c.label());
            if (r.error() != null) {
                errors.put(c.label(), r.error());
            } else if (!r.rows().isEmpty()) { // empty: the scenario is not for this personality
                shape = shape == null ? r.rows() : shape;
            }
            jdax.put(c.label(), byKey(r.rows()));
            Optional<List<String>> out = catalog.linuxOutput(c.linuxConfig(), s.name());
            if (out.isPresent()) {
                List<OutputRow> seg = LinuxOutputSegmenter.segment(s, out.get());
                linux.put(c.label(), byKey(seg));
                shape = shape == null ? seg : shape;
            }
        }
        List<Row> rows = new ArrayList<>();
        if (shape == null) {
            return new Table(s, rows, errors);
        }
        for (OutputRow template : shape) {
            Map<String, Cell> cells = new LinkedHashMap<>();
            List<String> firstJdax = null;
            boolean differ = false;
            for (PersonalityConfig c : configs) {
                OutputRow mine = jdax.get(c.label()).get(template.key());
                List<String> jl = mine == null ? List.of() : mine.lines();
                if (errors.containsKey(c.label()) && template == shape.get(0)) {
                    jl = List.of("jdax: " + errors.get(c.label()));
                }
                Map<String, OutputRow> lin = linux.get(c.label());
                List<String> ll = lin == null ? null : lin.get(template.key()) == null ? List.of() : lin.get(template.key()).lines();
                boolean physical = Normalizer.keepsPhysical(c);
                List<String> jn = Normalizer.normalize(jl);
                Status st;
                String reason = null;
                if (ll == null || dev.jdax.cli.xfsio.XfsIoProcess.isJdaxOnly(template.command())) {
                    st = Status.NO_REFERENCE;
                } else if (Normalizer.normalize(jl, physical).equals(Normalizer.normalize(ll, physical))) {
                    st = Status.EQUAL;
                } else {
                    reason = catalog.declared().reason(s.name(), c.label(), template.key());
                    st = reason == null ? Status.DIFFERS : Status.DECLARED;
                }
                cells.put(c.label(), new Cell(jl, ll, st, reason));
                // Personalities are compared with each other without physical blocks: their layouts differ.
                List<String> across = Normalizer.normalize(jl);
                if (firstJdax == null) {
                    firstJdax = across;
                } else if (!firstJdax.equals(across)) {
                    differ = true;
                }
            }
            rows.add(new Row(template.key(), template.command(), cells, differ));
        }
        return new Table(s, rows, errors);
    }

    private static Map<String, OutputRow> byKey(List<OutputRow> rows) {
        Map<String, OutputRow> m = new HashMap<>();
        for (OutputRow r : rows) {
            m.put(r.key(), r);
        }
        return m;
    }

    /** Agreement per configuration: rows equal to Linux / rows with a Linux output. */
    public List<Agreement> agreement() {
        List<Agreement> out = new ArrayList<>();
        for (PersonalityConfig c : configs) {
            int equal = 0;
            int compared = 0;
            int declared = 0;
            int undeclared = 0;
            for (Table t : tables) {
                for (Row r : t.rows()) {
                    Cell cell = r.cells().get(c.label());
                    switch (cell.status()) {
                        case EQUAL -> {
                            equal++;
                            compared++;
                        }
                        case DECLARED -> {
                            declared++;
                            compared++;
                        }
                        case DIFFERS -> {
                            undeclared++;
                            compared++;
                        }
                        case NO_REFERENCE -> { }
                    }
                }
            }
            out.add(new Agreement(c.label(), equal, compared, declared, undeclared));
        }
        return out;
    }

    /** Whether some cell differs from Linux with no declaration (what {@code --strict} fails on). */
    public boolean hasUndeclaredDifferences() {
        return agreement().stream().anyMatch(a -> a.undeclared() > 0);
    }
}
