package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.CrashDevice;
import dev.jdax.pmem.CrashPolicy;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code lazytime} as Linux 6.1 keeps it (measured with the linux-mount oracle for ext4 and XFS:
 * fs-ext4/src/test/oracle/measured/lazytime-linux-6.1.txt): an access time and the times of an
 * overwrite stay in core and are not on disk after a power cut, but are after an unmount or a
 * fsync (not an fdatasync); the first write after an ext4 or XFS inode is read in still writes it,
 * since its change count is bumped; ext4 writes the kept times of the inodes that share a block
 * with one it writes. Without lazytime every one of those times survives the cut (the control).
 */
class LazytimeTest {
    private static final Instant ATIME = Instant.ofEpochSecond(1_546_300_800L);
    private static final Instant MTIME = Instant.ofEpochSecond(1_577_836_800L);

    private static String options(String type, boolean lazy) {
        return (type.equals("ext2") ? "dax" : "dax=always") + (lazy ? ",lazytime" : "");
    }

    /** /a (atime before mtime: relatime writes the next access), /b, twenty others, then /c in another inode block. */
    private static CrashDevice populated(FileSystemType t, String type) throws Exception {
        CrashDevice dev = PmemDevices.crashSimulating(Personalities.formatted(t, Personalities.size(type)));
        try (FileSystem fs = Vfs.mount(t, dev, MountOptions.parse(options(type, false)))) {
            for (String name : new String[] {"/a", "/b"}) {
                make(fs, name);
            }
            for (int i = 0; i < 20; i++) {
                make(fs, "/pad" + i);
            }
            make(fs, "/c");
            fs.setattr(fs.resolve("/a", false), SetAttr.times(ATIME, MTIME));
            fs.setattr(fs.resolve("/b", false), SetAttr.times(MTIME, MTIME));
        }
        return dev;
    }

    private static void make(FileSystem fs, String name) throws Exception {
        try (OpenFile f = fs.open(name, OpenFlags.O_CREAT | OpenFlags.O_RDWR, 0644, 0, 0)) {
            f.write(0, new byte[16], 0, 16);
        }
    }

    private static void writeByte(FileSystem fs, String name, long pos) throws Exception {
        try (OpenFile f = fs.open(name, OpenFlags.O_RDWR)) {
            f.write(pos, new byte[] {1}, 0, 1);
        }
    }

    private static StatInfo stat(FileSystem fs, String name) throws Exception {
        return fs.stat(fs.resolve(name, false));
    }

