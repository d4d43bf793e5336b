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
 */
final class Freezer {
    /** A checkpoint frozen for the log: its regions, and the entries' bytes it makes committed. */
    record Frozen(List<byte[]> regions, Map<MetaEntry, byte[]> images) {
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
     * The log items of checkpoint {@code c} (no handle of it is open). Buffers first, then inode
     * creates, inodes and intents, then the unlinked-pointer buffers and the cancels — the order
     * recovery sorts them into anyway.
     */
    Frozen freeze(Checkpoint c) {
        List<byte[]> regions = new ArrayList<>();
        Map<MetaEntry, byte[]> images = new LinkedHashMap<>();
        buffers(c, regions, images);
        for (long[] ic : c.icreates) {
            regions.add(LogFormat.icreate(ic[0], ic[1], (int) (ic[2] << disk.inopblog()), disk.sb().sb_inodesize(), ic[2], ic[3]));
        }
        for (MetaEntry e : c.created) {
            synchronized (e) {
                if (!e.detached && e.staleSeq < 0) {
                    images.put(e, e.summed().clone());
                }
            }
        }
        inodes(c, regions, images);
        regions.addAll(c.intents);
        unlinked(c, regions, images);
        for (MetaEntry e : c.cancels) {
            synchronized (e) {
                if (e.staleSeq != c.seq) {
                    continue;
                }
            }
            regions.add(LogItems.cancel(e.key / BBSIZE, e.len / BBSIZE));
        }
        for (long[] cc : c.clusterCancels) {
            regions.add(LogItems.cancel(cc[0], (int) cc[1]));
        }
        return new Frozen(regions, images);
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

    private void inodes(Checkpoint c, List<byte[]> regions, Map<MetaEntry, byte[]> images) {
        for (MetaEntry e : c.inodes) {
            byte[] img;
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0 || e.dirtySeq != c.seq) {
                    continue;
                }
                e.dirtySeq = -1;
                img = e.summed().clone();
                e.logged = img;
                images.put(e, img);
            }
            items.inode(regions, e.key, img);
        }
    }

    /** The inodes whose di_next_unlinked moved: that field's chunk of each, per cluster buffer. */
    private void unlinked(Checkpoint c, List<byte[]> regions, Map<MetaEntry, byte[]> images) {
        Map<Long, TreeMap<Integer, byte[]>> clustersChanged = new TreeMap<>();
        for (MetaEntry e : c.unlinked) {
            byte[] img;
            synchronized (e) {
                if (e.detached || e.staleSeq >= 0 || e.unlinkedSeq != c.seq) {
                    continue;
                }
                e.unlinkedSeq = -1;
                img = images.get(e);
                if (img == null) {
                    img = e.summed().clone();
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
            LogItems.inodeBuffer(regions, cl.getKey(), clusterBBs, cl.getValue());
        }
    }
}
