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
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour suite's part for FileChannel's contract beyond reads and writes — mapped segments
 * and buffers — asserted the same way on the JDK's own file system (the control) and on every jdax
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
}
