package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.jdax.cli.Personalities.assertJudgedClean;
import static dev.jdax.cli.Personalities.formatted;
import static dev.jdax.cli.Personalities.size;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Access times as Linux 6.1 writes them (scenarios {@code atime}, {@code atime-noatime},
 * {@code atime-strict}): under relatime a read, a mapping, a directory listing and a symbolic link
 * read write the time when it is not after mtime and ctime, and leave a newer one; noatime writes
 * none, strictatime every one; O_NOATIME and a read-only mount write none. What was written is on
 * disk after a remount, and e2fsck and xfs_repair find the images clean, after many threads read,
 * list, map and set times at once too.
 */
class AccessTimeTest {
    private static final Instant OLD = Instant.ofEpochSecond(1000);
    private static final Instant MTIME = Instant.ofEpochSecond(2000);
    /** An access time in the future: relatime leaves it, strictatime does not. */
    private static final Instant FUTURE = Instant.ofEpochSecond(4_000_000_000L);
    private static final int RW = OpenFlags.O_RDWR;

    private static FileSystem mount(FileSystemType t, DaxDevice device, String options) throws Exception {
        return Vfs.mount(t, device, MountOptions.parse(options));
    }

    private static String dax(String type) {
        return type.equals("ext2") ? "dax" : "dax=always";
    }

    /** /f (8 KiB), /d, /d/l -> ../f, each with atime {@code atime} and mtime 2000. */
    private static void populate(FileSystem fs, Instant atime) throws Exception {
        long root = fs.rootIno();
        try (OpenFile f = fs.open("/f", OpenFlags.O_CREAT | RW, 0644, 0, 0)) {
            f.write(0, MemorySegment.ofArray(new byte[8192]), 0);
        }
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        fs.symlink(d, "l", "../f", 0, 0);
        setTimes(fs, atime);
    }

    /** Access time {@code atime} and mtime 2000 on /f, /d and /d/l. */
    private static void setTimes(FileSystem fs, Instant atime) throws Exception {
        for (String path : List.of("/f", "/d", "/d/l")) {
            fs.setattr(fs.resolve(path, false), SetAttr.times(atime, MTIME));
        }
    }

    private static void accessAll(FileSystem fs, int openFlags) throws Exception {
        try (OpenFile f = fs.open("/f", OpenFlags.O_RDONLY | openFlags)) {
            f.read(0, MemorySegment.ofArray(new byte[4096]));
        }
        fs.readdir(fs.resolve("/d", false));
        fs.readlink(fs.resolve("/d/l", false));
    }

    private static List<Instant> atimes(FileSystem fs) throws Exception {
        return List.of(fs.stat("/f", false).atime(), fs.stat("/d", false).atime(), fs.stat("/d/l", false).atime());
    }

