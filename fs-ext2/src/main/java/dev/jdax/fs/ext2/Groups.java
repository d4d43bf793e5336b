package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The block group descriptor table (32 bytes a group, in the blocks after the primary superblock),
 * held in memory and written back block by block as counters change.
 */
final class Groups {
    static final int DESC_SIZE = 32;

    private final Ext2Superblock sb;
    private final ByteBuffer table;
    private final long count;
    private final long firstBlock;
    /** Monitors of {@link #write}: group g's is {@code stripes[g % STRIPES]}. */
    private static final int STRIPES = 64;
    private final Object[] stripes = new Object[STRIPES];

    private Groups(Ext2Superblock sb, ByteBuffer table, long count) {
        this.sb = sb;
        this.table = table;
        this.count = count;
        this.firstBlock = sb.s_first_data_block() + 1;
        Arrays.setAll(stripes, i -> new Object());
    }

    static int tableBlocks(long groups, int blockSize) {
        return (int) ((groups * DESC_SIZE + blockSize - 1) / blockSize);
    }

    static Groups blank(Ext2Superblock sb) {
        long n = sb.groupCount();
        byte[] b = new byte[tableBlocks(n, sb.blockSize()) * sb.blockSize()];
        return new Groups(sb, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), n);
    }

    static Groups read(Disk disk, Ext2Superblock sb) throws FsException {
        Groups g = blank(sb);
        int bs = sb.blockSize();
        for (int i = 0; i < tableBlocks(g.count, bs); i++) {
            ByteBuffer blk = disk.read(g.firstBlock + i, "group descriptor table");
            g.table.put(i * bs, blk.array());
        }
        g.validate(sb);
        return g;
    }

    private void validate(Ext2Superblock sb) throws FsException {
        long blocks = sb.s_blocks_count();
        for (int g = 0; g < count; g++) {
            for (long b : new long[] {blockBitmap(g), inodeBitmap(g)}) {
                if (b < firstBlock || b >= blocks) {
                    throw FsException.of(Errno.EUCLEAN, "ext2: group %d: bitmap block %d outside the file system", g, b);
                }
            }
            long itb = sb.inodeTableBlocks();
            if (inodeTable(g) < firstBlock || inodeTable(g) + itb > blocks) {
                throw FsException.of(Errno.EUCLEAN, "ext2: group %d: inode table at block %d outside the file system", g, inodeTable(g));
            }
            if (freeBlocks(g) > sb.s_blocks_per_group() || freeInodes(g) > sb.s_inodes_per_group()) {
                throw FsException.of(Errno.EUCLEAN, "ext2: group %d: free counts %d blocks, %d inodes are impossible",
                        g, freeBlocks(g), freeInodes(g));
            }
        }
    }

    /**
     * Stores {@code group}'s descriptor. Its block counts change under the group's block lock and its
     * inode counts under its inode lock: copying and storing it is one step, so the last store holds
     * every change made before it. Only the descriptor's 32 bytes: a table block is shared by many
     * groups, and storing all of it at every allocation serialised them on this monitor for longer.
     * The step is one group's, so its monitor is too (one of {@link #STRIPES}, by group number):
     * groups that allocate at the same time do not queue on one monitor, as Linux's per-group
     * {@code sb_bgl_lock} lets them not.
     */
    void write(Disk disk, int group) throws FsException {
        int bs = sb.blockSize();
        long block = firstBlock + (long) group * DESC_SIZE / bs;
        disk.check(block, "group descriptor table");
        synchronized (stripes[group % STRIPES]) {
            disk.writeBytes(block * bs + (long) group * DESC_SIZE % bs, table.array(), at(group), DESC_SIZE);
        }
    }

    /** Writes the whole table at {@code start} (mkfs: the primary and every backup). */
    void writeAt(Disk disk, long start) throws FsException {
        int bs = sb.blockSize();
        for (int i = 0; i < table.capacity() / bs; i++) {
            ByteBuffer out = ByteBuffer.allocate(bs).order(ByteOrder.LITTLE_ENDIAN);
            out.put(0, table.array(), i * bs, bs);
            disk.write(start + i, out, "group descriptor table");
        }
    }

    long count() {
        return count;
    }

    private int at(int g) {
        return g * DESC_SIZE;
    }

    long blockBitmap(int g) { return table.getInt(at(g)) & 0xffffffffL; }
    long inodeBitmap(int g) { return table.getInt(at(g) + 4) & 0xffffffffL; }
    long inodeTable(int g) { return table.getInt(at(g) + 8) & 0xffffffffL; }
    int freeBlocks(int g) { return table.getShort(at(g) + 12) & 0xffff; }
    int freeInodes(int g) { return table.getShort(at(g) + 14) & 0xffff; }
    int usedDirs(int g) { return table.getShort(at(g) + 16) & 0xffff; }

    void set(int g, long blockBitmap, long inodeBitmap, long inodeTable) {
        table.putInt(at(g), (int) blockBitmap);
        table.putInt(at(g) + 4, (int) inodeBitmap);
        table.putInt(at(g) + 8, (int) inodeTable);
    }

    void freeBlocks(int g, int v) { table.putShort(at(g) + 12, (short) v); }
    void freeInodes(int g, int v) { table.putShort(at(g) + 14, (short) v); }
    void usedDirs(int g, int v) { table.putShort(at(g) + 16, (short) v); }

    /** sparse_super: superblock and table backups live in groups 0, 1 and the powers of 3, 5 and 7. */
    static boolean hasSuper(long g, boolean sparse) {
        if (!sparse || g <= 1) {
            return true;
        }
        return isPower(g, 3) || isPower(g, 5) || isPower(g, 7);
    }

    private static boolean isPower(long g, int base) {
        long p = base;
        while (p < g) {
            p *= base;
        }
        return p == g;
    }
}
