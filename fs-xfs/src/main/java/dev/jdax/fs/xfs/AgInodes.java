package dev.jdax.fs.xfs;

import com.carrotsearch.hppc.LongObjectHashMap;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * One AG's inode chunks: the inobt (every chunk), the finobt (chunks with a free inode) and the
 * AGI counters, with the records also held in core. Inodes are taken from the first chunk with
 * one free (the finobt's first record) and new chunks allocated when none is (xfs_dialloc_ag,
 * xfs_ialloc_ag_alloc); a chunk whose last inode is freed is freed with it, as Linux does
 * without the ikeep mount option (xfs_difree_inobt, xfs_difree_finobt, xfs_difree_inode_chunk).
 */
final class AgInodes {
    private final XfsDisk disk;
    private final long agno;
    private final XfsAgi agi;
    private final AgFreeSpace space;
    /**
     * Inode chunks: startino (AG inode, a multiple of 64: {@link #load} checks it, and new chunks are
     * aligned) → record; the chunk of an inode is found by its number, without a search. A sorted
     * map of 1,563 chunks (100,000 inodes) took four descents of eleven levels every create and
     * unlink, a fifth of their cost above a directory of 100 names.
     */
    private final LongObjectHashMap<InobtRec> chunks = new LongObjectHashMap<>();
    /** The chunks with a free inode, as the finobt holds them. */
    private final TreeSet<Long> withFree = new TreeSet<>();
    final ShortBtree ino;
    final ShortBtree fino;
    private final boolean hasFinobt;
    private final boolean counted;
    /** igeo->inobt_maxlevels: the height the inobt may reach, left free when a chunk is allocated. */
    private final int inobtMaxLevels;
    private long inoBlocks;
    private long finoBlocks;

    AgInodes(XfsDisk disk, long agno, XfsAgi agi, AgFreeSpace space) {
        this.disk = disk;
        this.agno = agno;
        this.agi = agi;
        this.space = space;
        this.hasFinobt = disk.sb().hasFinobt();
        this.counted = disk.sb().hasInobtCount();
        this.ino = new ShortBtree(disk, agno, AgBtreeKind.INO, inobtRoot(agi), new TreeBlocks(AgFreeSpace.Resv.NONE, false));
        this.fino = new ShortBtree(disk, agno, AgBtreeKind.FINO, new ShortBtree.Root() {
            public long root() { return agi.agi_free_root(); }
            public int levels() { return (int) agi.agi_free_level(); }
            public void set(long root, int levels) { agi.agi_free_root(root); agi.agi_free_level(levels); }
        }, new TreeBlocks(AgFreeSpace.Resv.METADATA, true));
        this.inobtMaxLevels = XfsReservations.inobtMaxLevels(disk);
    }

    /** The inobt's root and height, kept in the AGI. */
    private static ShortBtree.Root inobtRoot(XfsAgi agi) {
        return new ShortBtree.Root() {
            public long root() { return agi.agi_root(); }
            public int levels() { return (int) agi.agi_level(); }
            public void set(long root, int levels) { agi.agi_root(root); agi.agi_level(levels); }
        };
    }

    /**
     * The inobt's and finobt's blocks come from the AG's free space near where they are asked for
     * (xfs_inobt_alloc_block, xfs_finobt_alloc_block: the finobt from the metadata reservation),
     * counted in agi_iblocks and agi_fblocks; freed blocks go back to the free space.
     */
    private final class TreeBlocks implements ShortBtree.Blocks {
        private final AgFreeSpace.Resv resv;
        private final boolean finobt;

        TreeBlocks(AgFreeSpace.Resv resv, boolean finobt) {
            this.resv = resv;
            this.finobt = finobt;
        }

        @Override
        public long alloc(long near) throws FsException {
            long[] got = space.allocate(1, 1, near, 1, resv, 0);
            if (got == null) {
                return -1;
            }
            count(1);
            return got[0];
        }

        @Override
        public void free(long agbno) throws FsException {
            space.free(agbno, 1, resv);
            count(-1);
        }

        private void count(long delta) {
            if (finobt) {
                finoBlocks += delta;
                if (counted) {
                    agi.agi_fblocks(agi.agi_fblocks() + delta);
                }
            } else {
                inoBlocks += delta;
                if (counted) {
                    agi.agi_iblocks(agi.agi_iblocks() + delta);
                }
            }
        }
    }

