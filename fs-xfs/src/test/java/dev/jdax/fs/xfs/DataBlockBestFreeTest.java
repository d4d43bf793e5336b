package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.jdax.fs.xfs.Buf.be16;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The bestfree table of a directory data block, kept by each entry added or freed instead of a
 * scan, stays what the kernel's verifier (__xfs_dir3_data_check) and xfs_repair's freeseen check
 * accept after every step of thousands of random adds and frees: three longest free regions,
 * longest first, each a real free region of its length, none outside longer than the last, empty
 * slots zero. Both data areas: a whole block, and one that ends where a block directory's leaf
 * begins.
 */
class DataBlockBestFreeTest {
    @ParameterizedTest
    @ValueSource(ints = {0, 1024})
    void theTableHoldsTheLongestRegionsAfterEveryChange(int leafBytes) throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.made(dev);
            XfsDisk disk = m.format().disk();
            DataBlockEdits edits = new DataBlockEdits(disk);
            boolean ftype = disk.sb().hasFtype();
            int end = disk.blockSize() - leafBytes;
            byte[] b = edits.emptyBlock(99, 1000);
            DataBlockEdits.unused(b, DataBlock.HDR_SIZE, end - DataBlock.HDR_SIZE);
            edits.bestFree(b, end);

            Random r = new Random(7);
            List<Integer> live = new ArrayList<>();
            for (int step = 0; step < 20_000; step++) {
                int namelen = 1 + r.nextInt(r.nextBoolean() ? 12 : 60);
                boolean add = live.isEmpty() || (r.nextInt(100) < 55
                        && DataBlockEdits.longest(b) >= DataBlock.entrySize(namelen, ftype));
                String what;
                if (add) {
                    byte[] name = new byte[namelen];
                    Arrays.fill(name, (byte) 'a');
                    live.add(edits.insertEntry(b, new DirRecord(name, 1000 + step, DirRecord.FT_REG_FILE), end));
                    what = "add of " + namelen + " bytes";
                } else {
                    int off = live.remove(r.nextInt(live.size()));
                    edits.freeEntry(b, off, end);
                    what = "free at " + off;
                }
                String bad = check(b, end, ftype);
                assertNull(bad, "step " + step + " (" + what + "): " + bad);
                byte[] scanned = b.clone();
                edits.bestFree(scanned, end);
                if (be16(scanned, 50) != DataBlockEdits.longest(b)) {
                    fail("step " + step + ": longest " + DataBlockEdits.longest(b) + ", a scan finds " + be16(scanned, 50));
                }
            }
            m.fs().close();
        }
    }

    /** What the kernel's verifier would refuse in the data area's free regions and table, or null. */
    private static String check(byte[] b, int end, boolean ftype) {
        int[] off = new int[3];
        int[] len = new int[3];
        for (int s = 0; s < 3; s++) {
            off[s] = be16(b, 48 + 4 * s);
            len[s] = be16(b, 50 + 4 * s);
            if (len[s] == 0 && off[s] != 0) {
                return "slot " + s + " empty with offset " + off[s];
            }
        }
        if (len[0] < len[1] || len[1] < len[2]) {
            return "lengths out of order: " + len[0] + " " + len[1] + " " + len[2];
        }
        int seen = 0;
        for (int s = 0; s < 3; s++) {
            if (len[s] == 0) {
                seen |= 1 << s;
            }
        }
        for (int pos = DataBlock.HDR_SIZE; pos < end; ) {
            if (be16(b, pos) == 0xffff) {
                int l = be16(b, pos + 2);
                if (be16(b, pos + l - 2) != pos) {
                    return "free region at " + pos + " has tag " + be16(b, pos + l - 2);
                }
                int slot = -1;
                for (int s = 0; s < 3; s++) {
                    if (len[s] != 0 && off[s] == pos) {
                        slot = s;
                    }
                }
                if (slot >= 0) {
                    if (len[slot] != l) {
                        return "slot " + slot + " says " + len[slot] + " bytes at " + pos + ", the region has " + l;
                    }
                    seen |= 1 << slot;
                } else if (l > len[2]) {
                    return "free region of " + l + " at " + pos + " not in a table whose last is " + len[2];
                }
                pos += l;
            } else {
                pos += DataBlock.entrySize(Buf.u8(b, pos + 8), ftype);
            }
        }
        return seen == 7 ? null : "slots naming no free region: seen " + Integer.toBinaryString(seen);
    }
}
