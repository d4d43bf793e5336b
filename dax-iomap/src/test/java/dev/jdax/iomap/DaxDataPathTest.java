package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FiemapExtent;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Reads and writes through the engine, with the answers Linux 6.1 gives (reference rows a, b, c, f, h, k). */
class DaxDataPathTest extends OnMemoryDevice {
    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    byte[] read(long pos, int n) throws FsException {
        byte[] b = filled(n, 0xee);
        long got = f.read(pos, MemorySegment.ofArray(b));
        return Arrays.copyOf(b, (int) got);
    }

    @Test
    void aHoleReadsAsZerosAndAWriteIntoItZeroesTheRestOfTheBlock() throws Exception {
        f.truncate(4 << 20);
        device.store(4096, MemorySegment.ofArray(filled(4096, 0x77)), 0, 4096); // stale bytes where block 1 will land
        assertArrayEquals(new byte[4096], read(1 << 20, 4096));
        assertEquals(100, f.write(10, MemorySegment.ofArray(filled(100, 0x41)), 0));
        byte[] block = read(0, 4096);
        byte[] want = new byte[4096];
        Arrays.fill(want, 10, 110, (byte) 0x41);
        assertArrayEquals(want, block);
    }

    @Test
    void readsStopAtEofAndRejectNegativeOffsets() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(100, 1)), 0);
        assertEquals(0, read(100, 10).length);
        assertEquals(50, read(50, 100).length);
        assertEquals(0, read(1L << 40, 10).length);
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> read(-1, 10)).errno());
    }

    @Test
    void noSpacePartWayIsAShortWriteAndNoneAtAllIsEnospc() throws Exception {
        f.node.freeBlocks = 3;
        assertEquals(3 * 4096, f.write(0, MemorySegment.ofArray(new byte[8 * 4096]), 0));
        assertEquals(3 * 4096, f.size());
        FsException e = assertThrows(FsException.class, () -> f.write(3 * 4096, MemorySegment.ofArray(new byte[4096]), 0));
        assertEquals(Errno.ENOSPC, e.errno());
    }

    @Test
    void writesBeyondTheLargestFileAreEfbigOrCutShort() throws Exception {
        assertEquals(Errno.EFBIG, assertThrows(FsException.class,
                () -> f.write(1L << 40, MemorySegment.ofArray(new byte[1]), 0)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class,
                () -> f.write(Long.MAX_VALUE - 4095, MemorySegment.ofArray(new byte[4096]), 0)).errno());
    }

    @Test
    void mediaErrorsFollowLinux61() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(16384, 0x5a)), 0);
        long blockOne = f.fiemap(0, 16384).get(0).physical() + 4096;
        device.badBlocks().add(blockOne / 512 + 2, 1); // sector at file offset 5120
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(4096, 4096)).errno());
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(4608, 512)).errno());
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(0, 8192)).errno(), "one extent: all or nothing");
        assertEquals(4096, read(0, 4096).length);
        assertEquals(Errno.EFAULT, assertThrows(FsException.class,
                () -> f.write(5130, MemorySegment.ofArray(filled(100, 1)), 0)).errno());
        assertEquals(Errno.EFAULT, assertThrows(FsException.class,
                () -> f.write(5120, MemorySegment.ofArray(filled(512, 1)), 0)).errno());
        assertEquals(8192, f.write(0, MemorySegment.ofArray(filled(8192, 0x66)), 0), "whole pages clear the poison");
        assertEquals(0, device.badBlocks().list().size());
        assertArrayEquals(filled(4096, 0x66), read(4096, 4096));
    }

    @Test
    void theSeedPolicyOnlyLetsWholeSectorDirectWritesThrough() throws Exception {
        TestFile g = TestFile.open(device, "media_errors=direct_io_bypass");
        g.write(0, MemorySegment.ofArray(filled(8192, 0x5a)), 0);
        long phys = g.fiemap(0, 8192).get(0).physical();
        device.badBlocks().add(phys / 512 + 10, 1);
        assertEquals(Errno.EIO, assertThrows(FsException.class,
                () -> g.write(4096, MemorySegment.ofArray(filled(4096, 1)), 0)).errno());
    }

    @Test
    void truncateDownThenUpLeavesZerosWhereDataWas() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(10000, 0x33)), 0);
        f.truncate(5000);
        f.truncate(10000);
        byte[] b = read(5000, 5000);
        assertArrayEquals(new byte[5000], b);
    }

    @Test
    void fiemapAndSeekReportExtentsAndHoles() throws Exception {
        f.truncate(4 << 20);
        f.write(0, MemorySegment.ofArray(filled(10, 1)), 0);
        f.write(1 << 20, MemorySegment.ofArray(filled(10, 1)), 0);
        List<FiemapExtent> x = f.fiemap(0, Long.MAX_VALUE);
        assertEquals(2, x.size());
        assertEquals(1 << 20, x.get(1).logical());
        assertEquals(FiemapExtent.LAST, x.get(1).flags());
        assertEquals(1 << 20, f.seekData(4096));
        assertEquals(4096, f.seekHole(0));
        assertEquals(Errno.ENXIO, assertThrows(FsException.class, () -> f.seekData((1 << 20) + 4096)).errno());
        assertEquals(Errno.ENXIO, assertThrows(FsException.class, () -> f.seekHole(4 << 20)).errno());
    }

    @Test
    void unwrittenExtentsReadAsZerosUntilWritten() throws Exception {
        device.store(4096, MemorySegment.ofArray(filled(8192, 0x77)), 0, 8192);
        f.fallocate(0, 0, 8192);
        assertArrayEquals(new byte[8192], read(0, 8192));
        f.write(100, MemorySegment.ofArray(filled(10, 0x45)), 0);
        byte[] want = new byte[4096];
        Arrays.fill(want, 100, 110, (byte) 0x45);
        assertArrayEquals(want, read(0, 4096));
        assertEquals(FiemapExtent.UNWRITTEN, f.fiemap(0, 8192).get(1).flags() & FiemapExtent.UNWRITTEN);
    }
}
