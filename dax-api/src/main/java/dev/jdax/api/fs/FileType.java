package dev.jdax.api.fs;

/** The file types of {@code st_mode}, with their {@code S_IF*} bits. */
public enum FileType {
    /** A regular file ({@code S_IFREG}). */
    REGULAR(0100000),
    /** A directory ({@code S_IFDIR}). */
    DIRECTORY(0040000),
    /** A symbolic link ({@code S_IFLNK}). */
    SYMLINK(0120000),
    /** A character device ({@code S_IFCHR}). */
    CHAR_DEVICE(0020000),
    /** A block device ({@code S_IFBLK}). */
    BLOCK_DEVICE(0060000),
    /** A named pipe ({@code S_IFIFO}). */
    FIFO(0010000),
    /** A socket ({@code S_IFSOCK}). */
    SOCKET(0140000),
    /** Type bits no other constant has. */
    UNKNOWN(0);

    /** The bits of {@code st_mode} that hold the file type. */
    public static final int S_IFMT = 0170000;

    /** values() copies its array at every call, and ofMode runs for every inode read. */
    private static final FileType[] ALL = values();

    private final int modeBits;

    FileType(int modeBits) {
        this.modeBits = modeBits;
    }

    /** The {@code S_IF*} bits of this type. */
    public int modeBits() {
        return modeBits;
    }

    /**
     * The type a directory record of ext2, ext4 or XFS names in its file type byte (EXT2_FT_* and
     * XFS_DIR3_FT_*, one numbering: 1 regular ... 7 symbolic link), {@link #UNKNOWN} for 0 (no
     * filetype feature) or anything else.
     *
     * @param fileType the record's file type byte
     * @return the type
     */
    public static FileType ofDirentType(int fileType) {
        return switch (fileType) {
            case 1 -> REGULAR;
            case 2 -> DIRECTORY;
            case 3 -> CHAR_DEVICE;
            case 4 -> BLOCK_DEVICE;
            case 5 -> FIFO;
            case 6 -> SOCKET;
            case 7 -> SYMLINK;
            default -> UNKNOWN;
        };
    }

    /** The type named by the {@code S_IFMT} bits of {@code mode}. */
    public static FileType ofMode(int mode) {
        int t = mode & S_IFMT;
        for (FileType f : ALL) {
            if (f.modeBits == t && f != UNKNOWN) {
                return f;
            }
        }
        return UNKNOWN;
    }
}
