package dev.jdax.fs.xfs;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-AG index finds every buffer by the AG its offset falls in, computed without a division:
 * at every AG boundary of devices up to 16 TiB, with AG sizes that are and are not powers of two,
 * and buffers on both sides of each boundary are found by exact, block and range lookups.
 */
class BufIndexTest {
    @Test
    void theAgOfAnOffsetIsTheQuotientAtEveryBoundary() {
        for (long agBlocks : new long[]{16_384, 65_536, 262_143, 1_048_573, 268_435_455}) {
            int agCount = (int) Math.min(4096, (16L << 40) / (agBlocks * 4096) + 1);
            BufIndex index = new BufIndex(4096, agBlocks, agCount);
            long agBytes = agBlocks * 4096;
            for (long ag = 0; ag < agCount; ag++) {
                for (long off : new long[]{ag * agBytes - 1, ag * agBytes, ag * agBytes + 1, ag * agBytes + 4096,
                        (ag + 1) * agBytes - 4096, (ag + 1) * agBytes - 1}) {
                    if (off >= 0) {
                        assertEquals(off / agBytes, index.agOf(off), "offset " + off + ", AG of " + agBlocks + " blocks");
                    }
                }
            }
        }
    }

    @Test
    void buffersAtAgBoundariesAreFoundByEveryLookup() {
        long agBlocks = 1000;   // not a power of two
        long agBytes = agBlocks * 4096;
        BufIndex index = new BufIndex(4096, agBlocks, 4);
        List<MetaEntry> added = new ArrayList<>();
        for (long ag = 1; ag < 4; ag++) {
            added.add(index.add(new MetaEntry(ag * agBytes - 4096, 4096, false, new byte[4096])));
            added.add(index.add(new MetaEntry(ag * agBytes, 4096, false, new byte[4096])));
            added.add(index.add(new MetaEntry(ag * agBytes + 512, 512, false, new byte[512])));
        }
        for (MetaEntry e : added) {
            assertSame(e, index.at(e.key, e.len), "at " + e.key);
            if (e.len == 4096) {
                assertSame(e, index.block(e.key), "block at " + e.key);
            }
            assertTrue(index.overlapping(e.key, e.len).contains(e), "overlapping " + e.key);
            assertTrue(index.startingIn(e.key, e.len).contains(e), "starting in " + e.key);
        }
        assertFalse(index.blockOnly(agBytes, 4096), "an AG's first block holds a sector buffer");
        assertTrue(index.blockOnly(agBytes - 4096, 4096), "the block before it does not");
        assertEquals(9, index.size());
    }

    /**
     * The push lets go of a clean buffer it finds in the ordered map, which a thread caching that
     * buffer puts there before the block table: once a let-go buffer stayed in the table, every
     * later lookup of its block found it detached and looked again, for ever (seen as a thread
     * spinning in MetaCache#adopt). Three threads cache 32 blocks over and over while one lets go
     * of everything it finds; no lookup may find a detached buffer twice in a row for long, and
     * none is left in the table once they stop.
     */
    @Test
    void aBufferLetGoWhileItIsCachedLeavesNoTraceInTheBlockTable() throws Exception {
        BufIndex index = new BufIndex(4096, 1 << 16, 1);
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread pusher = new Thread(() -> {
            while (!stop.get()) {
                for (MetaEntry e : index.all()) {
                    synchronized (e) {
                        if (!e.detached) {
                            e.detached = true;
                            index.remove(e);
                        }
                    }
                }
            }
        });
        List<Thread> cachers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            cachers.add(new Thread(() -> {
                try {
                    for (int round = 0; round < 20_000; round++) {
                        for (long b = 0; b < 32; b++) {
                            cache(index, b * 4096);
                        }
                    }
                } catch (Throwable x) {
                    failures.add(x);
                }
            }));
        }
        pusher.start();
        cachers.forEach(Thread::start);
        for (Thread c : cachers) {
            c.join();
        }
        stop.set(true);
        pusher.join();
        assertEquals(List.of(), failures);
        for (long b = 0; b < 32; b++) {
            MetaEntry e = index.block(b * 4096);
            assertTrue(e == null || !e.detached, "block " + b + " left detached in the block table");
        }
    }

    /** MetaCache#adopt's loop, which may look again only while a let-go buffer is being taken out. */
    private static void cache(BufIndex index, long off) {
        for (int tries = 0; ; tries++) {
            MetaEntry e = index.block(off);
            if (e == null) {
                e = index.add(new MetaEntry(off, 4096, false, new byte[4096]));
            }
            synchronized (e) {
                if (!e.detached) {
                    return;
                }
            }
            if (tries > 1_000_000) {
                throw new AssertionError("block at " + off + ": a detached buffer found 1,000,000 times");
            }
            Thread.onSpinWait();
        }
    }
}
