package dev.jdax.fs.ext4;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a file system should hold, path by path: a tree for {@code mke2fs -d} (small, large, sparse
 * and hard-linked files, fast and slow symlinks, a long directory), a seeded random workload of
 * namespace operations and writes applied to a mounted file system and to the model alike, and the
 * check that the file system holds exactly the model.
 */
final class TreeModel {
    /** Regular files by path, with their bytes. */
    final Map<String, byte[]> files = new TreeMap<>();
    /** Symlinks by path, with their targets. */
    final Map<String, String> links = new TreeMap<>();
    /** Directories, "/" included. */
    final List<String> dirs = new ArrayList<>(List.of("/"));
    /** Pairs of paths that must be the same inode. */
    final List<String[]> hardLinks = new ArrayList<>();

    /** A model of the same tree, changed independently of this one. */
    TreeModel copy() {
        TreeModel m = new TreeModel();
        m.files.putAll(files);
        m.links.putAll(links);
        m.dirs.clear();
        m.dirs.addAll(dirs);
        m.hardLinks.addAll(hardLinks);
        return m;
    }

    /** Writes the tree under {@code root} (a host directory for mke2fs -d) and returns its model. */
    static TreeModel populate(Path root, int longDirNames) throws IOException {
        TreeModel m = new TreeModel();
        Random r = new Random(22);
        m.mkdirs(root, "/small");
        for (int i = 0; i < 40; i++) {
            m.file(root, "/small/f" + i, bytes(r, r.nextInt(i % 4 == 0 ? 60 : 6000)));
        }
        m.mkdirs(root, "/large");
        m.file(root, "/large/big", bytes(r, (5 << 20) + 333));
        m.file(root, "/large/medium", bytes(r, 70_000));
        // Sparse: data at 0, at 1 MiB and at 4 MiB + 1, holes between (mke2fs -d keeps the holes).
        byte[] sparse = new byte[(4 << 20) + 4097];
        byte[] a = bytes(r, 5000);
        byte[] b = bytes(r, 4096);
        System.arraycopy(a, 0, sparse, 0, a.length);
        System.arraycopy(b, 0, sparse, 1 << 20, b.length);
        sparse[sparse.length - 1] = 42;
        m.files.put("/large/sparse", sparse);
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("large/sparse").toFile(), "rw")) {
            f.write(a);
            f.seek(1 << 20);
            f.write(b);
            f.seek(sparse.length - 1);
            f.write(42);
        }
        Files.createLink(root.resolve("large/hard"), root.resolve("small/f3"));
        m.files.put("/large/hard", m.files.get("/small/f3"));
        m.hardLinks.add(new String[] {"/large/hard", "/small/f3"});
        Files.createSymbolicLink(root.resolve("fast"), Path.of("small/f1"));
        m.links.put("/fast", "small/f1");
        String slow = "large/" + "a-long-symlink-target-".repeat(5) + "end";
        Files.createSymbolicLink(root.resolve("slow"), Path.of(slow));
        m.links.put("/slow", slow);
        m.mkdirs(root, "/long");
        for (int i = 0; i < longDirNames; i++) {
            m.file(root, "/long/entry-with-a-longish-name-" + i, i % 7 == 0 ? bytes(r, 100) : new byte[0]);
        }
        return m;
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private void mkdirs(Path root, String path) throws IOException {
        Files.createDirectories(root.resolve(path.substring(1)));
        dirs.add(path);
    }

    private void file(Path root, String path, byte[] data) throws IOException {
        Files.write(root.resolve(path.substring(1)), data);
        files.put(path, data);
    }

    /** Asserts that {@code fs} holds exactly this tree: every byte, every link, no other name. */
    void verify(FileSystem fs) throws FsException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] want = e.getValue();
            try (OpenFile f = fs.open(e.getKey(), OpenFlags.O_RDONLY)) {
                assertEquals(want.length, f.size(), e.getKey());
                byte[] got = new byte[want.length];
                assertEquals(want.length, f.read(0, got, 0, got.length), e.getKey());
                assertArrayEquals(want, got, e.getKey());
            }
        }
        for (Map.Entry<String, String> e : links.entrySet()) {
            assertEquals(e.getValue(), fs.readlink(fs.resolve(e.getKey(), false)), e.getKey());
        }
        for (String[] pair : hardLinks) {
            assertEquals(fs.resolve(pair[0], false), fs.resolve(pair[1], false), pair[0] + " and " + pair[1]);
        }
        int names = 0;
        for (String d : dirs) {
            for (DirEntry e : fs.readdir(fs.resolve(d, true))) {
                if (!e.name().equals(".") && !e.name().equals("..") && !e.name().equals("lost+found")) {
                    String p = (d.equals("/") ? "" : d) + "/" + e.name();
                    assertEquals(true, files.containsKey(p) || links.containsKey(p) || dirs.contains(p), "unexpected " + p);
                    names++;
                }
            }
        }
        assertEquals(files.size() + links.size() + dirs.size() - 1, names, "names in the tree");
    }

    /**
     * {@code ops} seeded random operations on {@code fs} and on this model: create, overwrite,
     * append, write far out (a hole), truncate down and up, unlink, rename, hard link, symlink,
     * mkdir. Hard-linked files are left alone, so each path's bytes are its own.
     */
    void randomWorkload(FileSystem fs, long seed, int ops) throws FsException {
        SplittableRandom r = new SplittableRandom(seed);
        int made = 0;
        for (int op = 0; op < ops; op++) {
            List<String> plain = new ArrayList<>(files.keySet());
            for (String[] pair : hardLinks) {
                plain.removeAll(Arrays.asList(pair));
            }
            String victim = plain.get(r.nextInt(plain.size()));
            String dir = dirs.get(r.nextInt(dirs.size()));
            String fresh = (dir.equals("/") ? "" : dir) + "/w" + seed + "-" + made++;
            switch (r.nextInt(12)) {
                case 0, 1 -> {
                    byte[] data = new byte[r.nextInt(3) == 0 ? r.nextInt(300_000) : r.nextInt(5000)];
                    r.nextBytes(data);
                    try (OpenFile f = fs.open(fresh, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                        f.write(0, data, 0, data.length);
                    }
                    files.put(fresh, data);
                }
                case 2, 3 -> write(fs, victim, r.nextInt(Math.max(1, files.get(victim).length + 1)), r.nextInt(20_000) + 1, r);
                case 4 -> write(fs, victim, files.get(victim).length, r.nextInt(70_000) + 1, r);
                case 5 -> write(fs, victim, files.get(victim).length + 1 + r.nextInt(3 << 20), r.nextInt(9000) + 1, r);
                case 6 -> {
                    int to = r.nextInt(files.get(victim).length * 2 + 1);
                    try (OpenFile f = fs.open(victim, OpenFlags.O_RDWR)) {
                        f.truncate(to);
                    }
                    files.put(victim, Arrays.copyOf(files.get(victim), to));
                }
                case 7 -> {
                    fs.unlink(fs.resolveParent(victim), name(victim));
                    files.remove(victim);
                }
                case 8 -> {
                    fs.rename(fs.resolveParent(victim), name(victim), fs.resolve(dir, true), name(fresh), 0);
                    files.put(fresh, files.remove(victim));
                }
                case 9 -> {
                    fs.link(fs.resolve(victim, false), fs.resolve(dir, true), name(fresh));
                    files.put(fresh, files.get(victim));
                    hardLinks.add(new String[] {fresh, victim});
                }
                case 10 -> {
                    String target = r.nextBoolean() ? "t" + op : "x/".repeat(40) + op;
                    fs.symlink(fs.resolve(dir, true), name(fresh), target, 0, 0);
                    links.put(fresh, target);
                }
                default -> {
                    fs.mkdir(fs.resolve(dir, true), name(fresh), 0755, 0, 0);
                    dirs.add(fresh);
                }
            }
        }
    }

    private void write(FileSystem fs, String path, int at, int len, SplittableRandom r) throws FsException {
        byte[] data = new byte[len];
        r.nextBytes(data);
        try (OpenFile f = fs.open(path, OpenFlags.O_RDWR)) {
            assertEquals(len, f.write(at, data, 0, len), path);
        }
        byte[] old = files.get(path);
        byte[] now = Arrays.copyOf(old, Math.max(old.length, at + len));
        System.arraycopy(data, 0, now, at, len);
        files.put(path, now);
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
