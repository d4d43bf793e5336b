package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;

import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * The metadata a writable mount has changed and not yet written home: buffers (by device offset)
 * and inodes (by number), the xfs_buf and xfs_inode log items of Linux. A change goes to the
 * entry's live bytes and joins the running checkpoint; reads see the live bytes. At a commit the
 * entry's bytes are frozen into log items — a buffer as the 128-byte chunks that differ from what
 * the log or the device last held, an inode as its log dinode and data fork — and once the
 * checkpoint is in the log the frozen bytes may go home; until a push writes them there, the log
 * tail stays before that checkpoint (write-ahead logging). A freed buffer is cancelled: never
 * written home, its log items skipped by recovery.
 */
final class MetaCache {
    /** One cached buffer or inode. Guarded by its own monitor. */
    static final class Entry {
        /** Device offset of a buffer; inode number of an inode. */
        final long key;
        final int len;
        final boolean inode;
        byte[] live;
        /** What recovery would find: the bytes last frozen into the log, or the device's when first cached. */
        byte[] logged;
        /** Frozen bytes of a committed checkpoint not yet written home; null when home has them. */
        byte[] home;
        /** The checkpoint that changed the live bytes (core of an inode), -1 when none has since the last freeze. */
        long dirtySeq = -1;
        /** The checkpoint that changed an inode's di_next_unlinked, logged in its cluster buffer. */
        long unlinkedSeq = -1;
        /** The checkpoint that freed it, -1 while in use. */
        long staleSeq = -1;
        boolean detached;

        Entry(long key, int len, boolean inode, byte[] base) {
            this.key = key;
            this.len = len;
            this.inode = inode;
            this.logged = base;
            this.live = base.clone();
        }
    }

    /** A checkpoint frozen for the log: its regions, and the entries' bytes it makes committed. */
    record Frozen(List<byte[]> regions, Map<Entry, byte[]> images) {
    }

    private final XfsDisk disk;
    private final int blockSize;
    /** The longest buffer ever cached: a read looks that far back for buffers that overlap it. */
    private volatile int maxLen = 1;
    /**
     * The buffers of one whole fs block, by block number ({@link #blockKey}): a hash lookup for
     * the reads and writes of blocks, which are nearly all of them (the skip list stays for
     * ranges).
     */
    private final ConcurrentHashMap<Long, Entry> blocks = new ConcurrentHashMap<>();
    /** Offsets of buffers that are not whole blocks (AG header sectors); never shrinks. */
    private final ConcurrentSkipListSet<Long> partial = new ConcurrentSkipListSet<>();
    private final InodeClusters clusters;
    private final ConcurrentSkipListMap<Long, Entry> bufs = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<Long, Entry> inodes = new ConcurrentHashMap<>();

    MetaCache(XfsDisk disk) {
        this.disk = disk;
        this.blockSize = disk.blockSize();
        this.clusters = new InodeClusters(disk);
    }

    InodeClusters clusters() {
        return clusters;
    }

    int size() {
        return bufs.size() + inodes.size();
    }

    private byte[] device(long off, int len) throws FsException {
        byte[] b = new byte[len];
        disk.device().load(off, MemorySegment.ofArray(b), 0, len);
        return b;
    }

    // ---- reads ----

