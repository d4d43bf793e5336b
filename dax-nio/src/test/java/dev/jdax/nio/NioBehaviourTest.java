package dev.jdax.nio;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What java.nio.file users call, asserted the same way on the JDK's own file system in a temporary
 * directory (the control: what users expect) and on jdax file systems (ext4 and XFS on images,
 * ext2 in memory). With {@link ChannelContractTest} (mapped segments, file locks, directory
 * channels) and {@link ProviderContractTest} (open and copy options, access checks, directory
 * streams, attribute views, the file store, interrupts) it is the behaviour suite.
 *
 * <p>Declared differences, jdax against the JDK's Linux file system:
 * <ul>
 * <li>ext2 keeps whole-second timestamps (its inode has no nanoseconds), so times are compared to
 *     the second.</li>
 * <li>ENOTDIR is a {@code NotDirectoryException} wherever it arises (the JDK throws that subclass
 *     only from {@code newDirectoryStream} and a plain {@code FileSystemException} elsewhere), so
 *     the assertions name the superclass.</li>
 * <li>Running out of space and read-only mounts cannot be staged on the control and are asserted
 *     on jdax alone.</li>
 * <li>{@code FileChannel.map} with {@code MapMode.PRIVATE} (copy on write) is an
 *     UnsupportedOperationException that says so.</li>
 * <li>A jdax file can be locked only by this JVM's channels (no other process opens its image), so
 *     {@code lock} never blocks and {@code tryLock} never answers null.</li>
 * <li>No {@code WatchService} or {@code SecureDirectoryStream}: an UnsupportedOperationException
 *     with a message, or a plain DirectoryStream. Owners and groups
 *     are named from the host's /etc/passwd and /etc/group, as the JDK names them.</li>
 * <li>No {@code dos} or {@code user} (extended attribute) views: {@code getFileAttributeView}
 *     answers null, as for any view a provider lacks; the {@code unix} view has no {@code dev}
 *     (there is no kernel device number).</li>
 * <li>{@code position(p)} accepts any p &gt;= 0; a read or write past the format's largest file
 *     size is then the error (EINVAL, EFBIG) instead of the position.</li>
 * <li>On a device that cannot map its memory twice (a {@code /dev/dax} node) a mapped range must be
 *     one extent and the segment is not a JDK mapped segment.</li>
 * </ul>
 */
class NioBehaviourTest {
    @RegisterExtension
    final BehaviourRoots roots = new BehaviourRoots();

    static List<String> kinds() {
        return BehaviourRoots.kinds();
    }

    static List<String> jdaxKinds() {
        return BehaviourRoots.jdaxKinds();
    }

    static List<String> imageKinds() {
        return BehaviourRoots.imageKinds();
    }

    private Path root(String kind) throws IOException {
        return roots.root(kind);
    }

    @ParameterizedTest
    @MethodSource("kinds")
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
    @MethodSource("kinds")
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
    @MethodSource("kinds")
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

