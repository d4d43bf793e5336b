package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FileDeviceTest {
    @TempDir
    Path tmp;

    @Test
    void storesReachTheFileAndOutliveTheMapping() throws Exception {
        Path img = tmp.resolve("a.img");
        byte[] data = "persistent memory".getBytes();
        try (DaxDevice d = PmemDevices.create(img, 1 << 20)) {
            d.store(8192, MemorySegment.ofArray(data), 0, data.length);
            d.flush(8192, data.length);
            d.fence();
            assertTrue(d.counters().linesFlushed() >= 1);
        }
        byte[] onDisk = new byte[data.length];
        System.arraycopy(Files.readAllBytes(img), 8192, onDisk, 0, data.length);
        assertArrayEquals(data, onDisk);
        Files.delete(img); // closing unmapped it: the file can go
        assertFalse(Files.exists(img));
    }

    /**
     * One device per image at a time: a second open, or a create over it, is refused (EBUSY) while
     * the first is open, and the create leaves the image's size and bytes as they were; once the
     * first is closed the image opens again.
     */
    @Test
    void anImageInUseIsRefusedUntilItIsClosed() throws Exception {
        Path img = tmp.resolve("busy.img");
        byte[] data = "in use".getBytes();
        try (DaxDevice first = PmemDevices.create(img, 1 << 20)) {
            first.store(0, MemorySegment.ofArray(data), 0, data.length);
            FsException again = assertThrows(FsException.class, () -> PmemDevices.open(img));
            assertEquals(Errno.EBUSY, again.errno());
            assertTrue(again.getMessage().contains(img.toString()), again.getMessage());
            assertEquals(Errno.EBUSY, assertThrows(FsException.class, () -> PmemDevices.create(img, 2 << 20)).errno());
            assertEquals(1 << 20, Files.size(img), "the refused create did not resize it");
            byte[] seen = new byte[data.length];
            first.load(0, MemorySegment.ofArray(seen), 0, seen.length);
            assertArrayEquals(data, seen);
        }
        try (DaxDevice reopened = PmemDevices.open(img)) {
            byte[] seen = new byte[data.length];
            reopened.load(0, MemorySegment.ofArray(seen), 0, seen.length);
            assertArrayEquals(data, seen);
        }
    }

    /**
     * A write-back is an msync only at the next fence (a CLWB need only be complete at the fence
     * after it): stored and flushed pages stay dirty in the file's page cache until the fence, and
     * are clean (written to the file) after it. Seen in /proc/self/smaps, on a file system with
     * write-back (tmpfs has none).
     */
    @Test
    void flushedPagesAreWrittenToTheFileAtTheNextFence() throws Exception {
        assumeTrue(!Files.getFileStore(tmp).type().equals("tmpfs"), "tmpfs has no write-back");
        Path img = tmp.resolve("f.img");
        byte[] data = new byte[100];
        java.util.Arrays.fill(data, (byte) 0x5a);
        try (DaxDevice d = PmemDevices.create(img, 1 << 20)) {
            assumeTrue(!d.info().persistent(), "MAP_SYNC granted: no page cache");
            for (long at : new long[] {0, 65536, 700_000}) {
                d.store(at, MemorySegment.ofArray(data), 0, data.length);
                d.flush(at, data.length);
            }
            assertTrue(dirtyKb(img) >= 12, "three pages written back, not yet fenced: " + dirtyKb(img) + " kB dirty");
            d.fence();
            assertEquals(0, dirtyKb(img), "the fence wrote them to the file");
        }
    }

    /** The dirty kilobytes of the mappings of {@code file} in this process. */
    private static long dirtyKb(Path file) throws java.io.IOException {
        long kb = 0;
        boolean ours = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                ours = line.endsWith(" " + file);
            } else if (ours && (line.startsWith("Private_Dirty:") || line.startsWith("Shared_Dirty:"))) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb;
    }

    @Test
    void anImageOfPartOfAPageEndsInBytesThatReadAsZerosAndRefuseStores() throws Exception {
        Path img = tmp.resolve("odd.img");
        long fileSize = 10001 * 1024L; // mke2fs -b 1024 ... 10001k
        byte[] tail = new byte[1024];
        java.util.Arrays.fill(tail, (byte) 7);
        try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(tail), fileSize - 1024);
        }
        try (DaxDevice d = PmemDevices.open(img)) {
            assertEquals(2501 * 4096L, d.size(), "whole pages, the last one partly the file's");
            assertTrue(d.info().backing().contains("10241024 bytes"), d.info().backing());
            byte[] got = new byte[2048];
            d.load(fileSize - 1024, MemorySegment.ofArray(got), 0, 2048);
            assertArrayEquals(tail, java.util.Arrays.copyOf(got, 1024));
            assertArrayEquals(new byte[1024], java.util.Arrays.copyOfRange(got, 1024, 2048), "past the file: zeros");
            byte[] data = "the last block".getBytes();
            d.store(fileSize - data.length, MemorySegment.ofArray(data), 0, data.length);
            FsException e = assertThrows(FsException.class, () -> d.store(fileSize - 4, MemorySegment.ofArray(data), 0, 8));
            assertEquals(Errno.ENXIO, e.errno(), e.getMessage());
            assertEquals(Errno.ENXIO, assertThrows(FsException.class, () -> d.zero(fileSize, 512)).errno());
            d.fence();
        }
        assertEquals(fileSize, Files.size(img), "the image keeps its size");
        byte[] all = Files.readAllBytes(img);
        assertEquals("the last block", new String(all, (int) fileSize - 14, 14));
    }

    @Test
    void aNonDaxFileSystemRefusesMapSyncAndTheRefusalIsReported() throws Exception {
        for (Path dir : new Path[] {tmp, Path.of("/dev/shm")}) {
            if (!Files.isWritable(dir)) {
                continue;
            }
            Path img = Files.createTempFile(dir, "jdax", ".img");
            try (DaxDevice d = PmemDevices.create(img, 64 << 10)) {
                // No DAX file system on these machines: the kernel answers EOPNOTSUPP (95).
                if (d.info().mapping().equals("MAP_SHARED")) {
                    assertTrue(d.info().mapSyncRefusal().startsWith("EOPNOTSUPP"), d.info().mapSyncRefusal());
                    assertTrue(d.info().flushMethod().startsWith("msync (page cache of the file) at each fence"), d.info().flushMethod());
                    // With libpmem.so.1 installed the report says why it is not used here.
                    assertEquals(Libpmem.get().isPresent(), d.info().flushMethod().contains("libpmem"), d.info().flushMethod());
                    assertFalse(d.info().persistent());
                } else {
                    assertEquals("", d.info().mapSyncRefusal());
                }
            } finally {
                Files.deleteIfExists(img);
            }
        }
    }

    @Test
    void badSectorsPersistBesideTheImage() throws Exception {
        Path img = tmp.resolve("b.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 10)) {
            d.badBlocks().add(16, 8);
            PmemDevices.saveBadBlocks(d, img);
        }
        assertEquals("16 8\n", Files.readString(BadBlocksFile.of(img)));
        try (DaxDevice d = PmemDevices.open(img)) {
            assertTrue(d.badBlocks().any(16, 1));
            FsException e = assertThrows(FsException.class, () -> d.directAccess(2, 1, dev.jdax.api.DaxAccessMode.ACCESS));
            assertEquals(Errno.EIO, e.errno());
            d.badBlocks().clear(16, 8);
            PmemDevices.saveBadBlocks(d, img);
        }
        assertFalse(Files.exists(BadBlocksFile.of(img)));
    }

    @Test
    void badInputNamesThePathAndTheValue() throws Exception {
        Path odd = tmp.resolve("odd.img");
        Path empty = Files.write(tmp.resolve("empty.img"), new byte[0]);
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> PmemDevices.open(empty)).errno());
        assertTrue(assertThrows(FsException.class, () -> PmemDevices.open(empty)).getMessage().contains("empty.img: empty"));
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> PmemDevices.open(tmp.resolve("none"))).errno());
        assertEquals(Errno.EISDIR, assertThrows(FsException.class, () -> PmemDevices.open(tmp)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> PmemDevices.create(odd, 4095)).errno());
        try (DaxDevice d = PmemDevices.create(tmp.resolve("c.img"), 8192)) {
            assertThrows(FsException.class, () -> d.store(8000, MemorySegment.ofArray(new byte[400]), 0, 400));
            assertThrows(FsException.class, () -> d.load(-1, MemorySegment.ofArray(new byte[4]), 0, 4));
        }
    }
}
