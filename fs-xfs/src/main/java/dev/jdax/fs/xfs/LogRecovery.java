package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.jdax.fs.xfs.Buf.*;
import static dev.jdax.fs.xfs.LogFormat.*;

/**
 * Replays the committed transactions of a dirty log (xlog_do_log_recovery): a first pass collects
 * the cancelled buffers, a second replays in log order buffer items (skipping cancelled ones and
 * those whose block already carries a newer LSN, replaying only di_next_unlinked of inode buffers),
 * inode items (the log dinode and its forks into the inode cluster), inode creates (fresh chunks)
 * and intents ({@link LogIntent}: extent-free, refcount and bmap updates), whose done items release
 * them; what is left of the intents the caller finishes once the file system is up. Items are taken in Linux's order within a transaction
 * (xlog_recover_reorder_trans): buffers, then other items, then inode buffers, then cancels. Every
 * transaction is checked (item types, regions) before anything is written, so a log jdax cannot
 * replay leaves the image as it was.
 */
final class LogRecovery {
    private final XfsDisk disk;
    private final XfsSuperblock sb;
    private final Map<Long, Integer> cancels = new HashMap<>();
    private final PendingIntents intents = new PendingIntents();
    /** Replayed sectors not yet written: daddr → 512 bytes. */
    private final TreeMap<Long, byte[]> sectors = new TreeMap<>();
    /** Buffers replayed at the current LSN: their LSN and CRC are set when they are written. */
    private final Map<Long, long[]> toSeal = new LinkedHashMap<>();
    private long sealLsn = -1;
    private int replayed;

    LogRecovery(XfsDisk disk) {
        this.disk = disk;
        this.sb = disk.sb();
    }

    private static long key(long daddr, int lenBBs) {
        return daddr << 16 | lenBBs;
    }

    /** Replays {@code log}; returns the intents left to finish, in log order. */
    List<LogIntent> replay(List<LogTransactions.Trans> log) throws FsException {
        for (LogTransactions.Trans t : log) {
            for (LogTransactions.Item item : order(t)) {
                check(t, item);
            }
        }
        for (LogTransactions.Trans t : log) {
            for (LogTransactions.Item item : order(t)) {
                if (item.type() == XFS_LI_BUF && (le16(item.region(0), 4) & XFS_BLF_CANCEL) != 0) {
                    cancels.merge(key(le64(item.region(0), 8), le16(item.region(0), 6)), 1, Integer::sum);
                }
            }
        }
        for (LogTransactions.Trans t : log) {
            if (t.lsn != sealLsn) {
                flush();
                sealLsn = t.lsn;
            }
            for (LogTransactions.Item item : order(t)) {
                switch (item.type()) {
                    case XFS_LI_BUF -> buffer(item, t.lsn);
                    case XFS_LI_INODE -> inode(item, t.lsn);
                    case XFS_LI_ICREATE -> icreate(item);
                    default -> intents.note(item.type(), item.region(0));
                }
            }
        }
        flush();
        List<LogIntent> left = new ArrayList<>();
        for (PendingIntents.Pending p : intents.left()) {
            left.add(LogIntent.parse(p.type(), p.format(), disk, "log: intent"));   // checked before the replay
        }
        return left;
    }

    /** How many items changed the file system. */
    int replayed() {
        return replayed;
    }

    /** xlog_recover_reorder_trans: buffers, other items, inode (unlink) buffers, cancelled buffers. */
    private static List<LogTransactions.Item> order(LogTransactions.Trans t) {
        List<LogTransactions.Item> bufs = new ArrayList<>();
        List<LogTransactions.Item> items = new ArrayList<>();
        List<LogTransactions.Item> inodeBufs = new ArrayList<>();
        List<LogTransactions.Item> cancelled = new ArrayList<>();
        for (LogTransactions.Item i : t.items) {
            if (i.regions.isEmpty()) {
                continue;
            }
            if (i.type() == XFS_LI_BUF) {
                int flags = le16(i.region(0), 4);
                ((flags & XFS_BLF_CANCEL) != 0 ? cancelled : (flags & XFS_BLF_INODE_BUF) != 0 ? inodeBufs : bufs).add(i);
            } else {
                items.add(i);
            }
        }
        List<LogTransactions.Item> out = new ArrayList<>(bufs);
        out.addAll(items);
        out.addAll(inodeBufs);
        out.addAll(cancelled);
        return out;
    }

