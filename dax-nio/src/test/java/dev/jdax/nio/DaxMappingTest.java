package dev.jdax.nio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
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
    void theOldMapAndWatchServiceExplainThemselves() throws Exception {
        try (FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:memory:y"), Map.of("memory", "16m", "type", "ext2"))) {
            Path f = Files.writeString(fs.getPath("/f"), "x");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> ch.map(FileChannel.MapMode.READ_ONLY, 0, 1));
                assertTrue(e.getMessage().contains("arena"), e.getMessage());
            }
            assertThrows(UnsupportedOperationException.class, fs::newWatchService);
        }
    }
}
