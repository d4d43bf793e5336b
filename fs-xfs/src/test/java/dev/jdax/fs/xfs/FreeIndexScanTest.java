package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The free index's scan for a data block with room, four slots at a time from the last back, finds
 * what the scan slot by slot finds: null slots skipped, bests at and around the size asked, counts
 * that are not a multiple of four, and blocks of 64 KiB whose bests pass 0x8000.
 */
class FreeIndexScanTest {
    private static final int HDR = DirWriter.LEAF_HDR;

    /** xfs_dir2_node_find_freeblk's scan as written there: the last valid slot whose best is large enough. */
    private static int slotBySlot(byte[] b, int size) {
        int first = (int) Buf.be32(b, 48);
        int n = (int) Buf.be32(b, 52);
        for (int i = n - 1; i >= 0; i--) {
            int best = Buf.be16(b, HDR + 2 * i);
            if (best != FreeIndexBlock.NULL_DATAOFF && best >= size) {
                return first + i;
            }
        }
        return -1;
    }

    @Test
    void theScanFourAtATimeFindsWhatTheScanSlotBySlotFinds() {
        SplittableRandom r = new SplittableRandom(7);
        for (int bs : new int[] {4096, 32768, 65536}) {
            int slots = (bs - HDR) / 2;
            for (int round = 0; round < 3000; round++) {
                byte[] b = new byte[bs];
                int first = r.nextInt(4) * slots;
                int n = r.nextInt(slots + 1);
                Buf.put32(b, 48, first);
                Buf.put32(b, 52, n);
                int cap = bs - 64; // the most a data block can have free
                // Mostly full blocks with few bytes free (a filled directory), some null, some roomy.
                int roomy = r.nextInt(n + 1);
                for (int i = 0; i < n; i++) {
                    int best = r.nextInt(10) == 0 ? FreeIndexBlock.NULL_DATAOFF
                            : i >= roomy && r.nextInt(20) == 0 ? r.nextInt(cap + 1) : r.nextInt(24);
                    Buf.put16(b, HDR + 2 * i, best);
                }
                FreeIndexBlock f = new FreeIndexBlock(0, 0, b);
                for (int size : new int[] {1, 8, 16, 23, 24, 40, 264, 0x7fff, 0x8000, cap, r.nextInt(1, 300)}) {
                    assertEquals(slotBySlot(b, size), f.lastWithRoom(size), "bs " + bs + " n " + n + " size " + size);
                }
            }
        }
    }
}
