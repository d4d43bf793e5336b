package dev.jdax.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Paired slices: the ratio per pair (not of the medians), its quartiles, the line the suite reads back, and the verdicts. */
class PairedTest {
    @Test
    void theRatioIsTheMedianOfEachPairsRatio() {
        // Medians of the rates would say 200 / 100 = 2.0; the pairs say 1.5 (a slow slice pairs with a slow slice).
        double[] base = {100, 50, 200, 100, 300};
        double[] target = {150, 75, 300, 200, 450};
        Paired p = Paired.of("io", "ext4", "read-seq-4096", base, target);
        assertEquals(1.5, p.median(), 1e-9);
        assertEquals(1.5, p.q1(), 1e-9);
        assertEquals(1.5, p.q3(), 1e-9);
        assertEquals(100, p.baseRate(), 1e-9);
        assertEquals(200, p.rate(), 1e-9);
        assertEquals(5, p.pairs());
    }

    @Test
    void quartilesSpanTheMiddleHalf() {
        double[] base = {1, 1, 1, 1, 1, 1, 1, 1};
        double[] target = {8, 1, 7, 2, 6, 3, 5, 4};
        Paired p = Paired.of("threads", "xfs", "create", base, target);
        assertEquals(5, p.median(), 1e-9);
        assertEquals(3, p.q1(), 1e-9);
        assertEquals(7, p.q3(), 1e-9);
    }

    @Test
    void theLineReadsBackAsPrinted() {
        Paired p = Paired.of("io", "ext4:dioread_nolock", "write-rand-1048576", new double[] {10, 20}, new double[] {9, 19});
        Paired back = Paired.parse(p.line());
        assertEquals(p.kind(), back.kind());
        assertEquals(p.target(), back.target());
        assertEquals(p.what(), back.what());
        assertEquals(p.median(), back.median(), 1e-4);
        assertEquals(p.pairs(), back.pairs());
    }

    @Test
    void verdictsSayMetOrMissedWithTheQuartiles() {
        Paired low = Paired.of("threads", "ext2", "create", new double[] {100}, new double[] {150});
        assertEquals("**missed** 1.50x (1.50-1.50)", PairedSection.verdict(Optional.of(low), PairedSection.THREADS_GOAL));
        Paired high = Paired.of("threads", "ext2", "create", new double[] {100}, new double[] {170});
        assertEquals("met 1.70x (1.70-1.70)", PairedSection.verdict(Optional.of(high), PairedSection.THREADS_GOAL));
        Paired justBelow = Paired.of("lucene", "xfs", "queries", new double[] {1000}, new double[] {996});
        assertEquals("**missed** 0.996x (0.996-0.996)", PairedSection.verdict(Optional.of(justBelow), 1.0), "not \"missed 1.00x\"");
        Paired machine = Paired.of("threads", "ext2", "create-ceiling", new double[] {100}, new double[] {190});
        String md = PairedSection.markdown(List.of(low, machine));
        assertTrue(md.contains("| 2 threads creating in 2 directories >= 1.60x one thread | **missed** 1.50x (1.50-1.50); machine 1.90x"
                + " | not measured | — |"), md);
        assertTrue(md.contains("| read seq 4 KiB >= 0.90x raw | not measured |"), md);
        Paired locked = Paired.of("io", PairedRun.LOCKED_RAW, "write-seq-4096", new double[] {100}, new double[] {84});
        Paired ext2 = Paired.of("io", "ext2", "write-seq-4096", new double[] {100}, new double[] {70});
        String ceiling = PairedSection.markdown(List.of(locked, ext2));
        assertTrue(ceiling.contains("| write seq 4 KiB >= 0.90x raw (raw under a lock: 0.84x) | **missed** 0.70x (0.70-0.70) |"), ceiling);
        assertTrue(ceiling.contains("| write seq 1 MiB >= 0.90x raw | not measured |"), ceiling);
        Paired other = Paired.of("io", "ext2", "write-seq-4096" + IoRatio.OTHER_DEVICE, new double[] {100}, new double[] {75});
        String both4k = PairedSection.markdown(List.of(locked, ext2, other));
        assertTrue(both4k.contains("| **missed** 0.70x (0.70-0.70); another device's raw 0.75x |"), both4k);
        Paired ext4 = Paired.of("threads", "ext4", "create", new double[] {100}, new double[] {130});
        Paired orphanFile = Paired.of("threads", PairedRun.ORPHAN_FILE, "create", new double[] {100}, new double[] {165});
        String both = PairedSection.markdown(List.of(ext4, orphanFile));
        assertTrue(both.contains("| **missed** 1.30x (1.30-1.30); with orphan_file met 1.65x (1.65-1.65) |"), both);
    }

