package dev.jdax.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What java.nio.file users call, asserted the same way on the JDK's own file system in a temporary
 * directory (the control: what users expect) and on jdax file systems (ext4 on an image, ext2 in
 * memory). Declared difference: jdax keeps whole-second timestamps on ext2 (its inode has no
 * nanoseconds), so times are compared to the second.
 */
class NioBehaviourTest {
    @TempDir
    Path tmp;

    private FileSystem jdax;

    @BeforeEach
    void noFileSystemYet() {
        jdax = null;
    }

    @AfterEach
    void unmount() throws IOException {
        if (jdax != null) {
            jdax.close();
        }
    }

    private Path root(String kind) throws IOException {
        switch (kind) {
            case "default" -> {
                return Files.createDirectory(tmp.resolve("root"));
            }
            case "ext4-image" -> {
                jdax = FileSystems.newFileSystem(tmp.resolve("disk.img"),
                        Map.of("create", "true", "type", "ext4", "size", "64m", "options", "dax"));
                return jdax.getPath("/");
            }
            default -> {
                jdax = FileSystems.newFileSystem(java.net.URI.create("jdax:memory:x"),
                        Map.of("memory", "32m", "type", "ext2", "options", "dax"));
                return jdax.getPath("/");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "ext4-image", "ext2-memory"})
    void filesWrittenAndReadWithTheFilesApi(String kind) throws IOException {
        Path r = root(kind);
        Path f = r.resolve("hello.txt");
        Files.writeString(f, "hello\nworld\n");
        assertEquals(List.of("hello", "world"), Files.readAllLines(f));
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardOpenOption.APPEND)) {
            w.write("again\n");
        }
        try (Stream<String> lines = Files.lines(f)) {
            assertEquals(3, lines.count());
        }
        byte[] big = new byte[3 << 20];
        new java.util.Random(1).nextBytes(big);
        Files.write(r.resolve("big"), big);
        assertArrayEquals(big, Files.readAllBytes(r.resolve("big")));
        assertEquals(big.length, Files.size(r.resolve("big")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "ext4-image", "ext2-memory"})
    void treesAreMadeWalkedListedMovedCopiedAndDeleted(String kind) throws IOException {
        Path r = root(kind);
        Files.createDirectories(r.resolve("a/b/c"));
        Files.writeString(r.resolve("a/b/c/x.txt"), "x");
        Files.writeString(r.resolve("a/y.log"), "y");
        try (Stream<Path> s = Files.walk(r.resolve("a"))) {
            assertEquals(5, s.count());
        }
        try (Stream<Path> s = Files.list(r.resolve("a"))) {
            assertEquals(List.of("b", "y.log"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Stream<Path> s = Files.find(r, 10, (p, a) -> a.isRegularFile() && p.toString().endsWith(".txt"))) {
            assertEquals(1, s.count());
        }
        Files.copy(r.resolve("a/y.log"), r.resolve("a/z.log"));
        assertThrows(FileAlreadyExistsException.class, () -> Files.copy(r.resolve("a/y.log"), r.resolve("a/z.log")));
        Files.copy(r.resolve("a/y.log"), r.resolve("a/z.log"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(r.resolve("a/z.log"), r.resolve("a/b/moved.log"));
        assertEquals("y", Files.readString(r.resolve("a/b/moved.log")));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(r.resolve("a/b")));
        assertThrows(NoSuchFileException.class, () -> Files.delete(r.resolve("a/none")));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(r.resolve("a")));
        Files.delete(r.resolve("a/b/c/x.txt"));
        Files.delete(r.resolve("a/b/c"));
        assertFalse(Files.exists(r.resolve("a/b/c")));
        try (var ds = Files.newDirectoryStream(r.resolve("a"), "*.log")) {
            int n = 0;
            for (Path ignored : ds) {
                n++;
            }
            assertEquals(1, n);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "ext4-image", "ext2-memory"})
    void attributesLinksAndChannelsBehaveAsOnTheJdksFileSystem(String kind) throws IOException {
        Path r = root(kind);
        Path f = Files.writeString(r.resolve("f"), "0123456789");
        FileTime t = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));
        Files.setLastModifiedTime(f, t);
        assertEquals(t.toInstant().getEpochSecond(), Files.getLastModifiedTime(f).toInstant().getEpochSecond());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertTrue(Files.isRegularFile(f));
        assertTrue(Files.isDirectory(r));
        Files.createSymbolicLink(r.resolve("link"), r.resolve("f").getFileName());
        assertTrue(Files.isSymbolicLink(r.resolve("link")));
        assertEquals("0123456789", Files.readString(r.resolve("link")));
        Files.createLink(r.resolve("hard"), f);
        assertTrue(Files.isSameFile(f, r.resolve("hard")));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertEquals(10, ch.size());
            ch.position(8);
            ch.write(ByteBuffer.wrap("ab".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(4);
            assertEquals(4, ch.read(b, 6));
            assertEquals("67ab", new String(b.array(), StandardCharsets.US_ASCII));
            ch.truncate(4);
            assertEquals(4, ch.size());
            assertEquals(-1, ch.read(ByteBuffer.allocate(1), 4));
            ch.force(true);
        }
        PathMatcher m = r.getFileSystem().getPathMatcher("glob:**/{f,hard}");
        assertTrue(m.matches(r.resolve("hard")));
        assertFalse(m.matches(r.resolve("link")));
        assertTrue(Files.getFileStore(f).getTotalSpace() > 0);
        assertTrue(Files.getFileStore(f).getUsableSpace() > 0);
    }
}