    /** Reads the inobt, and the finobt to check it holds exactly the chunks with a free inode. */
    void load() throws FsException {
        Corrupt.check(agi.agi_level() <= inobtMaxLevels && (!hasFinobt || agi.agi_free_level() <= inobtMaxLevels),
                "AGI %d: levels %d, %d (max %d)", agno, agi.agi_level(), agi.agi_free_level(), inobtMaxLevels);
        long prev = -1;
        long count = 0;
        long free = 0;
        for (byte[] r : ino.records()) {
            InobtRec rec = InobtRec.decode(r);
            Corrupt.check(rec.startino() > prev && (rec.startino() & 63) == 0 && rec.freecount() <= rec.count()
                    && rec.count() <= InobtRec.INODES, "inobt of AG %d: record %s", agno, rec);
            chunks.put(rec.startino(), rec);
            if (rec.freecount() > 0) {
                withFree.add(rec.startino());
            }
            prev = rec.startino();
            count += rec.count();
            free += rec.freecount();
        }
        Corrupt.check(count == agi.agi_count() && free == agi.agi_freecount(),
                "AGI %d: agi_count %d, agi_freecount %d; the inobt holds %d, %d free", agno, agi.agi_count(),
                agi.agi_freecount(), count, free);
        inoBlocks = ino.scannedBlocks();
        if (hasFinobt) {
            List<byte[]> f = fino.records();
            Corrupt.check(f.size() == withFree.size(), "finobt of AG %d: %d records, the inobt has %d chunks with free inodes",
                    agno, f.size(), withFree.size());
            for (byte[] r : f) {
                InobtRec rec = InobtRec.decode(r);
                Corrupt.check(rec.equals(chunks.get(rec.startino())), "finobt of AG %d: record %s is not the inobt's", agno,
                        rec);
            }
            finoBlocks = fino.scannedBlocks();
        }
    }

    long finobtBlocks() {
        return finoBlocks;
    }

    /** Claims the first free inode of the first chunk that has one (xfs_dialloc_ag); -1 when none has. */
    long claim() throws FsException {
        if (withFree.isEmpty()) {
            return -1;
        }
        InobtRec r = chunks.get(withFree.first());
        for (int i = 0; i < InobtRec.INODES; i++) {
            if (r.present(i) && r.isFree(i)) {
                InobtRec now = r.withFree(i, false);
                if (hasFinobt) {
                    if (now.freecount() > 0) {
                        fino.update(r.encode(), now.encode());
                    } else {
                        fino.delete(r.encode());
                    }
                }
                ino.update(r.encode(), now.encode());
                put(now);
                agi.agi_freecount(agi.agi_freecount() - 1);
                writeAgi();
                disk.sb().addIfree(-1);
                return disk.ino(agno, r.startino() + i);
            }
        }
        throw Corrupt.of("inobt of AG %d: record %s counts free inodes it does not have", agno, r);
    }

    /**
     * Allocates a chunk of 64 free inodes (xfs_ialloc_ag_alloc), leaving room in the AG for the
     * inobt to split all the way up; false, with nothing changed, when there is no aligned space.
     */
    boolean newChunk() throws FsException {
        long blocks = InobtRec.INODES / disk.sb().sb_inopblock();
        long align = Math.max(1, disk.sb().sb_inoalignmt());
        long[] got = space.allocate(blocks, blocks, 0, align, AgFreeSpace.Resv.NONE, inobtMaxLevels);
        if (got == null || got[1] < blocks) {
            Corrupt.check(got == null, "AG %d: chunk of %d blocks came back as %d", agno, blocks, got == null ? 0 : got[1]);
            return false;
        }
        long startino = got[0] << disk.inopblog();
        Corrupt.check((startino & (InobtRec.INODES - 1)) == 0, "AG %d: a new inode chunk at inode %d, not a multiple of %d "
                + "(sb_inoalignmt %d)", agno, startino, InobtRec.INODES, disk.sb().sb_inoalignmt());
        InodeChunk.initialize(disk, agno, got[0], blocks);
        InobtRec rec = new InobtRec(startino, 0, InobtRec.INODES, InobtRec.INODES, -1L);
        ino.insert(rec.encode());
        if (hasFinobt) {
            fino.insert(rec.encode());
        }
        put(rec);
        agi.agi_count(agi.agi_count() + InobtRec.INODES);
        agi.agi_freecount(agi.agi_freecount() + InobtRec.INODES);
        agi.agi_newino(startino);
        writeAgi();
        disk.sb().addIcount(InobtRec.INODES);
        disk.sb().addIfree(InobtRec.INODES);
        return true;
    }

