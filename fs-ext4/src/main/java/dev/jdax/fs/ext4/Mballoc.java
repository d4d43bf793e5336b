package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.PerCpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Where new blocks go, decided as Linux 6.1's multiblock allocator (fs/ext4/mballoc.c) decides on a
 * file system of fewer than 16 groups (linear group scans; mb_optimize_scan's order lists are not
 * followed on bigger ones): ext4_mb_group_or_file picks the inode's preallocation (stream) or the
 * locality group's (small files, up to {@code s_mb_stream_request} blocks); ext4_mb_use_preallocated
 * serves from a preallocation; ext4_mb_normalize_request rounds a file's request up to its size
 * class; ext4_mb_regular_allocator tries the goal, then scans the groups from the goal's (the stream
 * goal for stream allocations) at criteria 0 (a whole buddy chunk of the request's order) to 3
 * (anything), and what it found beyond the request becomes a preallocation.
 *
 * <p>A group's buddy counts as loaded only after something loaded it, as on pmem, where a block
 * bitmap read completes at once and the prefetch never initialises a buddy (ext4_mb_prefetch counts
 * no I/O): the first group of a flex group, a BLOCK_UNINIT group, the goal's group when the goal is
 * tried, any group at criterion 2 or later, and a group some blocks were freed in. Criteria 0 and 1
 * pass the others by, which is why Linux's first files land in group 0 (and, without flex_bg, why
 * the first allocation is made at criterion 2).
 *
 * <p>With bigalloc mballoc works in clusters as Linux's does: a request's and a preallocation's
 * lengths, group offsets and the buddy are bitmap bits (EXT4_B2C / EXT4_C2B at the edges), while
 * logical starts, physical starts and goals stay blocks; the locality group's preallocation is
 * {@code max(512 >> cluster_bits, 32)} clusters, the stream threshold 16 blocks. Without bigalloc
 * a bit is a block. Thread safety: the caller holds the
 * inode's i_data_sem exclusively; group state under the group's lock; preallocations under their
 * owner's monitor (i_prealloc_lock, lg_prealloc_lock), never held while a lock is taken.
 */
final class Mballoc {
    /** s_mb_stream_request: files up to this many blocks use the locality group. */
    static final int STREAM_REQUEST = 16;
    /** MB_DEFAULT_GROUP_PREALLOC: s_mb_group_prealloc is this many blocks' worth of clusters, at least 32. */
    private static final int GROUP_PREALLOC = 512;
    private static final int MAX_TO_SCAN = 200;
    private static final int MIN_TO_SCAN = 10;
    private static final int ORDER2_REQS = 2;
    /** EXT4_FLEX_SIZE_DIR_ALLOC_SCHEME. */
    private static final int FLEX_DIR_SCHEME = 4;
    /** EXT_MAX_BLOCKS. */
    private static final long MAX_BLOCKS = 0xffffffffL;

    static final int DATA = 1;
    static final int NOPREALLOC = 2;
    private static final int TRY_GOAL = 4;
    private static final int STREAM = 8;
    private static final int GROUP_ALLOC = 16;
    private static final int FIRST = 32;

    /**
     * One request ({@code struct ext4_allocation_request}): {@code len} bits for file block
     * {@code logical} near {@code goal} (with bigalloc: clusters, {@code logical} and {@code goal}
     * at the start of theirs, as ext4_ext_map_blocks subtracts the offset); the neighbours' logical and physical blocks (0 when none);
     * the file's size in bytes and whether it is open for writing; the inode's preallocations (null
     * for metadata).
     */
    record Request(long goal, long logical, int len, long lleft, long pleft, long lright, long pright, int flags,
                   long isize, boolean openForWrite, List<Prealloc> inodePa) {
    }

    private final Ext4Allocator alloc;
    /** EXT4_CLUSTER_BITS (0 without bigalloc). */
    private final int cbits;
    /** s_mb_group_prealloc, in clusters. */
    private final int groupPrealloc;
    private final int maxOrder;
    private final int flexSize;
    private final boolean[] loaded;
    private final List<List<Prealloc>> groupPa = new ArrayList<>();
    private final Prealloc.LocalityGroup[] lgs;
    private final Object streamLock = new Object();
    private int lastGroup;
    private int lastStart;

