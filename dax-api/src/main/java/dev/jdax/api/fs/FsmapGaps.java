package dev.jdax.api.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * The records of one {@code FS_IOC_GETFSMAP} query as the drivers' getfsmap helpers build them
 * (ext4_getfsmap_helper and xfs_getfsmap_helper are one design): ranges come in device order, and
 * the space between the last one's end and the next one's start is reported first, as unknown.
 * Positions are in the driver's unit ({@code 2^unitShift} bytes: ext4's blocks, XFS's 512-byte
 * basic blocks); the records go out in bytes, all with special owners.
 */
public final class FsmapGaps {
    private final int unitShift;
    private final List<FsmapRecord> out = new ArrayList<>();
    /** The next position a record is expected at (the drivers' next_fsblk / next_daddr). */
    private long next;

    /**
     * @param unitShift log2 of the unit in bytes
     * @param next      where the first record is expected: the low key
     */
    public FsmapGaps(int unitShift, long next) {
        this.unitShift = unitShift;
        this.next = next;
    }

    /** {@return the position the next record is expected at} */
    public long next() {
        return next;
    }

    /**
     * A range of {@code owner}: the gap before it as unknown, then the range itself, unless
     * {@code gapOnly} (the closing call both drivers make at the high key, which reports only the
     * gap before it).
     */
    public void report(long start, long length, long owner, boolean gapOnly) {
        if (start > next) {
            out.add(FsmapRecord.special(next << unitShift, (start - next) << unitShift, FsmapRecord.OWN_UNKNOWN));
        }
        if (!gapOnly) {
            out.add(FsmapRecord.special(start << unitShift, length << unitShift, owner));
        }
        pass(start, length);
    }

    /** A range passed over without a record (it starts before the low key): only the expected position moves. */
    public void pass(long start, long length) {
        next = Math.max(next, start + length);
    }

    /** {@return the records so far, in device order} */
    public List<FsmapRecord> records() {
        return out;
    }
}
