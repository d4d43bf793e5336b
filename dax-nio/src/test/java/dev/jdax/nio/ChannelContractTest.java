package dev.jdax.nio;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour suite's part for FileChannel's contract beyond reads and writes — mapped segments
 * and buffers, file locks, channels on directories — asserted the same way on the JDK's own file system (the control) and on every jdax
 * personality. The declared differences are listed on {@link NioBehaviourTest}.
 */
class ChannelContractTest {
    static final int PAGE = 4096;

    @RegisterExtension
    final BehaviourRoots roots = new BehaviourRoots();

    static List<String> kinds() {
        return BehaviourRoots.kinds();
    }

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void mapReturnsTheJdksMappedSegment(String kind) throws IOException {
        Path r = roots.root(kind);
        byte[] data = pattern(3 * PAGE + 100, 1);
        Path f = Files.write(r.resolve("m"), data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            Arena arena = Arena.ofConfined();
            MemorySegment s = ch.map(MapMode.READ_ONLY, 0, data.length, arena);
            assertTrue(s.isMapped());
            assertTrue(s.isReadOnly());
            assertEquals(data.length, s.byteSize());
            assertArrayEquals(data, s.toArray(ValueLayout.JAVA_BYTE));
            s.load();
            assertTrue(s.isLoaded(), "a loaded mapping is resident");
            s.unload();
            assertArrayEquals(data, s.toArray(ValueLayout.JAVA_BYTE), "unloaded pages fault back the file's bytes");
            s.force();
            MemorySegment slice = s.asSlice(PAGE, 10);
            assertTrue(slice.isMapped(), "a slice of a mapped segment is mapped");
            assertEquals(data[PAGE + 3], slice.get(ValueLayout.JAVA_BYTE, 3));
            assertInstanceOf(MappedByteBuffer.class, s.asByteBuffer());
            assertThrows(IllegalArgumentException.class, () -> s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));

            MemorySegment unaligned = ch.map(MapMode.READ_ONLY, PAGE + 7, 50, arena);
            assertTrue(unaligned.isMapped());
            assertEquals(data[PAGE + 7], unaligned.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(data[PAGE + 56], unaligned.get(ValueLayout.JAVA_BYTE, 49));

            MemorySegment empty = ch.map(MapMode.READ_ONLY, 0, 0, arena);
            assertTrue(empty.isMapped());
            assertEquals(0, empty.byteSize());

            IOException shortFile = assertThrows(IOException.class, () -> ch.map(MapMode.READ_ONLY, 0, data.length + 1L, arena));
            assertTrue(shortFile.getMessage().contains("cannot extend file"), shortFile.getMessage());
            assertThrows(NonWritableChannelException.class, () -> ch.map(MapMode.READ_WRITE, 0, 10, arena));
            assertThrows(IllegalArgumentException.class, () -> ch.map(MapMode.READ_ONLY, -1, 10, arena));
            assertThrows(IllegalArgumentException.class, () -> ch.map(MapMode.READ_ONLY, 0, -1, arena));
            arena.close();
            assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0), "closed with its arena");
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            assertThrows(NonReadableChannelException.class, () -> ch.map(MapMode.READ_ONLY, 0, 10, arena));
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void storesThroughAWritableSegmentAreTheFilesAndForceWritesThemBack(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = r.resolve("w");
        byte[] data = pattern(2 * PAGE, 2);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Arena arena = Arena.ofShared()) {
            MemorySegment s = ch.map(MapMode.READ_WRITE, 0, data.length, arena);
            assertEquals(data.length, ch.size(), "a writable mapping grows the file to its end");
            assertTrue(s.isMapped());
            assertFalse(s.isReadOnly());
            MemorySegment.copy(data, 0, s, ValueLayout.JAVA_BYTE, 0, data.length);
            s.force();
            s.asSlice(PAGE, PAGE).force();
            ByteBuffer back = ByteBuffer.allocate(data.length);
            assertEquals(data.length, ch.read(back, 0));
            assertArrayEquals(data, back.array(), "the segment's stores are the file's bytes");
            ch.write(ByteBuffer.wrap(new byte[] {42}), 5);
            assertEquals(42, s.get(ValueLayout.JAVA_BYTE, 5), "and the channel's writes show in the segment");
        }
        byte[] stored = Files.readAllBytes(f);
        assertEquals(42, stored[5]);
        stored[5] = data[5];
        assertArrayEquals(data, stored);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void theOldMapIsTheJdksMappedByteBuffer(String kind) throws IOException {
        Path r = roots.root(kind);
        byte[] data = pattern(PAGE + 10, 3);
        Path f = Files.write(r.resolve("b"), data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer ro = ch.map(MapMode.READ_ONLY, 0, data.length);
            assertTrue(ro.isReadOnly());
            byte[] got = new byte[data.length];
            ro.get(got);
            assertArrayEquals(data, got);
            ro.load();
            assertTrue(ro.isLoaded());
            MappedByteBuffer rw = ch.map(MapMode.READ_WRITE, PAGE, 20);
            assertEquals(PAGE + 20, ch.size(), "the file grew to the buffer's end");
            rw.put(0, (byte) 7);
            rw.force();
            assertEquals(7, Files.readAllBytes(f)[PAGE]);
            assertThrows(IllegalArgumentException.class, () -> ch.map(MapMode.READ_ONLY, 0, Integer.MAX_VALUE + 1L));
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void locksAreThePerFileLocksOfTheJdk(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("locked"), "0123456789");
        Files.createLink(r.resolve("other-name"), f);
        try (FileChannel rw = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileChannel ro = FileChannel.open(r.resolve("other-name"), StandardOpenOption.READ);
             FileChannel wo = FileChannel.open(f, StandardOpenOption.WRITE)) {
            FileLock ex = rw.lock(0, 100, false);
            assertTrue(ex.isValid());
            assertFalse(ex.isShared());
            assertTrue(ex.overlaps(50, 10));
            assertFalse(ex.overlaps(100, 10));
            assertSame(rw, ex.acquiredBy());
            assertThrows(OverlappingFileLockException.class, () -> rw.lock(50, 100, true), "the same channel");
            assertThrows(OverlappingFileLockException.class, () -> ro.tryLock(99, 1, true),
                    "another channel, through another name of the same file");
            FileLock shared = ro.tryLock(100, 100, true);
            assertTrue(shared.isShared());
            assertThrows(NonWritableChannelException.class, () -> ro.lock(500, 1, false), "exclusive needs WRITE");
            assertThrows(NonReadableChannelException.class, () -> wo.lock(500, 1, true), "shared needs READ");
            assertThrows(IllegalArgumentException.class, () -> rw.lock(-1, 1, false));
            assertThrows(IllegalArgumentException.class, () -> rw.lock(Long.MAX_VALUE, 2, false));
            FileLock toEnd = wo.tryLock(1000, 0, false);
            assertEquals(Long.MAX_VALUE - 1000, toEnd.size(), "size 0 locks to the end of any file");
            assertThrows(OverlappingFileLockException.class, () -> rw.tryLock(), "the whole file overlaps them all");
            ex.release();
            assertFalse(ex.isValid());
            ex.release(); // a second release does nothing
            try (FileLock again = rw.lock(0, 100, false)) {
                assertTrue(again.isValid());
            }
            ro.close();
            assertFalse(shared.isValid(), "closing a channel releases its locks");
            assertThrows(ClosedChannelException.class, shared::release);
            assertTrue(toEnd.isValid(), "and only its own");
            assertThrows(ClosedChannelException.class, () -> ro.lock(0, 1, true));
        }
        try (FileChannel a = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            a.lock().release(); // every lock went with its channel
        }
        Path g = Files.writeString(r.resolve("another"), "x");
        try (FileChannel a = FileChannel.open(f, StandardOpenOption.WRITE);
             FileChannel b = FileChannel.open(g, StandardOpenOption.WRITE)) {
            a.lock();
            assertTrue(b.lock().isValid(), "locks are per file");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aDirectoryOpensForReadingAndForceMakesItsChangesDurable(String kind) throws IOException {
        Path r = roots.root(kind);
        Path d = Files.createDirectory(r.resolve("dir"));
        Files.writeString(d.resolve("made"), "in the directory");
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ);
             SeekableByteChannel bc = Files.newByteChannel(d)) {
            assertTrue(ch.size() > 0, "a directory's size is its i_size");
            IOException read = assertThrows(IOException.class, () -> ch.read(ByteBuffer.allocate(8)));
            assertEquals("Is a directory", read.getMessage());
            assertThrows(IOException.class, () -> ch.read(ByteBuffer.allocate(8), 0));
            assertThrows(IOException.class, () -> bc.read(ByteBuffer.allocate(8)));
            assertThrows(NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(8)));
            assertThrows(NonWritableChannelException.class, () -> ch.truncate(0));
            assertEquals(5, ch.position(5).position());
            try (Arena arena = Arena.ofConfined()) {
                IOException map = assertThrows(IOException.class, () -> ch.map(MapMode.READ_ONLY, 0, 10, arena));
                assertEquals("No such device", map.getMessage());
                assertTrue(ch.map(MapMode.READ_ONLY, 0, 0, arena).isMapped());
            }
            FileLock l = ch.lock(0, 10, true);
            assertThrows(NonWritableChannelException.class, () -> ch.lock(20, 10, false));
            assertTrue(l.isValid());
            ch.force(true);
            ch.force(false);
        }
        for (var write : List.of(StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            FileSystemException e = assertThrows(FileSystemException.class, () -> FileChannel.open(d, write).close());
            assertEquals("Is a directory", e.getReason());
        }
        assertThrows(IOException.class, () -> Files.newInputStream(d).read());
    }

    static List<String> imageKinds() {
        return BehaviourRoots.imageKinds();
    }

    /**
     * The directory's force reaches the device (its flush and fence), and a copy of the image taken
     * right after it is what a crash at that moment leaves: mounted (the journal or log replayed),
     * it has the new names.
     */
    @ParameterizedTest
    @MethodSource("imageKinds")
    void whatADirectorysForceCommittedSurvivesACrash(String kind) throws Exception {
        Path r = roots.root(kind);
        Path d = Files.createDirectory(r.resolve("dir"));
        Files.writeString(d.resolve("created"), "durable");
        Files.writeString(d.resolve("to-rename"), "renamed");
        Files.move(d.resolve("to-rename"), d.resolve("renamed"));
        var mounted = ((JdaxFileSystem) r.getFileSystem()).mounted();
        long fences = mounted.counters().fences();
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        }
        assertTrue(mounted.counters().fences() > fences, "the force reached the device: flushed and fenced");
        Path crashed = roots.tmp().resolve("crashed.img");
        Files.copy(roots.image(kind), crashed);
        try (var fs = java.nio.file.FileSystems.newFileSystem(crashed, java.util.Map.of())) {
            assertEquals("durable", Files.readString(fs.getPath("/dir/created")));
            assertEquals("renamed", Files.readString(fs.getPath("/dir/renamed")));
            assertFalse(Files.exists(fs.getPath("/dir/to-rename")));
        }
    }
}
