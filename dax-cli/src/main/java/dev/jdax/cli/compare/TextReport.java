package dev.jdax.cli.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The comparison as aligned text: per scenario a row per command with one mark per personality,
 * then the cells that differ from Linux with both outputs, then the agreement summary.
 * Marks: {@code =} as Linux, {@code ≠} differs (not declared), {@code ~} differs on purpose
 * (declared), {@code ?} Linux not measured; {@code *} after a row when personalities differ.
 */
public final class TextReport {
    private final PrintStream out;
    private final boolean colour;

    public TextReport(PrintStream out, boolean colour) {
        this.out = out;
        this.colour = colour;
    }

    private String paint(String s, String ansi) {
        return colour ? "\u001b[" + ansi + "m" + s + "\u001b[0m" : s;
    }

    private String mark(Comparison.Status st) {
        return switch (st) {
            case EQUAL -> paint("=", "32");
            case DECLARED -> paint("~", "33");
            case DIFFERS -> paint("≠", "1;31");
            case NO_REFERENCE -> paint("?", "2");
        };
    }

    public void write(Comparison c) {
        List<PersonalityConfig> cfgs = c.configs();
        out.println("jdax compare: " + c.tables().size() + " scenarios on " + cfgs.size()
                + " personalities, each row beside Linux 6.1's own output");
        out.println("marks: = as Linux   ≠ differs   ~ differs on purpose (declared)   ? not measured on Linux"
                + "   * personalities differ");
        for (Comparison.Table t : c.tables()) {
            out.println();
            Scenario s = t.scenario();
            out.println(paint(s.name(), "1") + "  " + s.description() + "  [fs " + s.fsSizeText()
                    + (s.openFlags().isEmpty() ? "" : ", open " + s.openFlags())
                    + (s.mountOptions() == null ? "" : ", mount " + s.mountOptions()) + "]");
            t.errors().forEach((cfg, err) -> out.println("  " + cfg + ": " + paint("could not run: " + err, "31")));
            int cmdW = 12;
            for (Comparison.Row r : t.rows()) {
                cmdW = Math.max(cmdW, shorten(r.command()).length());
            }
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-5s %-" + cmdW + "s", "row", "command"));
            for (PersonalityConfig p : cfgs) {
                head.append("  ").append(p.label());
            }
            out.println(head);
            List<String> details = new ArrayList<>();
            for (Comparison.Row r : t.rows()) {
                if (r.key().startsWith("$") && allEmpty(r)) {
                    continue;
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-5s %-" + cmdW + "s", r.key(),
                        shorten(r.command())));
                for (PersonalityConfig p : cfgs) {
                    Comparison.Cell cell = r.cells().get(p.label());
                    line.append("  ").append(mark(cell.status())).append(" ".repeat(Math.max(0, p.label().length() - 1)));
                    if (cell.status() == Comparison.Status.DIFFERS || cell.status() == Comparison.Status.DECLARED) {
                        details.add(detail(r, p.label(), cell));
                    }
                }
                if (r.personalitiesDiffer()) {
                    line.append("  *");
                }
                out.println(line.toString().stripTrailing());
                unmeasured(r, cfgs, details);
            }
            for (String d : details) {
                out.print(d);
            }
        }
        out.println();
        summary(c);
    }

    /**
     * jdax-only rows (counters, the seed's media-error policy) have no Linux output to stand beside:
     * their own output is the point, so it is shown, once when every personality printed the same.
     */
    private static void unmeasured(Comparison.Row r, List<PersonalityConfig> cfgs, List<String> details) {
        List<List<String>> outputs = new ArrayList<>();
        for (PersonalityConfig p : cfgs) {
            Comparison.Cell cell = r.cells().get(p.label());
            if (cell.status() != Comparison.Status.NO_REFERENCE) {
                return;
            }
            outputs.add(Normalizer.normalize(cell.jdax()));
        }
        if (outputs.stream().allMatch(List::isEmpty) || r.key().startsWith("$")) {
            return;
        }
        StringBuilder sb = new StringBuilder("  " + r.key() + " " + r.command() + " — not measured on Linux; jdax prints:\n");
        boolean same = outputs.stream().distinct().count() == 1;
        int w = same ? 3 : cfgs.stream().mapToInt(c -> c.label().length()).max().orElse(3);
        for (int i = 0; i < cfgs.size(); i++) {
            if (same && i > 0) {
                break;
            }
            String who = same ? "all" : cfgs.get(i).label();
            for (String line : outputs.get(i).isEmpty() ? List.of("(nothing)") : outputs.get(i)) {
                sb.append(String.format(Locale.ROOT, "      %-" + w + "s | %s%n", who, line));
            }
        }
        details.add(sb.toString());
    }

    private static boolean allEmpty(Comparison.Row r) {
        return r.cells().values().stream().allMatch(cell -> cell.jdax().isEmpty()
                && (cell.linux() == null || cell.linux().isEmpty()));
    }

    private String detail(Comparison.Row r, String cfg, Comparison.Cell cell) {
        StringBuilder sb = new StringBuilder();
        sb.append("  ").append(r.key()).append(' ').append(r.command()).append(" — ").append(cfg).append(": ")
                .append(cell.status() == Comparison.Status.DECLARED ? "differs on purpose: " + cell.declaredReason()
                        : paint("differs from Linux", "31")).append('\n');
        List<String> j = Normalizer.normalize(cell.jdax(), cfg);
        List<String> l = Normalizer.normalize(cell.linux(), cfg);
        for (String s : j.isEmpty() ? List.of("(nothing)") : j) {
            sb.append("      jdax  | ").append(l.contains(s) ? s : paint(s, "31")).append('\n');
        }
        for (String s : l.isEmpty() ? List.of("(nothing)") : l) {
            sb.append("      linux | ").append(j.contains(s) ? s : paint(s, "32")).append('\n');
        }
        return sb.toString();
    }

    private static String shorten(String command) {
        return command.length() > 40 ? command.substring(0, 39) + "…" : command;
    }

    private void summary(Comparison c) {
        out.println("agreement with Linux 6.1 (rows equal / rows compared):");
        for (Comparison.Agreement a : c.agreement()) {
            out.println(String.format(Locale.ROOT, "  %-22s %4d/%-4d (%5.1f%%)   declared differences %d, undeclared %s",
                    a.config(), a.equal(), a.compared(), a.percent(), a.declared(),
                    a.undeclared() == 0 ? "0" : paint(Integer.toString(a.undeclared()), "1;31")));
        }
    }
}