    private static boolean fromTheClock(Instant t) {
        return t.isAfter(Instant.ofEpochSecond(1_700_000_000L)) && t.isBefore(FUTURE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void relatimeWritesAnOldAccessTimeLeavesAFutureOneAndKeepsThemAcrossARemount(String name) throws Exception {
        FileSystemType t = type(name);
        DaxDevice device = formatted(t, size(name));
        List<Instant> written;
        try (FileSystem fs = mount(t, device, dax(name))) {
            assertEquals(StatFs.ST_VALID | StatFs.ST_RELATIME, fs.statfs().flags());
            populate(fs, OLD);
            accessAll(fs, 0);
            written = atimes(fs);
            for (Instant a : written) {
                assertTrue(fromTheClock(a), name + ": " + written);
            }
            try (OpenFile f = fs.open("/f", OpenFlags.O_RDONLY)) {
                fs.setattr(f.ino(), SetAttr.times(FUTURE, MTIME));
                f.read(0, MemorySegment.ofArray(new byte[4096]));
                f.read(4096, MemorySegment.ofArray(new byte[0])); // nothing read: no access
                assertEquals(FUTURE, fs.stat("/f", false).atime());
            }
        }
        try (FileSystem fs = mount(t, device, dax(name))) {
            assertEquals(FUTURE, fs.stat("/f", false).atime());
            assertEquals(written.subList(1, 3), atimes(fs).subList(1, 3));
        }
        assertJudgedClean(name, device);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void noatimeReadOnlyAndONoatimeWriteNoAccessTimeStrictatimeWritesEvenAFutureOne(String name) throws Exception {
        FileSystemType t = type(name);
        DaxDevice device = formatted(t, size(name));
        try (FileSystem fs = mount(t, device, dax(name) + ",noatime,nodiratime")) {
            assertEquals(StatFs.ST_VALID | StatFs.ST_NOATIME | StatFs.ST_NODIRATIME, fs.statfs().flags());
            populate(fs, OLD);
            accessAll(fs, 0);
            assertEquals(List.of(OLD, OLD, OLD), atimes(fs));
        }
        List<Instant> before;
        try (FileSystem fs = mount(t, device, dax(name))) {
            accessAll(fs, OpenFlags.O_NOATIME); // the listing and the link are accesses still
            before = atimes(fs);
            assertEquals(OLD, before.get(0));
        }
        try (FileSystem fs = mount(t, device, "ro," + dax(name))) {
            assertEquals(StatFs.ST_VALID | StatFs.ST_RELATIME | StatFs.ST_RDONLY, fs.statfs().flags());
            accessAll(fs, 0);
            assertEquals(before, atimes(fs));
        }
        try (FileSystem fs = mount(t, device, "noatime,strictatime," + dax(name))) {
            assertEquals(StatFs.ST_VALID, fs.statfs().flags());
            setTimes(fs, FUTURE);
            accessAll(fs, 0);
            for (Instant a : atimes(fs)) {
                assertTrue(fromTheClock(a), name + ": " + a);
            }
        }
        assertJudgedClean(name, device);
    }

    /** A mapping is an access when it is made; a store through it changes mtime and ctime, as a write. */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void mmapIsAnAccessAndAStoreThroughItModifiesTheFile(String name) throws Exception {
        FileSystemType t = type(name);
        DaxDevice device = formatted(t, size(name));
        try (FileSystem fs = mount(t, device, dax(name))) {
            populate(fs, OLD);
            try (OpenFile f = fs.open("/f", RW)) {
                FileMapping m = f.mmap(0, 8192, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
                assertTrue(fromTheClock(fs.stat("/f", false).atime()));
                fs.setattr(f.ino(), SetAttr.times(OLD, MTIME));
                m.read(0, MemorySegment.ofArray(new byte[16]), 0, 16);
                assertEquals(OLD, fs.stat("/f", false).atime());
                assertEquals(MTIME, fs.stat("/f", false).mtime());
                m.write(0, MemorySegment.ofArray(new byte[] {1, 2, 3}), 0, 3);
                assertTrue(fromTheClock(fs.stat("/f", false).mtime()));
                assertEquals(OLD, fs.stat("/f", false).atime());
                m.close();
            }
        }
        try (FileSystem fs = mount(t, device, dax(name))) {
            assertNotEquals(MTIME, fs.stat("/f", false).mtime());
        }
        assertJudgedClean(name, device);
    }

    /**
     * Readers, listers and link readers on many threads while others set the times back and write:
     * every access time is taken without the file's locks, and none of it may deadlock, fail an
     * access or leave the image unclean.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void accessesOnManyThreadsBesideWritesAndUtimes(String name) throws Exception {
        FileSystemType t = type(name);
        DaxDevice device = formatted(t, size(name));
        try (FileSystem fs = mount(t, device, dax(name) + ",strictatime")) {
            populate(fs, OLD);
            long f = fs.resolve("/f", false);
            long d = fs.resolve("/d", false);
            long l = fs.resolve("/d/l", false);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    done.add(pool.submit(() -> {
                        try (OpenFile o = fs.open("/f", OpenFlags.O_RDONLY)) {
                            byte[] b = new byte[4096];
                            for (int i = 0; i < 20_000; i++) {
                                o.read((i & 1) * 4096L, MemorySegment.ofArray(b));
                                if (i % 100 == 0) {
                                    fs.readdir(d);
                                    fs.readlink(l);
                                    o.mmap(0, 4096, FileMapping.PROT_READ, FileMapping.MAP_SHARED).close();
                                }
                            }
                        }
                        return null;
                    }));
                }
                Future<?> changer = pool.submit(() -> {
                    try (OpenFile o = fs.open("/f", RW)) {
                        byte[] b = {7};
                        for (int i = 0; !stop.get(); i++) {
                            o.write(i % 8192, MemorySegment.ofArray(b), 0);
                            for (long ino : new long[] {f, d, l}) {
                                fs.setattr(ino, SetAttr.times(OLD, MTIME));
                            }
                        }
                    }
                    return null;
                });
                for (Future<?> r : done) {
                    r.get();
                }
                stop.set(true);
                changer.get();
            } finally {
                pool.shutdownNow();
            }
        }
        assertJudgedClean(name, device);
    }
}
