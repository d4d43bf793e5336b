package dev.jdax.cli.compare;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;

/** The differences from Linux that jdax makes on purpose, each with its reason ({@code declared-differences.txt}). */
public final class DeclaredDifferences {
    /** One declaration; {@code *} matches any scenario, configuration or row. */
    public record Declaration(String scenario, String config, String row, String reason) {
        boolean matches(String s, String c, String r) {
            return (scenario.equals("*") || scenario.equals(s)) && (config.equals("*") || config.equals(c))
                    && (row.equals("*") || row.equals(r));
        }
    }

    private final List<Declaration> declarations;

    private DeclaredDifferences(List<Declaration> declarations) {
        this.declarations = List.copyOf(declarations);
    }

    static DeclaredDifferences parse(String text) throws FsException {
        List<Declaration> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+", 4);
            if (f.length < 4) {
                throw FsException.of(Errno.EUCLEAN, "declared-differences.txt:%d: want SCENARIO CONFIG ROW REASON", lineNo);
            }
            out.add(new Declaration(f[0], f[1], f[2], f[3]));
        }
        return new DeclaredDifferences(out);
    }

    /** The reason jdax differs here on purpose, or null when it is not declared. */
    public String reason(String scenario, String config, String rowKey) {
        for (Declaration d : declarations) {
            if (d.matches(scenario, config, rowKey)) {
                return d.reason();
            }
        }
        return null;
    }

    public List<Declaration> all() {
        return declarations;
    }
}