    /** What the oracle's script did: read /a, write /b twice a tick apart, write and fsync /c; {@return /a's and /b's times in core}. */
    private static StatInfo[] work(FileSystem fs, String type) throws Exception {
        try (OpenFile f = fs.open("/a", OpenFlags.O_RDONLY)) {
            f.read(0, new byte[4], 0, 4);
        }
        writeByte(fs, "/b", 0);
        Thread.sleep(type.equals("ext2") ? 1100 : 200); // a later tick of the format's clock, with room for a loaded machine
        writeByte(fs, "/b", 1);
        try (OpenFile f = fs.open("/c", OpenFlags.O_RDWR)) {
            f.write(0, new byte[] {1}, 0, 1);
            f.fsync(false);
        }
        return new StatInfo[] {stat(fs, "/a"), stat(fs, "/b")};
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void keptTimesAreLostInAPowerCutAndWrittenByFsyncAndUnmount(String type) throws Exception {
        FileSystemType t = Personalities.type(type);
        for (boolean lazy : new boolean[] {false, true}) {
            try (CrashDevice dev = populated(t, type)) {
                FileSystem fs = Vfs.mount(t, dev, MountOptions.parse(options(type, lazy)));
                StatInfo[] core = work(fs, type);
                Instant firstWrite;
                assertNotEquals(ATIME, core[0].atime(), "the read wrote an access time in core");
                try (DaxDevice cut = dev.crashImage(CrashPolicy.allLost());
                     FileSystem after = Vfs.mount(t, cut, MountOptions.parse(options(type, false)))) {
                    StatInfo a = stat(after, "/a");
                    StatInfo b = stat(after, "/b");
                    if (!lazy) {
                        assertEquals(core[0].atime(), a.atime(), type + ": an access time written at once");
                        assertEquals(core[1].mtime(), b.mtime(), type + ": both writes' times written at once");
                        continue;
                    }
                    // ext4 wrote /a's kept access time into the block it wrote /b's inode to (ext4_update_other_inodes_time).
                    assertEquals(type.equals("ext4") ? core[0].atime() : ATIME, a.atime(), type + ": the kept access time");
                    firstWrite = b.mtime();
                    if (type.equals("ext2")) {
                        assertEquals(MTIME, firstWrite, "ext2 keeps no change count: even the first write's times stay in core");
                    } else {
                        assertNotEquals(MTIME, firstWrite, type + ": the first write after the inode was read bumps its change count");
                        assertNotEquals(core[1].mtime(), firstWrite, type + ": the second write's times stayed in core");
                    }
                }
                // fdatasync writes none of them, fsync all of /b's.
                try (OpenFile f = fs.open("/b", OpenFlags.O_RDWR)) {
                    f.fsync(true);
                    try (DaxDevice cut = dev.crashImage(CrashPolicy.allLost());
                         FileSystem after = Vfs.mount(t, cut, MountOptions.parse(options(type, false)))) {
                        assertEquals(firstWrite, stat(after, "/b").mtime(), type + ": fdatasync leaves the kept times");
                    }
                    f.fsync(false);
                    try (DaxDevice cut = dev.crashImage(CrashPolicy.allLost());
                         FileSystem after = Vfs.mount(t, cut, MountOptions.parse(options(type, false)))) {
                        assertEquals(core[1].mtime(), stat(after, "/b").mtime(), type + ": fsync writes them");
                    }
                }
                // An unmount writes the rest: /a's access time.
                fs.close();
                try (FileSystem again = Vfs.mount(t, dev, MountOptions.parse(options(type, false)))) {
                    assertEquals(core[0].atime(), stat(again, "/a").atime(), type + ": written at unmount");
                    assertEquals(core[1].mtime(), stat(again, "/b").mtime());
                }
                Personalities.assertJudgedClean(type, dev);
            }
        }
    }

    /**
     * A directory's access time (a listing's) is kept in core too: a power cut after a listing and
     * the fsync of a file in another inode block loses it, where a relatime mount has it logged by
     * that fsync; an fsync of the directory, and then an unmount, write it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void aDirectorysAccessTimeIsKeptToo(String type) throws Exception {
        FileSystemType t = Personalities.type(type);
        for (boolean lazy : new boolean[] {false, true}) {
            try (CrashDevice dev = PmemDevices.crashSimulating(Personalities.formatted(t, Personalities.size(type)))) {
                try (FileSystem fs = Vfs.mount(t, dev, MountOptions.parse(options(type, false)))) {
                    long d = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                    fs.setattr(d, SetAttr.times(ATIME, MTIME));
                    for (int i = 0; i < 20; i++) {
                        make(fs, "/pad" + i); // /other's inode in another block of ext4's table than /d's
                    }
                    make(fs, "/other");
                }
                FileSystem fs = Vfs.mount(t, dev, MountOptions.parse(options(type, lazy)));
                long d = fs.resolve("/d", false);
                fs.readdir(d);
                Instant listed = fs.stat(d).atime();
                assertNotEquals(ATIME, listed, type + ": the listing wrote an access time in core");
                try (OpenFile f = fs.open("/other", OpenFlags.O_RDWR)) {
                    // An extending write, so that the fsync surely has a change to commit: an overwrite
                    // within the clock tick /other was made in changes no time, and commits nothing.
                    f.write(16, new byte[] {1}, 0, 1);
                    f.fsync(false);
                }
                try (DaxDevice cut = dev.crashImage(CrashPolicy.allLost());
                     FileSystem after = Vfs.mount(t, cut, MountOptions.parse(options(type, false)))) {
                    assertEquals(lazy ? ATIME : listed, stat(after, "/d").atime(), type + (lazy ? ": kept in core" : ": written at once"));
                }
                fs.fsync(d, false);
                try (DaxDevice cut = dev.crashImage(CrashPolicy.allLost());
                     FileSystem after = Vfs.mount(t, cut, MountOptions.parse(options(type, false)))) {
                    assertEquals(listed, stat(after, "/d").atime(), type + ": the directory's fsync writes it");
                }
                // A directory removed while its access time is kept: freed with it, nothing written later.
                long e = fs.mkdir(fs.rootIno(), "e", 0755, 0, 0);
                fs.readdir(e);
                fs.rmdir(fs.rootIno(), "e");
                fs.close();
                Personalities.assertJudgedClean(type, dev);
            }
        }
    }

    /**
     * Four threads read, overwrite, extend, chmod, fsync, fdatasync and sync eight files on a lazytime
     * mount at once; after the unmount every file's size and times on disk are the last ones the
     * mount had in core, and fsck finds the image clean: no kept time lost, none written stale.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void manyThreadsLeaveTheLastTimesOnDisk(String type) throws Exception {
        FileSystemType t = Personalities.type(type);
        try (DaxDevice dev = Personalities.formatted(t, Personalities.size(type))) {
            FileSystem fs = Vfs.mount(t, dev, MountOptions.parse(options(type, true)));
            int files = 8;
            for (int i = 0; i < files; i++) {
                make(fs, "/f" + i);
                fs.setattr(fs.resolve("/f" + i, false), SetAttr.times(ATIME, MTIME));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                long seed = w;
                done.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int op = 0; op < 1500; op++) {
                        String name = "/f" + r.nextInt(files);
                        try (OpenFile f = fs.open(name, OpenFlags.O_RDWR)) {
                            switch (r.nextInt(8)) {
                                case 0, 1, 2 -> f.read(0, new byte[64], 0, 64);
                                case 3, 4 -> f.write(r.nextInt(16), new byte[] {(byte) op}, 0, 1);
                                case 5 -> f.write(f.size(), new byte[] {(byte) op}, 0, 1);
                                case 6 -> f.fsync(r.nextBoolean());
                                default -> {
                                    if (r.nextBoolean()) {
                                        fs.sync();
                                    } else {
                                        fs.setattr(fs.resolve(name, false), SetAttr.mode(0600 | r.nextInt(0100)));
                                    }
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            List<StatInfo> inCore = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                inCore.add(stat(fs, "/f" + i));
            }
            fs.close();
            try (FileSystem again = Vfs.mount(t, dev, MountOptions.parse(options(type, false)))) {
                for (int i = 0; i < files; i++) {
                    StatInfo want = inCore.get(i);
                    StatInfo got = stat(again, "/f" + i);
                    String what = type + " /f" + i;
                    assertEquals(want.size(), got.size(), what + " size");
                    assertEquals(want.atime(), got.atime(), what + " atime");
                    assertEquals(want.mtime(), got.mtime(), what + " mtime");
                    assertEquals(want.ctime(), got.ctime(), what + " ctime");
                }
            }
            Personalities.assertJudgedClean(type, dev);
        }
    }
}
