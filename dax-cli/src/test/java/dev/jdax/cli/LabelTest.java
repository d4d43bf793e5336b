package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.jdax.cli.ImageCommandsTest.judge;
import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * xfs_io's {@code label} (FS_IOC_GETFSLABEL, FS_IOC_SETFSLABEL) as Linux 6.1 keeps it (scenario
 * {@code label}): the label in the primary superblock and in every copy, where blkid, xfs_db and
 * dumpe2fs read it, after a remount too; the format's longest label and EINVAL one byte past it;
 * EROFS on a read-only mount; ENOTTY from fs/ext2; a label mkfs.xfs or mke2fs wrote read back,
 * and one {@code jdax mkfs -L} wrote; and
 * many threads setting labels at once leaving one label in every copy.
 */
class LabelTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void aLabelGoesIntoEveryCopyOfTheSuperblockAndStays(String type) throws Exception {
        type(type);
        Path image = tmp.resolve(type + ".img");
        Console.run("mkfs", "-t", type, image.toString(), "320m").ok();
        int max = type.equals("xfs") ? 12 : 16;
        String longest = "abcdefghijklmnop".substring(0, max);
        Console set = Console.run("io", "-f", "-c", "label", "-c", "label -s " + longest, "-c", "label -s " + longest + "q",
                "-c", "label", image + ":/f");
        assertEquals(1, set.status(), set.err());
        assertEquals("label = \"\"\nlabel = \"" + longest + "\"\nlabel = \"" + longest + "\"\n", set.out());
        assertEquals("label: Invalid argument\n", set.err());

        assertEquals("label = \"" + longest + "\"\n", Console.run("io", "-r", "-c", "label", image + ":/f").ok().out());
        assertEquals(List.of(longest), copies(type, image));
        Console ro = Console.run("io", "-r", "-o", "ro", "-c", "label -s other", image + ":/f");
        assertEquals("label: Read-only file system\n", ro.err());
        judge(type, image);

