package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static dev.jdax.iomap.DaxDataPathTest.filled;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The answers the engine keeps ({@link MappingCache}): 4 KiB I/O inside a kept answer asks the
 * personality nothing, and every change of the block map — truncate, a write or a fault into a
 * hole, fallocate, a sector gone bad — is seen by the next read, through any open file.
 */
class KeptMappingsTest {
    static final int BS = TestFile.BS;
    DaxDevice device;
    TestFile f;
    CountingOps ops;

    /** The test format, counting the questions it is asked. */
    static final class CountingOps extends TestFile.Ops {
        int lookups;
        int writeLookups;
        /** Whether lookups report mapped blocks as shared with another file (IOMAP_F_SHARED). */
        boolean shared;

        CountingOps(TestFile.Node node, DaxDevice device) {
            super(node, device);
        }

        @Override
        public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
            if ((flags & IomapOps.WRITE) != 0) {
                writeLookups++;
            } else {
                lookups++;
            }
            Iomap m = super.begin(inode, pos, length, flags);
            if (shared && (flags & IomapOps.WRITE) == 0 && m.type() == dev.jdax.api.IomapType.MAPPED) {
                return new Iomap(m.offset(), m.length(), m.type(), m.addr(), m.flags() | Iomap.F_SHARED, m.device());
            }
            return m;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        device = PmemDevices.memory(64 << 20);
        TestFile.Node node = new TestFile.Node();
        node.nextFree = 1;
        ops = new CountingOps(node, device);
        f = new TestFile(node, ops, new DaxMount(device, dev.jdax.api.fs.MountOptions.none(), LockingModel.INODE_RWSEM));
    }

    @AfterEach
    void tearDown() throws Exception {
        device.close();
    }

    static byte[] read(OpenFile file, long pos, int n) throws FsException {
        byte[] b = filled(n, 0xee);
        assertEquals(n, file.read(pos, MemorySegment.ofArray(b)));
        return b;
    }