    /**
     * {@code len} bytes at {@code off} as the file system sees them: the device's, with every
     * cached buffer over them. The cache is looked at first: an entry gone by then is home. A read
     * of a whole block (nearly all of them) is one hash lookup and one copy, of the cached
     * buffer's live bytes or of the device's, without a walk of its neighbours. (An entry being
     * cached by a writer at that moment holds the device's bytes until the writer changes it.)
     */
    void read(long off, byte[] dst, int len) throws FsException {
        int reach = maxLen;
        if (wholeBlock(off, len) && reach <= blockSize && !partialWithin(off)) {
            // Every cached buffer that could overlap a block is that block's own entry.
            Entry exact = blocks.get(blockKey(off));
            if (exact == null) {
                disk.device().load(off, MemorySegment.ofArray(dst), 0, len);
                return;
            }
            synchronized (exact) {
                if (!exact.detached) {
                    System.arraycopy(exact.live, 0, dst, 0, len);
                    return;
                }
            }
        }
        List<long[]> at = new ArrayList<>();
        List<byte[]> parts = new ArrayList<>();
        for (Entry e : bufs.subMap(off - reach + 1, off + len).values()) {
            long from = Math.max(off, e.key);
            long to = Math.min(off + len, e.key + e.len);
            if (from >= to) {
                continue;
            }
            synchronized (e) {
                if (!e.detached) {
                    at.add(new long[]{from, to});
                    parts.add(Arrays.copyOfRange(e.live, (int) (from - e.key), (int) (to - e.key)));
                }
            }
        }
        disk.device().load(off, MemorySegment.ofArray(dst), 0, len);
        for (int i = 0; i < at.size(); i++) {
            System.arraycopy(parts.get(i), 0, dst, (int) (at.get(i)[0] - off), parts.get(i).length);
        }
    }

