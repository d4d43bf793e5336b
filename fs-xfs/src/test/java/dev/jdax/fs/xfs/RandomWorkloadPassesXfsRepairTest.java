package dev.jdax.fs.xfs;

import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A seeded random workload — create, write, truncate, unlink, rename, mkdir/rmdir, enough names
 * for node directories and enough extents for a bmbt — then xfs_repair -n finds nothing and
 * every file reads back as a model of it says.
 */
class RandomWorkloadPassesXfsRepairTest {
    @TempDir
    Path tmp;

    @Test
    void seededWorkloadIsCleanAndReadsBack() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        Random rnd = new Random(20261124);
        Map<String, byte[]> model = new TreeMap<>();   // "/d3/f17" → contents
        List<String> dirs = new ArrayList<>(List.of(""));
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            long big = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
            for (int i = 0; i < 3000; i++) {                    // a node directory
                fs.create(big, "a-fairly-long-file-name-" + i, 0644, 0, 0);
                model.put("/big/a-fairly-long-file-name-" + i, new byte[0]);
            }
            dirs.add("/big");
            for (int step = 0; step < 3000; step++) {
                int op = rnd.nextInt(100);
                String dir = dirs.get(rnd.nextInt(dirs.size()));
                long dirIno = fs.resolve(dir.isEmpty() ? "/" : dir, true);
                List<String> files = model.keySet().stream().filter(p -> p.startsWith(dir + "/")
                        && p.indexOf('/', dir.length() + 1) < 0).toList();
                if (op < 30 || files.isEmpty()) {
                    String name = "f" + step;
                    fs.create(dirIno, name, 0644, 0, 0);
                    model.put(dir + "/" + name, new byte[0]);
                } else if (op < 60) {
                    String p = files.get(rnd.nextInt(files.size()));
                    byte[] old = model.get(p);
                    int pos = rnd.nextInt(64 * 1024);
                    byte[] data = new byte[1 + rnd.nextInt(20000)];
                    rnd.nextBytes(data);
                    try (var f = fs.open(p, OpenFlags.O_RDWR)) {
                        f.write(pos, data, 0, data.length);
                    }
                    byte[] now = Arrays.copyOf(old, Math.max(old.length, pos + data.length));
                    System.arraycopy(data, 0, now, pos, data.length);
                    model.put(p, now);
                } else if (op < 70) {
                    String p = files.get(rnd.nextInt(files.size()));
                    byte[] old = model.get(p);
                    int size = old.length == 0 ? 0 : rnd.nextInt(old.length);
                    try (var f = fs.open(p, OpenFlags.O_RDWR)) {
                        f.truncate(size);
                    }
                    model.put(p, Arrays.copyOf(old, size));
                } else if (op < 82) {
                    String p = files.get(rnd.nextInt(files.size()));
                    fs.unlink(dirIno, p.substring(p.lastIndexOf('/') + 1));
                    model.remove(p);
                } else if (op < 92) {
                    String p = files.get(rnd.nextInt(files.size()));
                    String to = dirs.get(rnd.nextInt(dirs.size()));
                    String name = "r" + step;
                    fs.rename(dirIno, p.substring(p.lastIndexOf('/') + 1), fs.resolve(to.isEmpty() ? "/" : to, true),
                            name, 0);
                    model.put(to + "/" + name, model.remove(p));
                } else if (op < 97 && dirs.size() < 30) {
                    String name = "d" + step;
                    fs.mkdir(dirIno, name, 0755, 0, 0);
                    dirs.add(dir + "/" + name);
                } else if (!dir.isEmpty() && !dir.equals("/big") && files.isEmpty()
                        && dirs.stream().noneMatch(d -> d.startsWith(dir + "/"))) {
                    String parent = dir.substring(0, dir.lastIndexOf('/'));
                    fs.rmdir(fs.resolve(parent.isEmpty() ? "/" : parent, true), dir.substring(dir.lastIndexOf('/') + 1));
                    dirs.remove(dir);
                }
            }
            // Many extents in one file: a bmbt.
            long frag = fs.create(fs.rootIno(), "fragmented", 0644, 0, 0);
            byte[] fragData = new byte[1200 * 4096];
            try (var f = fs.open(frag, OpenFlags.O_RDWR)) {
                for (int b = 0; b < 1200; b += 2) {
                    byte[] blk = new byte[4096];
                    rnd.nextBytes(blk);
                    f.write((long) b * 4096, blk, 0, 4096);
                    System.arraycopy(blk, 0, fragData, b * 4096, 4096);
                }
            }
            model.put("/fragmented", Arrays.copyOf(fragData, 1199 * 4096));
            fs.close();
            assertEquals(XfsInode.FMT_BTREE, XfsImages.format(dev).iget(frag).di_format());
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("ro"));
            Map<String, byte[]> found = new HashMap<>();
            walk(fs, fs.rootIno(), "", found);
            assertEquals(model.keySet(), new java.util.TreeSet<>(found.keySet()));
            for (Map.Entry<String, byte[]> e : model.entrySet()) {
                assertArrayEquals(e.getValue(), found.get(e.getKey()), e.getKey());
            }
        }
    }

    private static void walk(FileSystem fs, long dir, String path, Map<String, byte[]> out) throws FsException {
        for (DirEntry e : fs.readdir(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            if (e.type() == FileType.DIRECTORY) {
                walk(fs, e.ino(), path + "/" + e.name(), out);
            } else {
                out.put(path + "/" + e.name(), XfsImages.readAll(fs, e.ino()));
            }
        }
    }
}