    /** What an item must be for jdax to replay it; anything else refuses the log before a byte is written. */
    private void check(LogTransactions.Trans t, LogTransactions.Item item) throws FsException {
        int type = item.type();
        String what = String.format("log: transaction at LSN %d:%d: item type 0x%x", cycleOf(t.lsn), blockOf(t.lsn), type);
        Corrupt.check(item.regions.size() == item.total, "%s: %d of its %d regions", what, item.regions.size(), item.total);
        byte[] f = item.region(0);
        switch (type) {
            case XFS_LI_BUF -> {
                Corrupt.check(f.length >= BLF_MAP && f.length >= BLF_MAP + 4 * le32(f, 16), "%s: format of %d bytes", what,
                        f.length);
                int lenBBs = le16(f, 6);
                long daddr = le64(f, 8);
                Corrupt.check(lenBBs > 0 && daddr >= 0 && (daddr + lenBBs) * BBSIZE <= disk.sb().sb_dblocks() * disk.blockSize(),
                        "%s: buffer [%d, +%d] outside the file system", what, daddr, lenBBs);
            }
            case XFS_LI_INODE -> {
                Corrupt.check((f.length == ILF_SIZE || f.length == ILF_SIZE_32) && item.total >= 2,
                        "%s: format of %d bytes", what, f.length);
                Corrupt.check(item.region(1).length <= LOG_DINODE_SIZE && LogDinode.magic(item.region(1))
                        == XfsInode.XFS_DINODE_MAGIC, "%s: bad log dinode", what);
                int fields = (int) le32(f, 4);
                if ((fields & (XFS_ILOG_DOWNER | XFS_ILOG_AOWNER)) != 0) {
                    throw FsException.of(Errno.EOPNOTSUPP, "xfs: %s: a bmbt owner change (swapext), which jdax does not"
                            + " replay: mount the image with Linux to recover its log", what);
                }
            }
            case XFS_LI_ICREATE -> Corrupt.check(f.length == ICREATE_SIZE, "%s: format of %d bytes", what, f.length);
            default -> {
                if (!LogIntent.known(type)) {
                    throw FsException.of(Errno.EOPNOTSUPP, "xfs: %s (%s) is a log item jdax does not replay: mount"
                            + " the image with Linux to recover its log", what, typeName(type));
                }
                LogIntent.parse(type, f, disk, what);
            }
        }
    }

    static String typeName(int type) {
        return switch (type) {
            case 0x1236 -> "EFI";
            case 0x1237 -> "EFD";
            case 0x123b -> "inode";
            case 0x123c -> "buffer";
            case 0x123d -> "dquot";
            case 0x123e -> "quotaoff";
            case 0x123f -> "icreate";
            case 0x1240 -> "RUI, rmap update intent";
            case 0x1241 -> "RUD";
            case 0x1242 -> "CUI, refcount update intent";
            case 0x1243 -> "CUD";
            case 0x1244 -> "BUI, bmap update intent";
            case 0x1245 -> "BUD";
            case 0x1246 -> "ATTRI, attribute intent";
            case 0x1247 -> "ATTRD";
            default -> "unknown";
        };
    }

    // ---- the replay cache: buffers as recovery changed them, written at each new LSN --------------

