package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.SigBusException;
import dev.jdax.api.SigSegvException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.MountCounters;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Page faults of the engine (reference rows i, j, h1's mmap rows). */
class DaxFaultTest extends OnMemoryDevice {
    static final int RW = FileMapping.PROT_READ | FileMapping.PROT_WRITE;

    MountCounters counters() {
        return f.space.mount().counters();
    }

    @Test
    void aReadFaultOnAHoleMapsTheZeroPageAndAllocatesNothing() throws Exception {
        f.truncate(16384);
        FileMapping m = f.mmap(0, 16384, RW, FileMapping.MAP_SHARED);
        assertEquals(0, m.getByte(8192));
        assertEquals(0, f.fiemap(0, 16384).size());
        assertEquals(1, counters().zeroPageFaults());
        m.putByte(8192, (byte) 7);
        assertEquals(1, f.fiemap(0, 16384).size(), "the write fault allocated one block");
        assertEquals(7, f.read(8192, MemorySegment.ofArray(new byte[1])) == 1 ? readByte(8192) : -1);
    }

    byte readByte(long pos) throws FsException {
        byte[] b = new byte[1];
        f.read(pos, MemorySegment.ofArray(b));
        return b[0];
    }

    @Test
    void accessBeyondEofIsSigbusAndOutsideTheMappingSigsegv() throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[8192]), 0);
        FileMapping m = f.mmap(0, 16384, RW, FileMapping.MAP_SHARED);
        SigBusException bus = assertThrows(SigBusException.class, () -> m.getByte(8192));
        assertEquals(m.address() + 8192, bus.address());
        assertThrows(SigSegvException.class, () -> m.getByte(16384));
        m.close();
        assertThrows(SigSegvException.class, () -> m.getByte(0));
    }

    @Test
    void aPoisonedPageIsSigbus() throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[16384]), 0);
        long phys = f.fiemap(0, 16384).get(0).physical();
        device.badBlocks().add((phys + 5120) / 512, 1);
        FileMapping m = f.mmap(0, 16384, RW, FileMapping.MAP_SHARED);
        assertEquals(0, m.getByte(0));
        assertThrows(SigBusException.class, () -> m.getByte(4096));
        assertThrows(SigBusException.class, () -> m.putByte(5130, (byte) 1));
    }

    @Test
    void aTwoMegabyteAlignedExtentIsMappedWithOnePmdFault() throws Exception {
        f.node.nextFree = 512; // device block 512 = 2 MiB: aligned
        f.write(0, MemorySegment.ofArray(new byte[4 << 20]), 0);
        FileMapping m = f.mmap(0, 4 << 20, RW, FileMapping.MAP_SHARED);
        m.getByte(0);
        m.getByte(4096);
        m.getByte((2 << 20) + 5);
        assertEquals(2, counters().pmdFaults());
        assertEquals(0, counters().pteFaults());
    }

    @Test
    void thePmdFaultFallsBackWithItsReason() throws Exception {
        f.node.nextFree = 3; // misaligned
        f.write(0, MemorySegment.ofArray(new byte[4 << 20]), 0);
        FileMapping m = f.mmap(0, 4 << 20, RW, FileMapping.MAP_SHARED);
        m.getByte(0);
        assertEquals(1, counters().pteFaults());
        assertEquals(1L, counters().pmdFallbacks().get("extent not 2 MiB aligned"));
        FileMapping small = f.mmap(0, 8192, RW, FileMapping.MAP_SHARED);
        small.getByte(4096);
        assertEquals(1L, counters().pmdFallbacks().get("mapping does not cover the 2 MiB range"));
    }

    @Test
    void getBlockHolesAreOneBlockSoPmdFaultsOverThemFallBack() throws Exception {
        TestFile.Node node = new TestFile.Node();
        DaxMount mount = new DaxMount(device, dev.jdax.api.fs.MountOptions.none(), LockingModel.INODE_RWSEM);
        GetBlock gb = new GetBlock() {
            @Override
            public BlockMapping getBlock(dev.jdax.api.Inode inode, long iblock, int maxBlocks, boolean create) {
                return BlockMapping.unmapped();
            }

            @Override
            public int blockSize() {
                return 4096;
            }
        };
        GetBlockBridge bridge = new GetBlockBridge(gb, device);
        TestFile g = new TestFile(node, new TestFile.Ops(node, device) {
            @Override
            public dev.jdax.api.Iomap begin(dev.jdax.api.Inode inode, long pos, long length, int flags) throws FsException {
                return bridge.begin(inode, pos, length, flags);
            }

            @Override
            public boolean mapsThroughGetBlock() {
                return true;
            }
        }, mount);
        g.truncate(4 << 20);
        FileMapping m = g.mmap(0, 4 << 20, RW, FileMapping.MAP_SHARED);
        assertEquals(0, m.getByte(0));
        assertEquals(1L, mount.counters().pmdFallbacks().get("hole size unknown"));
        assertTrue(mount.counters().getBlockCalls() >= 2);
    }

    @Test
    void mapSyncNeedsADaxFile() throws Exception {
        f.truncate(4096);
        f.mmap(0, 4096, RW, FileMapping.MAP_SHARED_VALIDATE | FileMapping.MAP_SYNC).close();
        f.ops.dax = false;
        TestFile notDax = f;
        assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class,
                () -> notDax.mmap(0, 4096, RW, FileMapping.MAP_SHARED_VALIDATE | FileMapping.MAP_SYNC)).errno());
    }

    @Test
    void aWriteFaultTakesTheZeroPageAwayFromEveryMappingOfTheFile() throws Exception {
        f.truncate(16384);
        FileMapping reader = f.mmap(0, 16384, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        FileMapping writer = f.mmap(0, 16384, RW, FileMapping.MAP_SHARED);
        assertEquals(0, reader.getByte(4096));
        writer.putByte(4096, (byte) 9);
        assertEquals(9, reader.getByte(4096), "the reader faults again and sees the new block");
        f.write(8192, MemorySegment.ofArray(new byte[] {5}), 0);
        assertEquals(0, reader.getByte(8192 + 1));
        assertEquals(5, reader.getByte(8192));
    }

    @Test
    void blocksAllocatedForAFailedPmdAttemptReadAsZeros() throws Exception {
        f.truncate(4 << 20);
        f.write(5 * 4096, MemorySegment.ofArray(new byte[] {1}), 0); // block 5: the hole before it is 5 blocks
        long stale = (f.node.nextFree) * 4096L;
        device.store(stale, MemorySegment.ofArray(new byte[5 * 4096]).fill((byte) 0x77), 0, 5 * 4096);
        FileMapping m = f.mmap(0, 4 << 20, RW, FileMapping.MAP_SHARED);
        m.putByte(0, (byte) 1); // the PMD attempt allocates blocks 0-4, cannot map 2 MiB, falls back
        assertEquals(1L, counters().pmdFallbacks().get("extent shorter than 2 MiB"));
        for (long b = 1; b < 5; b++) {
            assertEquals(0, readByte(b * 4096 + 7), "block " + b);
        }
    }

    @Test
    void truncateUnmapsSoTheNextAccessIsSigbus() throws Exception {
        f.write(0, MemorySegment.ofArray(new byte[16384]), 0);
        FileMapping m = f.mmap(0, 16384, RW, FileMapping.MAP_SHARED);
        m.getByte(12000);
        f.truncate(4096);
        assertThrows(SigBusException.class, () -> m.getByte(12000));
    }

    @Test
    void aViewMapsBlocksZerosOverHolesAndFaultsWherePoisonIs() throws Exception {
        byte[] data = new byte[16384];
        java.util.Arrays.fill(data, (byte) 0x44);
        f.write(0, MemorySegment.ofArray(data), 0);
        f.truncate(32768); // pages 4..7 are a hole
        long phys = f.fiemap(0, 16384).get(0).physical();
        device.badBlocks().add((phys + 8192) / 512, 1);
        FileMapping m = f.mmap(0, 32768, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = m.view(0, 32768, arena);
            assertEquals(0x44, v.get(ValueLayout.JAVA_BYTE, 4095));
            assertThrows(InternalError.class, () -> v.get(ValueLayout.JAVA_BYTE, 8192), "the poisoned page");
            assertEquals(0x44, v.get(ValueLayout.JAVA_BYTE, 12288));
            assertEquals(-1, v.asSlice(16384).mismatch(MemorySegment.ofArray(new byte[16384])), "the hole reads as zeros");
            assertEquals(1, f.fiemap(0, 32768).size(), "a read-only view allocates nothing");
            assertTrue(f.space.mappings().contains(m));
        }
        assertTrue(!f.space.mappings().contains(m), "closing the arena closed the mapping");
    }

    @Test
    void aWritableViewAllocatesAndViewsFollowWhatTheFileHolds() throws Exception {
        f.truncate(16384);
        FileMapping m = f.mmap(0, 16384, RW, FileMapping.MAP_SHARED);
        FileMapping ro = f.mmap(0, 16384, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = ro.view(0, 16384, arena);
            assertEquals(0, zeros.get(ValueLayout.JAVA_BYTE, 0));
            MemorySegment v = m.view(0, 16384, arena);
            assertEquals(1, f.fiemap(0, 16384).size(), "the write faults allocated the range");
            v.set(ValueLayout.JAVA_BYTE, 4096 + 5, (byte) 9);
            assertEquals(9, readByte(4096 + 5), "a store through the view is the file's byte");
            // The read-only view showed the zero page; it shows the blocks that replaced it now, as a refault would.
            assertEquals(9, zeros.get(ValueLayout.JAVA_BYTE, 4096 + 5));
            f.truncate(8192);
            assertThrows(InternalError.class, () -> v.get(ValueLayout.JAVA_BYTE, 8192), "truncated away");
            assertThrows(InternalError.class, () -> zeros.get(ValueLayout.JAVA_BYTE, 8192), "beyond EOF: SIGBUS");
            assertEquals(9, v.get(ValueLayout.JAVA_BYTE, 4096 + 5), "the pages below the new size stay");
            m.msync(0, 8192);
        }
    }

    @Test
    void aWriteIntoAHoleUnderAReadOnlyViewIsSeenAtTheSameAddress() throws Exception {
        f.truncate(65536);
        FileMapping ro = f.mmap(0, 65536, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = ro.view(0, 65536, arena);
            assertEquals(0, v.get(ValueLayout.JAVA_BYTE, 8192));
            f.write(8192 + 7, MemorySegment.ofArray(new byte[] {42}), 0);
            assertEquals(42, v.get(ValueLayout.JAVA_BYTE, 8192 + 7), "the view refaulted the new block");
            assertEquals(0, v.get(ValueLayout.JAVA_BYTE, 8192));
        }
    }
}
