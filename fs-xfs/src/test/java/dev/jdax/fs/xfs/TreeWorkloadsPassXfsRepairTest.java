package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded random workloads of 100,000 operations — creates written densely, writes to every other
 * block of a stretch (each leaving the free space in one-block pieces), overwrites, punches,
 * truncates, unlinks — on 1 KiB blocks, over free space a sieve file has cut into 10,000 pieces:
 * the AG trees split and join at every level, grow a level and lose it again. After each
 * workload xfs_repair -n finds nothing and every file reads back as the model says. One workload
 * runs with the tests; -Djdax.slow=true runs three more, each on the image the last one left.
 */
class TreeWorkloadsPassXfsRepairTest {
    @TempDir
    Path tmp;

    /** Directories of a workload; each stays shortform (jdax writes no 4 KiB directory blocks on 1 KiB blocks). */
    static final int DIRS = 300;
    static final int PER_DIR = 20;
    static final int MAX_FILE = 48 * 1024;
    static final int SIEVE = 20_000;
    static final int OPS = 100_000;

    /** How each tree of AG 0 moved: its tallest, and how often it gained and lost a level. */
    static final class Heights {
        final int[] top = new int[4];
        final int[] grew = new int[4];
        final int[] shrank = new int[4];
        final int[] last = new int[4];

        void sample(XfsAg ag) {
            int[] now = {ag.freeSpace().bno.levels(), ag.freeSpace().cnt.levels(), ag.inodes().ino.levels(),
                    ag.inodes().fino.levels()};
            for (int t = 0; t < 4; t++) {
                if (last[t] != 0 && now[t] > last[t]) {
                    grew[t]++;
                }
                if (now[t] < last[t]) {
                    shrank[t]++;
                }
                top[t] = Math.max(top[t], now[t]);
                last[t] = now[t];
            }
        }

        @Override
        public String toString() {
            return String.format("bnobt/cntbt/inobt/finobt: tallest %s, grew %s, shrank %s", Arrays.toString(top),
                    Arrays.toString(grew), Arrays.toString(shrank));
        }
    }

