package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's file_accessed: what a read and a mapping write of the access time, how often, and
 * what they leave alone (no bytes asked, O_NOATIME, noatime, a read-only mount); a store through a
 * mapping writes mtime as a write does.
 */
class AccessTimeTest {
    private DaxDevice device;

    @BeforeEach
    void device() throws Exception {
        device = PmemDevices.memory(16 << 20);
    }

    @AfterEach
    void close() throws Exception {
        device.close();
    }

    private static TestFile written(TestFile f) throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[8192]), 0);
        return f;
    }

    @Test
    void relatimeWritesTheTimeOnceAndNotAgainUntilTheFileChanges() throws Exception {
        TestFile f = written(TestFile.open(device, ""));
        // All three times long past: the first read writes the time, after mtime and ctime then (at
        // their tick, equal to them, the next tick would write it again, as relatime_need_update says).
        f.space.timesSet(Instant.EPOCH, Instant.EPOCH, Instant.EPOCH);
        MemorySegment buf = MemorySegment.ofArray(new byte[4096]);
        for (int i = 0; i < 100_000; i++) {
            f.read((i & 1) * 4096L, buf);
        }
        assertEquals(1, f.node.atimesWritten.size(), "one write of the time for 100,000 reads");
        Instant first = f.space.atime();
        assertEquals(first, f.node.atimesWritten.get(0));
        assertTrue(first.isAfter(Instant.EPOCH));

        f.read(4096, MemorySegment.ofArray(new byte[0])); // nothing asked: no access
        assertEquals(1, f.node.atimesWritten.size());
        f.read(1 << 20, buf); // beyond EOF: an access still
        assertEquals(1, f.node.atimesWritten.size(), "atime is after mtime and ctime now");

        f.write(0, MemorySegment.ofArray(new byte[] {1}), 0); // mtime moves to atime or past it
        f.read(0, buf);
        assertEquals(2, f.node.atimesWritten.size());
    }

    /**
     * relatime_need_update writes an access time a day old whatever the other times say. A file
     * held open stops asking the rule once its access time is after the others, and used to keep
     * it for good: here its access time comes a day old a second after the first read, and a read
     * after that writes the time; a read before it does not. Closing the last such file cancels
     * its wake-up.
     */
    @Test
    void aFileKeptOpenGetsANewAccessTimeOnceItIsADayOld() throws Exception {
        TestFile f = written(TestFile.open(device, ""));
        int waiting = DayOldWakeups.waiting();
        Instant almostADayAgo = Instant.ofEpochSecond(Instant.now().getEpochSecond() - 24 * 60 * 60 + 1);
        f.space.timesSet(almostADayAgo, Instant.EPOCH, Instant.EPOCH);
        MemorySegment buf = MemorySegment.ofArray(new byte[4096]);
        f.read(0, buf);
        assertEquals(0, f.node.atimesWritten.size(), "after mtime and ctime, less than a day old");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (f.node.atimesWritten.isEmpty() && System.nanoTime() < deadline) {
            f.read(0, buf);
            Thread.sleep(5);
        }
        assertEquals(1, f.node.atimesWritten.size(), "read once the access time is a day old");
        Instant written = f.node.atimesWritten.get(0);
        assertTrue(written.getEpochSecond() >= almostADayAgo.getEpochSecond() + 24 * 60 * 60, written + " is a day after " + almostADayAgo);
        assertEquals(written, f.space.atime());
        for (int i = 0; i < 1000; i++) {
            f.read(0, buf);
        }
        assertEquals(1, f.node.atimesWritten.size(), "settled again: a day from now");
        assertEquals(waiting + 1, DayOldWakeups.waiting(), "the next day's wake-up");
        f.close();
        assertEquals(waiting, DayOldWakeups.waiting(), "cancelled with the last open file that stopped asking");
    }

    @Test
    void strictatimeWritesAtMostOncePerTickOfTheClock() throws Exception {
        TestFile f = written(TestFile.open(device, "strictatime"));
        MemorySegment buf = MemorySegment.ofArray(new byte[4096]);
        long start = System.nanoTime();
        for (int i = 0; i < 200_000; i++) {
            f.read(0, buf);
        }
        long ticks = (System.nanoTime() - start) / (CoarseClock.TICK_MILLIS * 1_000_000) + 2;
        int writes = f.node.atimesWritten.size();
        assertTrue(writes >= 1 && writes <= ticks, writes + " writes in at most " + ticks + " ticks");
        for (int i = 1; i < writes; i++) {
            assertTrue(f.node.atimesWritten.get(i).isAfter(f.node.atimesWritten.get(i - 1)));
        }
    }

    @Test
    void noatimeReadOnlyAndONoatimeWriteNoTime() throws Exception {
        for (String options : new String[] {"noatime", "ro"}) {
            TestFile f = TestFile.open(device, options);
            f.read(0, MemorySegment.ofArray(new byte[4096]));
            f.mmap(0, 4096, FileMapping.PROT_READ, FileMapping.MAP_SHARED).close();
            assertEquals(0, f.node.atimesWritten.size(), options);
        }
        TestFile f = written(TestFile.open(device, ""));
        try (OpenFile o = f.space.open(OpenFlags.O_RDONLY | OpenFlags.O_NOATIME)) {
            o.read(0, MemorySegment.ofArray(new byte[4096]));
            o.mmap(0, 4096, FileMapping.PROT_READ, FileMapping.MAP_SHARED).close();
        }
        assertEquals(0, f.node.atimesWritten.size());
        f.mmap(0, 4096, FileMapping.PROT_READ, FileMapping.MAP_SHARED).close();
        assertEquals(1, f.node.atimesWritten.size(), "a mapping is an access");
    }

    @Test
    void aStoreThroughAMappingWritesMtimeAsAWriteDoes() throws Exception {
        TestFile f = written(TestFile.open(device, ""));
        f.space.timesSet(null, Instant.EPOCH, Instant.EPOCH);
        FileMapping m = f.mmap(0, 8192, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
        m.read(0, MemorySegment.ofArray(new byte[8]), 0, 8);
        assertEquals(Instant.EPOCH, f.space.mtime(), "a load is not a modification");
        m.write(0, MemorySegment.ofArray(new byte[] {5}), 0, 1);
        assertNotEquals(Instant.EPOCH, f.space.mtime());
        assertEquals(f.space.mtime(), f.space.ctime());
        m.close();
    }
}
