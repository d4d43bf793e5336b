package dev.jdax.cli.corrupt;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A populated file system to corrupt: nested directories, a directory of many entries, small files,
 * a file large enough for indirect or multi-level maps, sparse files, fast and slow symlinks and a
 * hard link; and the walk that reads all of it back. jdax corrupt and jdax media --tree share it.
 */
public final class SampleTree {
    private SampleTree() {
    }

    /** Writes the tree; returns every regular file's contents by path. */
    public static Map<String, byte[]> populate(FileSystem fs, long seed) throws FsException {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, byte[]> files = new TreeMap<>();
        long root = fs.rootIno();
        long a = fs.mkdir(root, "a", 0755, 0, 0);
        long b = fs.mkdir(a, "b", 0755, 0, 0);
        fs.mkdir(b, "c", 0700, 1000, 1000);
        long many = fs.mkdir(root, "many", 0755, 0, 0);
        for (int i = 0; i < 300; i++) {
            write(fs, "/many/entry-with-a-longish-name-" + i, bytes(r, 1 + r.nextInt(200)), files);
        }
        for (int i = 0; i < 10; i++) {
            write(fs, "/a/b/small" + i, bytes(r, r.nextInt(9000)), files);
        }
        write(fs, "/big", bytes(r, 6 << 20), files);
        byte[] sparse = new byte[3 << 20];
        System.arraycopy(bytes(r, 5000), 0, sparse, 2 << 20, 5000);
        write(fs, "/sparse", sparse, files);
        fs.symlink(root, "fast-link", "a/b/small1", 0, 0);
        fs.symlink(root, "slow-link", "/a/b/" + "x".repeat(200), 0, 0);
        fs.link(fs.resolve("/a/b/small2", false), many, "hard-link");
        files.put("/many/hard-link", files.get("/a/b/small2"));
        return files;
    }

    private static byte[] bytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static void write(FileSystem fs, String path, byte[] data, Map<String, byte[]> files) throws FsException {
        try (OpenFile f = fs.open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            // Leading all-zero blocks stay holes, so the sparse file is sparse.
            int from = 0;
            while (from + 4096 <= data.length && Arrays.mismatch(data, from, from + 4096, new byte[4096], 0, 4096) < 0) {
                from += 4096;
            }
            if (from == data.length) {
                f.truncate(data.length);
            } else {
                f.write(from, data, from, data.length - from);
            }
        }
        files.put(path, data);
    }

    /** The device blocks (of 4096 bytes) holding file data, from FIEMAP: everything else written is metadata. */
    public static BitSet dataBlocks(FileSystem fs, java.util.Collection<String> paths, Map<Integer, String> owners) throws FsException {
        BitSet data = new BitSet();
        for (String path : paths) {
            try (OpenFile f = fs.open(path, OpenFlags.O_RDONLY)) {
                for (FiemapExtent e : f.fiemap(0, Long.MAX_VALUE)) {
                    if (e.physical() > 0) {
                        int from = (int) (e.physical() >> 12);
                        int to = (int) ((e.physical() + e.length() + 4095) >> 12);
                        data.set(from, to);
                        if (owners != null) {
                            for (int b = from; b < to; b++) {
                                owners.put(b, path);
                            }
                        }
                    }
                }
            }
        }
        return data;
    }

    /** What a walk found: files whose bytes differ from what was written, and how many were read. */
    record Walk(int entries, List<String> wrongData) {
    }

    /**
     * Reads every directory, inode, link and file under the root (depth and entry count bounded, so
     * a corrupt image that loops cannot keep the walk going).
     */
    static Walk walk(FileSystem fs, Map<String, byte[]> expected) throws FsException {
        List<String> wrong = new ArrayList<>();
        int[] count = {0};
        walk(fs, fs.rootIno(), "", expected, wrong, count, 0);
        return new Walk(count[0], wrong);
    }

    private static void walk(FileSystem fs, long dir, String path, Map<String, byte[]> expected, List<String> wrong,
                             int[] count, int depth) throws FsException {
        if (depth > 16 || count[0] > 10_000) {
            return;
        }
        for (DirEntry e : fs.readdir(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            count[0]++;
            String p = path + "/" + e.name();
            StatInfo st = fs.stat(e.ino());
            if (st.type() == FileType.DIRECTORY) {
                walk(fs, e.ino(), p, expected, wrong, count, depth + 1);
            } else if (st.type() == FileType.SYMLINK) {
                fs.readlink(e.ino());
            } else if (st.type() == FileType.REGULAR) {
                byte[] want = expected.get(p);
                byte[] got = new byte[(int) Math.min(st.size(), 16 << 20)];
                try (OpenFile f = fs.open(e.ino(), OpenFlags.O_RDONLY)) {
                    long n = f.read(0, got, 0, got.length);
                    if (want == null || n != want.length || !Arrays.equals(got, want)) {
                        wrong.add(p);
                    }
                }
            }
        }
    }
}
