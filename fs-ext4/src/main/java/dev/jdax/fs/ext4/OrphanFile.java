package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.lock.PerCpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;

/**
 * ext4's orphan file (the orphan_file feature, Linux 5.15; Documentation/filesystems/ext4/orphan.rst):
 * a special inode, named by the superblock's {@code s_orphan_file_inum} and in no directory, whose
 * blocks are arrays of 32-bit inode numbers, 0 for a free entry, each block ending in a tail of
 * {@code ob_magic} and {@code ob_checksum} (crc32c from the orphan file inode's seed over the block's
 * 64-bit number and the entries). An orphan takes one entry instead of joining the superblock's
 * list, so orphans of two threads share no lock and no block: the list rewrites its predecessor
 * (often another thread's inode) and the superblock under one {@code s_orphan_lock}, which cost two
 * threads creating and unlinking files much of their second core ({@code docs/PERFORMANCE.md}).
 *
 * <p>The entries are kept in core as atomics; a change marks its block, and the commit of the
 * transaction that made it writes the block whole with its tail ({@link #seal}), once per block and
 * commit as Linux's buffer trigger sums it; without a journal the block is written at once. A thread
 * starts its search at a block of its own ({@link PerCpu}'s slot), as later kernels start each CPU's
 * (at the CPU's number times 13, modulo the blocks); Linux 6.1 takes the first block with a free
 * entry under one spinlock (an image the kernel crashed has its entries in block 0). Either way an
 * entry is the same on disk. When every entry is taken, the caller falls back to the list, as Linux
 * does ({@link Orphans}).
 */
final class OrphanFile {
    static final int MAGIC = 0x0b10ca04;
    /** Free counts of neighbouring blocks sit this many ints apart: a cache line each. */
    private static final int SPREAD = 16;

    private final Disk disk;
    private final long ino;
    /** Each block of the file, by file block: where it is on the device. */
    private final long[] blocks;
    private final int perBlock;
    private final int bs;
    /** The orphan file inode's checksum seed, or 0 without metadata_csum (no checksum then). */
    private final int seed;
    private final boolean csum;
    private final boolean journalled;
    /** Entry i of block i / perBlock: the orphan's number or 0. */
    private final AtomicIntegerArray entries;
    /** Per block, at {@code block * SPREAD}: its free entries, never below 0 (a claim takes one first). */
    private final AtomicIntegerArray free;
    private final DirtyGroups dirty;
    /** Per block: held while its bytes are made and written, so that the last write has the last state. */
    private final Object[] writers;

    private OrphanFile(Disk disk, long ino, long[] blocks, int bs, int seed, boolean csum, boolean journalled) {
        this.disk = disk;
        this.ino = ino;
        this.blocks = blocks;
        this.bs = bs;
        this.perBlock = entriesPerBlock(bs);
        this.seed = seed;
        this.csum = csum;
        this.journalled = journalled;
        this.entries = new AtomicIntegerArray(blocks.length * perBlock);
        this.free = new AtomicIntegerArray(blocks.length * SPREAD);
        this.dirty = new DirtyGroups(blocks.length);
        this.writers = new Object[blocks.length];
        Arrays.setAll(writers, i -> new Object());
    }

    /** ext4_inodes_per_orphan_block: the block less its tail, in 32-bit entries. */
    static int entriesPerBlock(int bs) {
        return (bs - 8) / 4;
    }

    /**
     * ext4_init_orphan_info: the file's blocks read and checked (each mapped, its magic, its checksum),
     * the entries they hold kept; a file that does not hold whole blocks, or a block that fails, is
     * an error naming it, as Linux then refuses the mount.
     */
    static OrphanFile load(Ext4Superblock sb, Disk disk, Ext4Inode file, int fsSeed, boolean journalled) throws FsException {
        int bs = sb.blockSize();
        long n = file.i_size() / bs;
        if (n < 1 || n > Integer.MAX_VALUE / bs || file.extents == null) {
            throw FsException.of(Errno.EUCLEAN, "ext4: orphan file (inode %d): size %d holds no block of entries", file.ino, file.i_size());
        }
        long[] where = new long[(int) n];
        for (int i = 0; i < n; i++) {
            Extent e = file.extents.find(i);
            if (e == null || e.unwritten()) {
                throw FsException.of(Errno.EUCLEAN, "ext4: orphan file (inode %d): block %d is not mapped", file.ino, i);
            }
            where[i] = e.pblkOf(i);
        }
        boolean csum = sb.hasCsum();
        OrphanFile f = new OrphanFile(disk, file.ino, where, bs, csum ? file.csumSeed(fsSeed) : 0, csum, journalled);
        for (int i = 0; i < n; i++) {
            ByteBuffer b = disk.read(where[i], "orphan file block");
            int magic = b.getInt(bs - 8);
            if (magic != MAGIC) {
                throw FsException.of(Errno.EUCLEAN, "ext4: orphan file (inode %d) block %d (at %d): bad magic 0x%x", file.ino, i, where[i], magic);
            }
            if (csum && b.getInt(bs - 4) != checksum(f.seed, where[i], b.array())) {
                throw FsException.of(Errno.EBADMSG, "ext4: orphan file (inode %d) block %d (at %d): checksum does not match",
                        file.ino, i, where[i]);
            }
            int freeHere = 0;
            for (int j = 0; j < f.perBlock; j++) {
                int v = b.getInt(4 * j);
                f.entries.set(i * f.perBlock + j, v);
                if (v == 0) {
                    freeHere++;
                }
            }
            f.free.set(i * SPREAD, freeHere);
        }
        return f;
    }

