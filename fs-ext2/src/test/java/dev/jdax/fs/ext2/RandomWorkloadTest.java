package dev.jdax.fs.ext2;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Seeded random namespace and data operations on 1 KiB blocks, with writes past the triple
 * indirect boundary (file block 65804 = 64.3 MiB), judged by e2fsck -fn after each seed, and every
 * file's sampled bytes checked against a model after a remount.
 */
class RandomWorkloadTest {
    /** Where the triple-indirect map starts with 1 KiB blocks: 12 + 256 + 256^2 blocks. */
    static final long TRIPLE = (12 + 256 + 256 * 256) * 1024L;

    @TempDir
    Path tmp;

    record Write(long off, byte[] data) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void aSeededWorkloadLeavesACleanImageAndTheRightBytes(long seed) throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("r.img");
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, List<Write>> model = new HashMap<>();
        Map<String, Long> sizes = new HashMap<>();
        try (DaxDevice d = PmemDevices.create(img, 24 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(1024));
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.none())) {
                List<String> dirs = new ArrayList<>(List.of("/"));
                for (int op = 0; op < 400; op++) {
                    int kind = r.nextInt(10);
                    String dir = dirs.get(r.nextInt(dirs.size()));
                    String name = (dir.equals("/") ? "/" : dir + "/") + "n" + r.nextInt(40);
                    try {
                        switch (kind) {
                            case 0 -> {
                                fs.mkdir(fs.resolveParent(name), name.substring(name.lastIndexOf('/') + 1), 0755, 0, 0);
                                dirs.add(name);
                            }
                            case 1, 2, 3, 4 -> {
                                long off = r.nextInt(8) == 0 ? TRIPLE + r.nextInt(1 << 20) : r.nextInt(300_000);
                                byte[] data = new byte[1 + r.nextInt(20_000)];
                                r.nextBytes(data);
                                try (OpenFile f = fs.open(name, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                                    long n = f.write(off, data, 0, data.length);
                                    if (n > 0) {
                                        model.computeIfAbsent(name, k -> new ArrayList<>()).add(new Write(off, Arrays.copyOf(data, (int) n)));
                                        sizes.put(name, f.size());
                                    }
                                }
                            }
                            case 5 -> {
                                long to = r.nextInt(400_000);
                                try (OpenFile f = fs.open(name, OpenFlags.O_RDWR)) {
                                    f.truncate(to);
                                    sizes.put(name, to);
                                    List<Write> ws = model.getOrDefault(name, new ArrayList<>());
                                    List<Write> kept = new ArrayList<>();
                                    for (Write w : ws) {
                                        if (w.off() < to) {
                                            kept.add(new Write(w.off(), Arrays.copyOf(w.data(), (int) Math.min(w.data().length, to - w.off()))));
                                        }
                                    }
                                    model.put(name, kept);
                                }
                            }
                            case 6 -> {
                                fs.unlink(fs.resolveParent(name), name.substring(name.lastIndexOf('/') + 1));
                                model.remove(name);
                                sizes.remove(name);
                            }
                            case 7 -> {
                                String to = dirs.get(r.nextInt(dirs.size()));
                                String toName = (to.equals("/") ? "/" : to + "/") + "m" + r.nextInt(40);
                                if (model.containsKey(name) && !dirs.contains(toName)) {
                                    fs.rename(fs.resolveParent(name), name.substring(name.lastIndexOf('/') + 1),
                                            fs.resolveParent(toName), toName.substring(toName.lastIndexOf('/') + 1), 0);
                                    model.put(toName, model.remove(name));
                                    sizes.put(toName, sizes.remove(name));
                                }
                            }
                            case 8 -> {
                                if (dirs.contains(name)) {
                                    fs.rmdir(fs.resolveParent(name), name.substring(name.lastIndexOf('/') + 1));
                                    dirs.remove(name);
                                }
                            }
                            default -> fs.sync();
                        }
                    } catch (FsException e) {
                        // The same name as a file and a directory, a missing name, a full device: all legitimate answers.
                        if (!List.of(Errno.EEXIST, Errno.ENOENT, Errno.EISDIR, Errno.ENOTDIR, Errno.ENOTEMPTY, Errno.ENOSPC)
                                .contains(e.errno())) {
                            throw e;
                        }
                    }
                }
            }
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("ro"))) {
                for (var e : model.entrySet()) {
                    byte[] expect = new byte[0];
                    try (OpenFile f = fs.open(e.getKey(), OpenFlags.O_RDONLY)) {
                        assertEquals((long) sizes.get(e.getKey()), f.size(), e.getKey());
                        for (Write w : e.getValue()) {
                            expect = w.data();
                        }
                        if (!e.getValue().isEmpty()) {
                            Write last = e.getValue().getLast();
                            byte[] got = new byte[last.data().length];
                            f.read(last.off(), got, 0, got.length);
                            assertArrayEquals(expect, got, e.getKey() + " at " + last.off());
                        }
                    } catch (FsException x) {
                        if (x.errno() != Errno.ENOENT && x.errno() != Errno.EISDIR) {
                            throw x;
                        }
                    }
                }
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "seed " + seed + ": e2fsck -fn says:\n" + fsck.output());
    }
}
