package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every directory hash version, signed and unsigned, seeded and not, against e2fsprogs' debugfs dx_hash. */
class DirHashTest {
    @TempDir
    Path tmp;

    @Test
    void everyHashVersionAgreesWithDebugfs() throws Exception {
        SplittableRandom r = new SplittableRandom(22);
        List<String> names = new ArrayList<>(List.of("a", "hello", "lost+found", "entry-1234", "x".repeat(255),
                "héllo-wörld-a-long-name-of-more-than-32-bytes", "ÿÿÿÿ", "名前のファイル"));
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_-.éüß€ÿ";
        for (int i = 0; i < 60; i++) {
            StringBuilder b = new StringBuilder("n"); // debugfs would take a leading '-' for an option
            int len = 1 + r.nextInt(i < 40 ? 40 : 120);
            for (int k = 0; k < len; k++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            names.add(b.toString());
        }
        String seedUuid = "0b1c2d3e-8f90-4a1b-9c2d-3e4f5a6b7c8d";
        byte[] uuid = HexFormat.of().parseHex(seedUuid.replace("-", ""));
        ByteBuffer sb = ByteBuffer.wrap(uuid).order(ByteOrder.LITTLE_ENDIAN);
        int[] seed = {sb.getInt(0), sb.getInt(4), sb.getInt(8), sb.getInt(12)};
        StringBuilder cmds = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int version = 0; version <= 5; version++) {
            for (boolean seeded : new boolean[] {false, true}) {
                for (String n : names) {
                    cmds.append("dx_hash -h ").append(version).append(seeded ? " -s " + seedUuid : "").append(' ').append(n).append('\n');
                    DirHash.Hash h = DirHash.of(n.getBytes(StandardCharsets.UTF_8), version, seeded ? seed : new int[4]);
                    expected.add(String.format("%s 0x%x 0x%x", n, h.major(), h.minor()));
                }
            }
        }
        Path script = tmp.resolve("cmds");
        Files.writeString(script, cmds);
        Tools.Result out = Tools.run("debugfs", "-f", script.toString(), "/dev/null");
        Matcher m = Pattern.compile("Hash of (\\S+) is 0x([0-9a-f]+) \\(minor 0x([0-9a-f]+)\\)").matcher(out.output());
        List<String> got = new ArrayList<>();
        while (m.find()) {
            got.add(String.format("%s 0x%x 0x%x", m.group(1), Long.parseLong(m.group(2), 16), Long.parseLong(m.group(3), 16)));
        }
        assertEquals(expected.size(), got.size(), out.output());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(got.get(i), expected.get(i), "hash version " + i / (2 * names.size()));
        }
    }
}
