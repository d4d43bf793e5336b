package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * The log regions of one frozen buffer or inode, as xfs_buf_item_format and
 * xfs_inode_item_format lay them out: a format region, then the dirty bytes.
 */
final class LogItems {
    private final XfsDisk disk;
    private final InodeClusters clusters;

    LogItems(XfsDisk disk, InodeClusters clusters) {
        this.disk = disk;
        this.clusters = clusters;
    }

    /** The dirty map of the 128-byte chunks where {@code now} differs from {@code was}; null when none do. */
    static int[] diff(byte[] was, byte[] now) {
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
    static void buffer(List<byte[]> regions, long off, byte[] img, int[] map) {
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
    static void inodeBuffer(List<byte[]> regions, long daddr, int lenBBs, TreeMap<Integer, byte[]> chunks) {
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

    /** A cancel of the buffer of {@code lenBBs} basic blocks at {@code daddr}: recovery replays none of its items. */
    static byte[] cancel(long daddr, int lenBBs) {
        return bufFormat(XFS_BLF_CANCEL, daddr, lenBBs, new int[mapWords(lenBBs * BBSIZE)], 0);
    }

    /**
     * An inode item (xfs_inode_item_format): the format, the log dinode, and the data fork as the
     * inode holds it — inline bytes, extent records, or the bmbt root in the in-core block form.
     */
    void inode(List<byte[]> regions, long ino, byte[] raw) {
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
}
