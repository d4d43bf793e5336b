package dev.jdax.cli.corrupt;

import dev.jdax.api.DaxDevice;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The write guard of jdax corrupt sees both kinds of damage it exists for, and nothing else. */
class ScribbleCheckTest {
    private static final int BLOCK = 4096;

    @Test
    void aChangedGuardedBlockAndFileDataInMetadataAreBothReported() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(64 * BLOCK); Arena arena = Arena.ofConfined()) {
            MemorySegment before = arena.allocate(64 * BLOCK);
            before.asSlice(10 * BLOCK, BLOCK).fill((byte) 7);    // another file's block
            before.asSlice(20 * BLOCK, BLOCK).fill((byte) 9);    // metadata
            dev.store(0, before, 0, before.byteSize());
            BitSet guarded = new BitSet();
            guarded.set(10);
            BitSet metadata = new BitSet();
            metadata.set(20);
            Scribble s = new Scribble(guarded, metadata);
            Map<Integer, String> owners = Map.of(10, "/big");
            assertEquals(List.of(), s.check(dev, before, owners, new BitSet(), new BitSet()), "an untouched device shows no damage");

            // Writes elsewhere (a free block) are the workload's own business.
            dev.store(30L * BLOCK, MemorySegment.ofArray(Scribble.MARKER), 0, Scribble.MARKER.length);
            assertEquals(List.of(), s.check(dev, before, owners, new BitSet(), new BitSet()));

            dev.store(10L * BLOCK + 100, MemorySegment.ofArray(new byte[] {1}), 0, 1);
            dev.store(20L * BLOCK + 1000, MemorySegment.ofArray(Scribble.MARKER), 0, Scribble.MARKER.length);
            List<Scribble.Damage> damage = s.check(dev, before, owners, new BitSet(), new BitSet());
            assertEquals(2, damage.size(), damage.toString());
            assertTrue(damage.get(0).text().contains("block 10 of /big"), damage.toString());
            assertEquals(Scribble.Excuse.NONE, damage.get(0).excuse());
            assertTrue(damage.get(1).text().contains("metadata block 20"), damage.toString());

            BitSet mappedByWrittenFiles = new BitSet();
            mappedByWrittenFiles.set(10);
            assertEquals(Scribble.Excuse.CROSS_LINKED, s.check(dev, before, owners, mappedByWrittenFiles, new BitSet()).get(0).excuse(),
                    "a block the image gives to a written file too is cross-linked by the image");
            BitSet freed = new BitSet();
            freed.set(10);
            List<Scribble.Damage> fromBitmap = s.check(dev, before, owners, new BitSet(), freed);
            assertEquals(Scribble.Excuse.FREED_IN_USE, fromBitmap.get(0).excuse(), "a block the corrupt bitmap calls free");
            assertTrue(fromBitmap.get(0).text().contains("the corrupt block bitmap calls it free"), fromBitmap.toString());
            assertEquals(Scribble.Excuse.NONE, fromBitmap.get(1).excuse(), "the metadata block stays unexcused");
        }
    }
}