    private byte[] read(long daddr, int lenBBs) throws FsException {
        byte[] b = new byte[lenBBs * BBSIZE];
        disk.device().load(daddr * BBSIZE, MemorySegment.ofArray(b), 0, b.length);
        for (Map.Entry<Long, byte[]> e : sectors.subMap(daddr, daddr + lenBBs).entrySet()) {
            System.arraycopy(e.getValue(), 0, b, (int) (e.getKey() - daddr) * BBSIZE, BBSIZE);
        }
        return b;
    }

    private void write(long daddr, byte[] b) {
        for (int i = 0; i < b.length / BBSIZE; i++) {
            sectors.put(daddr + i, java.util.Arrays.copyOfRange(b, i * BBSIZE, (i + 1) * BBSIZE));
        }
        replayed++;
    }

    /**
     * Writes what the transactions of one LSN replayed: each buffer stamped with that LSN and its
     * CRC as its write verifier does (xlog_recover_validate_buf_type), then every sector home.
     */
    private void flush() throws FsException {
        for (Map.Entry<Long, long[]> e : toSeal.entrySet()) {
            long daddr = e.getValue()[0];
            int len = (int) e.getValue()[1];
            byte[] b = read(daddr, len);
            MetaType t = MetaType.of(b);
            if (t != null) {
                t.seal(b, b.length, sealLsn);
                write(daddr, b);
            }
        }
        toSeal.clear();
        for (Map.Entry<Long, byte[]> e : sectors.entrySet()) {
            disk.device().store(e.getKey() * BBSIZE, MemorySegment.ofArray(e.getValue()), 0, BBSIZE);
        }
        sectors.clear();
        disk.device().fence();
    }

    // ---- items -----------------------------------------------------------------------------------

    /** The metadata LSN a buffer carries (xlog_recover_get_buf_lsn); -1 for inodes and unknown blocks. */
    private long bufLsn(byte[] b) {
        MetaType t = MetaType.of(b);
        return t == null ? -1 : t.lsn(b, sb);
    }

    /** xlog_recover_buf_commit_pass2. */
    private void buffer(LogTransactions.Item item, long lsn) throws FsException {
        byte[] f = item.region(0);
        int flags = le16(f, 4);
        int lenBBs = le16(f, 6);
        long daddr = le64(f, 8);
        long k = key(daddr, lenBBs);
        if ((flags & XFS_BLF_CANCEL) != 0) {
            cancels.computeIfPresent(k, (kk, n) -> n == 1 ? null : n - 1);
            return;
        }
        if (cancels.containsKey(k) || (flags & XFS_BLF_DQUOT_BUFS) != 0) {
            return;       // cancelled; or a dquot buffer, replayed only with quotas on, which jdax never is
        }
        byte[] b = read(daddr, lenBBs);
        long have = bufLsn(b);
        if (have != 0 && have != -1 && Long.compareUnsigned(have, lsn) >= 0) {
            return;
        }
        int[] map = new int[(int) le32(f, 16)];
        for (int i = 0; i < map.length; i++) {
            map[i] = (int) le32(f, BLF_MAP + 4 * i);
        }
        if ((flags & XFS_BLF_INODE_BUF) != 0) {
            inodeBuffer(item, map, b);
        } else {
            int region = 1;
            for (int bit = nextBit(map, 0); bit >= 0; ) {
                int n = contiguous(map, bit);
                Corrupt.check(region < item.regions.size(), "log: buffer %d: more dirty ranges than regions", daddr);
                byte[] r = item.region(region++);
                n = Math.min(n, r.length / XFS_BLF_CHUNK);
                Corrupt.check((bit + n) * XFS_BLF_CHUNK <= b.length, "log: buffer %d: range past its end", daddr);
                System.arraycopy(r, 0, b, bit * XFS_BLF_CHUNK, n * XFS_BLF_CHUNK);
                bit = nextBit(map, bit + n);
            }
            toSeal.put(daddr, new long[]{daddr, lenBBs});
        }
        write(daddr, b);
    }

