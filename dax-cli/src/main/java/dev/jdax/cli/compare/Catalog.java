package dev.jdax.cli.compare;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.PathMatcher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The scenarios and Linux's measured output, shipped as resources of this package:
 * {@code catalog.txt} (names in table order), {@code scenarios/NAME.xfsio}, and
 * {@code linux-6.1/CFG/NAME.out}.
 */
public final class Catalog {
    private final List<Scenario> scenarios;
    private final DeclaredDifferences declared;

    private Catalog(List<Scenario> scenarios, DeclaredDifferences declared) {
        this.scenarios = List.copyOf(scenarios);
        this.declared = declared;
    }

    public static Catalog load() throws FsException {
        List<Scenario> out = new ArrayList<>();
        for (String line : text("catalog.txt").split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+");
            if (f.length < 2) {
                throw FsException.of(Errno.EUCLEAN, "catalog.txt: \"%s\": want NAME SOURCE", t);
            }
            out.add(Scenario.parse(f[0], text("scenarios/" + f[0] + ".xfsio"), f[1]));
        }
        return new Catalog(out, DeclaredDifferences.parse(text("declared-differences.txt")));
    }

    public List<Scenario> scenarios() {
        return scenarios;
    }

    public DeclaredDifferences declared() {
        return declared;
    }

    /** The scenarios whose names match the glob ({@code "badblock-*"}). */
    public List<Scenario> matching(String glob) {
        if (glob == null || glob.isEmpty()) {
            return scenarios;
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        return scenarios.stream().filter(s -> m.matches(Path.of(s.name()))).toList();
    }

    /** What Linux printed for the scenario under the reference configuration {@code cfg}, if measured. */
    public Optional<List<String>> linuxOutput(String cfg, String scenario) throws FsException {
        String t = textOrNull("linux-6.1/" + cfg + "/" + scenario + ".out");
        if (t == null) {
            return Optional.empty();
        }
        List<String> lines = new ArrayList<>(Arrays.asList(t.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return Optional.of(lines);
    }

    private static String text(String resource) throws FsException {
        String t = textOrNull(resource);
        if (t == null) {
            throw FsException.of(Errno.ENOENT, "compare resource %s is missing from the jdax build", resource);
        }
        return t;
    }

    private static String textOrNull(String resource) throws FsException {
        try (InputStream in = Catalog.class.getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "compare resource %s: %s", resource, e.getMessage());
        }
    }
}
