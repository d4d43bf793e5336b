package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * The metadata a writable mount has changed and not yet written home: buffers (by device offset,
 * {@link BufIndex}) and inodes (by number), the xfs_buf and xfs_inode log items of Linux. A change
 * goes to the entry's live bytes and joins the running checkpoint; reads see the live bytes. At a
 * commit the entry's bytes are frozen into log items ({@link Freezer}), and once the checkpoint is
 * in the log the frozen bytes may go home; until a push ({@link HomeWriter}) writes them there,
 * the log tail stays before that checkpoint (write-ahead logging). A freed buffer is cancelled:
 * never written home, its log items skipped by recovery.
 */
final class MetaCache {
    private final XfsDisk disk;
    private final BufIndex bufs;
    private final InodeClusters clusters;
    /** The inodes by number, one map per AG as Linux keeps its inode cache per AG ({@code pag_ici_root}). */
    private final List<ConcurrentHashMap<Long, MetaEntry>> inodes = new ArrayList<>();
    private final Collection<MetaEntry> allInodes;
    private final Freezer freezer;
    private final HomeWriter home;
    /**
     * The checkpoint whose inodes are being frozen while the next one's transactions run
     * ({@link Freezer#freezeInodes}), or null. Set before the next checkpoint opens, so every
     * transaction of it sees it.
     */
    private volatile Checkpoint freezing;

    MetaCache(XfsDisk disk) {
        this.disk = disk;
        this.bufs = new BufIndex(disk.blockSize(), disk.agblocks(), (int) disk.agcount());
        List<Collection<MetaEntry>> views = new ArrayList<>();
        for (long agno = 0; agno < disk.agcount(); agno++) {
            ConcurrentHashMap<Long, MetaEntry> m = new ConcurrentHashMap<>();
            inodes.add(m);
            views.add(m.values());
        }
        this.allInodes = Joined.of(views);
        this.clusters = new InodeClusters(disk);
        this.freezer = new Freezer(disk, clusters);
        this.home = new HomeWriter(disk, bufs.all(), allInodes, this::forget);
    }

    /** The inode map of the AG of inode {@code ino}. */
    private ConcurrentHashMap<Long, MetaEntry> inodes(long ino) {
        return inodes.get((int) Math.min(disk.inoAgno(ino), inodes.size() - 1));
    }

    InodeClusters clusters() {
        return clusters;
    }

