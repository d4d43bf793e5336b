package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.Remap;
import dev.jdax.vfs.FileCopy;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reflink on an image mkfs.xfs made (reflink=1 by default): clones share blocks (FIEMAP's shared
 * flag, refcount B+tree records xfs_repair recomputes from the block maps and finds equal), a
 * write, a store through a mapping and funshare copy on write and leave the other file's data as
 * it was, truncate and unlink drop counts until blocks are free again, and unmount gives back the
 * CoW fork. Threads writing both files, one storing through a mapping and one cloning keep it all
 * consistent.
 */
class ReflinkSharesAndCopiesOnWriteTest {
    @TempDir
    Path tmp;

    private static final int MIB = 1 << 20;

    @Test
    void clonesShareBlocksAndWritesCopyThemOnWrite() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        byte[] data = pattern(MIB, 7);
        long freeBefore;
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                freeBefore = fs.statfs().bfree();
                try (OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                     OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                    src.write(0, data, 0, data.length);
                    assertEquals(MIB, src.remapRange(0, dst, 0, 0, 0));       // FICLONE
                    assertEquals(MIB, dst.size());
                    assertTrue(allShared(dst.fiemap(0, MIB)), dst.fiemap(0, MIB).toString());
                    assertTrue(allShared(src.fiemap(0, MIB)));
                    assertEquals(freeBefore - MIB / 4096, fs.statfs().bfree(), "a clone takes no data blocks");

                    // A write copies one block on write; the source keeps its bytes.
                    byte[] x = filled(4096, 'x');
                    dst.write(8192, x, 0, x.length);
                    assertArrayEquals(x, read(dst, 8192, 4096));
                    assertArrayEquals(Arrays.copyOfRange(data, 8192, 12288), read(src, 8192, 4096));
                    assertEquals(0, dst.fiemap(8192, 4096).getFirst().flags() & FiemapExtent.SHARED);

                    // A write inside a block: the rest of the block comes from the shared data.
                    byte[] w = filled(100, 'w');
                    dst.write(5000 + 65536, w, 0, w.length);
                    byte[] want = Arrays.copyOfRange(data, 65536 + 4096, 65536 + 8192);
                    System.arraycopy(w, 0, want, 5000 - 4096, w.length);
                    assertArrayEquals(want, read(dst, 65536 + 4096, 4096));
                    assertArrayEquals(Arrays.copyOfRange(data, 65536 + 4096, 65536 + 8192), read(src, 65536 + 4096, 4096));

                    // A store through a mapping faults for writing and copies that page on write.
                    FileMapping m = dst.mmap(0, 64 << 10, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
                    assertEquals(data[20480], m.getByte(20480));
                    m.putByte(20480, (byte) 'y');
                    m.close();
                    assertEquals('y', read(dst, 20480, 1)[0]);
                    assertEquals(data[20480], read(src, 20480, 1)[0]);

                    // funshare gives the file blocks of its own; copy_file_range from a block boundary shares.
                    dst.fallocate(Falloc.UNSHARE_RANGE | Falloc.KEEP_SIZE, 128 << 10, 64 << 10);
                    assertEquals(0, dst.fiemap(128 << 10, 64 << 10).getFirst().flags() & FiemapExtent.SHARED);
                    assertEquals(64 << 10, FileCopy.copyFileRange(src, 0, dst, 2 * MIB, 64 << 10));
                    assertNotEquals(0, dst.fiemap(2 * MIB, 4096).getFirst().flags() & FiemapExtent.SHARED);

                    // Refusals: a start off a block, a shortened length without CAN_SHORTEN, overlap in one file.
                    assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> src.remapRange(100, dst, 0, 4096, 0)).errno());
                    assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> src.remapRange(0, dst, 0, 5000, 0)).errno());
                    assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> src.remapRange(0, src, 4096, 8192, 0)).errno());
                    // Dedupe shares only equal contents.
                    assertEquals(Errno.EBADE, assertThrows(FsException.class,
                            () -> src.remapRange(0, dst, 8192, 4096, Remap.DEDUP)).errno());
                    java.time.Instant changed = dst.stat().mtime();
                    Thread.sleep(20);
                    assertEquals(4096, src.remapRange(12288, dst, 12288, 4096, Remap.DEDUP));
                    assertEquals(changed, dst.stat().mtime(), "a dedupe changes no content, and no time");

                    dst.truncate(64 << 10);
                }
                fs.unlink(fs.rootIno(), "src");
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none())) {
                byte[] want = Arrays.copyOf(data, 64 << 10);
                System.arraycopy(filled(4096, 'x'), 0, want, 8192, 4096);
                want[20480] = 'y';
                assertArrayEquals(want, XfsImages.readAll(fs, fs.resolve("/dst", true)));
                fs.unlink(fs.rootIno(), "dst");
                assertEquals(freeBefore, fs.statfs().bfree(), "every block free again once both files are gone");
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        assertEquals(0, XfsImages.field(img, "agf 0", "refcntlevel") - 1, "one level");
    }

    @Test
    void storesThroughAWritableViewOfTheSourceNeverReachTheClone() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 Arena arena = Arena.ofConfined()) {
                byte[] data = pattern(64 << 10, 9);
                src.write(0, data, 0, data.length);
                FileMapping m = src.mmap(0, 64 << 10, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
                MemorySegment view = m.view(0, 64 << 10, arena);
                assertEquals(64 << 10, src.remapRange(0, dst, 0, 0, 0));
                // The view stores without faulting: the remap left it blocks of the source's own.
                view.set(ValueLayout.JAVA_BYTE, 100, (byte) 'z');
                assertEquals('z', read(src, 100, 1)[0]);
                assertEquals(data[100], read(dst, 100, 1)[0]);
                assertEquals(0, src.fiemap(0, 4096).getFirst().flags() & FiemapExtent.SHARED,
                        "the writable view took its blocks as a write fault does: copied on write");
                m.close();
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    @Test
    void aCrashWithBlocksInACowForkLeavesStagingRecordsThatTheNextMountFrees() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        Path crashed = tmp.resolve("crashed.img");
        try (DaxDevice dev = XfsImages.load(img)) {
            FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
            try (OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                byte[] data = pattern(256 << 10, 5);
                src.write(0, data, 0, data.length);
                src.remapRange(0, dst, 0, 0, 0);
                dst.write(0, data, 0, 4096);    // a copy on write: 31 more blocks stay in the CoW fork
                dst.fsync(false);
            }
            fs.sync();
            XfsImages.save(dev, crashed);       // the power fails here: no eviction gave the fork back
            fs.close();
        }
        XfsImages.Result r = XfsImages.repair(crashed);
        assertNotEquals(0, r.exit(), "the crash image holds staging records: " + r.output());
        try (DaxDevice dev = XfsImages.load(crashed)) {
            Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none()).close();   // xfs_reflink_recover_cow
            XfsImages.save(dev, crashed);
        }
        XfsImages.assertRepairClean(crashed);
        XfsImages.assertRepairClean(img);
    }

    @Test
    void writersOfBothFilesBesideClonesKeepTheFileSystemConsistent() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 320L << 20);
        int blocks = 256;
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile src = fs.open("/src", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0);
                 OpenFile dst = fs.open("/dst", OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0644, 0, 0)) {
                byte[] init = pattern(blocks * 4096, 3);
                src.write(0, init, 0, init.length);
                src.remapRange(0, dst, 0, 0, 0);     // the mapping's stores stay inside EOF
                AtomicBoolean stop = new AtomicBoolean();
                AtomicReference<Throwable> failed = new AtomicReference<>();
                List<Thread> threads = new ArrayList<>();
                for (OpenFile f : List.of(src, dst, src)) {
                    threads.add(Thread.ofPlatform().start(() -> run(failed, () -> {
                        ThreadLocalRandom r = ThreadLocalRandom.current();
                        byte[] b = new byte[4096];
                        while (!stop.get()) {
                            r.nextBytes(b);
                            f.write(4096L * r.nextInt(blocks), b, 0, b.length);
                        }
                    })));
                }
                threads.add(Thread.ofPlatform().start(() -> run(failed, () -> {
                    // Stores through a mapping: write faults copying on write beside the writes.
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    try (FileMapping m = dst.mmap(0, blocks * 4096L, FileMapping.PROT_READ | FileMapping.PROT_WRITE,
                            FileMapping.MAP_SHARED)) {
                        while (!stop.get()) {
                            m.putByte(r.nextInt(blocks * 4096), (byte) r.nextInt());
                        }
                    }
                })));
                threads.add(Thread.ofPlatform().start(() -> run(failed, () -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        int at = r.nextInt(blocks - 8);
                        src.remapRange(4096L * at, dst, 4096L * r.nextInt(blocks - 8), 4096L * (1 + r.nextInt(8)), 0);
                    }
                })));
                Thread.sleep(3000);
                stop.set(true);
                for (Thread t : threads) {
                    t.join();
                }
                assertNull(failed.get(), () -> failed.get().toString());
                assertEquals(blocks * 4096L, src.remapRange(0, dst, 0, 0, 0));
                assertArrayEquals(read(src, 0, blocks * 4096), read(dst, 0, blocks * 4096));
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failed, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failed.compareAndSet(null, t);
        }
    }

    private static boolean allShared(List<FiemapExtent> extents) {
        return !extents.isEmpty() && extents.stream().allMatch(e -> (e.flags() & FiemapExtent.SHARED) != 0);
    }

    private static byte[] read(OpenFile f, long pos, int len) throws FsException {
        byte[] b = new byte[len];
        assertEquals(len, f.read(pos, b, 0, len));
        return b;
    }

    private static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i / 4096 * 31 + seed + i % 7);
        }
        return b;
    }

    private static byte[] filled(int len, char c) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) c);
        return b;
    }
}
