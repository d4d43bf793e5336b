package dev.jdax.fs.xfs;

import dev.jdax.api.fs.FileType;

import java.nio.charset.StandardCharsets;

/** One directory entry as stored: name bytes, inode, XFS_DIR3_FT_* type. */
record DirRecord(byte[] name, long ino, int ftype) {
    static final int FT_UNKNOWN = 0;
    static final int FT_REG_FILE = 1;
    static final int FT_DIR = 2;
    static final int FT_CHRDEV = 3;
    static final int FT_BLKDEV = 4;
    static final int FT_FIFO = 5;
    static final int FT_SOCK = 6;
    static final int FT_SYMLINK = 7;

    String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }

    FileType fileType() {
        return switch (ftype) {
            case FT_REG_FILE -> FileType.REGULAR;
            case FT_DIR -> FileType.DIRECTORY;
            case FT_CHRDEV -> FileType.CHAR_DEVICE;
            case FT_BLKDEV -> FileType.BLOCK_DEVICE;
            case FT_FIFO -> FileType.FIFO;
            case FT_SOCK -> FileType.SOCKET;
            case FT_SYMLINK -> FileType.SYMLINK;
            default -> FileType.UNKNOWN;
        };
    }

    static int ftypeOfMode(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> FT_REG_FILE;
            case 0040000 -> FT_DIR;
            case 0020000 -> FT_CHRDEV;
            case 0060000 -> FT_BLKDEV;
            case 0010000 -> FT_FIFO;
            case 0140000 -> FT_SOCK;
            case 0120000 -> FT_SYMLINK;
            default -> FT_UNKNOWN;
        };
    }

    boolean isDot() {
        return (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
    }
}