    Mballoc(Ext4Allocator alloc, int bitmapBytes, int logGroupsPerFlex, int groups, int cbits) {
        this.alloc = alloc;
        this.cbits = cbits;
        this.groupPrealloc = Math.max(GROUP_PREALLOC >> cbits, 32);
        this.maxOrder = Buddy.maxOrder(bitmapBytes);
        this.flexSize = 1 << logGroupsPerFlex;
        this.loaded = new boolean[groups];
        for (int g = 0; g < groups; g++) {
            groupPa.add(new ArrayList<>());
        }
        this.lgs = new Prealloc.LocalityGroup[PerCpu.CPUS];
        for (int i = 0; i < lgs.length; i++) {
            lgs[i] = new Prealloc.LocalityGroup();
        }
    }

    /** The allocation context ({@code struct ext4_allocation_context}): original, goal and best extents. */
    private static final class Ac {
        long oLogical;
        int oGroup;
        int oStart;
        int oLen;
        long gLogical;
        int gGroup;
        int gStart;
        int gLen;
        int bGroup;
        int bStart;
        int bLen;
        int flags;
        int order2;
        int found;
        boolean done;
        boolean stop;
        Prealloc.LocalityGroup lg;
        /** Locality-group preallocations trimmed from a full list, given back once no lock is held. */
        final List<Prealloc> trimmed = new ArrayList<>();
    }

    /** Group {@code g}'s buddy was loaded (ext4_mb_load_buddy): freeing blocks there does it. Under its lock. */
    void loadedBy(int g) {
        loaded[g] = true;
    }

    /** ext4_mb_new_blocks: {first block, blocks}, at most {@code r.len()} bits' worth; ENOSPC when nothing is free. */
    long[] newBlocks(Request r) throws FsException {
        for (int retry = 0; ; retry++) {
            Ac ac = context(r);
            if (!usePreallocated(ac, r)) {
                normalize(ac, r);
                regular(ac, r);
            }
            for (Prealloc pa : ac.trimmed) {
                alloc.blockLock(pa.group).lock();
                try {
                    release(pa);
                } finally {
                    alloc.blockLock(pa.group).unlock();
                }
            }
            if (ac.done) {
                return new long[] {block(ac.bGroup, ac.bStart), c2b(ac.bLen)};
            }
            if (retry >= 2 || discardAll() == 0) {
                throw FsException.of(Errno.ENOSPC, "ext4: no %d free blocks near block %d", r.len(), r.goal());
            }
        }
    }

    /** ext4_mb_initialize_context with ext4_mb_group_or_file. */
    private Ac context(Request r) {
        Ac ac = new Ac();
        long goal = r.goal();
        if (goal < alloc.groupStart(0) || goal >= alloc.blocksCount()) {
            goal = alloc.groupStart(0);
        }
        ac.oLogical = r.logical() >>> cbits << cbits;
        ac.oGroup = alloc.groupOf(goal);
        ac.oStart = bitIn(ac.oGroup, goal);
        ac.oLen = Math.min(r.len(), alloc.clustersPerGroup());
        ac.gLogical = ac.oLogical;
        ac.gGroup = ac.oGroup;
        ac.gStart = ac.oStart;
        ac.gLen = ac.oLen;
        ac.flags = r.flags();
        if ((ac.flags & DATA) == 0) {
            return ac;
        }
        long isize = (r.isize() + (1L << alloc.log2BlockSize()) - 1) >> alloc.log2BlockSize();
        long size = ac.oLogical + c2b(ac.oLen);
        boolean inodeEligible = !(size == isize && !r.openForWrite());
        size = Math.max(size, isize);
        if (size > STREAM_REQUEST) {
            ac.flags |= inodeEligible ? STREAM : NOPREALLOC;
            return ac;
        }
        ac.lg = lgs[PerCpu.slot(lgs.length)]; // raw_cpu_ptr(s_locality_groups)
        ac.flags |= GROUP_ALLOC;
        return ac;
    }

