package dev.jdax.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jdax io bmap} on an image mkfs.xfs made with four allocation groups and a stripe: the same
 * extents FIEMAP reports, holes between and up to EOF, each extent's allocation group and offset in
 * it, and the FLAGS column's unwritten and stripe bits. (The scenarios {@code bmap-extents} and
 * {@code bmap-options} hold Linux's own output on an unstriped file system.)
 */
class BmapCommandTest {
    private static final Pattern BMAP_EXTENT = Pattern.compile(
            "^\\s*\\d+: \\[(\\d+)\\.\\.(\\d+)\\]:\\s+(\\d+)\\.\\.(\\d+)\\s+(\\d+) \\((\\d+)\\.\\.(\\d+)\\)\\s+(\\d+) ([0-7]{6})$");
    private static final Pattern BMAP_HOLE = Pattern.compile("^\\s*\\d+: \\[(\\d+)\\.\\.(\\d+)\\]:\\s+hole\\s+(\\d+)$");
    private static final Pattern FIEMAP_EXTENT = Pattern.compile(
            "^\\s*\\d+: \\[(\\d+)\\.\\.(\\d+)\\]:\\s+(\\d+)\\.\\.(\\d+)\\s+\\d+\\s+0x([0-9a-f]+)$");
    private static final int SUNIT_BB = 128;       // su=64k
    private static final int SWIDTH_BB = 256;      // sw=2

    @TempDir
    Path tmp;

    @Test
    void bmapAgreesWithFiemapAndPlacesEachExtentInItsGroupAndStripe() throws Exception {
        Path image = tmp.resolve("x.img");
        ImageCommandsTest.mkfsXfs(image, "-d", "agcount=4,su=64k,sw=2");
        long bbPerAg = superblockField(image, 84) * superblockField(image, 4) / 512;

        Console io = Console.run("io", "-f", "-c", "pwrite -q 0 36k", "-c", "pwrite -q 256k 4k",
                "-c", "falloc 128k 64k", "-c", "truncate 1m", "-c", "bmap -vvp", "-c", "fiemap -v", image + ":/f");
        assertEquals("", io.err());
        String out = io.out();
        List<long[]> bmapExtents = new ArrayList<>();
        List<long[]> fiemapExtents = new ArrayList<>();
        long holes = 0;
        long lastEnd = -1;
        for (String line : out.split("\n")) {
            Matcher b = BMAP_EXTENT.matcher(line);
            Matcher h = BMAP_HOLE.matcher(line);
            Matcher fm = FIEMAP_EXTENT.matcher(line);
            if (b.matches()) {
                long block = Long.parseLong(b.group(3));
                long length = Long.parseLong(b.group(8));
                assertEquals(block / bbPerAg, Long.parseLong(b.group(5)), line);
                assertEquals(block % bbPerAg, Long.parseLong(b.group(6)), line);
                int flags = Integer.parseInt(b.group(9), 8);
                int stripe = (block % SUNIT_BB != 0 ? 01000 : 0) | ((block + length) % SUNIT_BB != 0 ? 0100 : 0)
                        | (block % SWIDTH_BB != 0 ? 010 : 0) | ((block + length) % SWIDTH_BB != 0 ? 01 : 0);
                assertEquals(stripe, flags & 07777, "the stripe bits of " + line);
                bmapExtents.add(new long[] {Long.parseLong(b.group(1)), Long.parseLong(b.group(2)), block,
                        Long.parseLong(b.group(4)), (flags & 010000) != 0 ? 1 : 0});
                lastEnd = Long.parseLong(b.group(2));
            } else if (h.matches()) {
                holes++;
                lastEnd = Long.parseLong(h.group(2));
            } else if (fm.matches()) {
                fiemapExtents.add(new long[] {Long.parseLong(fm.group(1)), Long.parseLong(fm.group(2)),
                        Long.parseLong(fm.group(3)), Long.parseLong(fm.group(4)),
                        (Long.parseLong(fm.group(5), 16) & 0x800) != 0 ? 1 : 0});
            }
        }
        assertTrue(out.contains(" FLAGS\n"), out);
        assertTrue(out.contains("    0010000 Unwritten preallocated extent\n"), "-vv's legend: " + out);
        assertEquals(fiemapExtents.size(), bmapExtents.size(), out);
        for (int i = 0; i < bmapExtents.size(); i++) {
            assertEquals(List.of(fiemapExtents.get(i)[0], fiemapExtents.get(i)[1], fiemapExtents.get(i)[2],
                            fiemapExtents.get(i)[3], fiemapExtents.get(i)[4]),
                    List.of(bmapExtents.get(i)[0], bmapExtents.get(i)[1], bmapExtents.get(i)[2], bmapExtents.get(i)[3],
                            bmapExtents.get(i)[4]), "extent " + i + " of " + out);
        }
        assertTrue(bmapExtents.stream().anyMatch(e -> e[4] == 1), "the falloc'ed range is unwritten: " + out);
        assertTrue(holes >= 2, "holes between the extents and up to EOF: " + out);
        assertEquals(2047, lastEnd, "the map runs to EOF (1 MiB, 2048 sectors): " + out);
        ImageCommandsTest.judge("xfs", image);
    }

    private static long superblockField(Path image, int offset) throws Exception {
        byte[] sb = new byte[512];
        try (var in = Files.newInputStream(image)) {
            assertEquals(512, in.readNBytes(sb, 0, 512));
        }
        return Integer.toUnsignedLong(ByteBuffer.wrap(sb).getInt(offset));
    }
}