    /**
     * ext4_orphan_file_add: {@code in} takes a free entry; {@return false} when every entry is taken
     * (the caller uses the list). The entry's number goes to {@link Ext4Inode#orphanSlot}, and the
     * inode counts as orphaned.
     */
    boolean add(Ext4Inode in) throws FsException {
        int n = blocks.length;
        int start = PerCpu.slot(n);
        int b = start;
        do {
            if (takeOne(b)) {
                int slot = claimIn(b, (int) in.ino);
                synchronized (in) {
                    in.orphanSlot = slot;
                    in.orphaned = true;
                }
                changed(b);
                return true;
            }
            b = b + 1 == n ? 0 : b + 1;
        } while (b != start);
        return false;
    }

    /** One of block {@code b}'s free entries, if it has one, now counted taken by the caller. */
    private boolean takeOne(int b) {
        int at = b * SPREAD;
        for (int v = free.get(at); v > 0; v = free.get(at)) {
            if (free.compareAndSet(at, v, v - 1)) {
                return true;
            }
        }
        return false;
    }

    /** The entry a count taken in block {@code b} stands for: one is free there for this caller. */
    private int claimIn(int b, int value) {
        int first = b * perBlock;
        while (true) {
            for (int i = first; i < first + perBlock; i++) {
                if (entries.get(i) == 0 && entries.compareAndSet(i, 0, value)) {
                    return i;
                }
            }
        }
    }

    /** ext4_orphan_file_del: {@code in}'s entry is free again; {@return whether it had one}. */
    boolean remove(Ext4Inode in) throws FsException {
        int slot;
        synchronized (in) {
            slot = in.orphanSlot;
            in.orphanSlot = -1;
            if (slot >= 0) {
                in.orphaned = false;
            }
        }
        if (slot < 0) {
            return false;
        }
        clear(slot);
        return true;
    }

    /** Entry {@code slot} is free again, inside the caller's transaction. */
    void clear(int slot) throws FsException {
        int b = slot / perBlock;
        entries.set(slot, 0);
        free.incrementAndGet(b * SPREAD);
        changed(b);
    }

    private void changed(int b) throws FsException {
        if (journalled) {
            dirty.mark(b);
        } else {
            write(b);
        }
    }

    /** {@return whether no entry is taken} (ext4_orphan_file_empty: orphan_present may then go). */
    boolean empty() {
        for (int b = 0; b < blocks.length; b++) {
            if (free.get(b * SPREAD) != perBlock) {
                return false;
            }
        }
        return true;
    }

    /** The taken entries as a crash left them, by entry number: what the mount's cleanup frees. */
    int[] taken() {
        return IntStream.range(0, entries.length()).filter(i -> entries.get(i) != 0).toArray();
    }

    /** The number entry {@code slot} holds (unsigned). */
    long entry(int slot) {
        return entries.get(slot) & 0xffffffffL;
    }

    /** Marks the inode read from {@code slot} at mount as the orphan holding it, so its removal frees the entry. */
    void adopt(Ext4Inode in, int slot) {
        synchronized (in) {
            in.orphanSlot = slot;
            in.orphaned = true;
        }
    }

    /** Writes the blocks changed since the last seal into the committing transaction (no handle runs). */
    void seal() throws FsException {
        BitSet changed = dirty.take();
        for (int b = changed.nextSetBit(0); b >= 0; b = changed.nextSetBit(b + 1)) {
            write(b);
        }
    }

    /** Block {@code b} as its entries are now, with its tail; one writer of a block at a time. */
    private void write(int b) throws FsException {
        synchronized (writers[b]) {
            ByteBuffer out = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < perBlock; j++) {
                out.putInt(4 * j, entries.get(b * perBlock + j));
            }
            out.putInt(bs - 8, MAGIC);
            if (csum) {
                out.putInt(bs - 4, checksum(seed, blocks[b], out.array()));
            }
            disk.write(blocks[b], out, "orphan file block", ino);
        }
    }

    /** ext4_orphan_file_block_csum: from the file's seed, the block's number (64 bits) and the entries. */
    private static int checksum(int seed, long where, byte[] block) {
        int c = Crc32c.update(Crc32c.update(seed, (int) where), (int) (where >>> 32));
        return Crc32c.update(c, block, 0, entriesPerBlock(block.length) * 4);
    }

    /** mke2fs's default size (ext2fs_default_orphan_file_blocks): 32 blocks, blocks/4096, at most 512. */
    static long defaultBlocks(long fsBlocks) {
        if (fsBlocks < 128 * 1024) {
            return 32;
        }
        return fsBlocks < 2 * 1024 * 1024 ? fsBlocks / 4096 : 512;
    }

    /** An empty block of a new orphan file at device block {@code where}, with its tail. */
    static ByteBuffer emptyBlock(int bs, int inodeSeed, long where) {
        ByteBuffer out = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(bs - 8, MAGIC);
        out.putInt(bs - 4, checksum(inodeSeed, where, out.array()));
        return out;
    }
}
