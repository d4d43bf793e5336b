package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where the cached metadata buffers are, one index per AG as Linux hashes its buffers per AG
 * ({@code pag_buf_hash}): threads working in different AGs never write to the same table, bin or
 * counter, where one index for the file system made every lookup of one thread a cache miss on
 * lines the other had just changed (two threads creating in two AGs ran 1.3x one). A metadata
 * buffer never spans AGs, so the AG of its first byte is its index.
 *
 * <p>In each AG: by device offset for ranges, and by block number for the whole-block buffers that
 * nearly every read and write is about, so that those are one hash lookup without a walk of the
 * neighbours. Buffers smaller than a block (AG header sectors) are hashed by offset too, since
 * nearly every transaction writes its AG's AGF or AGI, and the blocks that hold one are remembered
 * so that a block read knows when it must look at ranges.
 */
final class BufIndex {
    private final int blockSize;
    private final int blockShift;
    private final long agBytes;
    /** 1 / agBytes: the AG of an offset by a multiply, not a 64-bit division per lookup. */
    private final double perAgByte;
    private final Shard[] shards;
    private final Collection<MetaEntry> all;

    /** The buffers of one AG. */
    private static final class Shard {
        /** The longest buffer ever cached here: a read looks that far back for buffers that overlap it. */
        volatile int maxLen = 1;
        /** The whole-block buffers by offset. */
        final EntryTable blocks = new EntryTable();
        /** The buffers that are not whole blocks, by offset. */
        final EntryTable sectors = new EntryTable();
        /**
         * The blocks that hold a buffer that is not a whole block, in no order; never shrinks. Only
         * AG headers are such buffers (the superblock, AGF, AGI and AGFL sectors), so this holds a
         * block or two, and every block lookup reads it: a scan of an array, not a hash lookup of
         * a boxed key.
         */
        volatile long[] partial = new long[0];
        final ConcurrentSkipListMap<Long, MetaEntry> bufs = new ConcurrentSkipListMap<>();

        synchronized void growReach(int len) {
            maxLen = Math.max(maxLen, len);
        }

        boolean partial(long block) {
            for (long b : partial) {
                if (b == block) {
                    return true;
                }
            }
            return false;
        }

        synchronized void addPartial(long block) {
            if (!partial(block)) {
                long[] more = Arrays.copyOf(partial, partial.length + 1);
                more[partial.length] = block;
                partial = more;
            }
        }
    }

    /**
     * @param blockSize the file system's block size
     * @param agBlocks  blocks per AG ({@code sb_agblocks}; the last AG may be shorter)
     * @param agCount   the AGs
     */
    BufIndex(int blockSize, long agBlocks, int agCount) {
        this.blockSize = blockSize;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
        this.agBytes = agBlocks * blockSize;
        this.perAgByte = 1.0 / agBytes;
        this.shards = new Shard[agCount];
        List<Collection<MetaEntry>> views = new ArrayList<>();
        for (int i = 0; i < agCount; i++) {
            shards[i] = new Shard();
            views.add(shards[i].bufs.values());
        }
        this.all = Joined.of(views);
    }

    private Shard shard(long off) {
        return shards[(int) Math.min(agOf(off), shards.length - 1)];
    }

    /**
     * {@code off / agBytes} without a division: the product of {@code off} and the reciprocal is
     * within one of the quotient for any offset a device has (below 2^52), and is corrected here.
     */
    long agOf(long off) {
        long q = (long) (off * perAgByte);
        long rest = off - q * agBytes;
        if (rest < 0) {
            return q - 1;
        }
        return rest >= agBytes ? q + 1 : q;
    }

    int size() {
        return all.size();
    }

    /** Every cached buffer, AG by AG (a live view). */
    Collection<MetaEntry> all() {
        return all;
    }

    /**
     * Whether the only cached buffer that can overlap {@code [off, off + len)} is the entry of
     * that very block ({@link #block}): a whole, aligned block, no buffer in its AG ever longer
     * than one, and no sector buffer inside it.
     */
    boolean blockOnly(long off, int len) {
        if (!wholeBlock(off, len)) {
            return false;
        }
        Shard s = shard(off);
        return s.maxLen <= blockSize && !s.partial(blockKey(off));
    }

    /** The whole-block buffer at {@code off}, or null. */
    MetaEntry block(long off) {
        return shard(off).blocks.get(off);
    }

    /**
     * The buffer cached at exactly {@code off} with {@code len} bytes' key, or null. The hashes
     * first; the ordered map when they miss (a buffer being added is in it before them).
     */
    MetaEntry at(long off, int len) {
        Shard s = shard(off);
        MetaEntry e = wholeBlock(off, len) ? s.blocks.get(off) : s.sectors.get(off);
        return e != null ? e : s.bufs.get(off);
    }

    /** Every cached buffer that may overlap {@code [off, off + len)} (the caller checks the overlap). */
    Collection<MetaEntry> overlapping(long off, int len) {
        return inRange(off, off + len, true);
    }

    /** The buffers that start in {@code [off, off + len)}. */
    Collection<MetaEntry> startingIn(long off, long len) {
        return inRange(off, off + len, false);
    }

    /**
     * The buffers of each AG that {@code [off, end)} touches that start before {@code end} and at or
     * after the range's part in that AG, or, with {@code reachBack}, as far before it as the AG's
     * longest buffer reaches (never into the AG before: no buffer spans AGs).
     */
    private Collection<MetaEntry> inRange(long off, long end, boolean reachBack) {
        List<Collection<MetaEntry>> parts = new ArrayList<>(1);
        for (long from = off; from < end; ) {
            Shard s = shard(from);
            long agStart = agOf(from) * agBytes;
            long low = reachBack ? Math.max(from - s.maxLen + 1, agStart) : from;
            parts.add(s.bufs.subMap(low, end).values());
            from = agStart + agBytes;
        }
        return Joined.of(parts);
    }

    /**
     * Caches {@code fresh} unless another buffer got there first; returns the one cached, which
     * may already be let go (detached) when this returns: the caller looks again then.
     */
    MetaEntry add(MetaEntry fresh) {
        long off = fresh.key;
        Shard s = shard(off);
        boolean whole = wholeBlock(off, fresh.len);
        if (fresh.len > s.maxLen) {
            s.growReach(fresh.len);
        }
        if (!whole) {
            s.addPartial(blockKey(off));
        }
        MetaEntry e = s.bufs.putIfAbsent(off, fresh);
        if (e != null) {
            return e;
        }
        // A push may find fresh in the ordered map and let it go before it is in the hash table:
        // under its monitor, where entries are let go and taken out, it goes in only while it is
        // cached. Put in after its removal, it would stay there detached, and every lookup of its
        // block would find it and look again for ever (or, put over a successor, hide that one).
        synchronized (fresh) {
            if (!fresh.detached) {
                (whole ? s.blocks : s.sectors).put(fresh);
            }
        }
        return fresh;
    }

    void remove(MetaEntry e) {
        Shard s = shard(e.key);
        s.bufs.remove(e.key, e);
        (wholeBlock(e.key, e.len) ? s.blocks : s.sectors).remove(e);
    }

    /** A block's number: how {@code partial} names the blocks that hold sector buffers. */
    private long blockKey(long off) {
        return off >>> blockShift;
    }

    private boolean wholeBlock(long off, int len) {
        return len == blockSize && (off & (blockSize - 1)) == 0;
    }
}
