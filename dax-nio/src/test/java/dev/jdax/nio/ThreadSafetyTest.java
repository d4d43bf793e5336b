package dev.jdax.nio;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What multi-threaded programs do through java.nio.file, on every personality: each case here is
 * one that broke before jdax had a VFS and a lock order (a deadlock, a non-atomic CREATE, a mapping
 * left pointing at freed blocks, a view that faulted where Linux refaults).
 */
class ThreadSafetyTest {
    private static final AtomicLong NAMES = new AtomicLong();

    static FileSystem memory(String type) throws Exception {
        String size = type.equals("xfs") ? "320m" : "64m";
        return FileSystems.newFileSystem(URI.create("jdax:memory:threads-" + NAMES.incrementAndGet()),
                Map.of("memory", size, "type", type, "options", "dax"));
    }

    /** Runs {@code tasks} at once and waits for them (a deadlock fails the test instead of hanging it). */
    static void together(List<java.util.concurrent.Callable<Void>> tasks, long seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Void>> running = new ArrayList<>();
            for (var t : tasks) {
                running.add(pool.submit(() -> {
                    start.await();
                    return t.call();
                }));
            }
            start.countDown();
            for (Future<Void> f : running) {
                try {
                    f.get(seconds, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("still running after " + seconds + " s: a deadlock");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void truncatingOpensRacingPositionalWritesDoNotDeadlock(String type) throws Exception {
        try (FileSystem fs = memory(type)) {
            Path p = Files.writeString(fs.getPath("/shared"), "start");
            together(List.of(() -> {
                for (int i = 0; i < 300; i++) {
                    Files.writeString(p, "rewritten " + i);   // open with TRUNCATE_EXISTING, write, close
                }
                return null;
            }, () -> {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 3000; i++) {
                        ch.write(ByteBuffer.wrap(new byte[] {(byte) i}), i % 8192);
                    }
                }
                return null;
            }), 60);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void createFromEightThreadsOnOneNewNameNeverSaysItExists(String type) throws Exception {
        try (FileSystem fs = memory(type)) {
            for (int round = 0; round < 60; round++) {
                Path p = fs.getPath("/new-" + round);
                List<java.util.concurrent.Callable<Void>> openers = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    openers.add(() -> {
                        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                            ch.write(ByteBuffer.wrap(new byte[] {1}), 0);
                        } catch (FileAlreadyExistsException e) {
                            fail("CREATE (not CREATE_NEW) said " + e.getMessage() + " exists");
                        }
                        return null;
                    });
                }
                together(openers, 60);
                assertEquals(1, Files.size(p));
            }
            try (var names = Files.list(fs.getPath("/"))) {
                assertEquals(60, names.filter(x -> x.getFileName().toString().startsWith("new-")).count(), "one file a name");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void aDeletedFileKeepsItsBlocksWhileAMappingHoldsIt(String type) throws Exception {
        try (FileSystem fs = memory(type)) {
            Path p = fs.getPath("/mapped");
            byte[] mine = new byte[64 * 1024];
            java.util.Arrays.fill(mine, (byte) 0x11);
            Files.write(p, mine);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment m;
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    m = ch.map(FileChannel.MapMode.READ_WRITE, 0, mine.length, arena);
                }
                Files.delete(p);                              // MMapDirectory deletes files its readers map
                byte[] other = new byte[256 * 1024];
                java.util.Arrays.fill(other, (byte) 0x22);
                Path q = Files.write(fs.getPath("/next"), other);  // would land in the freed blocks
                assertEquals(-1, m.mismatch(MemorySegment.ofArray(mine)), "the mapping still shows the deleted file");
                m.fill((byte) 0x33);                          // stores go to the deleted file, not to /next
                assertEquals(-1, MemorySegment.ofArray(Files.readAllBytes(q)).mismatch(MemorySegment.ofArray(other)));
            }
            // The last reference went with the arena: the blocks are free again.
            long free = Files.getFileStore(fs.getPath("/")).getUnallocatedSpace();
            Files.delete(fs.getPath("/next"));
            assertTrue(Files.getFileStore(fs.getPath("/")).getUnallocatedSpace() > free);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void aMappingOverAHoleShowsWhatAWriteThenPutsThere(String type) throws Exception {
        try (FileSystem fs = memory(type)) {
            Path p = fs.getPath("/holey");
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                ch.write(ByteBuffer.wrap(new byte[] {1}), 64 * 1024 - 1);   // a hole before the last byte
                MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, 64 * 1024, arena);
                assertEquals(0, m.get(ValueLayout.JAVA_BYTE, 8192), "the zero page");
                ch.write(ByteBuffer.wrap(new byte[] {42}), 8192 + 7);
                assertEquals(42, m.get(ValueLayout.JAVA_BYTE, 8192 + 7), "refaulted: the new block at the same address");
                assertEquals(0, m.get(ValueLayout.JAVA_BYTE, 8192), "the rest of the new block reads zeros");
                ch.truncate(4096);
                assertThrows(InternalError.class, () -> m.get(ValueLayout.JAVA_BYTE, 8192), "beyond EOF: SIGBUS");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void aMappingUsedAfterUnmountIsAnErrorNotACrash(String type) throws Exception {
        Arena arena = Arena.ofShared();
        MemorySegment m;
        try (FileSystem fs = memory(type)) {
            Path p = Files.write(fs.getPath("/f"), new byte[8192]);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                m = ch.map(FileChannel.MapMode.READ_ONLY, 0, 8192, arena);
            }
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, 0));
        }
        try {
            m.get(ValueLayout.JAVA_BYTE, 0);
            fail("a load from an unmounted file system's mapping succeeded");
        } catch (InternalError | IllegalStateException expected) {
            // SIGBUS on a taken-away page, or the segment's scope closed: both are the JDK's answers.
        } finally {
            arena.close();
        }
    }
}
