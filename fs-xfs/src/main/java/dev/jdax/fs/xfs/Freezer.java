package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * The format step of xfs_log_cil: a checkpoint's changed entries frozen into log items. A buffer
 * goes in as the 128-byte chunks that differ from what the log or the device last held, an inode
 * as its log dinode and data fork; the frozen bytes are what the checkpoint, once in the log,
 * lets go home.
 *
 * <p>In two steps. The buffers, inode creates, intents and cancels are frozen with the checkpoint
 * locked ({@link #freezeLocked}); its inodes after the next checkpoint has opened
 * ({@link #freezeInodes}), while the transactions of that one run: one of them that changes an
 * inode the first still has to freeze freezes it first ({@link #freezeInode}, under the entry's
 * monitor), as Linux's CIL formats an item into its shadow buffer before a new change of it, so
 * the first checkpoint logs and sends home the inode as its own transactions left it. In a
 * directory of 100,000 names each change dirties an inode no other does, and the inodes were most
 * of a commit's freeze, which every transaction waited for with the checkpoint locked.
 */
final class Freezer {
    /** A checkpoint frozen for the log: its regions, and the entries' bytes it makes committed. */
    record Frozen(List<byte[]> regions, Map<MetaEntry, byte[]> images) {
    }

    /** What {@link #freezeLocked} froze: the regions before the inodes, and those after them. */
    record Locked(List<byte[]> before, List<byte[]> intents, List<byte[]> after, Map<MetaEntry, byte[]> images) {
    }

    /** An inode frozen for a checkpoint: its bytes, and whether its core and its di_next_unlinked are logged. */
    record FrozenInode(MetaEntry entry, byte[] image, boolean core, boolean unlinked) {
    }

    private final XfsDisk disk;
    private final InodeClusters clusters;
    private final LogItems items;

    Freezer(XfsDisk disk, InodeClusters clusters) {
        this.disk = disk;
        this.clusters = clusters;
        this.items = new LogItems(disk, clusters);
    }

    /**
     * The log items of checkpoint {@code c} but its inodes' (no handle of it is open, none can
     * start). Buffers first, then inode creates; the intents, then the cancels — the order recovery
     * sorts them into anyway.
     */
    Locked freezeLocked(Checkpoint c) {
        List<byte[]> before = new ArrayList<>();
        Map<MetaEntry, byte[]> images = new LinkedHashMap<>();
        buffers(c, before, images);
        for (long[] ic : c.icreates) {
            before.add(LogFormat.icreate(ic[0], ic[1], (int) (ic[2] << disk.inopblog()), disk.sb().sb_inodesize(), ic[2], ic[3]));
        }
        for (MetaEntry e : c.created) {
            synchronized (e) {
                if (!e.detached && e.staleSeq < 0) {
                    images.put(e, e.summed().clone());
                }
            }
        }
        List<byte[]> after = new ArrayList<>();
        for (MetaEntry e : c.cancels) {
            synchronized (e) {
                if (e.staleSeq != c.seq) {
                    continue;
                }
            }
            after.add(LogItems.cancel(e.key / BBSIZE, e.len / BBSIZE));
        }
        for (long[] cc : c.clusterCancels) {
            after.add(LogItems.cancel(cc[0], (int) cc[1]));
        }
        return new Locked(before, new ArrayList<>(c.intents), after, images);
    }

    /**
     * The rest of checkpoint {@code c}: its inodes, those a transaction of the next checkpoint froze
     * first ({@link Checkpoint#frozenFirst}) among them; and the whole checkpoint's regions in
     * order: buffers, inode creates, inodes, intents, unlinked pointers, cancels.
     */
    Frozen freezeInodes(Checkpoint c, Locked locked) {
        List<FrozenInode> frozen = new ArrayList<>();
        for (Iterable<MetaEntry> q : List.of(c.inodes, c.unlinked)) {
            for (MetaEntry e : q) {
                FrozenInode f;
                synchronized (e) {
                    f = freezeInode(e, c);
                }
                if (f != null) {
                    frozen.add(f);
                }
            }
        }
        // Every inode of c has been through the loop (under its monitor): one frozen first by a
        // transaction of the next checkpoint was listed before the loop reached it.
        frozen.addAll(c.frozenFirst);
        List<byte[]> regions = new ArrayList<>(locked.before());
        Map<MetaEntry, byte[]> images = locked.images();
        Map<Long, TreeMap<Integer, byte[]>> clustersChanged = new TreeMap<>();
        for (FrozenInode f : frozen) {
            images.put(f.entry(), f.image());
            if (f.core()) {
                items.inode(regions, f.entry().key, f.image());
            }
            if (f.unlinked()) {
                unlinkedChunk(clustersChanged, f.entry().key, f.image());
            }
        }
        regions.addAll(locked.intents());
        int clusterBBs = clusters.clusterBytes() / BBSIZE;
        for (Map.Entry<Long, TreeMap<Integer, byte[]>> cl : clustersChanged.entrySet()) {
            LogItems.inodeBuffer(regions, cl.getKey(), clusterBBs, cl.getValue());
        }
        regions.addAll(locked.after());
        return new Frozen(regions, images);
    }

    /**
     * Inode entry {@code e} frozen for checkpoint {@code c} (caller holds its monitor): its bytes
     * now, when {@code c} changed its core or its di_next_unlinked and it is still cached and in
     * use; else null. Either way {@code c} has no more of it to freeze.
     */
    static FrozenInode freezeInode(MetaEntry e, Checkpoint c) {
        boolean core = e.dirtySeq == c.seq;
        boolean unlinked = e.unlinkedSeq == c.seq;
        if (!core && !unlinked) {
            return null;
        }
        if (core) {
            e.dirtySeq = -1;
        }
        if (unlinked) {
            e.unlinkedSeq = -1;
        }
        if (e.detached || e.staleSeq >= 0) {
            return null;
        }
        byte[] img = e.summed().clone();
        return new FrozenInode(e, img, core, unlinked);
    }

    private static void buffers(Checkpoint c, List<byte[]> regions, Map<MetaEntry, byte[]> images) {
        for (MetaEntry e : c.bufs) {
            byte[] img;
            int[] map;
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0 || e.dirtySeq != c.seq) {
                    continue;
                }
                e.dirtySeq = -1;
                map = LogItems.diff(e.logged, e.summed());
                if (map == null) {
                    continue;
                }
                img = e.live.clone();
                e.logged = img;
                images.put(e, img);
            }
            LogItems.buffer(regions, e.key, img, map);
        }
    }

    /** The di_next_unlinked of inode {@code ino}: that field's chunk of its cluster buffer, from its frozen bytes {@code img}. */
    private void unlinkedChunk(Map<Long, TreeMap<Integer, byte[]>> clustersChanged, long ino, byte[] img) {
        InodeClusters.Imap at = clusters.imap(ino, -1);
        int chunk = (at.boffset() + 96) / XFS_BLF_CHUNK;
        int from = chunk * XFS_BLF_CHUNK - at.boffset();
        clustersChanged.computeIfAbsent(at.daddr(), k -> new TreeMap<>())
                .put(chunk, Arrays.copyOfRange(img, from, from + XFS_BLF_CHUNK));
    }
}
