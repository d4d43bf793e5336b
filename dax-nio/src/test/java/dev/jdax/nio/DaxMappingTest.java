package dev.jdax.nio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the JDK's file systems cannot do: a file's blocks mapped as device memory, and the image left clean. */
class DaxMappingTest {
    @TempDir
    Path tmp;

    @Test
    void storesThroughTheMappedSegmentAreTheFilesBytesAndTheImageStaysClean() throws Exception {
        Path img = tmp.resolve("dax.img");
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:" + img.toUri()),
                Map.of("create", "true", "type", "ext4", "size", "64m", "options", "dax"))) {
            Path f = fs.getPath("/mapped.bin");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment s = ch.map(FileChannel.MapMode.READ_WRITE, 0, 64 * 1024, arena);
                assertEquals(64 * 1024, s.byteSize());
                s.fill((byte) 0x2a);
                s.set(ValueLayout.JAVA_LONG_UNALIGNED, 4096, 0x0102030405060708L);
                ch.force(true);
            }
            byte[] back = Files.readAllBytes(f);
            assertEquals(64 * 1024, back.length);
            assertEquals(0x2a, back[0]);
            assertEquals(0x08, back[4096]);
            assertEquals(Boolean.TRUE, Files.getAttribute(f, "jdax:dax"));
            List<?> extents = (List<?>) Files.getAttribute(f, "jdax:extents");
            assertEquals(1, extents.size());
            assertEquals(fs, fs.provider().getFileSystem(URI.create("jdax:" + img.toUri())));
            assertEquals(f, Path.of(f.toUri()));
        }
        Path e2fsck = Path.of("/usr/sbin/e2fsck");
        assumeTrue(Files.isExecutable(e2fsck), "e2fsck not installed: the image is not judged");
        Process p = new ProcessBuilder(e2fsck.toString(), "-fn", img.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void truncateTakesItsPagesOutOfTheJdksSegment() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:memory:t"), Map.of("memory", "16m", "type", "ext4"))) {
            Path f = fs.getPath("/f");
            byte[] data = new byte[3 * 4096];
            java.util.Arrays.fill(data, (byte) 7);
            Files.write(f, data);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofShared()) {
                MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, data.length, arena);
                assertTrue(m.isMapped());
                ch.truncate(4096);
                assertEquals(7, m.get(ValueLayout.JAVA_BYTE, 4095));
                assertThrows(InternalError.class, () -> m.get(ValueLayout.JAVA_BYTE, 2 * 4096), "beyond the new EOF: SIGBUS");
                m.unload();
                assertThrows(InternalError.class, () -> m.get(ValueLayout.JAVA_BYTE, 4096), "and unload does not bring it back");
            }
        }
    }

    @Test
    void populateTrueMakesTheMemoryResidentAtTheMount() throws Exception {
        Path status = Path.of("/proc/self/status");
        assumeTrue(Files.isReadable(status), "no /proc/self/status to read resident memory from");
        long before = residentShmemKiB(status);
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:memory:populated"),
                Map.of("memory", "64m", "type", "ext4", "populate", "true"))) {
            long grown = residentShmemKiB(status) - before;
            assertTrue(grown >= 60 << 10, "resident shared memory grew by " + grown + " KiB, not the device's 64 MiB");
            Files.writeString(fs.getPath("/f"), "pmem has every page");
            assertEquals("pmem has every page", Files.readString(fs.getPath("/f")));
        }
    }

    private static long residentShmemKiB(Path status) throws IOException {
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("RssShmem:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0);
    }

    @Test
    void theWatchServiceExplainsItself() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:memory:y"), Map.of("memory", "16m", "type", "ext2"))) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, fs::newWatchService);
            assertTrue(e.getMessage() != null, "a message says why");
        }
    }

    @Test
    void aHoleMapsAsZerosAndAPoisonedSectorIsAnErrorNeverWrongBytes() throws Exception {
        Path img = tmp.resolve("poison.img");
        Map<String, String> env = Map.of("create", "true", "type", "ext4", "size", "64m", "options", "dax");
        long physical;
        try (FileSystem fs = FileSystems.newFileSystem(img, env)) {
            Path f = fs.getPath("/f");
            byte[] data = new byte[64 * 1024];
            java.util.Arrays.fill(data, (byte) 0x33);
            Files.write(f, data);
            try (FileChannel ch = FileChannel.open(fs.getPath("/sparse"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 1 << 20); // a 1 MiB hole, then one byte
            }
            try (FileChannel ch = FileChannel.open(fs.getPath("/sparse"), StandardOpenOption.READ);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment hole = ch.map(FileChannel.MapMode.READ_ONLY, 0, 64 * 1024, arena);
                assertEquals(-1, hole.mismatch(MemorySegment.ofArray(new byte[64 * 1024])), "a hole maps as zeros");
                assertTrue(hole.isMapped());
                hole.load();
                hole.unload();
                assertEquals(0, hole.get(ValueLayout.JAVA_BYTE, 4096), "the zero page faults back as zeros");
            }
            List<?> extents = (List<?>) Files.getAttribute(f, "jdax:extents");
            physical = ((dev.jdax.api.fs.FiemapExtent) extents.get(0)).physical();
        }
        // The sidecar Linux's badblocks format: sector and count; here the file's second 4 KiB block.
        long sector = (physical + 4096) / 512;
        Files.writeString(dev.jdax.pmem.BadBlocksFile.of(img), sector + " 8\n");
        try (FileSystem fs = FileSystems.newFileSystem(img, Map.of())) {
            Path f = fs.getPath("/f");
            FileSystemException e = assertThrows(FileSystemException.class, () -> Files.readAllBytes(f));
            assertTrue(e.getReason().contains("Input/output error"), e.getMessage());
            assertEquals(f.toString(), e.getFile());
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                java.nio.ByteBuffer first = java.nio.ByteBuffer.allocate(4096);
                assertEquals(4096, ch.read(first, 0), "the sectors before the poison read");
                assertEquals(0x33, first.get(4095));
                assertThrows(IOException.class, () -> ch.read(java.nio.ByteBuffer.allocate(4096), 4096));
                try (Arena arena = Arena.ofConfined()) {
                    // As on Linux, the mapping is made and the poisoned page faults when touched: the
                    // JVM's answer to SIGBUS in a segment access is an InternalError.
                    MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, 64 * 1024, arena);
                    assertEquals(0x33, m.get(ValueLayout.JAVA_BYTE, 4095));
                    InternalError bus = assertThrows(InternalError.class, () -> m.get(ValueLayout.JAVA_BYTE, 4096));
                    assertTrue(bus.getMessage().contains("fault occurred"), bus.getMessage());
                    assertEquals(0x33, m.get(ValueLayout.JAVA_BYTE, 8192), "the pages after the poison map");
                    assertTrue(m.isMapped());
                    assertThrows(InternalError.class, m::load, "load touches every page, as the JDK's does");
                    MemorySegment after = m.asSlice(8192);
                    after.load();
                    assertTrue(after.isLoaded());
                }
            }
        }
    }
}