    @Test
    void metadataGoalsAreJudgedFromTheirPairs() {
        Paired shm = Paired.of("meta", "xfs", MetaRatio.peerWhat("createWriteDelete", "shm", MetaRatio.LARGE), new double[] {100},
                new double[] {150});
        Paired size = Paired.of("meta", "ext4", MetaRatio.sizeWhat("createDelete"), new double[] {100}, new double[] {85});
        String md = PairedSection.markdown(List.of(shm, size));
        assertTrue(md.contains("| create + write 4 KiB + delete >= 2x /dev/shm, 100,000 names | not measured | not measured | — |"
                + " **missed** 1.50x (1.50-1.50) |"), md);
        assertTrue(md.contains("| createDelete at 100,000 names >= 0.8x at 100 | not measured | met 0.85x (0.85-0.85) | — |"), md);
    }

    @Test
    void luceneGoalsAreJudgedAsJdaxRateOverShm() {
        Paired index = Paired.of("lucene", "ext4", "index", new double[] {1.0}, new double[] {0.9});
        Paired warmup = Paired.of("lucene", "ext4", LuceneRatio.WARMUP, new double[] {1.0, 1.0}, new double[] {0.7, 0.8});
        String md = PairedSection.markdown(List.of(index, warmup));
        assertTrue(md.contains("| Lucene indexing >= 1x /dev/shm (rate), after the warm-up; the warm-up's builds beside | — |"
                + " **missed** 0.90x (0.90-0.90); warm-up 0.80x (0.70-0.80) over 2 | — | not measured |"), md);
        assertTrue(!md.contains("Lucene queries"), "a row only for what was measured: " + md);
    }

    @Test
    void metaRatioRunsBothSidesInPairsOfCallsThatUndoEachOther() throws Exception {
        int[] calls = new int[2];
        // Each side counts its calls: a rename there and back must never stop halfway.
        Paired p = MetaRatio.measure("ext2", MetaRatio.sizeWhat("rename"), i -> calls[0]++, i -> calls[1]++, 0.2, 0.4);
        assertEquals(2, p.pairs());
        assertEquals(MetaRatio.sizeWhat("rename"), p.what());
        assertEquals(0, calls[0] % 2);
        assertEquals(0, calls[1] % 2);
        assertTrue(p.rate() > 0 && p.baseRate() > 0, p.line());
    }

    @Test
    void threadsRatioRunsOneThreadAndTwoAndPrintsItsLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            ThreadsRatio.main(new String[] {"ext2", "read", "0.2", "0.8"}); // one pair of each kind
        } finally {
            System.setOut(was);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        List<String> lines = printed.lines().filter(l -> l.startsWith(Paired.PREFIX)).toList();
        // The pair, the machine's ceiling, and the pair again under where the vCPUs were (near or far).
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertEquals("read-ceiling", Paired.parse(lines.get(1)).what());
        Paired placed = Paired.parse(lines.get(2));
        assertTrue(placed.what().equals("read-near") || placed.what().equals("read-far"), lines.get(2));
        assertEquals(1, placed.pairs());
        assertTrue(printed.contains("round trip"), printed);
        String line = lines.get(0);
        Paired p = Paired.parse(line);
        assertEquals("threads", p.kind());
        assertEquals("read", p.what());
        assertEquals(1, p.pairs());
        // Both sides ran: each slice's rate is above zero, so is each ratio.
        assertTrue(p.baseRate() > 0 && p.rate() > 0 && p.q1() > 0, line);
    }

    @Test
    void aReportOfThePairsAloneHasNoEmptyJmhTables() {
        Paired p = Paired.of("io", "xfs", "read-rand-4096", new double[] {100}, new double[] {95});
        String md = new BenchReport(List.of(), List.of(), List.of(), List.of(p), true).markdown();
        assertTrue(md.contains("| read rand 4 KiB >= 0.90x raw | not measured | not measured | not measured | met 0.95x (0.95-0.95) |"), md);
        assertTrue(!md.contains("## read, sequential") && !md.contains("## Targets"), md);
        String json = new BenchReport(List.of(), List.of(), List.of(), List.of(p), true).json();
        assertTrue(json.contains("{\"kind\":\"io\",\"target\":\"xfs\",\"what\":\"read-rand-4096\",\"median\":0.9500"), json);
    }
}
