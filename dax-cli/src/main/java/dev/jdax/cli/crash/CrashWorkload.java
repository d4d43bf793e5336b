package dev.jdax.cli.crash;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.XfsBulkstat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workloads a crash is simulated in, and what each promises after a crash: every file fsync'd and
 * not written since holds exactly what it held then. File k's bytes are all {@link #fill(int)} of k,
 * so a byte of another file's pattern in it is another file's old data.
 */
final class CrashWorkload {
    static final List<String> NAMES = List.of("fsync-files", "append", "rename", "truncate", "tree", "orphans", "swapext",
            "reflink");

    /** Paths whose content is promised, with that content. */
    final Map<String, byte[]> durable = new ConcurrentHashMap<>();
    /** Every file's pattern byte, by path. */
    final Map<String, Integer> owner = new ConcurrentHashMap<>();

    private final String name;
    private final SplittableRandom random;

    CrashWorkload(String name, long seed) {
        this.name = name;
        this.random = new SplittableRandom(seed);
    }

    static byte fill(int k) {
        return (byte) (k * 37 + 11);
    }

    void run(FileSystem fs) throws FsException {
        switch (name) {
            case "fsync-files" -> {
                for (int i = 0; i < 12; i++) {
                    write(fs, "/f" + i, i, 1 + random.nextInt(20_000), true);
                }
            }
            case "append" -> {
                owner.put("/log", 1);
                byte[] all = new byte[0];
                for (int i = 0; i < 10; i++) {
                    byte[] chunk = new byte[1 + random.nextInt(6000)];
                    Arrays.fill(chunk, fill(1));
                    try (OpenFile f = fs.open("/log", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_APPEND)) {
                        durable.remove("/log");
                        f.write(0, chunk, 0, chunk.length);
                        f.fsync(false);
                    }
                    all = concat(all, chunk);
                    durable.put("/log", all);
                }
            }
            case "rename" -> {
                write(fs, "/config", 1, 3000, true);
                for (int i = 0; i < 6; i++) {
                    write(fs, "/config.tmp", 1, 1000 + random.nextInt(8000), true);
                    byte[] next = durable.remove("/config.tmp");
                    durable.remove("/config");
                    fs.rename(fs.rootIno(), "config.tmp", fs.rootIno(), "config", 0);
                    fs.sync();
                    durable.put("/config", next);
                }
            }
            case "truncate" -> {
                write(fs, "/t", 2, 40_000, true);
                byte[] cur = durable.get("/t");
                try (OpenFile f = fs.open("/t", OpenFlags.O_RDWR)) {
                    for (int i = 0; i < 6; i++) {
                        long to = random.nextInt(40_000);
                        durable.remove("/t");
                        f.truncate(to);
                        f.fsync(false);
                        cur = Arrays.copyOf(cur, (int) to); // growing reads zeros past the old end
                        durable.put("/t", cur);
                    }
                }
            }
            case "tree" -> {
                long d = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                fs.mkdir(d, "e", 0755, 0, 0);
                for (int i = 0; i < 8; i++) {
                    write(fs, (i % 2 == 0 ? "/d/" : "/d/e/") + "g" + i, 3 + i, 1 + random.nextInt(9000), true);
                }
                durable.remove("/d/g0");
                owner.remove("/d/g0");
                fs.unlink(d, "g0");
                fs.sync();
            }
            case "orphans" -> {
                // Files unlinked while open: a commit made before a file's last close must hold it
                // on the orphan list (or in the orphan file), and the remount frees it; one closed
                // before the next commit leaves no trace. Half are closed at once, half kept open
                // over later unlinks, commits and an fsync'd file.
                write(fs, "/keep", 1, 1 + random.nextInt(20_000), true);
                List<OpenFile> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 6; i++) {
                        String name = "o" + i;
                        write(fs, "/" + name, 2 + i, 1 + random.nextInt(20_000), true);
                        OpenFile f = fs.open("/" + name, OpenFlags.O_RDWR);
                        durable.remove("/" + name);
                        owner.remove("/" + name);
                        fs.unlink(fs.rootIno(), name);
                        if (i % 2 == 0) {
                            f.close();
                        } else {
                            held.add(f);
                        }
                        fs.sync();
                    }
                    write(fs, "/keep", 1, 1 + random.nextInt(20_000), true);
                } finally {
                    for (OpenFile f : held) {
                        f.close();
                    }
                }
                fs.sync();
            }
            case "swapext" -> swapext(fs);
            case "reflink" -> reflink(fs);
            default -> throw FsException.of(Errno.EINVAL, "crash: no workload \"%s\" (have: %s)", name, NAMES);
        }
    }

    /**
     * xfs_fsr's step, three times: a file written a block at a time beside another (so its extents
     * interleave with that file's), a donor of the same contents written whole, XFS_IOC_SWAPEXT, the
     * target fsync'd and the donor removed. The file holds its contents whether a crash comes before
     * or after an exchange (the donor's are the same), and a torn one would leave two inodes mapping
     * the same blocks, which xfs_repair reports. Formats without the ioctl (ENOTTY) keep the writes.
     */
    private void swapext(FileSystem fs) throws FsException {
        int len = 16 * 4096;
        owner.put("/frag", 2);
        owner.put("/other", 3);
        try (OpenFile a = fs.open("/frag", OpenFlags.O_RDWR | OpenFlags.O_CREAT);
             OpenFile b = fs.open("/other", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
            byte[] pa = new byte[4096];
            byte[] pb = new byte[4096];
            Arrays.fill(pa, fill(2));
            Arrays.fill(pb, fill(3));
            for (int i = 0; i < 16; i++) {
                a.write(i * 4096L, pa, 0, pa.length);
                b.write(i * 4096L, pb, 0, pb.length);
            }
            a.fsync(false);
            b.fsync(false);
        }
        byte[] frag = new byte[len];
        Arrays.fill(frag, fill(2));
        byte[] other = new byte[len];
        Arrays.fill(other, fill(3));
        durable.put("/frag", frag);
        durable.put("/other", other);
        for (int round = 0; round < 3; round++) {
            write(fs, "/frag.donor", 2, len, true);
            try (OpenFile t = fs.open("/frag", OpenFlags.O_RDWR); OpenFile d = fs.open("/frag.donor", OpenFlags.O_RDWR)) {
                XfsBulkstat bs = fs.xfsBulkstat(t.ino());
                t.swapExtents(d, 0, len, bs.ctime(), bs.mtime());
                t.fsync(false);
            } catch (FsException e) {
                if (e.errno() != Errno.ENOTTY) {
                    throw e;
                }
            }
            durable.remove("/frag.donor");
            owner.remove("/frag.donor");
            fs.unlink(fs.rootIno(), "frag.donor");
            fs.sync();
        }
    }

    /**
     * Block sharing, three rounds: a file cloned whole (FICLONE) and fsync'd, then a third of the
     * clone's blocks overwritten with the same bytes (each a copy on write: a CoW fork allocation
     * staged in the refcount B+tree, the old data copied, the mapping moved) and fsync'd again, and
     * the clone before it removed (shared blocks lose a count). A crash anywhere leaves every file
     * as it was fsync'd, no staging record after the remount, and counts xfs_repair agrees with.
     * Formats that share nothing (EOPNOTSUPP) copy the bytes instead.
     */
    private void reflink(FileSystem fs) throws FsException {
        int len = 16 * 4096;
        write(fs, "/src", 2, len, true);
        byte[] want = durable.get("/src");
        byte[] block = Arrays.copyOf(want, 4096);
        for (int round = 0; round < 3; round++) {
            String clone = "/clone" + round;
            owner.put(clone, 2);
            try (OpenFile s = fs.open("/src", OpenFlags.O_RDONLY);
                 OpenFile c = fs.open(clone, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC)) {
                try {
                    s.remapRange(0, c, 0, 0, 0);
                } catch (FsException e) {
                    if (e.errno() != Errno.EOPNOTSUPP) {
                        throw e;
                    }
                    c.write(0, want, 0, len);
                }
                c.fsync(false);
                durable.put(clone, want);
                for (int i = round; i < 16; i += 3) {
                    c.write(i * 4096L, block, 0, block.length);
                }
                c.fsync(false);
            }
            if (round > 0) {
                String old = "clone" + (round - 1);
                durable.remove("/" + old);
                owner.remove("/" + old);
                fs.unlink(fs.rootIno(), old);
            }
            fs.sync();
        }
    }

    private void write(FileSystem fs, String path, int k, int len, boolean fsync) throws FsException {
        owner.put(path, k);
        byte[] b = new byte[len];
        Arrays.fill(b, fill(k));
        durable.remove(path);
        try (OpenFile f = fs.open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC)) {
            f.write(0, b, 0, b.length);
            if (fsync) {
                f.fsync(false);
            }
        }
        if (fsync) {
            durable.put(path, b);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
