package dev.jdax.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A directory is listed in the order Linux's getdents returns it ({@code jdax ls -U}): ext4 lists a
 * hashed directory, and with dir_index a one-block one, by (major, minor) hash — the hashes here
 * computed by e2fsprogs ({@code debugfs dx_hash} with the image's seed and algorithm), not by jdax —
 * and any other directory, ext2's included, in the order of its records ({@code debugfs ls}). The
 * images come from mke2fs -d and from jdax; Linux 6.1 listed the same images in these orders
 * (docs/PERSONALITIES.md, ext4, "Directory order"; fs-ext4/src/test/oracle/judge-readdir-order.sh).
 */
class ReaddirOrderTest {
    private static final Pattern HASH = Pattern.compile("Hash of (\\S+) is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)");

    @TempDir
    Path tmp;

    /** A source tree: a root of 30 names (one block) and a directory of 700 (many). */
    private Path tree() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("big"));
        for (int i = 1; i <= 30; i++) {
            Files.writeString(src.resolve("f" + i), Integer.toString(i));
        }
        for (int i = 1; i <= 700; i++) {
            Files.createFile(src.resolve("big/name-" + i));
        }
        return src;
    }

    private static HostTool tool(String name) {
        Optional<HostTool> t = HostTool.find(name);
        assumeTrue(t.isPresent(), name + " is not installed: nothing to compare with");
        return t.get();
    }

    private static List<String> listed(Path image, String dir) {
        String out = Console.run("ls", "-U", image + ":" + dir).ok().out();
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    /** The names of {@code dir} in the order of its records, as debugfs reads them, without . and ... */
    private static List<String> recordOrder(Path image, String dir) throws Exception {
        HostTool.Result r = tool("debugfs").run("-R", "ls -p " + dir, image.toString());
        assertEquals(0, r.status(), r.output());
        List<String> names = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            String[] f = line.split("/", -1);
            if (f.length >= 6 && f[0].isEmpty() && !f[5].equals(".") && !f[5].equals("..") && !f[1].equals("0")) {
                names.add(f[5]);
            }
        }
        return names;
    }

    /** {@code names} sorted by the hash e2fsprogs computes for each with the image's seed and default algorithm. */
    private List<String> hashOrder(Path image, List<String> names) throws Exception {
        HostTool.Result sb = tool("dumpe2fs").run("-h", image.toString());
        String seed = field(sb.output(), "Directory Hash Seed:");
        String alg = field(sb.output(), "Default directory hash:");
        Path cmds = tmp.resolve("dx_hash.cmds");
        StringBuilder text = new StringBuilder();
        for (String n : names) {
            text.append("dx_hash -s ").append(seed).append(" -h ").append(alg).append(' ').append(n).append('\n');
        }
        Files.writeString(cmds, text);
        HostTool.Result r = tool("debugfs").run("-f", cmds.toString(), image.toString());
        Map<String, Long> hash = new HashMap<>();
        Matcher m = HASH.matcher(r.output());
        while (m.find()) {
            hash.put(m.group(1), Long.parseLong(m.group(2), 16) << 32 | Long.parseLong(m.group(3), 16));
        }
        assertEquals(names.size(), hash.size(), r.output());
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(Comparator.comparing(hash::get, Long::compareUnsigned));
        return sorted;
    }

    private static String field(String dumpe2fs, String name) {
        return Arrays.stream(dumpe2fs.split("\n")).filter(l -> l.startsWith(name)).findFirst()
                .map(l -> l.substring(name.length()).trim()).orElseThrow(() -> new AssertionError(name + " in " + dumpe2fs));
    }

    @Test
    void ext4ListsAOneBlockDirectoryOfMke2fsByHash() throws Exception {
        Path image = tmp.resolve("ext4.img");
        HostTool.Result r = tool("mke2fs").run("-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree().toString(), image.toString(), "64m");
        assertEquals(0, r.status(), r.output());
        List<String> records = recordOrder(image, "/");
        List<String> jdax = listed(image, "/");
        assertEquals(32, jdax.size(), jdax.toString());
        assertEquals(hashOrder(image, records), jdax);
        assertNotEquals(records, jdax, "the hash order is not the records' order");
        // With -a, . and .. are hashed among the others, as ext4_htree_fill_tree hashes a one-block directory's records.
        List<String> withDots = new ArrayList<>(records);
        withDots.addAll(List.of(".", ".."));
        assertEquals(hashOrder(image, withDots), List.of(Console.run("ls", "-aU", image + ":/").ok().out().split("\n")));
        // 700 names in many blocks, made without an index: a linear directory, listed as its records lie.
        assertEquals(recordOrder(image, "/big"), listed(image, "/big"));
    }

    @Test
    void ext4ListsADirectoryItIndexedByHash() throws Exception {
        Path image = tmp.resolve("jdax.img");
        Console.run("mkfs", "-t", "ext4", "-d", tree().toString(), image.toString(), "64m").ok();
        HostTool.Result htree = tool("debugfs").run("-R", "htree_dump /big", image.toString());
        assertTrue(htree.output().contains("Root node dump"), "jdax indexed /big: " + htree.output());
        List<String> records = recordOrder(image, "/big");
        List<String> jdax = listed(image, "/big");
        assertEquals(700, jdax.size());
        assertEquals(hashOrder(image, records), jdax);
        assertNotEquals(records, jdax, "the hash order is not the records' order");
        ImageCommandsTest.judge("ext4", image);
    }

    @Test
    void ext2ListsItsRecordsInOrderAsFsExt2Does() throws Exception {
        Path image = tmp.resolve("ext2.img");
        HostTool.Result r = tool("mke2fs").run("-q", "-F", "-t", "ext2", "-b", "4096", "-d", tree().toString(), image.toString(), "64m");
        assertEquals(0, r.status(), r.output());
        assertEquals(recordOrder(image, "/"), listed(image, "/"));
        assertEquals(recordOrder(image, "/big"), listed(image, "/big"));
    }

    private static final Pattern DEBUGFS_LS = Pattern.compile("\\s*(\\d+)\\s+\\((\\d+)\\)\\s+(\\S+)");
    private static final Pattern READDIR_V = Pattern.compile(
            "([0-9a-f]+): d_ino: 0x([0-9a-f]+) d_off: 0x([0-9a-f]+) d_reclen: 0x[0-9a-f]+ d_type: \\S+ d_name: (.*)");

    /**
     * fs/ext2's getdents positions (ext2_readdir's ctx->pos) are the records' byte offsets, summed
     * from the record lengths e2fsprogs reads ({@code debugfs ls}), and the last record's
     * {@code d_off} is the directory's size: in a one-block root and in a directory of many blocks.
     * (No oracle guest has fs/ext2, whose readdir jdax's ext2 follows; the ext4 driver's positions,
     * hashes, are checked against Linux by the compare scenarios readdir-ext4 and readdir.)
     */
    @Test
    void ext2PositionsAreTheRecordsByteOffsets() throws Exception {
        Path image = tmp.resolve("ext2-pos.img");
        HostTool.Result r = tool("mke2fs").run("-q", "-F", "-t", "ext2", "-O", "^dir_index", "-b", "4096", "-d", tree().toString(),
                image.toString(), "64m");
        assertEquals(0, r.status(), r.output());
        assertRecordOffsets(image, List.of("/", "/big"));
    }

    /**
     * ext4's linear directories (one of many blocks that mke2fs -d made without an index) are
     * positioned as ext2's, each block's checksum tail counted as a record (ext4_readdir steps over it).
     */
    @Test
    void ext4LinearPositionsAreTheRecordsByteOffsets() throws Exception {
        Path image = tmp.resolve("ext4-pos.img");
        HostTool.Result r = tool("mke2fs").run("-q", "-F", "-t", "ext4", "-b", "4096", "-d", tree().toString(), image.toString(), "64m");
        assertEquals(0, r.status(), r.output());
        assertRecordOffsets(image, List.of("/big"));
    }

    private void assertRecordOffsets(Path image, List<String> dirs) throws Exception {
        // With metadata_csum each block ends in a 12-byte tail record, which debugfs ls does not list.
        boolean tails = tool("dumpe2fs").run("-h", image.toString()).output().contains("metadata_csum");
        for (String dir : dirs) {
            HostTool.Result ls = tool("debugfs").run("-R", "ls " + dir, image.toString());
            List<String> want = new ArrayList<>();
            long pos = 0;
            Matcher m = DEBUGFS_LS.matcher(ls.output());
            while (m.find()) {
                want.add(Long.toHexString(pos) + " " + Long.toHexString(Long.parseLong(m.group(1))) + " " + m.group(3));
                pos += Long.parseLong(m.group(2));
                if (tails && pos % 4096 == 4096 - 12) {
                    pos += 12;
                }
            }
            String out = Console.run("io", image + ":" + dir, "-c", "readdir -v").ok().out();
            List<String> got = new ArrayList<>();
            long lastOff = -1;
            for (String line : out.split("\n")) {
                Matcher v = READDIR_V.matcher(line);
                if (v.matches()) {
                    got.add(Long.toHexString(Long.parseLong(v.group(1), 16)) + " " + v.group(2).replaceFirst("^0+(?=.)", "") + " "
                            + v.group(4));
                    lastOff = Long.parseLong(v.group(3), 16);
                }
            }
            assertTrue(want.size() > 30, dir + ": " + ls.output());
            assertEquals(want, got, dir);
            assertEquals(pos, lastOff, dir + ": the last record's d_off is the directory's size");
        }
    }
}