    int size() {
        return bufs.size() + allInodes.size();
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
        if (bufs.blockOnly(off, len)) {
            MetaEntry exact = bufs.block(off);
            if (exact == null) {
                disk.device().load(off, MemorySegment.ofArray(dst), 0, len);
                return;
            }
            synchronized (exact) {
                if (!exact.detached) {
                    exact.referenced = true;
                    System.arraycopy(exact.summed(), 0, dst, 0, len);
                    return;
                }
            }
        }
        List<long[]> at = new ArrayList<>();
        List<byte[]> parts = new ArrayList<>();
        for (MetaEntry e : bufs.overlapping(off, len)) {
            long from = Math.max(off, e.key);
            long to = Math.min(off + len, e.key + e.len);
            if (from >= to) {
                continue;
            }
            synchronized (e) {
                if (!e.detached) {
                    at.add(new long[]{from, to});
                    parts.add(Arrays.copyOfRange(e.summed(), (int) (from - e.key), (int) (to - e.key)));
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
        MetaEntry e = bufs.blockOnly(off, len) ? bufs.block(off) : null;
        if (e == null || e.detached) {
            return null;
        }
        // No monitor: the caller's lock orders the bytes, and the monitor would not keep the entry
        // cached past the return anyway (a push that lets it go meanwhile leaves the caller's
        // change to writeBuf, which copies it whole into the entry cached then). referenced is
        // the push's hint; a write racing its reset keeps the buffer one push longer or shorter.
        // The monitor cost two atomic instructions per block of every btree walk for nothing.
        e.referenced = true;
        return e.live;
    }

    /**
     * Caches block {@code verified} (read from {@code off} and verified by the caller, who holds
     * the lock that orders the block's changes, inside a transaction) as a clean buffer, as
     * xfs_buf_read leaves a buffer in the buffer cache: the next change of it finds it in
     * {@link #shared} instead of copying and verifying the device's bytes again. Returns the live
     * bytes cached there (another thread's, when one cached the block first), or {@code verified}
     * itself when only a range lookup could find the block.
     */
    byte[] adopt(long off, byte[] verified) {
        int len = verified.length;
        if (!bufs.blockOnly(off, len)) {
            return verified;
        }
        while (true) {
            MetaEntry e = bufs.block(off);
            if (e == null) {
                // Not cached: the device holds what this file system last wrote there.
                e = bufs.add(new MetaEntry(off, len, false, verified));
            }
            synchronized (e) {
                if (!e.detached) {
                    e.referenced = true;
                    return e.live;
                }
            }
        }
    }

    /** Inode {@code ino}'s bytes as the file system sees them. */
    byte[] readInode(long ino) throws FsException {
        MetaEntry e = inodes(ino).get(ino);
        if (e != null) {
            synchronized (e) {
                if (!e.detached) {
                    return e.summed().clone();
                }
            }
        }
        return device(disk.inoToByte(ino), disk.sb().sb_inodesize());
    }

    // ---- changes, inside a transaction of checkpoint c ----

    /**
     * xfs_trans_log_buf of a whole buffer: {@code len} bytes at device offset {@code off}, whose CRC
     * at {@code crcOff} is summed once, before the bytes leave the cache (-1: {@code src} carries
     * its CRC).
     */
    void writeBuf(Checkpoint c, long off, byte[] src, int len, int crcOff) throws FsException {
        while (true) {
            MetaEntry e = bufs.at(off, len);
            if (e == null) {
                e = bufs.add(new MetaEntry(off, len, false, device(off, len)));
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
                if (crcOff >= 0) {
                    e.crcOff = crcOff;
                }
                e.referenced = true;
                if (e.dirtySeq < 0) {
                    e.dirtySeq = c.seq;
                    c.bufs.add(e);
                    c.bytes.addAndGet(len + 64);
                }
                return;
            }
        }
    }

    /**
     * A freed buffer written again. Freed in this checkpoint, its cancel is withdrawn and its history
     * stands (xfs_trans_get_buf of a stale buffer); freed in one before, its history is cancelled and
     * what recovery starts from is the device's bytes.
     */
    private void reuse(Checkpoint c, MetaEntry e) throws FsException {
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
            MetaEntry e = inodes(ino).get(ino);
            if (e == null) {
                // Not cached: home has it. The change below replaces every byte (an inode is logged
                // whole, with no diff against what the device holds), so the device is not read.
                MetaEntry fresh = new MetaEntry(ino, raw.length, true, raw);
                e = inodes(ino).putIfAbsent(ino, fresh);
                if (e == null) {
                    e = fresh;
                }
            }
            synchronized (e) {
                if (e.detached) {
                    continue;
                }
                Corrupt.check(e.staleSeq < 0, "inode %d changed after its chunk was freed", ino);
                freezeFirst(e);
                System.arraycopy(raw, 0, e.live, 0, raw.length);
                e.crcOff = XfsInode.DI_CRC_OFF;
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
                MetaEntry e = new MetaEntry(ino, isize, true, free);
                MetaEntry old = inodes(ino).put(ino, e);
                if (old != null) {
                    synchronized (old) {
                        freezeFirst(old);
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
        for (MetaEntry e : bufs.startingIn(off, len)) {
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0) {
                    continue;
                }
                e.staleSeq = c.seq;
                e.dirtySeq = -1; // the freeze skips it in c.bufs
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
                long ino = disk.ino(agno, (blk << disk.inopblog()) + i);
                MetaEntry e = inodes(ino).get(ino);
                if (e == null) {
                    continue;
                }
                synchronized (e) {
                    if (!e.detached) {
                        freezeFirst(e);
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

    /**
     * Before a change of inode entry {@code e} (caller holds its monitor): when the checkpoint being
     * frozen still has to freeze it, it is frozen for that checkpoint now (xlog_cil_insert_format_items
     * formats an item before the next change of it goes in).
     */
    private void freezeFirst(MetaEntry e) {
        Checkpoint f = freezing;
        if (f != null && (e.dirtySeq == f.seq || e.unlinkedSeq == f.seq)) {
            Freezer.FrozenInode frozen = Freezer.freezeInode(e, f);
            if (frozen != null) {
                f.frozenFirst.add(frozen);
            }
        }
    }

    // ---- commit ----

    /**
     * The log items of checkpoint {@code c} but its inodes' (no handle of it is open, none can
     * start); its inodes are frozen by {@link #freezeInodes} after the next checkpoint opens.
     */
    Freezer.Locked freezeLocked(Checkpoint c) {
        Freezer.Locked l = freezer.freezeLocked(c);
        freezing = c;
        return l;
    }

    /** The rest of checkpoint {@code c}'s log items, with the next checkpoint's transactions running. */
    Freezer.Frozen freezeInodes(Checkpoint c, Freezer.Locked locked) {
        try {
            return freezer.freezeInodes(c, locked);
        } finally {
            freezing = null;
        }
    }

    /** Checkpoint {@code c} is in the log: its frozen bytes may go home, its cancelled entries go. */
    void committed(Checkpoint c, Freezer.Frozen f) {
        for (Map.Entry<MetaEntry, byte[]> i : f.images().entrySet()) {
            MetaEntry e = i.getKey();
            synchronized (e) {
                if (!e.detached) {
                    e.home = i.getValue();
                }
            }
        }
        for (MetaEntry e : c.cancels) {
            drop(e, c.seq);
        }
        for (MetaEntry e : c.staleInodes) {
            drop(e, c.seq);
        }
    }

    private void drop(MetaEntry e, long seq) {
        synchronized (e) {
            if (e.staleSeq == seq && !e.detached) {
                e.detached = true;
                forget(e);
            }
        }
    }

    /** Takes a detached entry out of its map (caller holds its monitor). */
    private void forget(MetaEntry e) {
        if (e.inode) {
            inodes(e.key).remove(e.key, e);
        } else {
            bufs.remove(e);
        }
    }

    /** The AIL push: see {@link HomeWriter#push}. The caller moves the log tail afterwards. */
    void push() throws FsException {
        home.push();
    }

    /** Whether anything committed still waits to go home. */
    boolean pending() {
        return home.pending();
    }
}
