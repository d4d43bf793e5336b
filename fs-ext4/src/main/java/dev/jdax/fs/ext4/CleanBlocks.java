package dev.jdax.fs.ext4;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The clean half of Linux's buffer cache for the blocks {@link Disk#readShared} serves (directory
 * blocks): a block read from its home, its checksum verified once ({@code buffer_verified}), kept
 * so that the next lookup neither copies it from the device nor checks it again. Without it every
 * descent of a hashed directory read its dx_root and dx_node afresh — their home is current after
 * each checkpoint, and nothing changes them between splits — a 4 KiB copy, a checksum and 4 KiB of
 * garbage per block and operation.
 *
 * <p>A fixed table of slots, the block number hashed to one: a bounded cache, where a block whose
 * slot another took is read from home again. Lookups take no lock and allocate nothing. A block is
 * kept only by a reader of {@link Disk#readShared}, which holds the lock that keeps the block's
 * writers away (its directory's {@code i_rwsem}); so it is kept before any change of it begins, and
 * every later write of its home replaces or drops it here ({@link #replace}, {@link #drop}).
 */
final class CleanBlocks {
    /** A verified home copy of {@code block}, as the one view {@link Disk#readShared} hands out (absolute indices only). */
    private record Entry(long block, ByteBuffer data) {
    }

    private static final int BITS = 12;
    private static final int SLOTS = 1 << BITS;
    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

    private static int index(long block) {
        return (int) ((block * 0x9E3779B97F4A7C15L) >>> (64 - BITS));
    }

    /** The block's verified home copy, or null. Its users change it only as {@link Disk#readShared} allows. */
    ByteBuffer get(long block) {
        Entry e = slots.get(index(block));
        return e != null && e.block() == block ? e.data() : null;
    }

    /** Keeps {@code data}, just read from the block's home and verified. */
    void keep(long block, ByteBuffer data) {
        slots.set(index(block), new Entry(block, data));
    }

    /** After its home was written with {@code data} (a checkpoint): the block's copy, if kept, is now those bytes. */
    void replace(long block, byte[] data) {
        int i = index(block);
        Entry e = slots.get(i);
        if (e != null && e.block() == block) {
            slots.compareAndSet(i, e, new Entry(block, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)));
        }
    }

    /** After a write of its home this cache does not follow (or the block's release): the block is read from home next time. */
    void drop(long block) {
        int i = index(block);
        Entry e = slots.get(i);
        if (e != null && e.block() == block) {
            slots.compareAndSet(i, e, null);
        }
    }

    /** {@link #drop} for {@code count} blocks from {@code first} (freed, zeroed). */
    void drop(long first, long count) {
        if (count < SLOTS) {
            for (long b = first; b < first + count; b++) {
                drop(b);
            }
            return;
        }
        for (int i = 0; i < SLOTS; i++) {
            Entry e = slots.get(i);
            if (e != null && e.block() >= first && e.block() - first < count) {
                slots.compareAndSet(i, e, null);
            }
        }
    }
}
