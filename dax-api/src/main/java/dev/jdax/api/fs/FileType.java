package dev.jdax.api.fs;

/** The file types of {@code st_mode}, with their {@code S_IF*} bits. */
public enum FileType {
    REGULAR(0100000),
    DIRECTORY(0040000),
    SYMLINK(0120000),
    CHAR_DEVICE(0020000),
    BLOCK_DEVICE(0060000),
    FIFO(0010000),
    SOCKET(0140000),
    UNKNOWN(0);

    public static final int S_IFMT = 0170000;

    private final int modeBits;

    FileType(int modeBits) {
        this.modeBits = modeBits;
    }

    /** The {@code S_IF*} bits of this type. */
    public int modeBits() {
        return modeBits;
    }

    /** The type named by the {@code S_IFMT} bits of {@code mode}. */
    public static FileType ofMode(int mode) {
        int t = mode & S_IFMT;
        for (FileType f : values()) {
            if (f.modeBits == t && f != UNKNOWN) {
                return f;
            }
        }
        return UNKNOWN;
    }
}
