package dev.jdax.iomap;

import dev.jdax.api.BadBlocks;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chunks' hints ({@link RunDirectory}): which transfers they serve, and which they leave to the table. */
class RunDirectoryTest {
    static final long MIB = 1 << 20;
    final BadBlocks bad = new BadBlocks();

    RunHint hint(long generation, long start, long end) {
        return new RunHint(generation, start, end, 0, MemorySegment.NULL, bad, bad.additions(), true);
    }

    static RunHint serving(RunDirectory d, long generation, long pos, long last) {
        return RunDirectory.serving(d.hints(), d.base(), d.shift(), generation, pos, last);
    }

    @Test
    void aTransferFindsTheRunItIsInOnBothSidesOfABoundaryInsideAChunk() {
        // Runs of 3 MiB from 1 MiB on: the chunks (at most 8 a run) are of 1 MiB... or less.
        long[] starts = {MIB, 4 * MIB, 7 * MIB};
        long[] ends = {4 * MIB, 7 * MIB, 10 * MIB};
        RunDirectory d = RunDirectory.over(starts, ends);
        assertTrue(d.hints().length <= 3 * RunDirectory.CHUNKS_PER_RUN, "chunks: " + d.hints().length);
        RunHint[] runs = {hint(5, starts[0], ends[0]), hint(5, starts[1], ends[1]), hint(5, starts[2], ends[2])};
        for (RunHint r : runs) {
            d.record(r);
        }
        for (long pos = MIB; pos < 10 * MIB; pos += 4096) {
            RunHint want = runs[(int) ((pos - MIB) / (3 * MIB))];
            assertSame(want, serving(d, 5, pos, pos + 4096), "at " + pos);
        }
        assertNull(serving(d, 5, 4 * MIB - 4096, 4 * MIB + 4096), "across a boundary: the table's to answer");
        assertNull(serving(d, 5, 0, 4096), "below the first run");
        assertNull(serving(d, 5, 10 * MIB, 10 * MIB + 4096), "past the last");
        assertNull(serving(d, 6, 2 * MIB, 2 * MIB + 4096), "a hint of another block-map state serves nothing");
    }

    @Test
    void aChunkWhoseRunHasNoHintYetServesNothingAndRunsSmallerThanAChunkAreLeftToTheTable() {
        long[] starts = new long[40];
        long[] ends = new long[40];
        for (int i = 0; i < 40; i++) {
            starts[i] = i * 3 * MIB;
            ends[i] = starts[i] + 3 * MIB;
        }
        starts[20] = ends[19];
        ends[20] = starts[20] + 8192; // one small run...
        starts[21] = ends[20]; // ...and the next begins right after it
        RunDirectory d = RunDirectory.over(starts, ends);
        assertNull(serving(d, 1, MIB, MIB + 4096), "no hint made yet");
        RunHint small = hint(1, starts[20], ends[20]);
        RunHint next = hint(1, starts[21], ends[21]);
        d.record(small);
        d.record(next);
        RunHint got = serving(d, 1, starts[20], starts[20] + 4096);
        assertTrue(got == null || got == small, "the small run's own hint, or the table");
        assertSame(next, serving(d, 1, ends[21] - 4096, ends[21]));
    }

    @Test
    void manyRunsGetCoarserChunksNotALargerDirectory() {
        int n = 100_000;
        long[] starts = new long[n];
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = i * 8192L;
            ends[i] = starts[i] + 8192;
        }
        RunDirectory d = RunDirectory.over(starts, ends);
        assertTrue(d.hints().length <= RunDirectory.MOST, "chunks: " + d.hints().length);
        assertEquals(0, RunDirectory.over(new long[] {0}, new long[] {MIB}).hints().length, "one run: the file's hint serves it");
    }

    @Test
    void runsReachingTheLargestOffsetsRecordWithoutOverflow() {
        long[] starts = {0, MIB, Long.MAX_VALUE - 4 * MIB};
        long[] ends = {MIB, Long.MAX_VALUE - 4 * MIB, Long.MAX_VALUE};
        RunDirectory d = RunDirectory.over(starts, ends);
        RunHint first = hint(2, 0, MIB);
        RunHint last = hint(2, starts[2], ends[2]);
        d.record(last);
        d.record(first);
        assertSame(first, serving(d, 2, 0, 4096), "the high run's hint did not land in low chunks");
        RunHint top = serving(d, 2, Long.MAX_VALUE - 4096, Long.MAX_VALUE);
        assertTrue(top == null || top == last, "a run smaller than its chunk: its own hint or the table's answer");
    }
}