    /** ext4_mb_use_preallocated: the inode's preallocation covering the block, else the locality group's nearest. */
    private boolean usePreallocated(Ac ac, Request r) throws FsException {
        if ((ac.flags & DATA) == 0) {
            return false;
        }
        if (r.inodePa() != null) {
            Prealloc pa = null;
            synchronized (r.inodePa()) {
                for (Prealloc p : r.inodePa()) {
                    if (ac.oLogical >= p.lstart && ac.oLogical < p.lend() && !p.deleted && p.free > 0) {
                        pa = p;
                        break;
                    }
                }
            }
            if (pa != null) {
                return takeFromInodePa(ac, pa);
            }
        }
        if ((ac.flags & GROUP_ALLOC) == 0) {
            return false;
        }
        int order = Math.min(fls(ac.oLen) - 1, Prealloc.LocalityGroup.TB_SIZE - 1);
        long goal = block(ac.gGroup, ac.gStart);
        Prealloc best = null;
        synchronized (ac.lg) {
            for (int i = order; i < Prealloc.LocalityGroup.TB_SIZE; i++) {
                for (Prealloc p : ac.lg.lists[i]) {
                    // ext4_mb_check_group_pa: the nearest to the goal, the first of equals.
                    if (!p.deleted && p.free >= ac.oLen
                            && (best == null || Math.abs(goal - p.pstart) < Math.abs(goal - best.pstart))) {
                        best = p;
                    }
                }
            }
        }
        return best != null && takeFromGroupPa(ac, best);
    }

    /** ext4_mb_use_inode_pa: the blocks at the request's distance from the preallocation's start. */
    private boolean takeFromInodePa(Ac ac, Prealloc pa) throws FsException {
        alloc.blockLock(pa.group).lock();
        try {
            long start;
            int n;
            synchronized (pa.owner) {
                if (pa.deleted || pa.free == 0) {
                    return false;
                }
                start = pa.pstart + (ac.oLogical - pa.lstart);
                n = b2cUp(Math.min(pa.pend(), start + c2b(ac.oLen)) - start);
                pa.free -= n;
            }
            use(ac, pa.group, bitIn(pa.group, start), n);
            return true;
        } finally {
            alloc.blockLock(pa.group).unlock();
        }
    }

    /** ext4_mb_use_group_pa and its correction in ext4_mb_release_context: the front of a locality group's preallocation. */
    private boolean takeFromGroupPa(Ac ac, Prealloc pa) throws FsException {
        alloc.blockLock(pa.group).lock();
        try {
            long start;
            synchronized (pa.owner) {
                if (pa.deleted || pa.free < ac.oLen) {
                    return false;
                }
                start = pa.pstart;
                shrinkFront(pa, ac.oLen);
                relist(ac, pa);
            }
            if (pa.free == 0) {
                groupPa.get(pa.group).remove(pa);
            }
            use(ac, pa.group, bitIn(pa.group, start), ac.oLen);
            return true;
        } finally {
            alloc.blockLock(pa.group).unlock();
        }
    }

    /** ext4_mb_release_context's correction: a locality group's preallocation loses its first {@code n} bits. Under its owner's monitor. */
    private void shrinkFront(Prealloc pa, int n) {
        pa.pstart += c2b(n);
        pa.lstart += c2b(n);
        pa.free -= n;
        pa.len -= n;
    }

    /** Bits held for a preallocation become the file's: set on disk. Under the group's lock. */
    private void use(Ac ac, int g, int start, int n) throws FsException {
        GroupBits bits = alloc.bitsOf(g);
        bits.hold(start, start + n, false);
        alloc.take(g, bits, start, n);
        ac.bGroup = g;
        ac.bStart = start;
        ac.bLen = n;
        ac.done = true;
    }

    /**
     * ext4_mb_add_n_trim: a locality group's preallocation filed again by its free bits, after those
     * with fewer; a list grown past 8 sheds its last ones down to 5. Under the locality group's monitor.
     */
    private static void relist(Ac ac, Prealloc pa) {
        Prealloc.LocalityGroup lg = ac.lg;
        for (List<Prealloc> l : lg.lists) {
            l.remove(pa);
        }
        if (pa.free == 0) {
            pa.deleted = true;
            return;
        }
        List<Prealloc> list = lg.lists[Math.min(fls(pa.free) - 1, Prealloc.LocalityGroup.TB_SIZE - 1)];
        int at = 0;
        while (at < list.size() && list.get(at).free <= pa.free) {
            at++;
        }
        list.add(at, pa);
        if (list.size() > 8) {
            // ext4_mb_discard_lg_preallocations: from the end, until 5 are left.
            while (list.size() > 5) {
                Prealloc gone = list.removeLast();
                gone.deleted = true;
                ac.trimmed.add(gone);
            }
        }
    }

