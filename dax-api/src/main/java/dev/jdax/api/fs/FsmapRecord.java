package dev.jdax.api.fs;

/**
 * One record of {@code FS_IOC_GETFSMAP} ({@code struct fsmap}): a physical range of the data
 * device, in bytes, and what owns it — an inode's range of a fork, or, with {@link
 * #FMR_OF_SPECIAL_OWNER}, one of the special owners below (free space, unknown, a kind of
 * metadata). Linux's {@code linux/fsmap.h} and the formats' own owner codes.
 *
 * @param physical where the range starts on the device, in bytes
 * @param length   its length in bytes
 * @param owner    an inode number, or a special owner ({@link #owner(int, int)})
 * @param offset   the file offset of an inode's range, in bytes (0 for a special owner)
 * @param flags    {@code FMR_OF_*}
 */
public record FsmapRecord(long physical, long length, long owner, long offset, int flags) {
    /** Unwritten (preallocated) extent. */
    public static final int FMR_OF_PREALLOC = 0x1;
    /** Of the attribute fork. */
    public static final int FMR_OF_ATTR_FORK = 0x2;
    /** A block of the fork's extent map (bmbt). */
    public static final int FMR_OF_EXTENT_MAP = 0x4;
    /** Shared with another owner (reflink). */
    public static final int FMR_OF_SHARED = 0x8;
    /** {@link #owner} is a special owner, not an inode. */
    public static final int FMR_OF_SPECIAL_OWNER = 0x10;
    /** The last record of the query. */
    public static final int FMR_OF_LAST = 0x20;

    /** FMR_OWN_FREE: free space. */
    public static final long OWN_FREE = owner(0, 1);
    /** FMR_OWN_UNKNOWN: used, owner not recorded (no reverse map). */
    public static final long OWN_UNKNOWN = owner(0, 2);
    /** XFS_FMR_OWN_FS (ext4 too): the superblock and other static metadata. */
    public static final long OWN_FS = owner('X', 1);
    /** XFS_FMR_OWN_LOG (ext4 too): the journal or log. */
    public static final long OWN_LOG = owner('X', 2);
    /** XFS_FMR_OWN_AG: per-AG metadata. */
    public static final long OWN_AG = owner('X', 3);
    /** XFS_FMR_OWN_INOBT: inode B+tree blocks. */
    public static final long OWN_INOBT = owner('X', 4);
    /** XFS_FMR_OWN_INODES (ext4 too): inode chunks or inode tables. */
    public static final long OWN_INODES = owner('X', 5);
    /** XFS_FMR_OWN_REFC: refcount B+tree blocks. */
    public static final long OWN_REFC = owner('X', 6);
    /** XFS_FMR_OWN_COW: CoW staging extents. */
    public static final long OWN_COW = owner('X', 7);
    /** XFS_FMR_OWN_DEFECTIVE: bad blocks. */
    public static final long OWN_DEFECTIVE = owner('X', 8);
    /** EXT4_FMR_OWN_GDT: group descriptor blocks. */
    public static final long OWN_EXT4_GDT = owner('f', 1);
    /** EXT4_FMR_OWN_RESV_GDT: blocks reserved for descriptors of future growth. */
    public static final long OWN_EXT4_RESV_GDT = owner('f', 2);
    /** EXT4_FMR_OWN_BLKBM: block bitmaps. */
    public static final long OWN_EXT4_BLOCK_BITMAP = owner('f', 3);
    /** EXT4_FMR_OWN_INOBM: inode bitmaps. */
    public static final long OWN_EXT4_INODE_BITMAP = owner('f', 4);

    /** FMR_OWNER: a special owner of {@code type} (a format's letter, or 0 for the generic ones) and {@code code}. */
    public static long owner(int type, int code) {
        return (long) type << 32 | Integer.toUnsignedLong(code);
    }

    /** FMR_OWNER_TYPE. */
    public static int ownerType(long owner) {
        return (int) (owner >>> 32);
    }

    /** FMR_OWNER_CODE. */
    public static int ownerCode(long owner) {
        return (int) owner;
    }

    /** A range of a special owner. */
    public static FsmapRecord special(long physical, long length, long owner) {
        return new FsmapRecord(physical, length, owner, 0, FMR_OF_SPECIAL_OWNER);
    }

    /** Whether the owner is a special one rather than an inode. */
    public boolean isSpecial() {
        return (flags & FMR_OF_SPECIAL_OWNER) != 0;
    }
}
