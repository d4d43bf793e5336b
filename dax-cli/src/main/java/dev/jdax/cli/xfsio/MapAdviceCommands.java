package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileMapping;

import java.util.BitSet;
import java.util.List;

/**
 * {@code madvise} ({@code io/madvise.c}), {@code mincore} ({@code io/mincore.c}) and {@code mremap}
 * ({@code io/mmap.c}) on the current mapping.
 */
final class MapAdviceCommands {
    private MapAdviceCommands() {
    }

    static final class Madvise extends NamedCommand {
        Madvise() {
            super("madvise", "ma", "[-drsw] [off len]", "give advice about use of memory", Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            if (!MapCommands.needMapping(p)) {
                return;
            }
            int advice = FileMapping.MADV_NORMAL;
            GetOpt g = p.getopt(argv, "drsw");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'd' -> advice = FileMapping.MADV_DONTNEED;
                    case 'r' -> advice = FileMapping.MADV_RANDOM;
                    case 's' -> advice = FileMapping.MADV_SEQUENTIAL;
                    case 'w' -> advice = FileMapping.MADV_WILLNEED;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            long[] r = MapCommands.range(p, this, g.operands(), true);
            if (r == null) {
                return;
            }
            MappedRegion m = p.mapping();
            m.mapping().madvise(r[0] - m.offset(), r[1], advice);
        }
    }

    /**
     * Prints each run of resident pages as xfs_io does: its addresses, its page count, and its file
     * offset and length. Like xfs_io it looks at whole pages only, {@code length / 4096} of them.
     */
    static final class Mincore extends NamedCommand {
        Mincore() {
            super("mincore", "mi", "[off len]", "find mapping pages that are memory resident", Arguments.between(0, 2), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            if (!MapCommands.needMapping(p)) {
                return;
            }
            long[] r = MapCommands.range(p, this, argv.subList(1, argv.size()), true);
            if (r == null) {
                return;
            }
            MappedRegion m = p.mapping();
            long rel = r[0] - m.offset();
            BitSet resident = m.mapping().mincore(rel, r[1]);
            long start = m.mapping().address() + rel;
            long pages = r[1] / MapCommands.PAGE;
            long runStart = -1;
            for (long i = 0; i <= pages; i++) {
                boolean in = i < pages && resident.get(Math.toIntExact(i));
                if (in && runStart < 0) {
                    runStart = i;
                } else if (!in && runStart >= 0) {
                    long from = runStart * MapCommands.PAGE;
                    long to = i * MapCommands.PAGE;
                    p.out().out(String.format("0x%x - 0x%x  %d pages (%d : %d)", start + from, start + to, i - runStart,
                            r[0] + from, to - from));
                    runStart = -1;
                }
            }
        }
    }

    static final class Mremap extends NamedCommand {
        Mremap() {
            super("mremap", "mrm", "[-m|-f <new_address>] newsize", "alters the size of the current memory mapping",
                    Arguments.between(1, 3), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (!MapCommands.needMapping(p)) {
                return;
            }
            int flags = 0;
            long address = 0;
            GetOpt g = p.getopt(argv, "f:m");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'f' -> {
                        flags = FileMapping.MREMAP_FIXED | FileMapping.MREMAP_MAYMOVE;
                        address = p.number(g.optarg());
                    }
                    case 'm' -> flags = FileMapping.MREMAP_MAYMOVE;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            List<String> ops = g.operands();
            if (ops.size() != 1) {
                p.usage(this);
                return;
            }
            long length = p.number(ops.get(0));
            if (length < 0) {
                // mremap_f's own words, although the argument is a size.
                p.nonNumeric("offset argument", ops.get(0));
                return;
            }
            try {
                p.mapping().mapping().mremap(length, flags, address);
            } catch (FsException e) {
                p.perror("mremap", e);
            }
        }
    }
}