    /** ext4_mb_normalize_request: a file's request rounded up to its predicted size, clear of its neighbours and preallocations. */
    private void normalize(Ac ac, Request r) {
        if ((ac.flags & DATA) == 0 || (ac.flags & NOPREALLOC) != 0) {
            return;
        }
        if ((ac.flags & GROUP_ALLOC) != 0) {
            ac.gLen = groupPrealloc;
            return;
        }
        int bsbits = alloc.log2BlockSize();
        long size = Math.max((ac.oLogical + c2b(ac.oLen)) << bsbits, r.isize());
        long max = 2L << bsbits; // NRL_CHECK_SIZE's "max": on 4 KiB blocks every request past 8 MiB takes the 8 MiB class
        long startOff = 0;
        long[] classes = {16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20};
        long chosen = -1;
        for (long c : classes) {
            if (size <= c) {
                chosen = c;
                break;
            }
        }
        if (chosen > 0) {
            size = chosen;
        } else if (size <= 4L << 20 || max <= 2 << 10) {
            startOff = (ac.oLogical >> (21 - bsbits)) << 21;
            size = 2L << 20;
        } else if (size <= 8L << 20 || max <= 4 << 10) {
            startOff = (ac.oLogical >> (22 - bsbits)) << 22;
            size = 4L << 20;
        } else if (ac.oLen <= (8L << 20) >> bsbits || max <= 8 << 10) {
            startOff = (ac.oLogical >> (23 - bsbits)) << 23;
            size = 8L << 20;
        } else {
            startOff = ac.oLogical << bsbits;
            size = c2b(ac.oLen) << bsbits;
        }
        size >>= bsbits;
        long start = Math.max(startOff >> bsbits, ac.oLogical - ac.oLogical % alloc.blocksPerGroup());
        if (start + size > MAX_BLOCKS) {
            size = MAX_BLOCKS - start;
        }
        if (r.pleft() != 0 && start <= r.lleft()) {
            size -= r.lleft() + 1 - start;
            start = r.lleft() + 1;
        }
        if (r.pright() != 0 && start + size - 1 >= r.lright()) {
            size -= start + size - r.lright();
        }
        size = Math.min(size, alloc.blocksPerGroup());
        long end = start + size;
        if (r.inodePa() != null) {
            synchronized (r.inodePa()) {
                for (Prealloc pa : r.inodePa()) {
                    if (pa.deleted || pa.lstart >= end || pa.lend() <= start) {
                        continue;
                    }
                    if (pa.lend() <= ac.oLogical) {
                        start = pa.lend();
                    } else if (pa.lstart > ac.oLogical) {
                        end = pa.lstart;
                    }
                }
            }
        }
        size = end - start;
        ac.gLogical = start;
        ac.gLen = b2cUp(size);
        if (r.pright() != 0 && r.lright() == start + size && r.pright() >= size
                && r.pright() - size >= alloc.groupStart(0)) {
            goal(ac, r.pright() - size);
        }
        if (r.pleft() != 0 && r.lleft() + 1 == start && r.pleft() + 1 < alloc.blocksCount()) {
            goal(ac, r.pleft() + 1);
        }
    }

    private void goal(Ac ac, long block) {
        ac.gGroup = alloc.groupOf(block);
        ac.gStart = bitIn(ac.gGroup, block);
        ac.flags |= TRY_GOAL;
    }

