package dev.jdax.fs.ext2;

import dev.jdax.api.FsException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One group's bitmap block held in memory from its first use (Linux keeps it as a buffer_head
 * pinned by the group's descriptor), so an allocation neither reads the block again nor writes all
 * of it back: it looks for a zero bit 64 at a time, changes the bits and stores the bytes it
 * changed. Its bytes are the block's exactly (ext2 bitmaps are little-endian, bit i of byte i/8).
 * Guarded by the lock of its group.
 */
final class GroupBitmap {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final byte[] bytes;

    GroupBitmap(byte[] bytes) {
        this.bytes = bytes;
    }

    boolean get(int bit) {
        return (bytes[bit >>> 3] & (1 << (bit & 7))) != 0;
    }

    /** The 64 bits from bit {@code 64 * i} (a block is a whole number of longs). */
    private long longAt(int i) {
        return (long) LONGS.get(bytes, i << 3);
    }

    /** The first clear bit in [from, limit), or -1. */
    int nextClear(int from, int limit) {
        if (from >= limit) {
            return -1;
        }
        int i = from >>> 6;
        long zeros = ~longAt(i) & (-1L << (from & 63));
        int last = (limit - 1) >>> 6;
        while (zeros == 0) {
            if (++i > last) {
                return -1;
            }
            zeros = ~longAt(i);
        }
        int bit = (i << 6) + Long.numberOfTrailingZeros(zeros);
        return bit < limit ? bit : -1;
    }

    /** The first set bit in [from, limit), or {@code limit}. */
    int nextSet(int from, int limit) {
        if (from >= limit) {
            return limit;
        }
        int i = from >>> 6;
        long ones = longAt(i) & (-1L << (from & 63));
        int last = (limit - 1) >>> 6;
        while (ones == 0) {
            if (++i > last) {
                return limit;
            }
            ones = longAt(i);
        }
        return Math.min(limit, (i << 6) + Long.numberOfTrailingZeros(ones));
    }

    /** Sets or clears bits [from, to). */
    void change(int from, int to, boolean on) {
        for (int bit = from; bit < to; bit++) {
            int mask = 1 << (bit & 7);
            bytes[bit >>> 3] = (byte) (on ? bytes[bit >>> 3] | mask : bytes[bit >>> 3] & ~mask);
        }
    }

    /** Stores the bytes holding bits [from, to) home, the bitmap's block starting at {@code home}. Under the group's lock. */
    void store(Disk disk, long home, int from, int to) throws FsException {
        int a = from >>> 3;
        disk.writeBytes(home + a, bytes, a, ((to - 1) >>> 3) - a + 1);
    }
}