    @ParameterizedTest
    @MethodSource("kinds")
    void attributeViewsAnswerAsTheJdksDo(String kind) throws IOException {
        Path r = root(kind);
        Path f = Files.writeString(r.resolve("f"), "abc");
        Map<String, Object> basic = Files.readAttributes(f, "*");
        assertEquals(3L, basic.get("size"));
        assertEquals(true, basic.get("isRegularFile"));
        assertTrue(basic.keySet().containsAll(List.of("lastModifiedTime", "creationTime", "fileKey", "isOther")));
        assertEquals(java.util.Set.of("permissions", "size"), Files.readAttributes(f, "posix:permissions,size").keySet());
        Files.createLink(r.resolve("g"), f);
        Map<String, Object> unix = Files.readAttributes(f, "unix:nlink,ino,mode");
        assertEquals(2, ((Number) unix.get("nlink")).intValue());
        assertEquals(0100000, ((Number) unix.get("mode")).intValue() & 0170000, "S_IFREG");
        assertEquals(unix.get("ino"), Files.getAttribute(r.resolve("g"), "unix:ino"));
        BasicFileAttributes fa = Files.readAttributes(f, BasicFileAttributes.class);
        assertEquals(fa.fileKey(), Files.readAttributes(r.resolve("g"), BasicFileAttributes.class).fileKey());
        PosixFileAttributes pa = Files.readAttributes(f, PosixFileAttributes.class);
        assertEquals(Files.getPosixFilePermissions(f), pa.permissions());
        assertTrue(pa.owner() != null && pa.group() != null);
        assertThrows(IllegalArgumentException.class, () -> Files.readAttributes(f, "basic:nosuch"));
        assertThrows(UnsupportedOperationException.class, () -> Files.readAttributes(f, "nosuchview:*"));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void channelsTransferAndServeManyThreadsAtOnce(String kind) throws Exception {
        Path r = root(kind);
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        Path src = Files.write(r.resolve("src"), data);
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(r.resolve("dst"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals(data.length, in.transferTo(0, data.length, out));
        }
        assertArrayEquals(data, Files.readAllBytes(r.resolve("dst")));
        // The target's position moves on by what was sent, nothing is sent past the source's end,
        // the count is cut at it, and an appending target takes the bytes at its end.
        Path dst2 = r.resolve("dst2");
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(dst2, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals(10, in.transferTo(5, 10, out));
            assertEquals(10, out.position());
            assertEquals(0, in.transferTo(data.length + 1, 10, out));
            assertEquals(6, in.transferTo(data.length - 6, 10, out));
            assertEquals(16, out.position());
            assertThrows(IllegalArgumentException.class, () -> in.transferTo(-1, 10, out));
            assertThrows(java.nio.channels.NonWritableChannelException.class, () -> in.transferTo(0, 10, in));
        }
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(dst2, StandardOpenOption.APPEND)) {
            assertEquals(4, in.transferTo(0, 4, out));
        }
        java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        sent.write(data, 5, 10);
        sent.write(data, data.length - 6, 6);
        sent.write(data, 0, 4);
        assertArrayEquals(sent.toByteArray(), Files.readAllBytes(dst2));
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(r.resolve("dst"), StandardOpenOption.WRITE)) {
            assertEquals(4096, out.transferFrom(in.position(8192), 100, 4096));
        }
        byte[] moved = Files.readAllBytes(r.resolve("dst"));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 8192, 8192 + 4096), java.util.Arrays.copyOfRange(moved, 100, 100 + 4096));

        // Four threads write interleaved 4 KiB records through one channel, positionally, while a
        // second channel on the same file reads them back: every record lands whole.
        int threads = 4;
        int records = 64;
        Path shared = r.resolve("shared");
        try (FileChannel ch = FileChannel.open(shared, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel reader = FileChannel.open(shared, StandardOpenOption.READ)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Void>> done = new java.util.ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < records; i++) {
                            long pos = ((long) i * threads + thread) * 4096;
                            ByteBuffer b = ByteBuffer.wrap(record(thread, i));
                            while (b.hasRemaining()) {
                                ch.write(b, pos + b.position());
                            }
                            ByteBuffer back = ByteBuffer.allocate(4096);
                            assertEquals(4096, reader.read(back, pos));
                            assertArrayEquals(record(thread, i), back.array());
                        }
                        return null;
                    }));
                }
                for (Future<Void> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            ch.force(false);
        }
        byte[] all = Files.readAllBytes(shared);
        assertEquals((long) threads * records * 4096, all.length);
        for (int i = 0; i < records; i++) {
            for (int t = 0; t < threads; t++) {
                int at = (i * threads + t) * 4096;
                assertArrayEquals(record(t, i), java.util.Arrays.copyOfRange(all, at, at + 4096), "record " + i + " of thread " + t);
            }
        }
    }

    private static byte[] record(int thread, int i) {
        byte[] b = new byte[4096];
        java.util.Arrays.fill(b, (byte) (thread * 64 + i));
        b[0] = (byte) thread;
        b[4095] = (byte) i;
        return b;
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void errorsAreTheJdksExceptions(String kind) throws IOException {
        Path r = root(kind);
        Path f = Files.writeString(r.resolve("f"), "x");
        Path d = Files.createDirectory(r.resolve("d"));
        assertThrows(NotDirectoryException.class, () -> Files.newDirectoryStream(f).close());
        assertThrows(FileSystemException.class, () -> Files.createFile(f.resolve("under-a-file")));
        assertThrows(NoSuchFileException.class, () -> Files.createFile(r.resolve("none/x")));
        assertThrows(NoSuchFileException.class, () -> Files.newByteChannel(r.resolve("none")).close());
        assertThrows(FileAlreadyExistsException.class,
                () -> Files.newByteChannel(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close());
        assertThrows(IOException.class, () -> Files.readAllBytes(d));
        assertThrows(FileAlreadyExistsException.class, () -> Files.move(f, d));
        assertThrows(NoSuchFileException.class, () -> Files.readAttributes(r.resolve("none"), BasicFileAttributes.class));
        assertEquals("x", Files.readString(f), "nothing changed by the refused calls");
    }

    @ParameterizedTest
    @MethodSource("jdaxKinds")
    void runningOutOfSpaceIsEnospcAndLosesNothing(String kind) throws IOException {
        Path r = root(kind);
        Path keep = Files.writeString(r.resolve("keep"), "kept");
        Path big = r.resolve("big");
        byte[] chunk = new byte[1 << 20];
        java.util.Arrays.fill(chunk, (byte) 0x5a);
        FileSystemException full = assertThrows(FileSystemException.class, () -> {
            try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (int i = 0; i < 1024; i++) { // more than any of these file systems holds
                    ByteBuffer b = ByteBuffer.wrap(chunk);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
        });
        assertTrue(full.getReason().contains("No space left on device"), full.getMessage());
        assertEquals(big.toString(), full.getFile());
        long written = Files.size(big);
        assertTrue(written > 0);
        byte[] back = Files.readAllBytes(big);
        for (byte b : back) {
            assertEquals(0x5a, b, "what was written before ENOSPC reads back");
        }
        Files.delete(big);
        assertEquals("kept", Files.readString(keep));
        Files.write(r.resolve("again"), chunk); // the space came back
    }

    @ParameterizedTest
    @MethodSource("imageKinds")
    void aReadOnlyMountReadsAndRefusesWrites(String kind) throws IOException {
        Path r = root(kind);
        Files.writeString(r.resolve("f"), "before");
        FileSystem jdax = roots.remountReadOnly(kind);
        Path f = jdax.getPath("/f");
        assertTrue(jdax.isReadOnly());
        assertEquals("before", Files.readString(f));
        FileSystemException refused = assertThrows(FileSystemException.class, () -> Files.writeString(f, "after"));
        assertTrue(refused.getReason().contains("Read-only file system"), refused.getMessage());
        assertThrows(FileSystemException.class, () -> Files.createDirectory(jdax.getPath("/d")));
        assertEquals("before", Files.readString(f));
    }
}
