package dev.jdax.cli.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The comparison as Markdown: a summary table, then a table per scenario with the outputs in the cells. */
public final class MarkdownReport {
    private final PrintStream out;

    public MarkdownReport(PrintStream out) {
        this.out = out;
    }

    private static String cell(List<String> lines) {
        if (lines == null) {
            return "(not measured)";
        }
        if (lines.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("<code>");
        for (int i = 0; i < lines.size(); i++) {
            sb.append(i == 0 ? "" : "<br>").append(escape(lines.get(i)));
        }
        return sb.append("</code>").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "&#124;")
                .replace("\t", "&#9;").replace(" ", "&nbsp;");
    }

    public void write(Comparison c) {
        out.println("# jdax compare");
        out.println();
        out.println("Each personality's output beside Linux 6.1's own (timing lines, `fd.path`, clock times, mapping addresses and, except on ext4 and XFS,");
        out.println("fiemap physical blocks removed). Marks: ✅ as Linux, ❌ differs, ⚠️ differs on purpose (declared), ❔ not measured.");
        out.println();
        out.println("| personality | rows equal / compared | agreement | declared | undeclared |");
        out.println("|---|---|---|---|---|");
        for (Comparison.Agreement a : c.agreement()) {
            out.println(String.format(Locale.ROOT, "| %s | %d/%d | %.1f%% | %d | %d |", a.config(), a.equal(), a.compared(),
                    a.percent(), a.declared(), a.undeclared()));
        }
        for (Comparison.Table t : c.tables()) {
            Scenario s = t.scenario();
            out.println();
            out.println("## " + s.name());
            out.println();
            out.println(s.description() + " (fs " + s.fsSizeText() + (s.openFlags().isEmpty() ? "" : ", open " + s.openFlags())
                    + (s.mountOptions() == null ? "" : ", mount " + s.mountOptions()) + ")");
            out.println();
            StringBuilder head = new StringBuilder("| row | command |");
            StringBuilder rule = new StringBuilder("|---|---|");
            for (PersonalityConfig p : c.configs()) {
                head.append(' ').append(p.label()).append(" | Linux ").append(p.linuxConfig()).append(" |");
                rule.append("---|---|");
            }
            out.println(head);
            out.println(rule);
            for (Comparison.Row r : t.rows()) {
                StringBuilder line = new StringBuilder("| " + r.key() + " | `" + r.command().replace("|", "\\|") + "` |");
                for (PersonalityConfig p : c.configs()) {
                    Comparison.Cell cell = r.cells().get(p.label());
                    String mark = switch (cell.status()) {
                        case EQUAL -> "✅";
                        case DECLARED -> "⚠️";
                        case DIFFERS -> "❌";
                        case NO_REFERENCE -> "❔";
                    };
                    line.append(' ').append(mark).append(' ').append(cell(cell.jdax())).append(" | ")
                            .append(cell(cell.linux())).append(cell.declaredReason() == null ? ""
                                    : "<br><em>" + escape(cell.declaredReason()) + "</em>").append(" |");
                }
                out.println(line);
            }
        }
    }
}
