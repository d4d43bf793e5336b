package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.FileCopy;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * copy_file_range and sendfile between files of a real ext4 image: copies in opposite directions at
 * once lose nothing and cannot deadlock, the refusals are Linux's errnos, and e2fsck -fn finds the
 * image clean.
 */
class FileCopyTest {
    private static final int HALF = 128 << 10;
    private static final int ROUNDS = 60;
    private static final int SEND = 12345;

    @TempDir
    Path tmp;

    private Path image(String name) throws Exception {
        Path img = tmp.resolve(name);
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    private static byte[] pattern(int seed, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + i / 4096);
        }
        return b;
    }

    private static byte[] read(OpenFile f, long pos, int length) throws FsException {
        byte[] b = new byte[length];
        assertEquals(length, f.read(pos, b, 0, length));
        return b;
    }

    /**
     * One thread copies a's first half onto b's second while another copies b's first half onto
     * a's second, a third copies within a (disjoint ranges), and a fourth sends a's first half to c
     * at a moving position, all at once, many rounds. The halves copied from are never written, so
     * the result is known; a fresh mount reads it and e2fsck finds the image clean.
     */
    @Test
    void copiesInOppositeDirectionsAtOnceLoseNothing() throws Exception {
        Path img = image("copy.img");
        byte[] a0 = pattern(1, HALF);
        byte[] b0 = pattern(2, HALF);
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             ExecutorService pool = Executors.newFixedThreadPool(4)) {
            fs.create(fs.rootIno(), "a", 0644, 0, 0);
            fs.create(fs.rootIno(), "b", 0644, 0, 0);
            fs.create(fs.rootIno(), "c", 0644, 0, 0);
            try (OpenFile a = fs.open("/a", OpenFlags.O_RDWR); OpenFile b = fs.open("/b", OpenFlags.O_RDWR);
                 OpenFile c = fs.open("/c", OpenFlags.O_RDWR)) {
                a.write(0, a0, 0, HALF);
                b.write(0, b0, 0, HALF);
                CyclicBarrier start = new CyclicBarrier(4);
                List<Future<?>> done = new ArrayList<>();
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        assertEquals(HALF, FileCopy.copyFileRange(a, 0, b, HALF, HALF));
                    }
                    return null;
                }));
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        assertEquals(HALF, FileCopy.copyFileRange(b, 0, a, HALF, HALF));
                    }
                    return null;
                }));
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        assertEquals(4096, FileCopy.copyFileRange(a, 4096, a, 3 * HALF, 4096));
                    }
                    return null;
                }));
                done.add(pool.submit(() -> {
                    start.await();
                    long position = 0;
                    for (int i = 0; i < ROUNDS; i++) {
                        position += FileCopy.sendfile(c, position, a, 100, SEND);
                    }
                    assertEquals((long) ROUNDS * SEND, position);
                    return null;
                }));
                for (Future<?> f : done) {
                    f.get();
                }
            }
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             OpenFile a = fs.open("/a", OpenFlags.O_RDONLY); OpenFile b = fs.open("/b", OpenFlags.O_RDONLY);
             OpenFile c = fs.open("/c", OpenFlags.O_RDONLY)) {
            assertArrayEquals(a0, read(a, 0, HALF));
            assertArrayEquals(b0, read(a, HALF, HALF));
            assertArrayEquals(Arrays.copyOfRange(a0, 4096, 8192), read(a, 3 * HALF, 4096));
            assertArrayEquals(new byte[HALF], read(a, 2 * HALF, HALF), "a hole the copies skipped stays zeros");
            assertArrayEquals(a0, read(b, HALF, HALF));
            assertEquals((long) ROUNDS * SEND, c.size());
            byte[] sent = Arrays.copyOfRange(a0, 100, 100 + SEND);
            for (int i = 0; i < ROUNDS; i++) {
                assertArrayEquals(sent, read(c, (long) i * SEND, SEND), "send " + i);
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    /** What copy_file_range and sendfile refuse, with Linux 6.1's errnos, and what they shorten. */
    @Test
    void refusalsAreLinuxsErrnos() throws Exception {
        Path img = image("refuse.img");
        Path other = image("other.img");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none());
             DaxDevice d2 = PmemDevices.open(other);
             FileSystem fs2 = Vfs.mount(new Ext4FileSystemType(), d2, MountOptions.none())) {
            fs.create(fs.rootIno(), "src", 0644, 0, 0);
            fs.create(fs.rootIno(), "dst", 0644, 0, 0);
            fs2.create(fs2.rootIno(), "far", 0644, 0, 0);
            try (OpenFile src = fs.open("/src", OpenFlags.O_RDWR); OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR);
                 OpenFile readOnly = fs.open("/dst", OpenFlags.O_RDONLY);
                 OpenFile append = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_APPEND);
                 OpenFile dir = fs.open("/", OpenFlags.O_RDONLY); OpenFile far = fs2.open("/far", OpenFlags.O_RDWR)) {
                src.write(0, pattern(3, 8192), 0, 8192);
                assertErrno(Errno.EISDIR, () -> FileCopy.copyFileRange(dir, 0, dst, 0, 10));
                assertErrno(Errno.EBADF, () -> FileCopy.copyFileRange(src, 0, readOnly, 0, 10));
                assertErrno(Errno.EBADF, () -> FileCopy.copyFileRange(src, 0, append, 0, 10));
                assertErrno(Errno.EXDEV, () -> FileCopy.copyFileRange(src, 0, far, 0, 10));
                assertErrno(Errno.EINVAL, () -> FileCopy.copyFileRange(src, 0, src, 4096, 8192));
                assertErrno(Errno.EOVERFLOW, () -> FileCopy.copyFileRange(src, 1, dst, 0, -1));
                assertErrno(Errno.EINVAL, () -> FileCopy.sendfile(dst, 0, dir, 0, 10));
                assertErrno(Errno.EINVAL, () -> FileCopy.sendfile(append, 0, src, 0, 10));
                assertErrno(Errno.EBADF, () -> FileCopy.sendfile(readOnly, 0, src, 0, 10));
                assertEquals(0, dst.size(), "nothing refused wrote");

                assertEquals(0, FileCopy.copyFileRange(src, 8192, dst, 0, 4096), "at the source's end");
                assertEquals(192, FileCopy.copyFileRange(src, 8000, dst, 1 << 20, 4096), "shortened to the source's end");
                assertEquals((1 << 20) + 192, dst.size());
                assertEquals(8192, FileCopy.copyFileRange(src, 0, dst, 0, -2), "a size_t length: the rest of the source");
                assertEquals(0, FileCopy.sendfile(dst, 0, src, 1 << 20, 10), "past the source's end");
                assertEquals(10, FileCopy.sendfile(far, 5, src, 0, 10), "sendfile crosses file systems");
                assertArrayEquals(Arrays.copyOfRange(pattern(3, 8192), 0, 10), read(far, 5, 10));
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
    }

    private static void assertErrno(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(FsException.class, call).errno());
    }
}
