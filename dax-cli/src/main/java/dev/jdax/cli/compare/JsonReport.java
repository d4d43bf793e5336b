package dev.jdax.cli.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The comparison as JSON, for scripts: the agreement per personality, and every scenario with its
 * rows and, per personality, jdax's lines, Linux's lines, the status and any declared reason.
 */
public final class JsonReport {
    private final PrintStream out;

    public JsonReport(PrintStream out) {
        this.out = out;
    }

    static String str(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String lines(List<String> lines) {
        if (lines == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < lines.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(str(lines.get(i)));
        }
        return sb.append(']').toString();
    }

    public void write(Comparison c) {
        out.println("{");
        out.println("  \"reference\": \"Linux 6.1 (6.1.0-56-amd64), xfs_io 6.1.0, emulated pmem, -o dax\",");
        out.print("  \"personalities\": [");
        for (int i = 0; i < c.configs().size(); i++) {
            PersonalityConfig p = c.configs().get(i);
            out.print((i == 0 ? "" : ", ") + "{\"label\": " + str(p.label()) + ", \"type\": " + str(p.type())
                    + ", \"options\": " + str(p.options()) + ", \"linuxConfig\": " + str(p.linuxConfig()) + "}");
        }
        out.println("],");
        out.println("  \"agreement\": {");
        List<Comparison.Agreement> ag = c.agreement();
        for (int i = 0; i < ag.size(); i++) {
            Comparison.Agreement a = ag.get(i);
            out.println(String.format(Locale.ROOT,
                    "    %s: {\"equal\": %d, \"compared\": %d, \"percent\": %.1f, \"declared\": %d, \"undeclared\": %d}%s",
                    str(a.config()), a.equal(), a.compared(), a.percent(), a.declared(), a.undeclared(),
                    i + 1 < ag.size() ? "," : ""));
        }
        out.println("  },");
        out.println("  \"scenarios\": [");
        for (int t = 0; t < c.tables().size(); t++) {
            Comparison.Table table = c.tables().get(t);
            Scenario s = table.scenario();
            out.println("    {\"name\": " + str(s.name()) + ", \"description\": " + str(s.description())
                    + ", \"source\": " + str(s.source()) + ", \"fsSize\": " + s.fsSize() + ", \"openFlags\": "
                    + str(s.openFlags()) + ", \"mountOptions\": " + str(s.mountOptions()) + ",");
            out.print("     \"errors\": {");
            int e = 0;
            for (var err : table.errors().entrySet()) {
                out.print((e++ == 0 ? "" : ", ") + str(err.getKey()) + ": " + str(err.getValue()));
            }
            out.println("},");
            out.println("     \"rows\": [");
            for (int r = 0; r < table.rows().size(); r++) {
                Comparison.Row row = table.rows().get(r);
                out.print("       {\"key\": " + str(row.key()) + ", \"command\": " + str(row.command())
                        + ", \"personalitiesDiffer\": " + row.personalitiesDiffer() + ", \"cells\": {");
                int k = 0;
                for (var cell : row.cells().entrySet()) {
                    Comparison.Cell v = cell.getValue();
                    out.print((k++ == 0 ? "" : ", ") + str(cell.getKey()) + ": {\"status\": "
                            + str(v.status().name().toLowerCase(Locale.ROOT)) + ", \"jdax\": " + lines(v.jdax())
                            + ", \"linux\": " + lines(v.linux()) + ", \"declared\": " + str(v.declaredReason()) + "}");
                }
                out.println("}}" + (r + 1 < table.rows().size() ? "," : ""));
            }
            out.println("     ]}" + (t + 1 < c.tables().size() ? "," : ""));
        }
        out.println("  ]");
        out.println("}");
    }
}