    /** ext4_mb_regular_allocator. */
    private void regular(Ac ac, Request r) throws FsException {
        int n = alloc.groupCount();
        if ((ac.flags & TRY_GOAL) != 0) {
            findByGoal(ac, r);
            if (ac.done) {
                return;
            }
        }
        int i = fls(ac.gLen);
        ac.order2 = 0;
        if (i >= ORDER2_REQS && i <= maxOrder + 1 && (ac.gLen & ~(1 << (i - 1))) == 0) {
            ac.order2 = i - 1;
        }
        if ((ac.flags & STREAM) != 0) {
            synchronized (streamLock) {
                ac.gGroup = lastGroup;
                ac.gStart = lastStart;
            }
        }
        int cr = ac.order2 > 0 ? 0 : 1;
        while (true) {
            for (; cr < 4 && !ac.done && !ac.stop; cr++) {
                int g = ac.gGroup >= n ? 0 : ac.gGroup;
                for (int k = 0; k < n && !ac.done && !ac.stop; k++, g = (g + 1) % n) {
                    scanGroup(ac, r, g, cr);
                }
            }
            if (ac.done || ac.bLen == 0 || (ac.flags & FIRST) != 0) {
                return;
            }
            tryBestFound(ac, r);
            if (ac.done) {
                return;
            }
            // Someone took the best chunk meanwhile: take the first free bits anywhere.
            ac.bLen = 0;
            ac.stop = false;
            ac.flags |= FIRST;
            cr = 3;
        }
    }

    /** One group at one criterion: ext4_mb_good_group_nolock, ext4_mb_good_group, then the scan. */
    private void scanGroup(Ac ac, Request r, int g, int cr) throws FsException {
        alloc.blockLock(g).lock();
        try {
            int free = bbFree(g);
            if (free == 0 || (cr <= 2 && free < ac.gLen)) {
                return;
            }
            if (!loaded[g]) {
                // Its buddy is not ready: no point at the optimistic criteria, unless it is the first
                // group of a flex group (metadata goes there) or BLOCK_UNINIT (nothing to read).
                boolean flexFirst = flexSize > 1 && (g & (flexSize - 1)) == 0;
                if (cr < 2 && !flexFirst && !alloc.blockUninit(g)) {
                    return;
                }
                loaded[g] = true;
            }
            GroupBits bits = alloc.bitsOf(g);
            Buddy.Stats st = Buddy.stats(bits, maxOrder);
            if (!goodGroup(ac, g, cr, free, st)) {
                return;
            }
            if (cr == 0) {
                simpleScan(ac, r, g, bits);
            } else {
                complexScan(ac, r, g, bits, free);
            }
        } finally {
            alloc.blockLock(g).unlock();
        }
    }

    /** bb_free: the group's free bits as the buddy sees them (busy and preallocated ones are used). Under its lock. */
    private int bbFree(int g) throws FsException {
        if (!loaded[g]) {
            return alloc.descFree(g);
        }
        GroupBits bits = alloc.bitsOf(g);
        return alloc.descFree(g) - bits.heldCount() - bits.busyCount();
    }

    /** ext4_mb_good_group. */
    private boolean goodGroup(Ac ac, int g, int cr, int free, Buddy.Stats st) {
        if (st.fragments() == 0) {
            return false;
        }
        return switch (cr) {
            case 0 -> !((ac.flags & DATA) != 0 && flexSize >= FLEX_DIR_SCHEME && g % flexSize == 0)
                    && free >= ac.gLen && st.largestOrder() >= ac.order2;
            case 1 -> free / st.fragments() >= ac.gLen;
            case 2 -> free >= ac.gLen;
            default -> true;
        };
    }

    /** ext4_mb_find_by_goal: the goal itself, when as many bits as wanted are free from it. */
    private void findByGoal(Ac ac, Request r) throws FsException {
        int g = ac.gGroup;
        alloc.blockLock(g).lock();
        try {
            if (bbFree(g) == 0) {
                return;
            }
            loaded[g] = true;
            GroupBits bits = alloc.bitsOf(g);
            int max = Buddy.findExtent(bits, ac.gStart, ac.gLen, maxOrder);
            if (max >= ac.gLen) {
                ac.found++;
                bestFound(ac, r, g, ac.gStart, max);
            }
        } finally {
            alloc.blockLock(g).unlock();
        }
    }

    /** ext4_mb_simple_scan_group: the first whole buddy chunk of the request's order or larger. */
    private void simpleScan(Ac ac, Request r, int g, GroupBits bits) throws FsException {
        for (int i = ac.order2; i <= maxOrder; i++) {
            int k = Buddy.firstChunk(bits, i, maxOrder);
            if (k >= 0) {
                ac.found++;
                bestFound(ac, r, g, k, 1 << i);
                return;
            }
        }
    }

