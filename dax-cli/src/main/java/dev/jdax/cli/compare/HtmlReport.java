package dev.jdax.cli.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The comparison as one self-contained HTML page: the agreement summary, an index of scenarios
 * with their marks, and per scenario a table whose cells show jdax's output, with Linux's beside
 * it wherever they differ.
 */
public final class HtmlReport {
    private final PrintStream out;

    public HtmlReport(PrintStream out) {
        this.out = out;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String pre(List<String> lines) {
        if (lines == null) {
            return "<span class=dim>not measured</span>";
        }
        if (lines.isEmpty()) {
            return "<span class=dim>(nothing)</span>";
        }
        return "<pre>" + esc(String.join("\n", lines)) + "</pre>";
    }

    private static String css(Comparison.Status st) {
        return switch (st) {
            case EQUAL -> "eq";
            case DECLARED -> "decl";
            case DIFFERS -> "diff";
            case NO_REFERENCE -> "none";
        };
    }

    public void write(Comparison c) {
        out.println("<!doctype html><html lang=en><head><meta charset=utf-8><title>jdax compare</title><style>");
        out.println("body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:100%;color:#222}"
                + "table{border-collapse:collapse;margin:.5em 0 2em}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}"
                + "th{background:#f3f3f3;text-align:left}pre{margin:0;font:12px/1.3 ui-monospace,monospace;white-space:pre}"
                + ".eq{background:#eaf7ea}.diff{background:#fde8e8}.decl{background:#fff6dc}.none{background:#f6f6f6}"
                + ".dim{color:#999}.lx{border-top:1px dashed #bbb;margin-top:4px;padding-top:4px}"
                + ".lx:before{content:'Linux';font-size:11px;color:#666;display:block}"
                + ".why{font-size:12px;color:#775500;margin-top:4px}code{font:12px ui-monospace,monospace}"
                + "h2{margin-top:2em}.pd:after{content:' \\2260';color:#a00}");
        out.println("</style></head><body>");
        out.println("<h1>jdax compare</h1><p>Every scenario on every personality, each on a fresh device in memory, "
                + "beside what Linux 6.1 (6.1.0-56-amd64, xfs_io 6.1.0, emulated pmem, <code>-o dax</code>) printed. "
                + "Timing lines, <code>fd.path</code>, clock times and mapping addresses are not compared, nor fiemap's physical blocks except on ext4 and XFS.</p>");
        out.println("<table><tr><th>personality<th>rows equal / compared<th>agreement<th>declared differences<th>undeclared");
        for (Comparison.Agreement a : c.agreement()) {
            out.println(String.format(Locale.ROOT, "<tr><td>%s<td>%d/%d<td>%.1f%%<td>%d<td class=%s>%d", esc(a.config()),
                    a.equal(), a.compared(), a.percent(), a.declared(), a.undeclared() == 0 ? "eq" : "diff", a.undeclared()));
        }
        out.println("</table>");
        out.println("<p>Cells: <span class=eq>&nbsp;as Linux&nbsp;</span> <span class=diff>&nbsp;differs&nbsp;</span> "
                + "<span class=decl>&nbsp;differs on purpose&nbsp;</span> <span class=none>&nbsp;not measured&nbsp;</span>; "
                + "a command marked &ne; behaves differently across personalities.</p>");
        for (Comparison.Table t : c.tables()) {
            Scenario s = t.scenario();
            out.println("<h2 id=\"" + esc(s.name()) + "\">" + esc(s.name()) + "</h2><p>" + esc(s.description())
                    + " <span class=dim>(fs " + esc(s.fsSizeText()) + (s.openFlags().isEmpty() ? "" : ", open " + esc(s.openFlags()))
                    + (s.mountOptions() == null ? "" : ", mount " + esc(s.mountOptions())) + ")</span></p>");
            t.errors().forEach((cfg, err) -> out.println("<p class=diff>" + esc(cfg) + ": could not run: " + esc(err) + "</p>"));
            out.print("<table><tr><th>row<th>command");
            for (PersonalityConfig p : c.configs()) {
                out.print("<th>" + esc(p.label()));
            }
            out.println();
            for (Comparison.Row r : t.rows()) {
                out.print("<tr><td>" + esc(r.key()) + "<td" + (r.personalitiesDiffer() ? " class=pd" : "") + "><code>"
                        + esc(r.command()) + "</code>");
                for (PersonalityConfig p : c.configs()) {
                    Comparison.Cell cell = r.cells().get(p.label());
                    out.print("<td class=" + css(cell.status()) + ">" + pre(cell.jdax()));
                    if (cell.status() == Comparison.Status.DIFFERS || cell.status() == Comparison.Status.DECLARED) {
                        out.print("<div class=lx>" + pre(cell.linux()) + "</div>");
                    }
                    if (cell.declaredReason() != null) {
                        out.print("<div class=why>" + esc(cell.declaredReason()) + "</div>");
                    }
                }
                out.println();
            }
            out.println("</table>");
        }
        out.println("</body></html>");
    }
}
