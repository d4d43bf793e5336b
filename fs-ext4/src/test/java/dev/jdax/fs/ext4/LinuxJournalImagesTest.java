package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Journals the Linux 6.1 kernel left to replay — committed transactions not yet home, with 4 KiB and
 * 1 KiB blocks, ext3 and ext4, a log that wrapped, and fast commits after the last full commit —
 * made by {@code src/test/oracle/make-journal-images.sh OUTDIR} (it boots the kernel, so it is not
 * part of the build) and checked here when {@code -Djdax.journalImages=OUTDIR} names them. jdax
 * mounts each crashed image (replaying its journal) and lists it as the kernel listed its own
 * replay of the same image: every path, file size, link count, mode, block count and md5, every
 * symlink target. e2fsck -fn judges jdax's replay, and a write after it. With
 * {@code -Djdax.journalImages.keep=DIR} jdax's replays are kept there ({@code NAME.jdax}) for
 * {@code make-journal-images.sh --judge-jdax}, which has the kernel mount and list them.
 *
 * <p>Linux 6.1's fast-commit replay gets directory link counts wrong (a directory a fast commit made
 * has one link and its parent none more; one a fast commit removed stays allocated, unconnected, with
 * its parent's link), which e2fsck -fn reports on the kernel's own replay. jdax keeps them as they
 * were before the crash. So jdax's listing must equal the kernel's listing from before the crash
 * exactly, and the kernel's listing after its replay but for directory link counts, and only where
 * e2fsck found the kernel's replay wrong.
 */
class LinuxJournalImagesTest {
    @TempDir
    Path tmp;

    @Test
    void jdaxReplaysKernelJournalsAsTheKernelDoes() throws Exception {
        String dir = System.getProperty("jdax.journalImages");
        assumeTrue(dir != null, "no -Djdax.journalImages=DIR (made by src/test/oracle/make-journal-images.sh)");
        int checked = 0;
        try (Stream<Path> imgs = Files.list(Path.of(dir))) {
            for (Path img : imgs.filter(p -> p.toString().endsWith(".img")).sorted().toList()) {
                String name = img.getFileName().toString().replace(".img", "");
                List<String> linux = Files.readAllLines(img.resolveSibling("linux-" + name + ".txt"));
                List<String> before = Files.readAllLines(img.resolveSibling("before-" + name + ".txt"));
                boolean linuxClean = !Files.readString(img.resolveSibling("e2fsck-" + name + ".txt")).contains("Fix? no");
                Path copy = Files.copy(img, tmp.resolve(name + ".img"));
                List<String> jdax;
                try (DaxDevice d = PmemDevices.open(copy); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
                    jdax = listing(fs);
                }
                assertEquals(String.join("\n", before), String.join("\n", jdax), name + ": jdax's replay is what Linux had made durable");
                List<String> declared = new ArrayList<>();
                assertEquals(linux.size(), jdax.size(), name + ": paths listed");
                for (int i = 0; i < jdax.size(); i++) {
                    if (!jdax.get(i).equals(linux.get(i))) {
                        assertTrue(sameButDirectoryLinks(jdax.get(i), linux.get(i)), name + ": jdax " + jdax.get(i) + ", Linux " + linux.get(i));
                        declared.add(jdax.get(i) + " (Linux: " + linux.get(i) + ")");
                    }
                }
                assertTrue(declared.isEmpty() || !linuxClean, name + ": directory links differ although e2fsck found Linux's replay clean");
                Tools.Result fsck = Tools.run("e2fsck", "-fn", copy.toString());
                assertEquals(0, fsck.status(), name + ": e2fsck after jdax's replay\n" + fsck.output());
                String keep = System.getProperty("jdax.journalImages.keep");
                if (keep != null) {
                    // For make-journal-images.sh's --judge-jdax: the kernel mounts and lists jdax's replay.
                    Files.createDirectories(Path.of(keep));
                    Files.copy(copy, Path.of(keep, name + ".jdax"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                writeAfterReplay(copy, name);
                System.out.printf("%s: %d paths as Linux replayed them%s%n", name, jdax.size(),
                        declared.isEmpty() ? "" : "; directory links kept true where Linux's fast-commit replay loses them: " + declared);
                Files.delete(copy);
                checked++;
            }
        }
        assertTrue(checked > 0, "no images in " + dir);
    }

    /** Two listing lines of one directory, its mode the same, its link count not. */
    private static boolean sameButDirectoryLinks(String a, String b) {
        String[] x = a.split(" ");
        String[] y = b.split(" ");
        return x.length == 4 && y.length == 4 && x[1].equals("d") && y[1].equals("d") && x[0].equals(y[0]) && x[3].equals(y[3]);
    }

    /** After the replay the file system takes new work and stays clean. */
    private static void writeAfterReplay(Path img, String name) throws Exception {
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long keep = fs.resolve("/keep", true);
            long f = fs.create(keep, "after-replay", 0644, 0, 0);
            try (OpenFile of = fs.open(f, OpenFlags.O_RDWR)) {
                byte[] data = new byte[50_000];
                java.util.Arrays.fill(data, (byte) 7);
                of.write(0, data, 0, data.length);
            }
            fs.unlink(fs.resolve("/d", true), "large");
            fs.rename(keep, "big", fs.resolve("/d", true), "big-moved", 0);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), name + ": e2fsck after writing on jdax's replay\n" + fsck.output());
    }

    /** The listing make-journal-images.sh prints in the guest (find | sort, then stat, md5sum, readlink per path). */
    static List<String> listing(FileSystem fs) throws Exception {
        TreeMap<String, Long> paths = new TreeMap<>();
        walk(fs, fs.rootIno(), ".", paths);
        List<String> out = new ArrayList<>();
        for (var e : paths.entrySet()) {
            StatInfo st = fs.stat(e.getValue());
            String mode = Integer.toOctalString(st.permissions());
            out.add(switch (st.type()) {
                case SYMLINK -> e.getKey() + " l " + fs.readlink(e.getValue());
                case DIRECTORY -> e.getKey() + " d " + st.nlink() + " " + mode;
                default -> e.getKey() + " f " + st.size() + " " + st.nlink() + " " + mode + " " + st.blocks() + " " + md5(fs, e.getValue());
            });
        }
        return out;
    }

    private static void walk(FileSystem fs, long dir, String path, TreeMap<String, Long> out) throws FsException {
        out.put(path, dir);
        for (DirEntry e : fs.readdir(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            String p = path + "/" + e.name();
            if (fs.stat(e.ino()).isDirectory()) {
                walk(fs, e.ino(), p, out);
            } else {
                out.put(p, e.ino());
            }
        }
    }

    private static String md5(FileSystem fs, long ino) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            byte[] buf = new byte[1 << 16];
            for (long pos = 0; pos < f.size(); ) {
                int n = (int) f.read(pos, buf, 0, (int) Math.min(buf.length, f.size() - pos));
                md.update(buf, 0, n);
                pos += n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