    /** ext4_mb_complex_scan_group: every free extent of the group measured, from its first free bit. */
    private void complexScan(Ac ac, Request r, int g, GroupBits bits, int free) throws FsException {
        int i = bits.firstFree(0, bits.bits());
        while (free > 0 && i >= 0 && !ac.done && !ac.stop) {
            int len = Buddy.findExtent(bits, i, ac.gLen, maxOrder);
            if (len <= 0 || free < len) {
                break;
            }
            measure(ac, r, g, i, len, bits);
            i = bits.firstFree(i + len, bits.bits());
            free -= len;
        }
        checkLimits(ac, r, g, bits, true);
    }

    /** ext4_mb_measure_extent: exactly the goal's length is taken; otherwise the best so far kept. */
    private void measure(Ac ac, Request r, int g, int start, int len, GroupBits bits) throws FsException {
        ac.found++;
        if ((ac.flags & FIRST) != 0 || len == ac.gLen) {
            bestFound(ac, r, g, start, len);
            return;
        }
        if (ac.bLen == 0) {
            best(ac, g, start, len);
            return;
        }
        if (ac.bLen < ac.gLen) {
            if (len > ac.bLen) {
                best(ac, g, start, len);
            }
        } else if (len > ac.gLen && len < ac.bLen) {
            best(ac, g, start, len);
        }
        checkLimits(ac, r, g, bits, false);
    }

    private static void best(Ac ac, int g, int start, int len) {
        ac.bGroup = g;
        ac.bStart = start;
        ac.bLen = len;
    }

    /** ext4_mb_check_limits: enough scanned, or the group done, and the best is big enough: take it. */
    private void checkLimits(Ac ac, Request r, int g, GroupBits bits, boolean finishGroup) throws FsException {
        if (ac.done) {
            return;
        }
        if (ac.found > MAX_TO_SCAN && (ac.flags & FIRST) == 0) {
            ac.stop = true;
            return;
        }
        if (ac.bLen < ac.gLen) {
            return;
        }
        if ((finishGroup || ac.found > MIN_TO_SCAN) && ac.bGroup == g) {
            int max = Buddy.findExtent(bits, ac.bStart, ac.gLen, maxOrder);
            if (max >= ac.gLen) {
                bestFound(ac, r, g, ac.bStart, max);
            }
        }
    }

    /** ext4_mb_try_best_found: the best extent seen, if it is still free. */
    private void tryBestFound(Ac ac, Request r) throws FsException {
        int g = ac.bGroup;
        alloc.blockLock(g).lock();
        try {
            int max = Buddy.findExtent(alloc.bitsOf(g), ac.bStart, ac.bLen, maxOrder);
            if (max > 0) {
                bestFound(ac, r, g, ac.bStart, max);
            }
        } finally {
            alloc.blockLock(g).unlock();
        }
    }

    /**
     * ext4_mb_use_best_found, the new preallocation and ext4_mb_mark_diskspace_used: bits [start,
     * start + min(len, goal length)) leave the buddy; what the request did not ask for becomes the
     * inode's or the locality group's preallocation; the rest is set on disk. Under the group's lock.
     */
    private void bestFound(Ac ac, Request r, int g, int start, int len) throws FsException {
        int n = Math.min(len, ac.gLen);
        if ((ac.flags & STREAM) != 0) {
            synchronized (streamLock) {
                lastGroup = g;
                lastStart = start;
            }
        }
        if (ac.oLen >= n) {
            GroupBits bits = alloc.bitsOf(g);
            alloc.take(g, bits, start, n);
            best(ac, g, start, n);
            ac.done = true;
            return;
        }
        GroupBits bits = alloc.bitsOf(g);
        bits.hold(start, start + n, true);
        long pstart = block(g, start);
        if ((ac.flags & GROUP_ALLOC) != 0) {
            Prealloc pa = new Prealloc(ac.lg, true, g, cbits, pstart, pstart, n);
            groupPa.get(g).addFirst(pa);
            synchronized (ac.lg) {
                shrinkFront(pa, ac.oLen);
                relist(ac, pa);
            }
            use(ac, g, start, ac.oLen);
            return;
        }
        Prealloc pa = new Prealloc(r.inodePa(), false, g, cbits, inodePaStart(ac, n), pstart, n);
        groupPa.get(g).addFirst(pa);
        long at = pa.pstart + (ac.oLogical - pa.lstart);
        int used = b2cUp(Math.min(pa.pend(), at + c2b(ac.oLen)) - at);
        synchronized (r.inodePa()) {
            pa.free -= used;
            r.inodePa().addFirst(pa);
        }
        use(ac, g, bitIn(g, at), used);
    }

