package dev.jdax.cli.fsx;

import java.util.Locale;

/**
 * One operation of a run, printed as fsx prints its log ({@code 12 write 0x3000 thru 0x4fff (0x2000 bytes)}).
 *
 * @param number the operation's number in the run, from 1
 * @param dest   where a copy, clone or dedupe of {@code [offset, +length)} goes; -1 for the others
 */
record FsxOp(long number, Kind kind, long offset, long length, long dest) {
    FsxOp(long number, Kind kind, long offset, long length) {
        this(number, kind, offset, length, -1);
    }

    enum Kind {
        READ("read"), WRITE("write"), MAPREAD("mapread"), MAPWRITE("mapwrite"), TRUNCATE("truncate"),
        FALLOCATE("falloc"), FALLOCATE_KEEP("falloc_keep"), PUNCH_HOLE("punch_hole"), ZERO_RANGE("zero_range"),
        COLLAPSE_RANGE("collapse_range"), INSERT_RANGE("insert_range"), FSYNC("fsync"), COPY_RANGE("copy_range"),
        CLONE_RANGE("clone_range"), DEDUPE_RANGE("dedupe_range");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case TRUNCATE -> String.format(Locale.ROOT, "%d %s to 0x%x", number, kind.label, offset);
            case FSYNC -> number + " " + kind.label;
            case COPY_RANGE, CLONE_RANGE, DEDUPE_RANGE -> String.format(Locale.ROOT, "%d %s 0x%x thru 0x%x (0x%x bytes) to 0x%x"
                    + " thru 0x%x", number, kind.label, offset, offset + length - 1, length, dest, dest + length - 1);
            default -> String.format(Locale.ROOT, "%d %s 0x%x thru 0x%x (0x%x bytes)", number, kind.label,
                    offset, offset + Math.max(length, 1) - 1, length);
        };
    }
}
