package dev.jdax.fs.xfs;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where the cached metadata buffers are: by device offset for ranges, and by block number for the
 * whole-block buffers that nearly every read and write is about, so that those are one hash
 * lookup without a walk of the neighbours. Buffers smaller than a block (AG header sectors) are
 * hashed by offset too, since nearly every transaction writes its AG's AGF or AGI, and the blocks
 * that hold one are remembered so that a block read knows when it must look at ranges.
 */
final class BufIndex {
    private final int blockSize;
    /** The longest buffer ever cached: a read looks that far back for buffers that overlap it. */
    private volatile int maxLen = 1;
    /** The whole-block buffers by block number ({@link #blockKey}). */
    private final ConcurrentHashMap<Long, MetaEntry> blocks = new ConcurrentHashMap<>();
    /** The buffers that are not whole blocks, by offset. */
    private final ConcurrentHashMap<Long, MetaEntry> sectors = new ConcurrentHashMap<>();
    /** The blocks ({@link #blockKey}) that hold a buffer that is not a whole block; never shrinks. */
    private final Set<Long> partial = ConcurrentHashMap.newKeySet();
    private final ConcurrentSkipListMap<Long, MetaEntry> bufs = new ConcurrentSkipListMap<>();

    BufIndex(int blockSize) {
        this.blockSize = blockSize;
    }

    int size() {
        return bufs.size();
    }

    Collection<MetaEntry> all() {
        return bufs.values();
    }

    /**
     * Whether the only cached buffer that can overlap {@code [off, off + len)} is the entry of
     * that very block ({@link #block}): a whole, aligned block, no buffer ever longer than one,
     * and no sector buffer inside it.
     */
    boolean blockOnly(long off, int len) {
        return wholeBlock(off, len) && maxLen <= blockSize && !partialWithin(off);
    }

    /** The whole-block buffer at {@code off}, or null. */
    MetaEntry block(long off) {
        return blocks.get(blockKey(off));
    }

    /**
     * The buffer cached at exactly {@code off} with {@code len} bytes' key, or null. The hashes
     * first; the ordered map when they miss (a buffer being added is in it before them).
     */
    MetaEntry at(long off, int len) {
        MetaEntry e = wholeBlock(off, len) ? blocks.get(blockKey(off)) : sectors.get(off);
        return e != null ? e : bufs.get(off);
    }

    /** Every cached buffer that may overlap {@code [off, off + len)} (the caller checks the overlap). */
    Collection<MetaEntry> overlapping(long off, int len) {
        return bufs.subMap(off - maxLen + 1, off + len).values();
    }

    /** The buffers that start in {@code [off, off + len)}. */
    Collection<MetaEntry> startingIn(long off, long len) {
        return bufs.subMap(off, off + len).values();
    }

    /** Caches {@code fresh} unless another buffer got there first; returns the one cached. */
    MetaEntry add(MetaEntry fresh) {
        long off = fresh.key;
        boolean whole = wholeBlock(off, fresh.len);
        if (fresh.len > maxLen) {
            growReach(fresh.len);
        }
        if (!whole) {
            partial.add(blockKey(off));
        }
        MetaEntry e = bufs.putIfAbsent(off, fresh);
        if (e != null) {
            return e;
        }
        if (whole) {
            blocks.put(blockKey(off), fresh);
        } else {
            sectors.put(off, fresh);
        }
        return fresh;
    }

    void remove(MetaEntry e) {
        bufs.remove(e.key, e);
        if (wholeBlock(e.key, e.len)) {
            blocks.remove(blockKey(e.key), e);
        } else {
            sectors.remove(e.key, e);
        }
    }

    private synchronized void growReach(int len) {
        maxLen = Math.max(maxLen, len);
    }

    /**
     * The key of a block in {@link #blocks}: its number, not its byte offset, whose low twelve
     * bits are zero and whose hash would put sixteen neighbouring blocks in one bin.
     */
    private long blockKey(long off) {
        return off / blockSize;
    }

    private boolean wholeBlock(long off, int len) {
        return len == blockSize && (off & (blockSize - 1)) == 0;
    }

    /**
     * Whether a buffer smaller than a block lies in the block at {@code off} (aligned); such
     * buffers are sectors, which never cross a block's end, so the block that starts one holds it.
     */
    private boolean partialWithin(long off) {
        return !partial.isEmpty() && partial.contains(blockKey(off));
    }
}