    /**
     * ext4_mb_new_inode_pa: the logical start of an inode preallocation shorter than the normalised
     * request — at the goal's end if it still covers the request's start, else at the goal's start
     * if it covers the request's end, else at the request's start.
     */
    private long inodePaStart(Ac ac, int n) {
        if (n >= ac.gLen) {
            return ac.gLogical;
        }
        long goalEnd = ac.gLogical + c2b(ac.gLen);
        if (ac.oLogical >= goalEnd - c2b(n)) {
            return goalEnd - c2b(n);
        }
        if (ac.oLogical + c2b(ac.oLen) <= ac.gLogical + c2b(n)) {
            return ac.gLogical;
        }
        return ac.oLogical;
    }

    /**
     * ext4_discard_preallocations: the inode's preallocations forgotten and their free bits given
     * back to the buddy (the disk never had them). Caller holds the inode's i_data_sem exclusively.
     */
    void discard(List<Prealloc> inodePa) throws FsException {
        List<Prealloc> all;
        synchronized (inodePa) {
            all = new ArrayList<>(inodePa);
            inodePa.clear();
        }
        for (Prealloc pa : all) {
            alloc.blockLock(pa.group).lock();
            try {
                release(pa);
            } finally {
                alloc.blockLock(pa.group).unlock();
            }
        }
    }

    /** A preallocation's held bits given back (ext4_mb_release_inode_pa / _group_pa). Under its group's lock. */
    private void release(Prealloc pa) throws FsException {
        int from;
        int to;
        synchronized (pa.owner) {
            if (pa.released) {
                return;
            }
            pa.released = true;
            pa.deleted = true;
            from = bitIn(pa.group, pa.pstart);
            to = from + pa.len;
            if (pa.owner instanceof Prealloc.LocalityGroup lg) {
                for (List<Prealloc> l : lg.lists) {
                    l.remove(pa);
                }
            } else if (pa.owner instanceof List<?> list) {
                list.remove(pa);
            }
        }
        groupPa.get(pa.group).remove(pa);
        GroupBits bits = alloc.bitsOf(pa.group);
        for (int b = from; b < to; b++) {
            if (bits.isHeld(b)) {
                bits.hold(b, b + 1, false);
            }
        }
        loaded[pa.group] = true;
    }

    /**
     * ext4_mb_discard_preallocations, when an allocation found nothing: every group's
     * preallocations given back; returns how many bits that freed.
     */
    int discardAll() throws FsException {
        int freed = 0;
        for (int g = 0; g < groupPa.size(); g++) {
            alloc.blockLock(g).lock();
            try {
                if (groupPa.get(g).isEmpty()) {
                    continue;
                }
                GroupBits bits = alloc.bitsOf(g);
                int before = bits.heldCount();
                for (Prealloc pa : new ArrayList<>(groupPa.get(g))) {
                    release(pa);
                }
                freed += before - bits.heldCount();
            } finally {
                alloc.blockLock(g).unlock();
            }
        }
        return freed;
    }

    /** EXT4_C2B: bits to blocks. */
    private long c2b(long bits) {
        return bits << cbits;
    }

    /** EXT4_NUM_B2C: blocks to the bits holding them, rounded up. */
    private int b2cUp(long blocks) {
        return (int) ((blocks + (1L << cbits) - 1) >>> cbits);
    }

    /** ext4_get_group_no_and_offset's offset: the bit of group {@code g} holding {@code block}. */
    private int bitIn(int g, long block) {
        return (int) ((block - alloc.groupStart(g)) >>> cbits);
    }

    /** ext4_grp_offs_to_block: the first block of bit {@code bit} of group {@code g}. */
    private long block(int g, int bit) {
        return alloc.groupStart(g) + c2b(bit);
    }

    /** fls: the position of the highest set bit, 1-based; 0 for 0. */
    private static int fls(int x) {
        return 32 - Integer.numberOfLeadingZeros(x);
    }
}
