package dev.jdax.cli;

import dev.jdax.api.fs.FileType;

/** {@code ls -l}'s ten-character mode ({@code -rw-r--r--}, {@code drwxrwxrwt}). */
final class ModeString {
    private ModeString() {
    }

    static String of(int mode) {
        StringBuilder sb = new StringBuilder(10);
        sb.append(switch (FileType.ofMode(mode)) {
            case DIRECTORY -> 'd';
            case SYMLINK -> 'l';
            case CHAR_DEVICE -> 'c';
            case BLOCK_DEVICE -> 'b';
            case FIFO -> 'p';
            case SOCKET -> 's';
            case REGULAR -> '-';
            case UNKNOWN -> '?';
        });
        triple(sb, mode >> 6, (mode & 04000) != 0, 's');
        triple(sb, mode >> 3, (mode & 02000) != 0, 's');
        triple(sb, mode, (mode & 01000) != 0, 't');
        return sb.toString();
    }

    private static void triple(StringBuilder sb, int bits, boolean special, char specialChar) {
        sb.append((bits & 4) != 0 ? 'r' : '-');
        sb.append((bits & 2) != 0 ? 'w' : '-');
        boolean x = (bits & 1) != 0;
        sb.append(special ? (x ? specialChar : Character.toUpperCase(specialChar)) : x ? 'x' : '-');
    }
}