    /**
     * The live bytes of the block cached at {@code off}, not a copy, or null when no whole-block
     * buffer is cached there (the caller reads a copy then). For a caller that holds the lock
     * under which this block changes (an AG's, for its btree blocks), is inside a transaction,
     * and writes what it changes back with {@link #writeBuf} before that transaction ends, as a
     * locked xfs_buf is changed in place and logged: no checkpoint is frozen while a transaction
     * is open, so none sees the bytes half changed.
     */
    byte[] shared(long off, int len) {
        Entry e = wholeBlock(off, len) && maxLen <= blockSize ? blocks.get(blockKey(off)) : null;
        if (e == null || partialWithin(off)) {
            return null;
        }
        synchronized (e) {
            return e.detached ? null : e.live;
        }
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
     * Whether a buffer smaller than a block lies in the block at {@code off}; such buffers are
     * sectors, which never cross a block's end, and no buffer is longer than a block when asked.
     */
    private boolean partialWithin(long off) {
        if (partial.isEmpty()) {
            return false;
        }
        Long p = partial.ceiling(off);
        return p != null && p < off + blockSize;
    }

    /** Inode {@code ino}'s bytes as the file system sees them. */
    byte[] readInode(long ino) throws FsException {
        Entry e = inodes.get(ino);
        if (e != null) {
            synchronized (e) {
                if (!e.detached) {
                    return e.live.clone();
                }
            }
        }
        return device(disk.inoToByte(ino), disk.sb().sb_inodesize());
    }

    // ---- changes, inside a transaction of checkpoint c ----

    /** xfs_trans_log_buf of a whole buffer: {@code len} bytes at device offset {@code off}. */
    void writeBuf(Checkpoint c, long off, byte[] src, int len) throws FsException {
        while (true) {
            boolean whole = wholeBlock(off, len);
            Entry e = whole ? blocks.get(blockKey(off)) : null;
            if (e == null) {
                e = bufs.get(off);
            }
            if (e == null) {
                Entry fresh = new Entry(off, len, false, device(off, len));
                if (len > maxLen) {
                    growReach(len);
                }
                if (!whole) {
                    partial.add(off);
                }
                e = bufs.putIfAbsent(off, fresh);
                if (e == null) {
                    e = fresh;
                    if (whole) {
                        blocks.put(blockKey(off), fresh);
                    }
                }
            }
            synchronized (e) {
                if (e.detached) {
                    continue;
                }
                Corrupt.check(e.len == len, "metadata buffer at %d written as %d bytes, cached as %d", off, len, e.len);
                if (e.staleSeq >= 0) {
                    reuse(c, e);
                }
                if (src != e.live) {
                    System.arraycopy(src, 0, e.live, 0, len);
                }
                if (e.dirtySeq < 0) {
                    e.dirtySeq = c.seq;
                    c.bufs.add(e);
                    c.bytes.addAndGet(len + 64);
                }
                return;
            }
        }
    }

    private synchronized void growReach(int len) {
        maxLen = Math.max(maxLen, len);
    }

    /**
     * A freed buffer written again. Freed in this checkpoint, its cancel is withdrawn and its history
     * stands (xfs_trans_get_buf of a stale buffer); freed in one before, its history is cancelled and
     * what recovery starts from is the device's bytes.
     */
    private void reuse(Checkpoint c, Entry e) throws FsException {
        if (e.staleSeq == c.seq) {
            c.cancels.remove(e);
        } else {
            e.logged = device(e.key, e.len);
            e.home = null;
        }
        e.staleSeq = -1;
    }

    /**
     * A change of inode {@code ino}: its core (an inode item) and/or its di_next_unlinked (the
     * unlinked lists log that field in the cluster buffer, xfs_iunlink_update_dinode).
     */
    void writeInode(Checkpoint c, long ino, byte[] raw, boolean core, boolean unlinked) throws FsException {
        while (true) {
            Entry e = inodes.get(ino);
            if (e == null) {
                Entry fresh = new Entry(ino, raw.length, true, device(disk.inoToByte(ino), raw.length));
                e = inodes.putIfAbsent(ino, fresh);
                if (e == null) {
                    e = fresh;
                }
            }
            synchronized (e) {
                if (e.detached) {
                    continue;
                }
                Corrupt.check(e.staleSeq < 0, "inode %d changed after its chunk was freed", ino);
                System.arraycopy(raw, 0, e.live, 0, raw.length);
                if (core && e.dirtySeq < 0) {
                    e.dirtySeq = c.seq;
                    c.inodes.add(e);
                    c.bytes.addAndGet(LOG_DINODE_SIZE + raw.length + 128);
                }
                if (unlinked && e.unlinkedSeq < 0) {
                    e.unlinkedSeq = c.seq;
                    c.unlinked.add(e);
                    c.bytes.addAndGet(256);
                }
                return;
            }
        }
    }

    /** xfs_ialloc_inode_init: a new chunk, logged as an inode create; its inodes free in the cache. */
    void icreate(Checkpoint c, long agno, long agbno, long blocks, long gen) {
        c.icreates.add(new long[]{agno, agbno, blocks, gen});
        c.bytes.addAndGet(ICREATE_SIZE + 64);
        int isize = disk.sb().sb_inodesize();
        for (long blk = 0; blk < blocks; blk++) {
            for (int i = 0; i < disk.sb().sb_inopblock(); i++) {
                long ino = disk.ino(agno, ((agbno + blk) << disk.inopblog()) + i);
                byte[] free = InodeChunk.freeInode(ino, isize, disk.sb().metaUuid(), gen);
                Entry e = new Entry(ino, isize, true, free);
                Entry old = inodes.put(ino, e);
                if (old != null) {
                    synchronized (old) {
                        old.detached = true;
                    }
                }
                c.created.add(e);
            }
        }
    }

    /**
     * Blocks {@code [off, off + len)} were freed (xfs_trans_binval of each metadata buffer in them):
     * every cached buffer there is cancelled in this checkpoint.
     */
    void invalidate(Checkpoint c, long off, long len) {
        for (Entry e : bufs.subMap(off, off + len).values()) {
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0) {
                    continue;
                }
                e.staleSeq = c.seq;
                if (e.dirtySeq >= 0) {
                    e.dirtySeq = -1;
                    c.bufs.remove(e);
                }
                c.cancels.add(e);
                c.bytes.addAndGet(BLF_MAP + 64);
            }
        }
    }

    /**
     * A freed inode chunk (xfs_ifree_cluster): its cluster buffers cancelled, so that recovery replays
     * none of its inodes, and its cached inodes dropped once that is in the log.
     */
    void freeChunk(Checkpoint c, long agno, long agbno, long blocks) {
        int per = clusters.blocksPerCluster;
        for (long b = agbno; b < agbno + blocks; b += per) {
            c.clusterCancels.add(new long[]{disk.agbToByte(agno, b) / BBSIZE, (long) per * disk.blockSize() / BBSIZE});
            c.bytes.addAndGet(BLF_MAP + 64);
        }
        for (long blk = agbno; blk < agbno + blocks; blk++) {
            for (int i = 0; i < disk.sb().sb_inopblock(); i++) {
                Entry e = inodes.get(disk.ino(agno, (blk << disk.inopblog()) + i));
                if (e == null) {
                    continue;
                }
                synchronized (e) {
                    if (!e.detached) {
                        e.staleSeq = c.seq;
                        e.dirtySeq = -1;
                        e.unlinkedSeq = -1;
                        c.staleInodes.add(e);
                    }
                }
            }
        }
        invalidate(c, disk.agbToByte(agno, agbno), blocks * disk.blockSize());
    }

    // ---- commit ----

    /**
     * The log items of checkpoint {@code c} (no handle of it is open): xfs_log_cil's format step.
     * Buffers first, then inode creates, inodes and intents, then the unlinked-pointer buffers and
     * the cancels — the order recovery sorts them into anyway.
     */
    Frozen freeze(Checkpoint c) {
        List<byte[]> regions = new ArrayList<>();
        Map<Entry, byte[]> images = new LinkedHashMap<>();
        for (Entry e : c.bufs) {
            byte[] img;
            int[] map;
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0 || e.dirtySeq != c.seq) {
                    continue;
                }
                e.dirtySeq = -1;
                map = diff(e.logged, e.live);
                if (map == null) {
                    continue;
                }
                img = e.live.clone();
                e.logged = img;
                images.put(e, img);
            }
            bufferItem(regions, e.key, img, map);
        }
        for (long[] ic : c.icreates) {
            regions.add(LogFormat.icreate(ic[0], ic[1], (int) (ic[2] << disk.inopblog()), disk.sb().sb_inodesize(), ic[2], ic[3]));
        }
        for (Entry e : c.created) {
            synchronized (e) {
                if (!e.detached && e.staleSeq < 0) {
                    images.put(e, e.live.clone());
                }
            }
        }
        for (Entry e : c.inodes) {
            byte[] img;
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0 || e.dirtySeq != c.seq) {
                    continue;
                }
                e.dirtySeq = -1;
                img = e.live.clone();
                e.logged = img;
                images.put(e, img);
            }
            inodeItem(regions, e.key, img);
        }
        regions.addAll(c.intents);
        Map<Long, TreeMap<Integer, byte[]>> clustersChanged = new TreeMap<>();
        for (Entry e : c.unlinked) {
            byte[] img;
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0 || e.unlinkedSeq != c.seq) {
                    continue;
                }
                e.unlinkedSeq = -1;
                img = images.get(e);
                if (img == null) {
                    img = e.live.clone();
                    images.put(e, img);
                }
            }
            InodeClusters.Imap at = clusters.imap(e.key, -1);
            int chunk = (at.boffset() + 96) / XFS_BLF_CHUNK;
            int from = chunk * XFS_BLF_CHUNK - at.boffset();
            clustersChanged.computeIfAbsent(at.daddr(), k -> new TreeMap<>())
                    .put(chunk, Arrays.copyOfRange(img, from, from + XFS_BLF_CHUNK));
        }
        int clusterBBs = clusters.clusterBytes() / BBSIZE;
        for (Map.Entry<Long, TreeMap<Integer, byte[]>> cl : clustersChanged.entrySet()) {
            inodeBufferItem(regions, cl.getKey(), clusterBBs, cl.getValue());
        }
        for (Entry e : c.cancels) {
            synchronized (e) {
                if (e.staleSeq != c.seq) {
                    continue;
                }
            }
            regions.add(bufFormat(XFS_BLF_CANCEL, e.key / BBSIZE, e.len / BBSIZE, new int[mapWords(e.len)], 0));
        }
        for (long[] cc : c.clusterCancels) {
            regions.add(bufFormat(XFS_BLF_CANCEL, cc[0], (int) cc[1], new int[mapWords((int) cc[1] * BBSIZE)], 0));
        }
        return new Frozen(regions, images);
    }

    /** The dirty map of the 128-byte chunks where {@code now} differs from {@code was}; null when none do. */
    private static int[] diff(byte[] was, byte[] now) {
        int[] map = new int[mapWords(now.length)];
        boolean any = false;
        for (int i = 0; i * XFS_BLF_CHUNK < now.length; i++) {
            int from = i * XFS_BLF_CHUNK;
            if (Arrays.mismatch(was, from, from + XFS_BLF_CHUNK, now, from, from + XFS_BLF_CHUNK) >= 0) {
                map[i >>> 5] |= 1 << (i & 31);
                any = true;
            }
        }
        return any ? map : null;
    }

    /** A buffer item: its format, then one region per run of dirty chunks. */
    private static void bufferItem(List<byte[]> regions, long off, byte[] img, int[] map) {
        List<byte[]> runs = new ArrayList<>();
        int chunks = img.length / XFS_BLF_CHUNK;
        for (int i = 0; i < chunks; ) {
            if ((map[i >>> 5] & (1 << (i & 31))) == 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < chunks && (map[j >>> 5] & (1 << (j & 31))) != 0) {
                j++;
            }
            runs.add(Arrays.copyOfRange(img, i * XFS_BLF_CHUNK, j * XFS_BLF_CHUNK));
            i = j;
        }
        MetaType t = MetaType.of(img);
        regions.add(bufFormat(t == null ? 0 : t.blft << XFS_BLFT_SHIFT, off / BBSIZE, img.length / BBSIZE, map, runs.size()));
        regions.addAll(runs);
    }

    /** The unlinked pointers of one cluster: a buffer item flagged XFS_BLF_INODE_BUF holding their chunks. */
    private static void inodeBufferItem(List<byte[]> regions, long daddr, int lenBBs, TreeMap<Integer, byte[]> chunks) {
        int[] map = new int[mapWords(lenBBs * BBSIZE)];
        for (int c : chunks.keySet()) {
            map[c >>> 5] |= 1 << (c & 31);
        }
        List<byte[]> runs = new ArrayList<>();
        Integer prev = null;
        for (Map.Entry<Integer, byte[]> c : chunks.entrySet()) {
            if (prev != null && c.getKey() == prev + 1) {
                byte[] last = runs.getLast();
                byte[] joined = Arrays.copyOf(last, last.length + XFS_BLF_CHUNK);
                System.arraycopy(c.getValue(), 0, joined, last.length, XFS_BLF_CHUNK);
                runs.set(runs.size() - 1, joined);
            } else {
                runs.add(c.getValue());
            }
            prev = c.getKey();
        }
        regions.add(bufFormat(XFS_BLF_INODE_BUF | MetaType.XFS_BLFT_DINO_BUF << XFS_BLFT_SHIFT, daddr, lenBBs, map,
                runs.size()));
        regions.addAll(runs);
    }

    /**
     * An inode item (xfs_inode_item_format): the format, the log dinode, and the data fork as the
     * inode holds it — inline bytes, extent records, or the bmbt root in the in-core block form.
     */
    private void inodeItem(List<byte[]> regions, long ino, byte[] raw) {
        InodeClusters.Imap at = clusters.imap(ino, -1);
        int mode = Buf.be16(raw, 2);
        int fmt = raw[5] & 0xff;
        int fields = XFS_ILOG_CORE;
        byte[] fork = null;
        long rdev = 0;
        int forkoff = (raw[82] & 0xff) * 8;
        int dsize = forkoff == 0 ? raw.length - XfsInode.CORE_SIZE : forkoff;
        if (mode != 0) {
            switch (fmt) {
                case XfsInode.FMT_LOCAL -> {
                    int n = (int) Math.min(Buf.be64(raw, 56), dsize);
                    if (n > 0) {
                        fields |= XFS_ILOG_DDATA;
                        fork = Arrays.copyOfRange(raw, XfsInode.CORE_SIZE, XfsInode.CORE_SIZE + iovecLen(n));
                        dsize = n;
                    }
                }
                case XfsInode.FMT_EXTENTS -> {
                    int n = (int) Buf.be32(raw, 76) * BmapExtent.SIZE;
                    if (n > 0) {
                        fields |= XFS_ILOG_DEXT;
                        fork = Arrays.copyOfRange(raw, XfsInode.CORE_SIZE, XfsInode.CORE_SIZE + n);
                        dsize = n;
                    }
                }
                case XfsInode.FMT_BTREE -> {
                    fields |= XFS_ILOG_DBROOT;
                    fork = brootFromBmdr(raw, ino, dsize);
                    dsize = fork.length;
                }
                case XfsInode.FMT_DEV -> {
                    fields |= XFS_ILOG_DEV;
                    rdev = Buf.be32(raw, XfsInode.CORE_SIZE);
                }
                default -> {
                }
            }
        }
        regions.add(inodeFormat(fork == null ? 2 : 3, fields, 0, fork == null ? 0 : dsize, ino, rdev, at));
        regions.add(LogDinode.fromDisk(raw));
        if (fork != null) {
            regions.add(fork);
        }
    }

    /** xfs_bmdr_to_bmbt: the inode's bmdr root as the in-core long btree block Linux logs. */
    private byte[] brootFromBmdr(byte[] raw, long ino, int dsize) {
        int off = XfsInode.CORE_SIZE;
        int level = Buf.be16(raw, off);
        int numrecs = Buf.be16(raw, off + 2);
        int dmax = (dsize - 4) / 16;
        byte[] b = new byte[BtreeBlock.LONG_LEN + 16 * numrecs];
        BtreeBlock.init(b, XfsBmap.XFS_BMAP_CRC_MAGIC, true, level, numrecs, -1L, ino, disk.sb().metaUuid());
        for (int i = 0; i < numrecs; i++) {
            System.arraycopy(raw, off + 4 + 8 * i, b, BtreeBlock.LONG_LEN + 8 * i, 8);
            System.arraycopy(raw, off + 4 + 8 * dmax + 8 * i, b, BtreeBlock.LONG_LEN + 8 * numrecs + 8 * i, 8);
        }
        return b;
    }

    /** Checkpoint {@code c} is in the log: its frozen bytes may go home, its cancelled entries go. */
    void committed(Checkpoint c, Frozen f) {
        for (Map.Entry<Entry, byte[]> i : f.images().entrySet()) {
            Entry e = i.getKey();
            synchronized (e) {
                if (!e.detached) {
                    e.home = i.getValue();
                }
            }
        }
        for (Entry e : c.cancels) {
            drop(e, c.seq, bufs);
        }
        for (Entry e : c.staleInodes) {
            drop(e, c.seq, inodes);
        }
    }

    private void drop(Entry e, long seq, Map<Long, Entry> map) {
        synchronized (e) {
            if (e.staleSeq == seq && !e.detached) {
                e.detached = true;
                map.remove(e.key, e);
                if (!e.inode) {
                    blocks.remove(blockKey(e.key), e);
                }
            }
        }
    }

    /**
     * The AIL push (xfsaild): every committed buffer and inode written home, then, once that is
     * durable, the clean ones leave the cache. The caller moves the log tail afterwards.
     */
    void push() throws FsException {
        Map<Entry, byte[]> todo = new LinkedHashMap<>();
        for (Map<Long, Entry> map : List.<Map<Long, Entry>>of(bufs, inodes)) {
            for (Entry e : map.values()) {
                synchronized (e) {
                    if (!e.detached && e.home != null) {
                        todo.put(e, e.home);
                    }
                }
            }
        }
        for (Map.Entry<Entry, byte[]> t : todo.entrySet()) {
            Entry e = t.getKey();
            long off = e.inode ? disk.inoToByte(e.key) : e.key;
            disk.device().store(off, MemorySegment.ofArray(t.getValue()), 0, e.len);
        }
        disk.device().fence();
        for (Map.Entry<Entry, byte[]> t : todo.entrySet()) {
            Entry e = t.getKey();
            synchronized (e) {
                if (e.home == t.getValue()) {
                    e.home = null;
                }
                if (e.home == null && e.dirtySeq < 0 && e.unlinkedSeq < 0 && e.staleSeq < 0 && !e.detached) {
                    e.detached = true;
                    (e.inode ? inodes : bufs).remove(e.key, e);
                    if (!e.inode) {
                        blocks.remove(blockKey(e.key), e);
                    }
                }
            }
        }
    }

    /** Whether anything committed still waits to go home. */
    boolean pending() {
        for (Map<Long, Entry> map : List.<Map<Long, Entry>>of(bufs, inodes)) {
            for (Entry e : map.values()) {
                synchronized (e) {
                    if (!e.detached && e.home != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
