package dev.jdax.fs.ext4;

/**
 * mballoc's buddy view of one group's in-memory bitmap ({@link GroupBits}, on-disk bits, busy and
 * preallocated ones together), worked out from the bits instead of kept as buddy bitmaps: a buddy
 * allocator merges a free chunk with its free buddy, so its chunks are always the largest aligned
 * power-of-two runs of free bits, up to order {@code maxOrder} (blocksize_bits + 1: the largest
 * chunk a quarter of a group of 8 * blocksize bits). Units are bitmap bits (clusters). Under the
 * group's lock.
 */
final class Buddy {
    private Buddy() {
    }

    /** The largest chunk order for a bitmap block of {@code bitmapBytes} bytes (MB_NUM_ORDERS - 1). */
    static int maxOrder(int bitmapBytes) {
        return Integer.numberOfTrailingZeros(bitmapBytes) + 1;
    }

    private static boolean allFree(GroupBits b, int from, int to) {
        return to <= b.bits() && b.firstUsed(from, to) == to;
    }

    /** mb_find_order_for_block: the order of the free chunk holding the free bit {@code bit}. */
    static int orderAt(GroupBits b, int bit, int maxOrder) {
        int k = 0;
        while (k < maxOrder) {
            int size = 1 << (k + 1);
            int start = bit & -size;
            if (!allFree(b, start, start + size)) {
                break;
            }
            k++;
        }
        return k;
    }

    /**
     * mb_find_extent: the free run that starts at {@code bit} as the buddy sees it — the rest of its
     * chunk, then whole following chunks while fewer than {@code needed} bits are found; 0 when the
     * bit is used.
     */
    static int findExtent(GroupBits b, int bit, int needed, int maxOrder) {
        if (bit >= b.bits() || !b.isFree(bit)) {
            return 0;
        }
        int order = orderAt(b, bit, maxOrder);
        int end = (bit & -(1 << order)) + (1 << order);
        int len = end - bit;
        while (needed > len && end < b.bits() && b.isFree(end)) {
            order = orderAt(b, end, maxOrder);
            end += 1 << order;
            len += 1 << order;
        }
        return len;
    }

    /** The largest chunk order inside the free run [s, e). */
    private static int largestIn(int s, int e, int maxOrder) {
        for (int k = maxOrder; k > 0; k--) {
            int size = 1 << k;
            int a = (s + size - 1) & -size;
            if (a + size <= e) {
                return k;
            }
        }
        return 0;
    }

    /** A group's free space in buddy terms: bb_fragments and bb_largest_free_order ({@code -1}: nothing free). */
    record Stats(int fragments, int largestOrder) {
    }

    static Stats stats(GroupBits b, int maxOrder) {
        int fragments = 0;
        int largest = -1;
        int bit = b.firstFree(0, b.bits());
        while (bit >= 0) {
            int end = b.firstUsed(bit, b.bits());
            fragments++;
            largest = Math.max(largest, largestIn(bit, end, maxOrder));
            bit = b.firstFree(end, b.bits());
        }
        return new Stats(fragments, largest);
    }

    /**
     * The first chunk of exactly order {@code order} (the first clear bit of that order's buddy
     * bitmap), as its first bit; -1 when the group has none.
     */
    static int firstChunk(GroupBits b, int order, int maxOrder) {
        int bit = b.firstFree(0, b.bits());
        while (bit >= 0) {
            int end = b.firstUsed(bit, b.bits());
            int p = bit;
            while (p < end) {
                // The largest aligned chunk starting at p that fits the run (mb_mark_free_simple's split).
                int k = Math.min(maxOrder, p == 0 ? maxOrder : Integer.numberOfTrailingZeros(p));
                while ((1 << k) > end - p) {
                    k--;
                }
                if (k == order) {
                    return p;
                }
                p += 1 << k;
            }
            bit = b.firstFree(end, b.bits());
        }
        return -1;
    }
}
