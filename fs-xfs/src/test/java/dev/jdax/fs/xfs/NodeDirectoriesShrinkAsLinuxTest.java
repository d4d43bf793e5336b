package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node directory shrinks as Linux 6.1 shrinks it: after the same removals from the same
 * mkfs.xfs -p image (its UUID fixed), its format, size, extents and every block (xfs_db's print
 * of each, without lsn and crc) are what Linux left (src/test/oracle/measure-dir-shrink.sh, its output in
 * measured/dir-shrink-linux-6.1.txt; dir-state.sh prints both sides). Leaves under 37% full join
 * a sibling, da nodes join, a root left with one child takes its bytes, and the directory goes
 * back to leaf, block and shortform form — where jdax once kept every leaf and node block of a
 * directory that had been large, down to the last name. 3,000 names (a da root over LEAFN blocks)
 * and 300,000 (a root of level 2, joined down to level 1); xfs_repair -n finds each image clean.
 * Four threads shrinking directories at once, each under its own lock, leave them as clean.
 */
class NodeDirectoriesShrinkAsLinuxTest {
    private static final Path ORACLE = Path.of("src/test/oracle");
    /** measure-dir-shrink.sh's: the blocks name the file system's UUID, which xfs_db prints. */
    private static final String UUID = "6a0d5e1c-5e9a-4c1b-9d3f-2b8e7a41c0de";

    @TempDir
    Path tmp;

    @Test
    void threeThousandNamesGoAsOnLinux() throws Exception {
        Map<String, String> linux = measured();
        Path img = image("small", 3000, "file-with-a-longish-name-", 320L << 20);
        List<String> names = new ArrayList<>();
        for (int i = 6; i <= 3000; i++) {
            names.add("file-with-a-longish-name-" + i);
        }
        remove(img, names);
        assertSameAsLinux(linux, "small: all but 5 gone", img);
        for (int k = 5; k >= 1; k--) {
            remove(img, List.of("file-with-a-longish-name-" + k));
            assertSameAsLinux(linux, "small: " + (k - 1) + " left", img);
        }
    }

