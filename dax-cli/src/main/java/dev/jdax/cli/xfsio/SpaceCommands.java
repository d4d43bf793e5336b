package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.Falloc;

import java.util.List;

/**
 * Commands that change a file's allocation or size or make it durable: {@code falloc},
 * {@code fpunch}, {@code fzero}, {@code fcollapse}, {@code finsert} ({@code io/prealloc.c}),
 * {@code truncate}, {@code fsync}, {@code fdatasync}.
 */
final class SpaceCommands {
    private SpaceCommands() {
    }

    /** Parses {@code off len} and calls fallocate with {@code mode}, reporting as {@code perror("fallocate")}. */
    private static void fallocate(XfsIoProcess p, XfsIoCommand cmd, List<String> ops, int mode) {
        if (ops.size() != 2) {
            p.usage(cmd);
            return;
        }
        long offset = p.number(ops.get(0));
        if (offset < 0) {
            p.nonNumeric("offset argument", ops.get(0));
            return;
        }
        long length = p.number(ops.get(1));
        if (length < 0) {
            p.nonNumeric("length argument", ops.get(1));
            return;
        }
        try {
            p.file().handle().fallocate(mode, offset, length);
        } catch (FsException e) {
            p.perror("fallocate", e);
        }
    }

    static final class FallocCmd implements XfsIoCommand {
        @Override
        public String name() {
            return "falloc";
        }

        @Override
        public String args() {
            return "[-c] [-k] [-p] [-u] off len";
        }

        @Override
        public String oneline() {
            return "allocates space associated with part of a file via fallocate";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int mode = 0;
            GetOpt g = new GetOpt(argv, "cikpu");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'c' -> mode = Falloc.COLLAPSE_RANGE;
                    case 'i' -> mode = Falloc.INSERT_RANGE;
                    case 'k' -> mode = Falloc.KEEP_SIZE;
                    case 'p' -> mode = Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE;
                    case 'u' -> mode = Falloc.UNSHARE_RANGE;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            fallocate(p, this, g.operands(), mode);
        }
    }

    /** A fallocate command with a fixed mode and no options. */
    private abstract static class FixedMode implements XfsIoCommand {
        private final String name;
        private final String oneline;
        private final int mode;

        FixedMode(String name, String oneline, int mode) {
            this.name = name;
            this.oneline = oneline;
            this.mode = mode;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String args() {
            return "off len";
        }

        @Override
        public String oneline() {
            return oneline;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            GetOpt g = new GetOpt(argv, "");
            if (g.next() != -1) {
                p.usage(this);
                return;
            }
            fallocate(p, this, g.operands(), mode);
        }
    }

    static final class Fpunch extends FixedMode {
        Fpunch() {
            super("fpunch", "de-allocates space associated with part of a file via fallocate",
                    Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE);
        }
    }

    static final class Fcollapse extends FixedMode {
        Fcollapse() {
            super("fcollapse", "de-allocates space and eliminates the hole by shifting extents",
                    Falloc.COLLAPSE_RANGE);
        }
    }

    static final class Finsert extends FixedMode {
        Finsert() {
            super("finsert", "creates new space for writing within file by shifting extents",
                    Falloc.INSERT_RANGE);
        }
    }

    static final class Fzero implements XfsIoCommand {
        @Override
        public String name() {
            return "fzero";
        }

        @Override
        public String args() {
            return "[-k] off len";
        }

        @Override
        public String oneline() {
            return "zeroes space and eliminates holes by preallocating";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int mode = Falloc.ZERO_RANGE;
            GetOpt g = new GetOpt(argv, "k");
            for (int c; (c = g.next()) != -1; ) {
                if (c == 'k') {
                    mode |= Falloc.KEEP_SIZE;
                } else {
                    p.usage(this);
                    return;
                }
            }
            fallocate(p, this, g.operands(), mode);
        }
    }

    static final class Truncate implements XfsIoCommand {
        @Override
        public String name() {
            return "truncate";
        }

        @Override
        public String args() {
            return "off";
        }

        @Override
        public String oneline() {
            return "truncates the current file at the given offset";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (argv.size() != 2) {
                p.usage(this);
                return;
            }
            long size = p.number(argv.get(1));
            if (size < 0) {
                p.nonNumeric("truncate argument", argv.get(1));
                return;
            }
            try {
                p.file().handle().truncate(size);
            } catch (FsException e) {
                p.perror("ftruncate", e);
            }
        }
    }

    static final class Fsync implements XfsIoCommand {
        @Override
        public String name() {
            return "fsync";
        }

        @Override
        public String args() {
            return "";
        }

        @Override
        public String oneline() {
            return "calls fsync(2) to flush all in-core file state to disk";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            try {
                p.file().handle().fsync(false);
            } catch (FsException e) {
                p.perror("fsync", e);
            }
        }
    }

    static final class Fdatasync implements XfsIoCommand {
        @Override
        public String name() {
            return "fdatasync";
        }

        @Override
        public String args() {
            return "";
        }

        @Override
        public String oneline() {
            return "calls fdatasync(2) to flush the files in-core data to disk";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            try {
                p.file().handle().fsync(true);
            } catch (FsException e) {
                p.perror("fdatasync", e);
            }
        }
    }
}