    /** Marks inode {@code agino} free; the chunk goes when it was its last inode in use. */
    void free(long agino) throws FsException {
        InobtRec r = chunkOf(agino);
        Corrupt.check(r != null, "inode %d of AG %d: no inobt record", agino, agno);
        int i = (int) (agino - r.startino());
        Corrupt.check(r.present(i) && !r.isFree(i), "inode %d of AG %d: already free in inobt", agino, agno);
        InobtRec now = r.withFree(i, true);
        boolean chunkGoes = now.free() == -1L && disk.sb().sb_inopblock() <= InobtRec.INODES;
        if (chunkGoes) {
            ino.delete(r.encode());
            if (hasFinobt) {
                fino.delete(r.encode());
            }
            chunks.remove(r.startino());
            withFree.remove(r.startino());
            agi.agi_count(agi.agi_count() - now.count());
            agi.agi_freecount(agi.agi_freecount() - (now.count() - 1));
            writeAgi();
            disk.sb().addIcount(-now.count());
            disk.sb().addIfree(-(now.count() - 1));
            freeChunkBlocks(now);
            return;
        }
        ino.update(r.encode(), now.encode());
        if (hasFinobt) {
            if (r.freecount() == 0) {
                fino.insert(now.encode());
            } else {
                fino.update(r.encode(), now.encode());
            }
        }
        put(now);
        agi.agi_freecount(agi.agi_freecount() + 1);
        writeAgi();
        disk.sb().addIfree(1);
    }

    /** xfs_difree_inode_chunk: the chunk's blocks, each run of inodes not in a hole freed as one extent. */
    private void freeChunkBlocks(InobtRec r) throws FsException {
        int perBlock = disk.sb().sb_inopblock();
        long first = r.startino() >>> disk.inopblog();
        int i = 0;
        while (i < InobtRec.INODES) {
            if (!r.present(i)) {
                i++;
                continue;
            }
            int j = i;
            while (j < InobtRec.INODES && r.present(j)) {
                j++;
            }
            disk.freeChunk(agno, first + i / perBlock, (j - i) / perBlock);
            space.free(first + i / perBlock, (j - i) / perBlock, AgFreeSpace.Resv.NONE);
            i = j;
        }
    }

    /** Whether the inobt says {@code agino} is allocated. */
    boolean inUse(long agino) {
        InobtRec r = chunkOf(agino);
        if (r == null) {
            return false;
        }
        int i = (int) (agino - r.startino());
        return r.present(i) && !r.isFree(i);
    }

    /**
     * The chunks with an allocated inode whose last inode is at or after {@code agino}, in order,
     * at most {@code max} (the in-core records; under the AG's lock).
     */
    List<InobtRec> allocatedFrom(long agino, int max) {
        long[] starts = chunks.keys().toArray();
        Arrays.sort(starts);
        return allocatedFrom(Arrays.stream(starts).mapToObj(chunks::get).toList(), agino, max);
    }

    /**
     * The same as {@link #allocatedFrom(long, int)} read from the inobt on disk, for a mount that
     * changes nothing and so loads no AG.
     */
    static List<InobtRec> readAllocatedFrom(XfsDisk disk, long agno, long agino, int max) throws FsException {
        XfsAgi agi = XfsAgi.read(disk, agno);
        List<InobtRec> all = new ArrayList<>();
        for (byte[] r : new ShortBtree(disk, agno, AgBtreeKind.INO, inobtRoot(agi), null).records()) {
            all.add(InobtRec.decode(r));
        }
        return allocatedFrom(all, agino, max);
    }

    private static List<InobtRec> allocatedFrom(List<InobtRec> inOrder, long agino, int max) {
        List<InobtRec> out = new ArrayList<>();
        for (InobtRec r : inOrder) {
            if (out.size() == max) {
                break;
            }
            if (r.startino() + InobtRec.INODES > agino && r.allocated() != 0) {
                out.add(r);
            }
        }
        return out;
    }

    /** The record of the chunk that holds {@code agino}, or null. */
    private InobtRec chunkOf(long agino) {
        return chunks.get(agino & -InobtRec.INODES);
    }

    private void put(InobtRec r) {
        chunks.put(r.startino(), r);
        if (r.freecount() > 0) {
            withFree.add(r.startino());
        } else {
            withFree.remove(r.startino());
        }
    }

    void writeAgi() throws FsException {
        disk.writeBytes(disk.agbToByte(agno, 0) + 2L * agi.buf.length, agi.buf, agi.buf.length, XfsAgi.CRC_OFF);
    }
}