    @Test
    void threeHundredThousandNamesJoinDownALevelAsOnLinux() throws Exception {
        Map<String, String> linux = measured();
        Path img = image("big", 300_000, "n", 1L << 30);
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 300_000; i++) {
            if (i % 50 != 0) {
                names.add("n" + i);
            }
        }
        remove(img, names);
        assertSameAsLinux(linux, "big: every 50th left", img);
        names.clear();
        for (int i = 50; i <= 299_950; i += 50) {
            names.add("n" + i);
        }
        remove(img, names);
        assertSameAsLinux(linux, "big: one left", img);
    }

    /**
     * Four threads fill a directory each and one they share to node form, then empty them in
     * random order at once: every directory lists exactly what is left, each of their own goes back
     * to shortform, the shared one too once its last names go, and xfs_repair -n finds the image clean.
     */
    @Test
    void directoriesShrinkUnderFourThreadsAtOnce() throws Exception {
        XfsImages.assumeXfsprogs();
        int threads = 4;
        int own = 4000;
        int shared = 2500;
        Path img = tmp.resolve("threads.img");
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            FileSystem fs = m.fs();
            long common = fs.mkdir(fs.rootIno(), "shared", 0755, 0, 0);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<Long>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                done.add(pool.submit(() -> {
                    long dir = fs.mkdir(fs.rootIno(), "t" + me, 0755, 0, 0);
                    List<String> mine = new ArrayList<>();
                    for (int i = 0; i < own; i++) {
                        fs.create(dir, "own-" + me + "-" + i, 0644, 0, 0);
                        mine.add("own-" + me + "-" + i);
                    }
                    List<String> ours = new ArrayList<>();
                    for (int i = 0; i < shared; i++) {
                        fs.create(common, "shared-" + me + "-" + i, 0644, 0, 0);
                        ours.add("shared-" + me + "-" + i);
                    }
                    java.util.Collections.shuffle(mine, new java.util.Random(me));
                    java.util.Collections.shuffle(ours, new java.util.Random(100 + me));
                    for (int i = 0; i < Math.max(mine.size(), ours.size()); i++) {
                        if (i < mine.size() - 2) {
                            fs.unlink(dir, mine.get(i));
                        }
                        if (i < ours.size() - 1) {
                            fs.unlink(common, ours.get(i));
                        }
                    }
                    assertEquals(java.util.Set.copyOf(mine.subList(mine.size() - 2, mine.size())), listed(fs, dir));
                    return dir;
                }));
            }
            for (Future<Long> f : done) {
                assertFalse(nodeForm(m, f.get()), "two names left: no longer a node directory");
            }
            pool.shutdown();
            assertEquals(threads, listed(fs, common).size(), "one shared name left per thread");
            assertFalse(nodeForm(m, common), "the shared directory is no node directory either");
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /**
     * Whether the directory still has a free index block (node form). With a few names left it is
     * a leaf directory, or a block or shortform one when its names are in its first data block
     * (xfs_dir2_leaf_to_block wants the directory to end there), as on Linux.
     */
    private static boolean nodeForm(XfsImages.Mounted m, long dir) throws FsException {
        XfsInode in = m.onDisk(dir);
        if (in.di_format() == XfsInode.FMT_LOCAL) {
            return false;
        }
        long free = XfsDirs.FREE_OFFSET_BYTES / m.format().disk().blockSize();
        return m.format().extents(in).stream().anyMatch(e -> e.endoff() > free);
    }

    private static java.util.Set<String> listed(FileSystem fs, long dir) throws FsException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (DirEntry e : fs.readdir(dir)) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                names.add(e.name());
            }
        }
        return names;
    }

    /** What Linux printed per phase: "LABEL core.format = ... | fork ... | bmap ... | blocks ...". */
    private static Map<String, String> measured() throws IOException {
        XfsImages.assumeXfsprogs();
        Map<String, String> phases = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ORACLE.resolve("measured/dir-shrink-linux-6.1.txt"))) {
            int at = line.indexOf(" core.format");
            if (at > 0) {
                phases.put(line.substring(0, at), line.substring(at + 1));
            }
        }
        return phases;
    }

    /** A sparse image of {@code size} bytes that mkfs.xfs -p fills with /big holding {@code n} empty files. */
    private Path image(String name, int n, String prefix, long size) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        StringBuilder proto = new StringBuilder("/dummy\n0 0\nd--755 0 0\nbig d--755 0 0\n");
        for (int i = 1; i <= n; i++) {
            proto.append(prefix).append(i).append(" ---644 0 0 /dev/null\n");
        }
        proto.append("$\n$\n");
        Path p = Files.writeString(dir.resolve("proto"), proto);
        return XfsImages.mkfs(dir, size, "-m", "uuid=" + UUID, "-p", p.toString());
    }

    private static void remove(Path img, List<String> names) throws Exception {
        XfsImages.change(img, (fs, m) -> {
            long big = fs.resolve("/big", true);
            for (String name : names) {
                fs.unlink(big, name);
            }
        });
    }

    /**
     * A state line as compared: a directory whose extents outgrew the inode (format 3) keeps them
     * in a bmbt that jdax rebuilds from the extent list (docs/PERSONALITIES.md, "Data fork"), so its
     * root's keys, which name where each leaf starts, are jdax's; the extents (bmap) and every
     * block must still be Linux's.
     */
    private static String comparable(String state) {
        return state.startsWith("core.format = 3 ") ? state.replaceFirst("fork [0-9a-f]+", "fork (a bmbt root)") : state;
    }

    private static void assertSameAsLinux(Map<String, String> linux, String phase, Path img) throws Exception {
        String want = linux.get(phase);
        assertTrue(want != null, "measured/dir-shrink-linux-6.1.txt has no phase \"" + phase + "\"");
        XfsImages.Result got = XfsImages.run(List.of("bash", "-c", ". " + ORACLE.resolve("dir-state.sh") + " && dir_state " + img));
        assertEquals(0, got.exit(), got.output());
        assertEquals(comparable(want), comparable(got.output().strip()), phase + ": the directory jdax left differs from Linux's"
                + " (format, size, extents | fork | bmap | blocks)\n" + XfsImages.db(img, "path /big", "bmap").output());
        XfsImages.assertRepairClean(img);
    }
}