    /** xlog_recover_do_inode_buffer: only the di_next_unlinked of each inode, and its CRC. */
    private void inodeBuffer(LogTransactions.Item item, int[] map, byte[] b) throws FsException {
        int isize = sb.sb_inodesize();
        int regionOff = 0;
        int regionBytes = 0;
        int region = 0;
        int bit = 0;
        int nbits = 0;
        for (int i = 0; i < b.length / isize; i++) {
            int next = i * isize + 96;
            while (next >= regionOff + regionBytes) {
                bit = nextBit(map, bit + nbits);
                if (bit < 0) {
                    return;
                }
                nbits = contiguous(map, bit);
                regionOff = bit * XFS_BLF_CHUNK;
                regionBytes = nbits * XFS_BLF_CHUNK;
                region++;
            }
            if (next < regionOff) {
                continue;
            }
            byte[] r = item.region(region);
            long v = be32(r, next - regionOff);
            Corrupt.check(v != 0, "log: inode buffer: di_next_unlinked 0 for inode %d of the cluster", i);
            put32(b, next, v);
            if (b[i * isize + 4] >= 3) {
                XfsCrc.update(b, i * isize, isize, i * isize + XfsInode.DI_CRC_OFF);
            }
        }
    }

    /** xlog_recover_inode_commit_pass2. */
    private void inode(LogTransactions.Item item, long lsn) throws FsException {
        byte[] f = item.region(0);
        boolean pad = f.length == ILF_SIZE;
        int fields = (int) le32(f, 4);
        int asize = le16(f, 8);
        long ino = le64(f, pad ? 16 : 12);
        long rdev = le32(f, pad ? 24 : 20);
        long daddr = le64(f, pad ? 40 : 36);
        int lenBBs = (int) le32(f, pad ? 48 : 44);
        int boff = (int) le32(f, pad ? 52 : 48);
        if (cancels.containsKey(key(daddr, lenBBs))) {
            return;
        }
        byte[] b = read(daddr, lenBBs);
        int isize = sb.sb_inodesize();
        Corrupt.check(boff >= 0 && boff + isize <= b.length && be16(b, boff) == XfsInode.XFS_DINODE_MAGIC,
                "log: inode %d: no inode at offset %d of its cluster %d", ino, boff, daddr);
        byte[] l = item.region(1);
        if (b[boff + 4] >= 3) {
            long have = be64(b, boff + 112);
            if (have != 0 && have != -1 && Long.compareUnsigned(have, lsn) > 0) {
                return;
            }
        }
        int mode = LogDinode.mode(l);
        int fmt = LogDinode.format(l);
        Corrupt.check((mode & 0170000) != 0100000 || fmt == XfsInode.FMT_EXTENTS || fmt == XfsInode.FMT_BTREE,
                "log: inode %d: data fork format %d for a regular file", ino, fmt);
        Corrupt.check((mode & 0170000) != 0040000 || fmt != XfsInode.FMT_DEV,
                "log: inode %d: data fork format %d for a directory", ino, fmt);
        Corrupt.check(LogDinode.forkoff(l) * 8 < isize, "log: inode %d: di_forkoff %d", ino, LogDinode.forkoff(l));
        LogDinode.toDisk(l, b, boff, lsn);
        int fork = boff + XfsInode.CORE_SIZE;
        int literal = isize - XfsInode.CORE_SIZE;
        int forkoff = (b[boff + 82] & 0xff) * 8;
        int dsize = forkoff == 0 ? literal : forkoff;
        if ((fields & XFS_ILOG_DEV) != 0) {
            put32(b, fork, rdev);
        }
        int next = 2;
        if ((fields & XFS_ILOG_DFORK) != 0 && item.total > 2) {
            byte[] d = item.region(next++);
            if ((fields & XFS_ILOG_DBROOT) != 0) {
                bmbtToBmdr(d, b, fork, dsize);
            } else {
                Corrupt.check(d.length <= dsize, "log: inode %d: data fork of %d bytes in %d", ino, d.length, dsize);
                System.arraycopy(d, 0, b, fork, d.length);
            }
        }
        if ((fields & XFS_ILOG_AFORK) != 0 && item.total > next) {
            byte[] a = item.region(next);
            int aoff = fork + forkoff;
            int room = literal - forkoff;
            if ((fields & XFS_ILOG_ABROOT) != 0) {
                bmbtToBmdr(a, b, aoff, room);
            } else {
                Corrupt.check(forkoff > 0 && a.length <= room && asize <= room, "log: inode %d: attribute fork of %d bytes"
                        + " in %d", ino, a.length, room);
                System.arraycopy(a, 0, b, aoff, a.length);
            }
        }
        XfsCrc.update(b, boff, isize, boff + XfsInode.DI_CRC_OFF);
        write(daddr, b);
    }

