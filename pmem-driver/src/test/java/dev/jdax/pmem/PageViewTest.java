package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.PageView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device pages mapped into views of their own, on memory and on an image file. */
class PageViewTest {
    static final int PAGE = DaxDevice.PAGE_SIZE;

    @TempDir
    Path tmp;

    @Test
    void aViewShowsTheDevicePagesInItsOrderAndStoresGoBothWays() throws Exception {
        try (DaxDevice d = PmemDevices.memory(1 << 20)) {
            stamp(d, 5, 'e');
            stamp(d, 6, 'f');
            stamp(d, 2, 'b');
            try (Arena arena = Arena.ofConfined()) {
                PageView view = d.mapPages(new long[] {5, 6, 2}, true, arena, () -> { });
                MemorySegment v = view.segment();
                assertTrue(v.isMapped(), "the JDK's own mapped segment");
                assertThrows(IllegalStateException.class, view::segment, "handed out once, then not held");
                assertEquals(3L * PAGE, v.byteSize());
                assertEquals('e', v.get(ValueLayout.JAVA_BYTE, 0));
                assertEquals('f', v.get(ValueLayout.JAVA_BYTE, PAGE + 17));
                assertEquals('b', v.get(ValueLayout.JAVA_BYTE, 2L * PAGE + PAGE - 1));
                v.set(ValueLayout.JAVA_BYTE, 2L * PAGE + 9, (byte) 'X');
                assertEquals('X', read(d, 2L * PAGE + 9), "a store through the view is a store to the device");
                stamp(d, 6, 'g');
                assertEquals('g', v.get(ValueLayout.JAVA_BYTE, PAGE), "and the device's stores show in the view");
            }
        }
    }

    @Test
    void zeroPagesReadAsZerosMissingPagesFaultAndRevokedPagesToo() throws Exception {
        try (DaxDevice d = PmemDevices.memory(1 << 20)) {
            stamp(d, 1, 'a');
            AtomicInteger unmapped = new AtomicInteger();
            Arena arena = Arena.ofConfined();
            PageView view = d.mapPages(new long[] {PageView.ZERO, PageView.NONE, 1}, false, arena, unmapped::incrementAndGet);
            MemorySegment v = view.segment();
            assertTrue(v.isReadOnly());
            assertEquals(0, v.get(ValueLayout.JAVA_BYTE, 100));
            InternalError bus = assertThrows(InternalError.class, () -> v.get(ValueLayout.JAVA_BYTE, PAGE + 1));
            assertTrue(bus.getMessage().contains("fault occurred"), bus.getMessage());
            assertEquals('a', v.get(ValueLayout.JAVA_BYTE, 2L * PAGE));
            view.revoke(2, 1);
            assertThrows(InternalError.class, () -> v.get(ValueLayout.JAVA_BYTE, 2L * PAGE));
            assertEquals('a', read(d, PAGE), "revoking takes the page from the view, not from the device");
            arena.close();
            assertEquals(1, unmapped.get());
            view.revoke(0, 3); // after the unmap: nothing, the addresses are no longer the view's
        }
    }

    @Test
    void anImageFileMapsItsPagesAgainAndClosingTheDeviceEmptiesTheView() throws Exception {
        Path img = tmp.resolve("v.img");
        DaxDevice d = PmemDevices.create(img, 1 << 20);
        stamp(d, 3, 'c');
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = d.mapPages(new long[] {3, 4}, true, arena, () -> { }).segment();
            assertEquals('c', v.get(ValueLayout.JAVA_BYTE, 0));
            v.set(ValueLayout.JAVA_BYTE, PAGE, (byte) 'D');
            d.flush(4L * PAGE, 1);
            d.close();
            assertThrows(InternalError.class, () -> v.get(ValueLayout.JAVA_BYTE, 0));
        }
        assertEquals('D', Files.readAllBytes(img)[4 * PAGE], "the view's store is the file's byte");
    }

    @Test
    void aViewInAnAutomaticArenaIsUnmappedOnceItsSegmentIsUnreachable() throws Exception {
        try (DaxDevice d = PmemDevices.memory(1 << 20)) {
            stamp(d, 1, 'a');
            AtomicInteger unmapped = new AtomicInteger();
            MemorySegment v = d.mapPages(new long[] {1}, false, Arena.ofAuto(), unmapped::incrementAndGet).segment();
            assertEquals('a', v.get(ValueLayout.JAVA_BYTE, 0));
            v = null;
            for (int i = 0; i < 200 && unmapped.get() == 0; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(1, unmapped.get(), "neither the device nor the view keeps the segment alive");
        }
    }

    @Test
    void anImageFilesViewIsForcedWithMsyncAndUnloadedPagesFaultBack() throws Exception {
        Path img = tmp.resolve("f.img");
        try (DaxDevice d = PmemDevices.create(img, 1 << 20); Arena arena = Arena.ofConfined()) {
            stamp(d, 7, 'q');
            MemorySegment v = d.mapPages(new long[] {7, PageView.NONE, 8}, true, arena, () -> { }).segment();
            v.set(ValueLayout.JAVA_BYTE, 2L * PAGE + 1, (byte) 'R');
            v.asSlice(2L * PAGE, PAGE).force();
            v.asSlice(0, PAGE).load();
            assertTrue(v.asSlice(0, PAGE).isLoaded());
            v.unload();
            assertEquals('q', v.get(ValueLayout.JAVA_BYTE, 5), "an unloaded page faults in the device's page again");
            assertEquals('R', Files.readAllBytes(img)[8 * PAGE + 1]);
            assertThrows(InternalError.class, () -> v.get(ValueLayout.JAVA_BYTE, PAGE), "unload keeps a missing page missing");
        }
    }

    @Test
    void aPageOutsideTheDeviceOrAWritableZeroPageIsEinval() throws Exception {
        try (DaxDevice d = PmemDevices.memory(1 << 20); Arena arena = Arena.ofConfined()) {
            FsException outside = assertThrows(FsException.class, () -> d.mapPages(new long[] {256}, false, arena, () -> { }));
            assertEquals(Errno.EINVAL, outside.errno());
            assertTrue(outside.getMessage().contains("256"), outside.getMessage());
            FsException zero = assertThrows(FsException.class, () -> d.mapPages(new long[] {PageView.ZERO}, true, arena, () -> { }));
            assertEquals(Errno.EINVAL, zero.errno());
        }
    }

    private static void stamp(DaxDevice d, long page, char c) throws FsException {
        byte[] b = new byte[PAGE];
        java.util.Arrays.fill(b, (byte) c);
        d.store(page * PAGE, MemorySegment.ofArray(b), 0, PAGE);
    }

    private static byte read(DaxDevice d, long offset) throws FsException {
        byte[] b = new byte[1];
        d.load(offset, MemorySegment.ofArray(b), 0, 1);
        return b[0];
    }
}
