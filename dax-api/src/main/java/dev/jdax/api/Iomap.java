package dev.jdax.api;

/**
 * One mapping answer from a personality: what lies under {@code [offset, offset + length)} of a
 * file and where. A HOLE or UNWRITTEN answer covers the whole hole or extent under the position,
 * up to the length asked for (the engine needs that size for PMD faults); personalities that
 * cannot tell a hole's size answer one block (the legacy bridge).
 *
 * @param offset file offset of the mapping's first byte (block aligned)
 * @param length bytes covered (a multiple of the block size)
 * @param type   what is there
 * @param addr   device byte address of {@code offset} for MAPPED and UNWRITTEN, {@link #NULL_ADDR} otherwise
 * @param flags  {@link #F_NEW}, {@link #F_DIRTY}, {@link #F_SHARED}, {@link #F_MERGED}, {@link #F_BOUNDARY}, {@link #F_COW}
 * @param device the device the address is on
 * @param srcAddr for a write answer over shared blocks whose remap waits for {@code end} ({@link
 *               #F_COW}): the device address of the shared data at {@code offset}, which the engine
 *               copies into the parts of the new blocks the write does not cover; {@link #NULL_ADDR}
 *               otherwise
 */
public record Iomap(long offset, long length, IomapType type, long addr, int flags, DaxDevice device, long srcAddr) {
    /** No device address: {@code addr} of answers other than MAPPED and UNWRITTEN. */
    public static final long NULL_ADDR = -1;

    /** Blocks allocated by this call: the engine zeroes what the operation does not write. */
    public static final int F_NEW = 1;
    /** The inode's metadata for this range is not yet durable (fdatasync/MAP_SYNC must commit it). */
    public static final int F_DIRTY = 1 << 1;
    /**
     * Blocks shared with another file (reflink): the engine stores into them only through a
     * {@link IomapOps#WRITE} answer, which gives blocks of the file's own.
     */
    public static final int F_SHARED = 1 << 2;
    /** The answer merged several on-disk records (block maps): FIEMAP reports FIEMAP_EXTENT_MERGED. */
    public static final int F_MERGED = 1 << 3;
    /** get_block's boundary hint: the next block needs another metadata read (bridge only). */
    public static final int F_BOUNDARY = 1 << 4;
    /**
     * A write answer over shared blocks (reflink), copied on write: the blocks given are new and
     * replace the shared ones in this file, so every mapping of the range must forget the old ones
     * (dax_iomap_iter's invalidation for a CoW iomap: IOMAP_F_SHARED with a source map in Linux).
     * Without a {@link #srcAddr} the personality has copied the data and remapped already; with one
     * (a write, not a fault) the engine copies the data the write does not cover from there, writes,
     * and the personality remaps in {@code end} what was written, as Linux's
     * dax_iomap_cow_copy and xfs_reflink_end_cow do. Unlike {@link #F_NEW}, nothing is zeroed.
     */
    public static final int F_COW = 1 << 5;

    /** An answer without a source map. */
    public Iomap(long offset, long length, IomapType type, long addr, int flags, DaxDevice device) {
        this(offset, length, type, addr, flags, device, NULL_ADDR);
    }

    /** Checks the range is not empty and MAPPED/UNWRITTEN answers have an address. */
    public Iomap {
        if (offset < 0 || length <= 0) {
            throw new IllegalArgumentException("iomap " + offset + "+" + length);
        }
        if ((type == IomapType.MAPPED || type == IomapType.UNWRITTEN) && addr < 0) {
            throw new IllegalArgumentException("iomap " + type + " without an address");
        }
    }

    /** A hole over {@code [offset, offset + length)}. */
    public static Iomap hole(long offset, long length, DaxDevice device) {
        return new Iomap(offset, length, IomapType.HOLE, NULL_ADDR, 0, device);
    }

    /** The file offset just past the mapping. */
    public long end() {
        return offset + length;
    }

    /** Whether {@code flag} is set. */
    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** {@return whether this is a copy on write the engine completes} ({@link #F_COW} with a {@link #srcAddr}) */
    public boolean cowPending() {
        return has(F_COW) && srcAddr >= 0;
    }

    /** The shared data's device address for file offset {@code pos} of a {@link #cowPending} answer. */
    public long srcAddrOf(long pos) {
        if (srcAddr < 0) {
            throw new IllegalStateException("no source address in " + this);
        }
        return srcAddr + (pos - offset);
    }

    /** The device address of file offset {@code pos}, which must lie inside this mapping. */
    public long addrOf(long pos) {
        if (addr < 0) {
            throw new IllegalStateException("no device address in " + this);
        }
        return addr + (pos - offset);
    }
}
