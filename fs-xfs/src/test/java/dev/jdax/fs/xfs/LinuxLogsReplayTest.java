package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Logs Linux wrote, replayed by jdax: images made by {@code src/test/oracle/linux-logs.sh} (a
 * workload in Linux 6.1, then a forced shutdown with the log flushed), mounted by jdax, must give
 * what Linux's own replay of the same image gave — every directory, file size and content, symlink
 * target — and xfs_repair -n must find them clean after jdax's unmount. The images are made on
 * demand, not kept in the project: the test runs when {@code -Djdax.xfs.linuxLogs=DIR} names them.
 */
class LinuxLogsReplayTest {
    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> jdaxReplaysWhatLinuxLoggedAsLinuxDoes() throws Exception {
        String dir = System.getProperty("jdax.xfs.linuxLogs");
        Assumptions.assumeTrue(dir != null, "no -Djdax.xfs.linuxLogs=DIR (made by src/test/oracle/linux-logs.sh)");
        XfsImages.assumeXfsprogs();
        List<Path> images;
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            images = s.filter(p -> p.toString().endsWith(".img")).sorted().toList();
        }
        assertTrue(images.size() >= 8, "at least eight workloads in " + dir + ": " + images);
        return images.stream().map(img -> DynamicTest.dynamicTest(img.getFileName().toString(), () -> replay(img)));
    }

    private void replay(Path img) throws Exception {
        String name = img.getFileName().toString().replace(".img", "");
        Map<String, String> expected = lines(Files.readAllLines(img.resolveSibling(name + ".expected")));
        assertFalse(expected.isEmpty(), name + ": Linux listed nothing");
        Path copy = tmp.resolve(name + ".img");
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsFileSystem format = (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
            assertTrue(format.opened().dirty() && format.opened().transactions() > 0,
                    name + ": the log Linux left needs recovery");
            FileSystem fs = Vfs.over(format);
            Map<String, String> got = new TreeMap<>();
            list(fs, fs.rootIno(), ".", got);
            fs.close();
            assertEquals(new TreeMap<>(expected), got, name + ": jdax's replay differs from Linux's");
            XfsImages.save(dev, copy);
        }
        XfsImages.assertRepairClean(copy);
    }

    private static Map<String, String> lines(List<String> text) {
        Map<String, String> out = new TreeMap<>();
        for (String l : text) {
            if (!l.isBlank()) {
                String[] f = l.split(" ", 3);
                out.put(f[1], l);
            }
        }
        return out;
    }

    /** The listing linux-logs.sh makes in the guest: "d PATH", "f PATH SIZE SHA256", "l PATH TARGET". */
    private static void list(FileSystem fs, long dir, String path, Map<String, String> out) throws Exception {
        out.put(path, "d " + path);
        for (DirEntry e : fs.readdir(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            String p = path + "/" + e.name();
            if (e.type() == FileType.DIRECTORY) {
                list(fs, e.ino(), p, out);
            } else if (e.type() == FileType.SYMLINK) {
                out.put(p, "l " + p + " " + fs.readlink(e.ino()));
            } else {
                byte[] data = XfsImages.readAll(fs, e.ino());
                String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
                out.put(p, "f " + p + " " + data.length + " " + sha);
            }
        }
    }
}
