package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.Fadvise;
import dev.jdax.api.fs.SyncFileRange;

import java.util.List;

/** {@code fadvise} ({@code io/fadvise.c}) and {@code sync_range} ({@code io/sync_file_range.c}) on the current file. */
final class FileAdviceCommands {
    private FileAdviceCommands() {
    }

    /** The advice that needs a range ({@code [*]} in xfs_io's help) takes one; the others take none. */
    static final class FadviseCmd extends NamedCommand {
        FadviseCmd() {
            super("fadvise", null, "[-dnrsw] [off len]", "advisory commands for sections of a file", Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int advice = Fadvise.NORMAL;
            boolean range = false;
            GetOpt g = p.getopt(argv, "dnrsw");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'd' -> advice = Fadvise.DONTNEED;
                    case 'n' -> advice = Fadvise.NOREUSE;
                    case 'r' -> advice = Fadvise.RANDOM;
                    case 's' -> advice = Fadvise.SEQUENTIAL;
                    case 'w' -> advice = Fadvise.WILLNEED;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
                range = c == 'd' || c == 'n' || c == 'w';
            }
            List<String> ops = g.operands();
            if (ops.size() != (range ? 2 : 0)) {
                p.usage(this);
                return;
            }
            long[] r = range ? p.offsetLength(ops) : new long[] {0, 0};
            if (r == null) {
                return;
            }
            try {
                p.file().handle().fadvise(r[0], r[1], advice);
            } catch (FsException e) {
                // posix_fadvise returns its error rather than -1, and fadvise_f tests for < 0: xfs_io
                // never reports one.
            }
        }
    }

    /** The last of -a, -b, -w counts (sync_range_f assigns, it does not or); -w when none is given. */
    static final class SyncRange extends NamedCommand {
        SyncRange() {
            super("sync_range", null, "[-abw] off len", "Control writeback on a range of a file", Arguments.atLeast(2), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int flags = SyncFileRange.WRITE;
            GetOpt g = p.getopt(argv, "abw");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'a' -> flags = SyncFileRange.WAIT_AFTER;
                    case 'b' -> flags = SyncFileRange.WAIT_BEFORE;
                    case 'w' -> flags = SyncFileRange.WRITE;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            List<String> ops = g.operands();
            if (ops.size() != 2) {
                p.usage(this);
                return;
            }
            long[] r = p.offsetLength(ops);
            if (r == null) {
                return;
            }
            try {
                p.file().handle().syncRange(r[0], r[1], flags);
            } catch (FsException e) {
                p.perror("sync_file_range", e);
            }
        }
    }
}
