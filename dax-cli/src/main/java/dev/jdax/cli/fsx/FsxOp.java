package dev.jdax.cli.fsx;

import java.util.Locale;

/**
 * One operation of a run, printed as fsx prints its log ({@code 12 write 0x3000 thru 0x4fff (0x2000 bytes)}).
 *
 * @param number the operation's number in the run, from 1
 */
record FsxOp(long number, Kind kind, long offset, long length) {

    enum Kind {
        READ("read"), WRITE("write"), MAPREAD("mapread"), MAPWRITE("mapwrite"), TRUNCATE("truncate"),
        FALLOCATE("falloc"), FALLOCATE_KEEP("falloc_keep"), PUNCH_HOLE("punch_hole"), ZERO_RANGE("zero_range"),
        COLLAPSE_RANGE("collapse_range"), INSERT_RANGE("insert_range"), FSYNC("fsync");

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
            default -> String.format(Locale.ROOT, "%d %s 0x%x thru 0x%x (0x%x bytes)", number, kind.label,
                    offset, offset + Math.max(length, 1) - 1, length);
        };
    }
}
