package dev.jdax.cli.xfsio;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lines below are what Linux's xfs_io printed (reference/xfs_io/ext4/*.out). */
class ReportsTest {
    private static final class Lines implements XfsIoOutput {
        final List<String> lines = new ArrayList<>();

        @Override
        public void out(String line) {
            lines.add(line);
        }

        @Override
        public void err(String line) {
            lines.add(line);
        }
    }

    @Test
    void dumpShowsHexThenAlphanumericsAsXfsIoDoes() {
        Lines out = new Lines();
        byte[] b = new byte[16];
        Arrays.fill(b, (byte) 0xab);
        Arrays.fill(b, 0, 10, (byte) 0);
        Reports.dump(out, 0, b, 16);
        assertEquals(List.of("00000000:  00 00 00 00 00 00 00 00 00 00 ab ab ab ab ab ab  ................"), out.lines);
    }

    @Test
    void aShortLastDumpLineKeepsTheColumns() {
        Lines out = new Lines();
        byte[] b = new byte[100];
        Arrays.fill(b, (byte) 0x66);
        Reports.dump(out, 100, b, 100);
        assertEquals("00000064:  66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66  ffffffffffffffff", out.lines.get(0));
        assertEquals("000000c4:  66 66 66 66  ffff", out.lines.get(6));
    }

    @Test
    void transferLinesHaveXfsIoShapes() {
        Lines out = new Lines();
        Reports.transfer(out, "wrote", 0, 16384, 16384, 4, 600_000);
        assertEquals("wrote 16384/16384 bytes at offset 0", out.lines.get(0));
        assertTrue(out.lines.get(1).matches("16 KiB, 4 ops; 0\\.0006 sec \\([0-9.]+ MiB/sec and [0-9.]+ ops/sec\\)"),
                out.lines.get(1));
        Lines small = new Lines();
        Reports.transfer(small, "read", 4096, 16, 16, 1, 300_000);
        assertTrue(small.lines.get(1).startsWith("16.000000 bytes, 1 ops; 0.0003 sec ("), small.lines.get(1));
    }

    @Test
    void sizesUseTheLargestUnitReached() {
        assertEquals("299 MiB", Reports.size(313524224));
        assertEquals("277 MiB", Reports.size(290697216), "enospc-short-write.out, ext4");
        assertEquals("1.957 KiB", Reports.size(2003.9));
        assertEquals("2 KiB", Reports.size(2048.0), "integral values print without decimals");
        assertEquals("2.000 GiB", Reports.size(2147483648.0), "C's (int) cast makes 2 GiB imprecise");
        assertEquals("1.000000 bytes", Reports.size(1));
    }
}