    @Test
    void aSeededWorkloadOfOneHundredThousandOperationsIsClean() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 300L << 20, "-b", "size=1024", "-d", "agcount=2");
        Heights h = workload(img, 1);
        System.out.println(h);
        assertEquals(3, h.top[0], h.toString());
        assertEquals(3, h.top[1], h.toString());
        assertTrue(h.top[2] >= 2, h.toString());
        for (int t = 0; t < 2; t++) {
            assertTrue(h.grew[t] > 0 && h.shrank[t] > 0, h.toString());
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "jdax.slow", matches = "true")
    void threeMoreWorkloadsOnTheSameImageAreCleanAfterEach() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 300L << 20, "-b", "size=1024", "-d", "agcount=2");
        for (long seed = 2; seed <= 4; seed++) {
            long t0 = System.nanoTime();
            Heights h = workload(img, seed);
            System.out.printf("workload %d: %,d operations in %d ms; %s%n", seed, OPS, (System.nanoTime() - t0) / 1_000_000, h);
        }
    }

    /** Runs the workload of {@code seed} on the image as it is, then checks it with xfs_repair and reads it back. */
    private Heights workload(Path img, long seed) throws Exception {
        Random rnd = new Random(seed);
        Map<String, byte[]> model = new HashMap<>();
        Heights heights = new Heights();
        long[] dirs = new long[DIRS];
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            XfsAg ag0 = m.ag(0);
            heights.sample(ag0);
            long sieveDir = inAg0(m, dir(fs, fs.rootIno(), "run" + seed), "sieve");
            sieve(fs, sieveDir);
            heights.sample(ag0);
            for (int d = 0; d < DIRS; d++) {
                dirs[d] = inAg0(m, parent(fs, seed, d), "w" + seed + "-" + d);
            }
            List<String> files = new ArrayList<>();
            Map<String, Integer> dirOf = new HashMap<>();
            int[] count = new int[DIRS];
            for (int op = 0; op < OPS; op++) {
                if (op == OPS / 2) {
                    // The sieve goes: its 10,000 blocks join the free space, the trees shrink.
                    fs.unlink(sieveDir, "sieve");
                }
                int kind = rnd.nextInt(100);
                if (kind < 20 || files.isEmpty()) {
                    int d = rnd.nextInt(DIRS);
                    if (count[d] < PER_DIR) {
                        String name = "f" + op;
                        long in = fs.create(dirs[d], name, 0644, 0, 0);
                        byte[] data = new byte[rnd.nextInt(MAX_FILE / 2)];
                        rnd.nextBytes(data);
                        XfsImages.write(fs, in, 0, data);
                        String path = d + "/" + name;
                        files.add(path);
                        dirOf.put(path, d);
                        model.put(path, data);
                        count[d]++;
                    }
                    continue;
                }
                String path = files.get(rnd.nextInt(files.size()));
                int d = dirOf.get(path);
                String name = path.substring(path.indexOf('/') + 1);
                long in = fs.lookup(dirs[d], name);
                byte[] old = model.get(path);
                if (kind < 30) {
                    // Every other block of a stretch: each block lands where the file's offset puts
                    // it, next to the last, so the free space is left in one-block pieces.
                    int first = rnd.nextInt(MAX_FILE / 1024);
                    int n = Math.min(MAX_FILE / 1024 - first, 8 + rnd.nextInt(56));
                    byte[] now = Arrays.copyOf(old, Math.max(old.length, (first + n) * 1024));
                    byte[] blk = new byte[1024];
                    int end = old.length;
                    for (int b = first; b < first + n; b += 2) {
                        rnd.nextBytes(blk);
                        XfsImages.write(fs, in, b * 1024L, blk);
                        System.arraycopy(blk, 0, now, b * 1024, 1024);
                        end = Math.max(end, (b + 1) * 1024);
                    }
                    model.put(path, Arrays.copyOf(now, end));
                } else if (kind < 40) {
                    int pos = rnd.nextInt(MAX_FILE / 1024) * 1024 + rnd.nextInt(2) * rnd.nextInt(1024);
                    byte[] data = new byte[Math.min(MAX_FILE - pos, 1 + rnd.nextInt(2 * 1024))];
                    rnd.nextBytes(data);
                    XfsImages.write(fs, in, pos, data);
                    byte[] now = Arrays.copyOf(old, Math.max(old.length, pos + data.length));
                    System.arraycopy(data, 0, now, pos, data.length);
                    model.put(path, now);
                } else if (kind < 85) {
                    if (old.length > 0) {
                        long start = rnd.nextInt(old.length) / 1024 * 1024L;
                        XfsImages.fallocate(fs, in, Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, start, 1024);
                        Arrays.fill(old, (int) start, (int) Math.min(old.length, start + 1024), (byte) 0);
                    }
                } else if (kind < 90) {
                    int size = old.length == 0 ? 0 : rnd.nextInt(old.length) / 1024 * 1024;
                    XfsImages.truncate(fs, in, size);
                    model.put(path, Arrays.copyOf(old, size));
                } else {
                    fs.unlink(dirs[d], name);
                    files.remove(path);
                    model.remove(path);
                    count[d]--;
                }
                if (op % 100 == 0) {
                    heights.sample(ag0);
                }
            }
            heights.sample(ag0);
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            XfsImages.Mounted m = XfsImages.Mounted.rw(dev);
            FileSystem fs = m.fs();
            for (Map.Entry<String, byte[]> e : model.entrySet()) {
                int d = Integer.parseInt(e.getKey().substring(0, e.getKey().indexOf('/')));
                long dir = dirs[d];
                long ino = fs.lookup(dir, e.getKey().substring(e.getKey().indexOf('/') + 1));
                assertArrayEquals(e.getValue(), XfsImages.readAll(fs, ino), e.getKey());
            }
            // Everything the workload made goes, and every tree of AG 0 with it, down to its root.
            removeTree(fs, fs.rootIno(), "run" + seed);
            heights.sample(m.ag(0));
            assertArrayEquals(new int[]{1, 1, 1, 1}, heights.last, heights.toString());
            fs.close();
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        return heights;
    }

    private static void removeTree(FileSystem fs, long parent, String name) throws FsException {
        long ino = fs.lookup(parent, name);
        for (dev.jdax.api.fs.DirEntry e : fs.readdir(ino)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            if (e.type() == dev.jdax.api.fs.FileType.DIRECTORY) {
                removeTree(fs, ino, e.name());
            } else {
                fs.unlink(ino, e.name());
            }
        }
        fs.rmdir(parent, name);
    }

    /** A file with every other one of its {@link #SIEVE} blocks punched: that many free pieces. */
    private static void sieve(FileSystem fs, long dir) throws FsException {
        long in = fs.create(dir, "sieve", 0644, 0, 0);
        byte[] chunk = new byte[1 << 20];
        for (long pos = 0; pos < SIEVE * 1024L; pos += chunk.length) {
            XfsImages.write(fs, in, pos, chunk);
        }
        for (long b = 0; b < SIEVE; b += 2) {
            XfsImages.fallocate(fs, in, Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, b * 1024, 1024);
        }
    }

    /**
     * A new directory under {@code parent} in AG 0, whose trees the workload watches: new
     * directories go to the AGs in turn (xfs_dialloc's rotor) and a file to its directory's AG, so
     * the directories that land elsewhere are left empty and another is made.
     */
    private static long inAg0(XfsImages.Mounted m, long parent, String name) throws FsException {
        for (int i = 0; ; i++) {
            long d = m.fs().mkdir(parent, i == 0 ? name : name + "~" + i, 0755, 0, 0);
            if (m.format().disk().inoAgno(d) == 0) {
                return d;
            }
        }
    }

    /** The directories of a workload hang two levels under its own, 6 to a parent (beside the ones left empty in the other AG), so that every directory stays shortform. */
    private static long parent(FileSystem fs, long seed, int d) throws FsException {
        return dir(fs, dir(fs, dir(fs, fs.rootIno(), "run" + seed), "t" + d / 36), "s" + d / 6);
    }

    private static long dir(FileSystem fs, long parent, String name) throws FsException {
        try {
            return fs.lookup(parent, name);
        } catch (FsException e) {
            return fs.mkdir(parent, name, 0755, 0, 0);
        }
    }
}