    /** xfs_bmbt_to_bmdr: an in-core bmbt root (a long btree block) into the inode's bmdr root. */
    private static void bmbtToBmdr(byte[] src, byte[] dst, int off, int size) throws FsException {
        int level = be16(src, 4);
        int numrecs = be16(src, 6);
        int rmax = (src.length - BtreeBlock.LONG_LEN) / 16;
        int dmax = (size - 4) / 16;
        Corrupt.check(numrecs <= rmax && numrecs <= dmax, "log: bmbt root of %d records in a %d-byte fork", numrecs, size);
        put16(dst, off, level);
        put16(dst, off + 2, numrecs);
        for (int i = 0; i < numrecs; i++) {
            System.arraycopy(src, BtreeBlock.LONG_LEN + 8 * i, dst, off + 4 + 8 * i, 8);
            System.arraycopy(src, BtreeBlock.LONG_LEN + 8 * rmax + 8 * i, dst, off + 4 + 8 * dmax + 8 * i, 8);
        }
    }

    /** xlog_recover_icreate_commit_pass2: a new chunk's clusters written as free inodes, unless cancelled. */
    private void icreate(LogTransactions.Item item) throws FsException {
        byte[] f = item.region(0);
        long agno = be32(f, 4);
        long agbno = be32(f, 8);
        int count = (int) be32(f, 12);
        int isize = (int) be32(f, 16);
        long length = be32(f, 20);
        long gen = be32(f, 24);
        Corrupt.check(agno < sb.sb_agcount() && agbno + length <= disk.agLength(agno) && isize == sb.sb_inodesize()
                        && (long) count * isize == length * disk.blockSize(),
                "log: icreate of %d inodes in AG %d [%d, +%d]", count, agno, agbno, length);
        InodeClusters clusters = new InodeClusters(disk);
        int perCluster = clusters.blocksPerCluster;
        for (long c = 0; c < length; c += perCluster) {
            long daddr = disk.agbToByte(agno, agbno + c) / BBSIZE;
            if (cancels.containsKey(key(daddr, perCluster * disk.blockSize() / BBSIZE))) {
                return;
            }
        }
        for (long blk = 0; blk < length; blk++) {
            byte[] b = InodeChunk.freeBlock(disk, agno, agbno + blk, gen);
            write(disk.agbToByte(agno, agbno + blk) / BBSIZE, b);
        }
    }

    // ---- dirty-map bits (xfs_next_bit, xfs_contig_bits) ----

    private static int nextBit(int[] map, int from) {
        for (int bit = from; bit < map.length * 32; bit++) {
            if ((map[bit >>> 5] & (1 << (bit & 31))) != 0) {
                return bit;
            }
        }
        return -1;
    }

    private static int contiguous(int[] map, int from) {
        int n = 0;
        while (from + n < map.length * 32 && (map[(from + n) >>> 5] & (1 << ((from + n) & 31))) != 0) {
            n++;
        }
        return n;
    }
}