    @Test
    void readsInsideAKeptExtentAskNothingWhateverTheirOrder() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(256 * BS, 0x31)), 0); // one extent of 1 MiB
        int before = ops.lookups;
        for (int i = 255; i >= 0; i--) { // backwards: each answer starts where it was asked, and they merge
            assertArrayEquals(filled(BS, 0x31), read(f, (long) i * BS, BS));
        }
        int backwards = ops.lookups - before;
        for (int i = 0; i < 256; i++) {
            read(f, (long) (i * 97 % 256) * BS, BS);
        }
        assertEquals(backwards, ops.lookups - before, "once the extent is known, no question at all");
        assertTrue(backwards <= 256, "at most one question per block, " + backwards);
        OpenFile other = f.space.open(OpenFlags.O_RDONLY);
        read(other, 77 * BS, BS);
        assertEquals(backwards, ops.lookups - before, "another open file of the inode uses the same answers");
    }

    @Test
    void readsMovingBetweenRunsReadEachRunAndAReadAcrossAHoleReadsZerosPastTheRun() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(4 * BS, 0x11)), 0);
        f.write(100L * BS, MemorySegment.ofArray(filled(4 * BS, 0x22)), 0);
        for (int i = 0; i < 8; i++) { // each read in the other run than the last (RunHint per run)
            assertArrayEquals(filled(BS, 0x11), read(f, (long) (i % 4) * BS, BS));
            assertArrayEquals(filled(BS, 0x22), read(f, (long) (100 + i % 4) * BS, BS));
        }
        byte[] want = new byte[BS];
        java.util.Arrays.fill(want, 0, BS / 2, (byte) 0x11);
        assertArrayEquals(want, read(f, 3L * BS + BS / 2, BS), "half of the run, then half a block of the hole");
        int before = ops.lookups;
        assertArrayEquals(filled(BS, 0x11), read(f, 0, BS));
        assertArrayEquals(want, read(f, 3L * BS + BS / 2, BS));
        assertEquals(before, ops.lookups, "every answer kept");
    }

    @Test
    void readsAtRandomAcrossManyRunsAskOncePerRunAndSeeEveryChangeOfTheBlockMap() throws Exception {
        int runs = 40;
        int len = 5; // blocks per run; written last run first, so no run continues the one before it on the device
        for (int r = runs - 1; r >= 0; r--) {
            f.write((long) r * len * BS, MemorySegment.ofArray(filled(len * BS, 1 + r)), 0);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            int b = random.nextInt(runs * len);
            assertArrayEquals(filled(BS, 1 + b / len), read(f, (long) b * BS, BS), "block " + b);
        }
        int before = ops.lookups;
        for (int i = 0; i < 2000; i++) {
            int b = random.nextInt(runs * len);
            assertArrayEquals(filled(BS, 1 + b / len), read(f, (long) b * BS, BS), "block " + b);
        }
        assertEquals(before, ops.lookups, "every run's answer kept and found");
        byte[] across = read(f, (long) len * BS - BS / 2, BS);
        assertEquals(1, across[0], "the end of run 0");
        assertEquals(2, across[BS - 1], "the start of run 1");
        f.truncate(7L * len * BS); // the block map changes: no hint of before serves
        f.truncate((long) runs * len * BS);
        for (int i = 0; i < 200; i++) {
            int b = random.nextInt(runs * len);
            assertArrayEquals(b < 7 * len ? filled(BS, 1 + b / len) : new byte[BS], read(f, (long) b * BS, BS), "block " + b);
        }
    }

    @Test
    void aFileOfMoreAnswersThanTheLimitKeepsItsLastOneAndStillReadsRight() throws Exception {
        int runs = MappingCache.LIMIT / 2 + 8; // one-block runs parted by one-block holes: 2 answers each
        for (int i = 0; i < runs; i++) {
            f.write(2L * i * BS, MemorySegment.ofArray(filled(BS, 1 + i % 200)), 0);
        }
        for (int b = 0; b < 2 * runs - 1; b++) {
            assertArrayEquals(filled(BS, b % 2 == 0 ? 1 + b / 2 % 200 : 0), read(f, (long) b * BS, BS), "block " + b);
        }
        assertEquals(1, f.space.cache().size(), "past the limit only the last answer is kept, not a table grown again");
        int before = ops.lookups;
        read(f, 10L * BS, BS);
        read(f, 10L * BS, BS);
        assertEquals(before + 1, ops.lookups, "a read inside the last answer asks nothing");
        for (int k = 0; k < 8; k++) {
            int b = 2 * (k * 131 % runs);
            assertArrayEquals(filled(BS, 1 + b / 2 % 200), read(f, (long) b * BS, BS), "block " + b);
        }
        assertEquals(before + 9, ops.lookups, "elsewhere each read asks, as iomap_begin is asked in Linux");
        f.write(2L * runs * BS, MemorySegment.ofArray(filled(BS, 7)), 0); // the block map changes: a table again
        read(f, 0, BS);
        read(f, 2L * BS, BS);
        assertEquals(2, f.space.cache().size(), "a new state of the block map starts a table again");
    }

    @Test
    void overwritesInsideEofUseTheBlocksThereAndNeverAskToAllocate() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(64 * BS, 1)), 0);
        int writes = ops.writeLookups;
        for (int i = 0; i < 64; i++) {
            f.write((long) i * BS, MemorySegment.ofArray(filled(BS, 2 + i)), 0);
        }
        assertEquals(writes, ops.writeLookups, "nothing to allocate, convert or resize inside EOF");
        for (int i = 0; i < 64; i++) {
            assertArrayEquals(filled(BS, 2 + i), read(f, (long) i * BS, BS));
        }
        f.write(64 * BS, MemorySegment.ofArray(filled(BS, 9)), 0);
        assertEquals(writes + 1, ops.writeLookups, "a write past EOF asks with WRITE (allocation, the new size)");
        assertEquals(65L * BS, f.size());
    }

    @Test
    void anOverwriteThroughTheFilesRunStoresInPlaceAndCountsAsAStore() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(16 * BS, 1)), 0);
        read(f, 0, BS); // the run is kept, and the file's hint made from it
        long stored = device.counters().bytesStored();
        int writes = ops.writeLookups;
        for (int i = 0; i < 16; i++) {
            f.write((long) i * BS + 100, MemorySegment.ofArray(filled(BS - 200, 0x40 + i)), 0);
        }
        assertEquals(writes, ops.writeLookups);
        assertEquals(16L * (BS - 200), device.counters().bytesStored() - stored, "the device counts what the engine copied");
        for (int i = 0; i < 16; i++) {
            byte[] want = filled(BS, 1);
            java.util.Arrays.fill(want, 100, BS - 100, (byte) (0x40 + i));
            byte[] onDevice = new byte[BS];
            device.load(f.node.blocks.get((long) i).pblock() * BS, MemorySegment.ofArray(onDevice), 0, BS);
            assertArrayEquals(want, onDevice, "block " + i + " on the device");
        }
    }

    @Test
    void overwritesOfSharedBlocksAskWithWriteEvenWhenTheirAnswerIsKept() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(8 * BS, 3)), 0);
        ops.shared = true; // reflinked, as XFS reports IOMAP_F_SHARED: an overwrite must unshare first
        f.space.mapChanged();
        int writes = ops.writeLookups;
        for (int i = 0; i < 4; i++) {
            // Each WRITE question is a change of the block map: the reads keep the shared answer
            // again and make the file's hint from it before each overwrite.
            assertArrayEquals(filled(BS, 3), read(f, (long) i * BS, BS));
            assertArrayEquals(filled(BS, 3), read(f, (long) i * BS, BS));
            f.write((long) i * BS, MemorySegment.ofArray(filled(BS, 9)), 0);
        }
        assertEquals(writes + 4, ops.writeLookups, "each overwrite of shared blocks asks the personality with WRITE");
        assertArrayEquals(filled(BS, 9), read(f, 2 * BS, BS));
    }

    @Test
    void transfersThroughTheRunAfterTheDeviceClosedFailWithEbadf() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(4 * BS, 5)), 0);
        read(f, 0, BS);
        read(f, BS, BS); // the file's hint made
        f.write(2 * BS, MemorySegment.ofArray(filled(BS, 6)), 0); // and used
        device.close();
        FsException w = assertThrows(FsException.class, () -> f.write(BS, MemorySegment.ofArray(filled(BS, 7)), 0));
        assertEquals(Errno.EBADF, w.errno());
        FsException r = assertThrows(FsException.class, () -> read(f, BS, BS));
        assertEquals(Errno.EBADF, r.errno());
    }

    @Test
    void writesPastTheRunHintAfterTheDeviceClosedFailWithEbadf() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(4 * BS, 5)), 0);
        f.space.mapChanged(); // nothing kept: the next overwrite looks its blocks up itself
        device.close();
        FsException over = assertThrows(FsException.class, () -> f.write(BS, MemorySegment.ofArray(filled(BS, 7)), 0));
        assertEquals(Errno.EBADF, over.errno(), over.getMessage());
        FsException append = assertThrows(FsException.class, () -> f.write(4 * BS, MemorySegment.ofArray(filled(BS, 7)), 0));
        assertEquals(Errno.EBADF, append.errno(), append.getMessage());
    }

    @Test
    void writesCountTheirBytesAsStoredOnEveryPath() throws Exception {
        long before = device.counters().bytesStored();
        f.write(0, MemorySegment.ofArray(filled(2 * BS, 5)), 0); // new blocks
        f.space.mapChanged();
        f.write(0, MemorySegment.ofArray(filled(BS, 6)), 0); // an overwrite that looks its blocks up
        f.write(BS, MemorySegment.ofArray(filled(BS, 7)), 0); // through the kept answer's hint
        assertEquals(4L * BS, device.counters().bytesStored() - before, "each byte the three writes copied, once");
        assertArrayEquals(filled(BS, 6), read(f, 0, BS));
        assertArrayEquals(filled(BS, 7), read(f, BS, BS));
    }

    @Test
    void aReadIntoTheCallersClosedBufferThrowsTheJdksExceptionNotEbadf() throws Exception {
        for (LockingModel model : LockingModel.values()) { // the range lock's reads take the locked path at once
            TestFile.Node node = new TestFile.Node();
            node.nextFree = 1;
            TestFile g = new TestFile(node, new TestFile.Ops(node, device), new DaxMount(device, dev.jdax.api.fs.MountOptions.none(), model));
            g.write(0, MemorySegment.ofArray(filled(4 * BS, 5)), 0);
            read(g, 0, BS);
            read(g, BS, BS); // the file's hint made
            MemorySegment gone;
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
                gone = arena.allocate(BS);
            }
            assertThrows(IllegalStateException.class, () -> g.read(BS, gone), model.name());
            assertArrayEquals(filled(BS, 5), read(g, BS, BS), model + ": the device is fine");
        }
    }

    @Test
    void truncateAndReextendShowZerosWhereAKeptAnswerSawData() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(4 * BS, 0x55)), 0);
        read(f, 2 * BS, BS); // answer kept
        f.truncate(BS);
        f.truncate(4 * BS);
        assertArrayEquals(new byte[BS], read(f, 2 * BS, BS));
        assertArrayEquals(filled(BS, 0x55), read(f, 0, BS));
    }

    @Test
    void aWriteOrAFaultIntoAKeptHoleIsReadBackThroughEveryOpenFile() throws Exception {
        f.truncate(8 * BS);
        OpenFile reader = f.space.open(OpenFlags.O_RDONLY);
        assertArrayEquals(new byte[BS], read(reader, 3 * BS, BS)); // the hole's answer is kept
        f.write(3 * BS, MemorySegment.ofArray(filled(BS, 0x66)), 0);
        assertArrayEquals(filled(BS, 0x66), read(reader, 3 * BS, BS));
        assertArrayEquals(new byte[BS], read(reader, 5 * BS, BS));
        FileMapping m = f.mmap(0, 8 * BS, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
        m.putByte(5 * BS + 7, (byte) 0x77); // a write fault allocates the block
        assertEquals(0x77, read(reader, 5 * BS, BS)[7]);
        m.close();
    }

    @Test
    void fallocateChangesWhatTheNextReadIsAnswered() throws Exception {
        f.truncate(4 * BS);
        read(f, 0, 4 * BS); // one hole, kept
        f.fallocate(0, 0, 4 * BS); // unwritten blocks now: still zeros, another answer
        f.write(BS, MemorySegment.ofArray(filled(BS, 0x12)), 0);
        assertArrayEquals(filled(BS, 0x12), read(f, BS, BS));
        assertArrayEquals(new byte[BS], read(f, 2 * BS, BS));
    }

    @Test
    void aSectorGoneBadUnderAKeptAnswerFailsTheReadAsLinuxDoes() throws Exception {
        f.write(0, MemorySegment.ofArray(filled(4 * BS, 0x42)), 0);
        read(f, 0, 4 * BS);
        long block2 = f.node.blocks.get(2L).pblock() * BS;
        device.badBlocks().add(block2 / DaxDevice.SECTOR_SIZE + 1, 1);
        FsException e = assertThrows(FsException.class, () -> read(f, 2 * BS, BS));
        assertEquals(Errno.EIO, e.errno());
        assertArrayEquals(filled(BS, 0x42), read(f, BS, BS), "the pages around it read as before");
    }
}
