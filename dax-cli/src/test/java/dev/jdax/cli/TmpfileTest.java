package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatFs;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.assertJudgedClean;
import static dev.jdax.cli.Personalities.formatted;
import static dev.jdax.cli.Personalities.mount;
import static dev.jdax.cli.Personalities.size;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * O_TMPFILE on every personality, as a program sees it: the unnamed file holds its data with no
 * name and no link, gives everything back at its last close, keeps what a link names across a
 * mount, refuses what Linux refuses, and holds under threads making, naming and closing such files
 * at once; ext4 and XFS free the file a crash left open at the next mount. The outside judge
 * (e2fsck -fn, xfs_repair -n) checks each image.
 */
class TmpfileTest {
    private static final int RDWR_TMPFILE = OpenFlags.O_RDWR | OpenFlags.O_TMPFILE;

    @TempDir
    Path tmp;

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void anUnnamedFileHoldsItsDataAndGivesEverythingBackAtItsLastClose(String type) throws Exception {
        FileSystemType t = type(type);
        try (DaxDevice device = formatted(t, size(type))) {
            try (FileSystem fs = mount(t, device)) {
                StatFs before = fs.statfs();
                List<String> names = fs.readdir(fs.rootIno()).stream().map(DirEntry::name).toList();
                OpenFile f = fs.open("/", RDWR_TMPFILE);
                f.write(0, pattern(1 << 20, 0x5a), 0, 1 << 20);
                assertEquals(0, fs.stat(f.ino()).nlink(), "an O_TMPFILE file has no link");
                assertEquals(1 << 20, fs.stat(f.ino()).size());
                byte[] back = new byte[4096];
                f.read((1 << 20) - 4096, back, 0, back.length);
                assertArrayEquals(pattern(4096, 0x5a), back);
                assertEquals(names, fs.readdir(fs.rootIno()).stream().map(DirEntry::name).toList(), "and no name");
                assertTrue(fs.statfs().bfree() < before.bfree(), "its blocks are in use while it is open");
                f.close();
                assertEquals(before.bfree(), fs.statfs().bfree(), "its blocks are free again");
                assertEquals(before.ffree(), fs.statfs().ffree(), "and its inode");
            }
            assertJudgedClean(type, device);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void aLinkNamesTheFileAndTheNameOutlivesTheMount(String type) throws Exception {
        FileSystemType t = type(type);
        try (DaxDevice device = formatted(t, size(type))) {
            long ino;
            try (FileSystem fs = mount(t, device)) {
                long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                try (OpenFile f = fs.open("/d", RDWR_TMPFILE)) {
                    ino = f.ino();
                    f.write(0, pattern(3 * 4096 + 100, 0x61), 0, 3 * 4096 + 100);
                    fs.link(ino, dir, "named");
                    assertEquals(1, fs.stat(ino).nlink());
                    fs.link(ino, fs.rootIno(), "again");   // a named tmpfile takes more names, as any file
                    assertEquals(2, fs.stat(ino).nlink());
                    FsException taken = assertThrows(FsException.class, () -> fs.link(ino, dir, "named"));
                    assertEquals(Errno.EEXIST, taken.errno());
                }
                fs.unlink(fs.rootIno(), "again");
            }
            assertJudgedClean(type, device);
            try (FileSystem fs = mount(t, device)) {
                assertEquals(ino, fs.resolve("/d/named", true));
                assertEquals(1, fs.stat(ino).nlink());
                try (OpenFile f = fs.open("/d/named", OpenFlags.O_RDONLY)) {
                    byte[] back = new byte[3 * 4096 + 100];
                    assertEquals(back.length, f.read(0, back, 0, back.length));
                    assertArrayEquals(pattern(back.length, 0x61), back);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void whatLinuxRefusesIsRefused(String type) throws Exception {
        FileSystemType t = type(type);
        try (DaxDevice device = formatted(t, size(type))) {
            try (FileSystem fs = mount(t, device)) {
                fs.create(fs.rootIno(), "file", 0644, 0, 0);
                assertErrno(Errno.EINVAL, () -> fs.open("/", OpenFlags.O_RDONLY | OpenFlags.O_TMPFILE));
                assertErrno(Errno.EINVAL, () -> fs.open("/", RDWR_TMPFILE | OpenFlags.O_CREAT));
                assertErrno(Errno.EINVAL, () -> fs.open("/", OpenFlags.O_RDWR | (OpenFlags.O_TMPFILE & ~OpenFlags.O_DIRECTORY)));
                assertErrno(Errno.ENOTDIR, () -> fs.open("/file", RDWR_TMPFILE));
                assertErrno(Errno.ENOENT, () -> fs.open("/none", RDWR_TMPFILE));
                assertErrno(Errno.ENOTDIR, () -> fs.open("/file", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY));
                try (OpenFile f = fs.open("/", RDWR_TMPFILE | OpenFlags.O_EXCL)) {
                    assertErrno(Errno.ENOENT, () -> fs.link(f.ino(), fs.rootIno(), "never"));   // O_EXCL: not linkable
                }
                try (OpenFile f = fs.open("/", OpenFlags.O_WRONLY | OpenFlags.O_TMPFILE)) {
                    fs.link(f.ino(), fs.rootIno(), "once");
                    fs.unlink(fs.rootIno(), "once");
                    // Named once, its last name gone: an unlinked open file, which no link brings back.
                    assertErrno(Errno.ENOENT, () -> fs.link(f.ino(), fs.rootIno(), "twice"));
                }
                assertFalse(fs.exists("/never", true) || fs.exists("/twice", true));
            }
            try (FileSystem fs = Vfs.mount(t, device, MountOptions.parse("dax,ro"))) {
                assertErrno(Errno.EROFS, () -> fs.open("/", RDWR_TMPFILE));
            }
            assertJudgedClean(type, device);
        }
    }

    /**
     * Threads each make unnamed files in their own directory, write them, name every other one and
     * close them all, while all of them name one shared unnamed file at once: every link lands, the
     * shared file counts one link per thread, and once the names go the free counts are back.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void threadsMakingNamingAndClosingUnnamedFiles(String type) throws Exception {
        FileSystemType t = type(type);
        int threads = 4;
        int rounds = 300;
        try (DaxDevice device = formatted(t, size(type) * 2)) {
            try (FileSystem fs = mount(t, device)) {
                StatFs before = fs.statfs();
                OpenFile shared = fs.open("/", RDWR_TMPFILE);
                CountDownLatch start = new CountDownLatch(threads);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    List<Future<?>> done = new ArrayList<>();
                    for (int id = 0; id < threads; id++) {
                        int me = id;
                        done.add(pool.submit(() -> {
                            long dir = fs.mkdir(fs.rootIno(), "t" + me, 0755, 0, 0);
                            start.countDown();
                            start.await();
                            fs.link(shared.ino(), dir, "shared");
                            for (int i = 0; i < rounds; i++) {
                                try (OpenFile f = fs.open("/t" + me, RDWR_TMPFILE)) {
                                    f.write(0, pattern(4096 * (1 + i % 3), i), 0, 4096 * (1 + i % 3));
                                    if (i % 2 == 0) {
                                        fs.link(f.ino(), dir, "n" + i);
                                    }
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get();
                    }
                } finally {
                    pool.shutdown();
                }
                assertEquals(threads, fs.stat(shared.ino()).nlink(), "one link per thread to the shared file");
                shared.close();
                for (int id = 0; id < threads; id++) {
                    long dir = fs.lookup(fs.rootIno(), "t" + id);
                    assertEquals(rounds / 2 + 1, fs.readdir(dir).size() - 2, "the named files and the shared one");
                    for (int i = 0; i < rounds; i += 2) {
                        try (OpenFile f = fs.open("/t" + id + "/n" + i, OpenFlags.O_RDONLY)) {
                            assertEquals(4096 * (1 + i % 3), f.size());
                        }
                    }
                }
                assertJudgedClean(type, device);
                for (int id = 0; id < threads; id++) {
                    long dir = fs.lookup(fs.rootIno(), "t" + id);
                    for (int i = 0; i < rounds; i += 2) {
                        fs.unlink(dir, "n" + i);
                    }
                    fs.unlink(dir, "shared");
                    fs.rmdir(fs.rootIno(), "t" + id);
                }
                assertEquals(before.bfree(), fs.statfs().bfree(), "free blocks");
                assertEquals(before.ffree(), fs.statfs().ffree(), "free inodes");
            }
            assertJudgedClean(type, device);
        }
    }

    /**
     * The power fails while an unnamed file is open: its inode is on the orphan list (ext4) or an
     * AGI unlinked bucket (XFS), so the next mount frees it. fs/ext2 keeps no such list, as Linux's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void anUnnamedFileACrashLeftOpenIsFreedAtTheNextMount(String type) throws Exception {
        FileSystemType t = type(type);
        Path img = tmp.resolve(type + ".img");
        try (DaxDevice d = PmemDevices.create(img, size(type))) {
            t.mkfs(d, MkfsOptions.defaults());
        }
        long free;
        long inodesFree;
        try (DaxDevice d = PmemDevices.open(img)) {
            FileSystem fs = mount(t, d);
            free = fs.statfs().bfree();
            inodesFree = fs.statfs().ffree();
            OpenFile f = fs.open("/", RDWR_TMPFILE);
            f.write(0, pattern(1 << 20, 7), 0, 1 << 20);
            fs.sync();                         // the file and its orphan entry are committed
            // The power fails here: no close, no unmount. The device's bytes are what a crash leaves.
        }
        if (type.equals("ext4")) {
            // ext4_setup_super keeps EXT4_VALID_FS with a journal: a crashed image is "clean" with
            // needs_recovery, which a kernel mounts without "mounting unchecked fs".
            try (var in = java.nio.file.Files.newInputStream(img)) {
                byte[] sb = in.readNBytes(2048);
                assertEquals(1, sb[1024 + 0x3A] & 1, "s_state keeps EXT4_VALID_FS");
                assertEquals(4, sb[1024 + 0x60] & 4, "needs_recovery is set");
            }
        }
        try (DaxDevice d = PmemDevices.open(img)) {
            try (FileSystem fs = mount(t, d)) {
                assertEquals(free, fs.statfs().bfree(), "the unnamed file's blocks are free again after the mount");
                assertEquals(inodesFree, fs.statfs().ffree(), "and its inode");
            }
            assertJudgedClean(type, d);
        }
    }
}
