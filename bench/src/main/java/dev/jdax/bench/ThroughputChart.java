package dev.jdax.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** An SVG bar chart: sequential read throughput by I/O size, one bar per target. */
final class ThroughputChart {
    private static final String[] COLOURS = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"};
    private final List<Measurement> ms;

    ThroughputChart(List<Measurement> ms) {
        this.ms = ms.stream().filter(m -> m.group().equals("read") && m.pattern().equals("seq")).toList();
    }

    String svg() {
        Set<Integer> sizes = new TreeSet<>();
        Set<String> targets = new LinkedHashSet<>();
        ms.forEach(m -> {
            sizes.add(m.ioSize());
            targets.add(m.target());
        });
        double max = ms.stream().mapToDouble(Measurement::bytesPerSec).max().orElse(1) / 1e9;
        int barW = 14;
        int groupW = Math.max(1, targets.size()) * barW + 30;
        int w = 80 + sizes.size() * groupW + 160;
        int h = 320;
        int plotH = 240;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", w, h));
        sb.append("<text x=\"10\" y=\"14\" font-size=\"13\">Sequential read, GB/s, by I/O size</text>\n");
        sb.append(String.format(Locale.ROOT, "<line x1=\"60\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", 30 + plotH, w - 160, 30 + plotH));
        sb.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"40\">%.1f</text>%n", max));
        List<String> order = new ArrayList<>(targets);
        int gx = 70;
        for (int s : sizes) {
            final int x0 = gx;
            for (int i = 0; i < order.size(); i++) {
                final int idx = i;
                ms.stream().filter(m -> m.ioSize() == s && m.target().equals(order.get(idx))).findFirst().ifPresent(m -> {
                    double v = m.bytesPerSec() / 1e9;
                    int bh = (int) Math.round(plotH * v / max);
                    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s %s: %.2f GB/s</title></rect>%n",
                            x0 + idx * barW, 30 + plotH - bh, barW - 2, bh, COLOURS[idx % COLOURS.length], m.target(), BenchReport.size(s), v));
                });
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", gx, 48 + plotH, BenchReport.size(s)));
            gx += groupW;
        }
        for (int i = 0; i < order.size(); i++) {
            int y = 40 + i * 16;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    w - 150, y, COLOURS[i % COLOURS.length], w - 135, y + 9, order.get(i)));
        }
        return sb.append("</svg>\n").toString();
    }
}