        Console.run("io", "-c", "label -c", image + ":/f").ok();
        assertEquals(List.of(""), copies(type, image));
        judge(type, image);
    }

    /**
     * {@code jdax mkfs -L LABEL -U UUID}, as mke2fs and mkfs.xfs take them: the label in every
     * copy of the superblock, the UUID where the outside tools read it, both in {@code jdax info};
     * a label one byte longer than the format keeps, a UUID in a short form, a block size or a
     * feature the personality does not make, is refused before the image is touched.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void mkfsWritesTheLabelAndUuidItIsGiven(String type) throws Exception {
        type(type);
        Path image = tmp.resolve("mkfs-" + type + ".img");
        int max = type.equals("xfs") ? 12 : 16;
        // The longest label, in two-byte characters: the limit is the format's bytes, not characters.
        String label = type.equals("xfs") ? "ünïcödés" : "dévelöppé-üs";
        String uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        assertEquals(max, label.getBytes(StandardCharsets.UTF_8).length);
        Console.run("mkfs", "-t", type, "-L", label, "-U", uuid, image.toString(), "320m").ok();

        assertTrue(Console.run("info", image.toString()).ok().out()
                .contains(", label \"" + label + "\", UUID " + uuid + ")\n"));
        assertEquals(List.of(label), copies(type, image));
        assertEquals(uuid, outsideUuid(type, image));
        if (!type.equals("ext2")) {
            assertEquals("label = \"" + label + "\"\n", Console.run("io", "-r", "-c", "label", image + ":/").ok().out());
        }
        judge(type, image);

        String tooLong = "x".repeat(max - 1) + "é";
        Console refused = Console.run("mkfs", "-t", type, "-L", tooLong, image.toString(), "320m");
        assertEquals(1, refused.status());
        assertEquals("jdax: mkfs: " + image + ": " + type + ": mkfs: label \"" + tooLong + "\" is " + (max + 1)
                + " bytes, longer than the " + max + " the superblock keeps (EINVAL)\n", refused.err());
        Console shortUuid = Console.run("mkfs", "-t", type, "-U", "1-2-3-4-5", image.toString(), "320m");
        assertEquals("jdax: mkfs: -U 1-2-3-4-5: not a UUID (8-4-4-4-12 hex digits) (EINVAL)\n", shortUuid.err());
        Console badBlock = Console.run("mkfs", "-t", type, "-b", "8192", image.toString(), "320m");
        assertEquals(1, badBlock.status());
        assertTrue(badBlock.err().startsWith("jdax: mkfs: " + image + ": " + type + ": "), badBlock.err());
        Console badFeature = Console.run("mkfs", "-t", type, "-O", "no_such_feature", image.toString(), "320m");
        assertTrue(badFeature.err().contains("mkfs feature \"no_such_feature\""), badFeature.err());
        // Every refusal came before the image was emptied, as mke2fs and mkfs.xfs parse their
        // options before they discard: the file system made above is still there, and whole.
        assertTrue(Console.run("info", image.toString()).ok().out()
                .contains(", label \"" + label + "\", UUID " + uuid + ")\n"));
        judge(type, image);
    }

    /** {@code s} with xfs_db's {@code \ooo} escapes made bytes again, read as UTF-8. */
    private static String octalUnescaped(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                bytes.write(s.charAt(i));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The UUID dumpe2fs or xfs_db reads from the primary superblock. */
    private static String outsideUuid(String type, Path image) throws Exception {
        Optional<HostTool> tool = HostTool.find(type.equals("xfs") ? "xfs_db" : "dumpe2fs");
        assumeTrue(tool.isPresent(), "xfs_db or dumpe2fs is not installed");
        String out = type.equals("xfs") ? tool.get().run("-r", "-c", "sb 0", "-c", "p uuid", image.toString()).output()
                : tool.get().run("-h", image.toString()).output();
        String key = type.equals("xfs") ? "uuid = " : "Filesystem UUID:";
        return out.lines().filter(l -> l.startsWith(key)).findFirst().orElseThrow().substring(key.length()).strip();
    }

    @Test
    void ext2HasNoLabelIoctls() throws Exception {
        FileSystemType t = type("ext2");
        try (DaxDevice device = Personalities.formatted(t, Personalities.size("ext2"));
             FileSystem fs = Personalities.mount(t, device)) {
            assertErrno(Errno.ENOTTY, fs::label);
            assertErrno(Errno.ENOTTY, () -> fs.setLabel("x".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void theLabelTheRealMkfsWroteIsRead(String type) throws Exception {
        type(type);
        Optional<HostTool> mkfs = HostTool.find(type.equals("xfs") ? "mkfs.xfs" : "mke2fs");
        assumeTrue(mkfs.isPresent(), "the real mkfs for " + type + " is not installed");
        Path image = tmp.resolve("real-" + type + ".img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(320L << 20);
        }
        // All 12 bytes of sb_fname taken: XFS keeps no NUL after the longest label.
        String label = type.equals("xfs") ? "twelve_bytes" : "made-by-mke2fs";
        HostTool.Result made = type.equals("xfs") ? mkfs.get().run("-q", "-f", "-L", label, image.toString())
                : mkfs.get().run("-q", "-F", "-t", "ext4", "-L", label, image.toString());
        assertEquals(0, made.status(), made.output());
        assertEquals("label = \"" + label + "\"\n", Console.run("io", "-r", "-c", "label", image + ":/").ok().out());
    }

    /**
     * Four threads set labels at once while a fifth reads them: every read is a whole label one of
     * them set, and at the end the primary and every copy hold the same one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void concurrentLabelsLeaveOneLabelInEveryCopy(String type) throws Exception {
        FileSystemType t = type(type);
        Path image = tmp.resolve("mt-" + type + ".img");
        Console.run("mkfs", "-t", type, image.toString(), "320m").ok();
        Set<String> written = new HashSet<>(List.of(""));
        List<String> last = new ArrayList<>();
        try (DaxDevice device = PmemDevices.open(image); FileSystem fs = Vfs.mount(t, device, MountOptions.parse("dax"))) {
            ExecutorService pool = Executors.newFixedThreadPool(5);
            try {
                CyclicBarrier start = new CyclicBarrier(5);
                List<Future<?>> work = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    for (int i = 0; i < 50; i++) {
                        written.add("w" + writer + "-" + i);
                    }
                    work.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 50; i++) {
                            fs.setLabel(("w" + writer + "-" + i).getBytes(StandardCharsets.UTF_8));
                        }
                        return null;
                    }));
                }
                Future<List<String>> reads = pool.submit(() -> {
                    start.await();
                    List<String> seen = new ArrayList<>();
                    for (int i = 0; i < 400; i++) {
                        seen.add(new String(fs.label(), StandardCharsets.UTF_8));
                    }
                    return seen;
                });
                for (Future<?> f : work) {
                    f.get();
                }
                for (String s : reads.get()) {
                    assertTrue(written.contains(s), "a label no thread set: \"" + s + "\"");
                }
            } finally {
                pool.shutdownNow();
            }
            last.add(new String(fs.label(), StandardCharsets.UTF_8));
        }
        assertTrue(last.get(0).matches("w\\d-49"), last.get(0));
        assertEquals(List.of(last.get(0)), copies(type, image));
        judge(type, image);
    }

    /**
     * The labels the outside tools read from the primary superblock and every copy, without
     * repeats: blkid's and xfs_db's (each AG's sb_fname), or dumpe2fs's (the primary and the
     * copy in group 1).
     */
    private static List<String> copies(String type, Path image) throws Exception {
        Set<String> labels = new java.util.LinkedHashSet<>();
        if (type.equals("xfs")) {
            Optional<HostTool> db = HostTool.find("xfs_db");
            assumeTrue(db.isPresent(), "xfs_db is not installed");
            for (int ag = 0; ag < 4; ag++) {
                String out = db.get().run("-r", "-c", "sb " + ag, "-c", "p fname", image.toString()).output().strip();
                assertTrue(out.startsWith("fname = \""), out);
                // xfs_db prints each byte outside printable ASCII (the NULs that pad sb_fname,
                // UTF-8's) as \ooo.
                labels.add(octalUnescaped(out.substring("fname = \"".length(), out.length() - 1)).replaceAll("\0+$", ""));
            }
        } else {
            Optional<HostTool> dumpe2fs = HostTool.find("dumpe2fs");
            assumeTrue(dumpe2fs.isPresent(), "dumpe2fs is not installed");
            for (List<String> args : List.of(List.of("-h"), List.of("-h", "-o", "superblock=32768", "-o", "blocksize=4096"))) {
                List<String> all = new ArrayList<>(args);
                all.add(image.toString());
                String out = dumpe2fs.get().run(all.toArray(String[]::new)).output();
                String name = out.lines().filter(l -> l.startsWith("Filesystem volume name:")).findFirst().orElseThrow();
                String v = name.substring("Filesystem volume name:".length()).strip();
                labels.add(v.equals("<none>") ? "" : v);
            }
        }
        return new ArrayList<>(labels);
    }
}
