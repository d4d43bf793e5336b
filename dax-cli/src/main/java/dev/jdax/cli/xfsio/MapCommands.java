package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileMapping;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * {@code mmap}, {@code mread}, {@code mwrite}, {@code msync}, {@code munmap} ({@code io/mmap.c}).
 * Loads and stores go through the engine's mapping, so they fault as a process's would; a SIGBUS
 * escapes to {@link XfsIoProcess#execute}, which ends the process.
 */
final class MapCommands {
    private MapCommands() {
    }

    static final int PAGE = 4096;
    static final String NO_MAPPINGS = "no mapped regions, try 'help mmap'";

    /**
     * maplist_f: one line per mapping, the current one's index in brackets; addresses are this
     * process's, so they differ from Linux's as one run's differ from the next.
     */
    static void list(XfsIoProcess p) {
        for (int i = 0; i < p.maps().size(); i++) {
            MappedRegion m = p.maps().get(i);
            FileMapping fm = m.mapping();
            String prot = ((m.prot() & FileMapping.PROT_READ) != 0 ? "r" : "-")
                    + ((m.prot() & FileMapping.PROT_WRITE) != 0 ? "w" : "-")
                    + ((m.prot() & MappedRegion.PROT_EXEC) != 0 ? "x" : "-")
                    + ((fm.flags() & FileMapping.MAP_SYNC) != 0 ? " S" : "");
            p.out().out(String.format("%c%03d%c 0x%x - 0x%x %s  %14s (%d : %d)", m == p.mapping() ? '[' : ' ', i,
                    m == p.mapping() ? ']' : ' ', fm.address(), fm.address() + fm.length(), prot, m.name(),
                    fm.fileOffset(), fm.length()));
        }
    }

    /**
     * {@code check_mapping_range}: the range must lie in the current mapping (file offsets), its start
     * page aligned where the call needs it ({@code pageAligned}). The messages and the end check are
     * xfs_io's own: the "beyond end" message prints the offset within the mapping and the mapping's
     * start, the "range" one the offset and the offset within the mapping, and the end is checked
     * against the mapping's file offset plus its length, so that a mapping that starts past 0 lets a
     * range through that ends past it (the access then faults as it would under Linux).
     */
    static boolean inMapping(XfsIoProcess p, long offset, long length, boolean pageAligned) {
        MappedRegion m = p.mapping();
        if (offset < m.offset()) {
            p.out().out("offset (" + offset + ") is before start of mapping (" + m.offset() + ")");
            return false;
        }
        long rel = offset - m.offset();
        if (rel > m.length()) {
            p.out().out("offset (" + rel + ") is beyond end of mapping (" + m.offset() + ")");
            return false;
        }
        if (rel + length > m.offset() + m.length()) {
            p.out().out("range (" + offset + ":" + rel + ") is beyond mapping (" + m.offset() + ":" + m.length() + ")");
            return false;
        }
        long address = m.mapping().address() + rel;
        if (pageAligned && address % PAGE != 0) {
            p.out().out(String.format("offset address (0x%x) is not page aligned", address));
            return false;
        }
        return true;
    }

    /**
     * Parses the optional {@code off len} of mread/mwrite/msync/madvise/mincore (the whole mapping
     * when there is none); null (after a message) when bad.
     */
    static long[] range(XfsIoProcess p, XfsIoCommand cmd, List<String> ops, boolean pageAligned) {
        MappedRegion m = p.mapping();
        if (ops.isEmpty()) {
            return new long[] {m.offset(), m.length()};
        }
        if (ops.size() != 2) {
            p.usage(cmd);
            return null;
        }
        long[] r = p.offsetLength(ops);
        if (r != null && !inMapping(p, r[0], r[1], pageAligned)) {
            p.setExitCode(1);
            return null;
        }
        return r;
    }

    /** init_check_command (and mmap_f's list): a message, the exit code left as it was. */
    static boolean needMapping(XfsIoProcess p) {
        if (p.mapping() == null) {
            p.out().err(NO_MAPPINGS);
            return false;
        }
        return true;
    }

    static final class Mmap extends NamedCommand {
        Mmap() {
            // mmap maps the current file once; mread, mwrite, msync, munmap are run once per open file.
            super("mmap", "mm", "[N] | [-rwxS] [-s size] [off len]", "mmap a range in the current file, show mappings",
                    Arguments.ANY, ONE_SHOT);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            if (argv.size() <= 2) {
                listOrSelect(p, argv);
                return;
            }
            int prot = 0;
            int flags = FileMapping.MAP_SHARED;
            GetOpt g = p.getopt(argv, "rwxSs:");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'r' -> prot |= FileMapping.PROT_READ;
                    case 'w' -> prot |= FileMapping.PROT_WRITE;
                    case 'x' -> prot |= MappedRegion.PROT_EXEC;
                    case 'S' -> flags = FileMapping.MAP_SYNC | FileMapping.MAP_SHARED_VALIDATE;
                    case 's' -> { }
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            if (prot == 0) {
                prot = FileMapping.PROT_READ | FileMapping.PROT_WRITE | MappedRegion.PROT_EXEC; // mmap_f's default
            }
            List<String> ops = g.operands();
            if (ops.size() != 2) {
                p.usage(this);
                return;
            }
            long off = p.number(ops.get(0));
            if (off < 0) {
                p.nonNumeric("offset argument", ops.get(0));
                return;
            }
            long len = p.number(ops.get(1));
            if (len < 0) {
                p.nonNumeric("length argument", ops.get(1));
                return;
            }
            FileMapping m;
            try {
                // Nothing runs from a jdax mapping: PROT_EXEC is listed, and an exec-only mapping is
                // readable, as x86's page tables make it without protection keys.
                int asked = prot & ~MappedRegion.PROT_EXEC;
                m = p.file().handle().mmap(off, len, asked == 0 ? FileMapping.PROT_READ : asked, flags);
            } catch (FsException e) {
                p.perror("mmap", e);
                return;
            }
            p.addMapping(new MappedRegion(p.file().name(), m, prot));
        }

        private void listOrSelect(XfsIoProcess p, List<String> argv) {
            if (p.maps().isEmpty()) {
                p.out().err(NO_MAPPINGS);
                return;
            }
            if (argv.size() == 2) {
                long n = p.number(argv.get(1));
                if (n < 0 || n >= p.maps().size()) {
                    p.refuse("value " + argv.get(1) + " is out of range (0-" + (p.maps().size() - 1) + ")");
                    return;
                }
                MappedRegion chosen = p.maps().get((int) n);
                p.removeMapping(chosen);
                p.addMapping(chosen);
                return;
            }
            list(p);
        }
    }

    static final class Mread extends NamedCommand {
        Mread() {
            super("mread", "mr", "[-f|-v] [-r] [off len]", "reads data from a region in the current memory mapping",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (!needMapping(p)) {
                return;
            }
            int dump = 0;
            GetOpt g = p.getopt(argv, "frv");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'f' -> dump = 2;
                    case 'v' -> dump = 1;
                    case 'r' -> { }
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            long[] r = range(p, this, g.operands(), false);
            if (r == null) {
                return;
            }
            MappedRegion m = p.mapping();
            long rel = r[0] - m.offset();
            long printOffset = dump == 2 ? r[0] : rel;
            // As mread_f: the first chunk is length % pagesize long (or a whole page), then pages;
            // each chunk is dumped once it has been read, so a fault part-way leaves earlier dumps.
            byte[] buf = new byte[PAGE];
            long done = 0;
            long chunk = r[1] % PAGE == 0 ? PAGE : r[1] % PAGE;
            while (done < r[1]) {
                long n = Math.min(chunk, r[1] - done);
                Arrays.fill(buf, (byte) 0);
                m.mapping().read(rel + done, MemorySegment.ofArray(buf), 0, n);
                if (dump != 0) {
                    Reports.dump(p.out(), printOffset + done, buf, (int) n);
                }
                done += n;
                chunk = PAGE;
            }
        }
    }

    static final class Mwrite extends NamedCommand {
        Mwrite() {
            super("mwrite", "mw", "[-r] [-S seed] [off len]", "writes data into a region in the current memory mapping",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (!needMapping(p)) {
                return;
            }
            int seed = 'X';
            GetOpt g = p.getopt(argv, "rS:");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'r' -> { }
                    case 'S' -> {
                        Long s = DataCommands.cNumber(g.optarg());
                        if (s == null) {
                            p.out().out("non-numeric seed -- " + g.optarg());
                            return;
                        }
                        seed = (int) (long) s;
                    }
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            long[] r = range(p, this, g.operands(), false);
            if (r == null) {
                return;
            }
            MappedRegion m = p.mapping();
            long rel = r[0] - m.offset();
            byte[] buf = new byte[PAGE];
            Arrays.fill(buf, (byte) seed);
            long done = 0;
            while (done < r[1]) {
                long n = Math.min(PAGE - ((rel + done) % PAGE), r[1] - done);
                m.mapping().write(rel + done, MemorySegment.ofArray(buf), 0, n);
                done += n;
            }
        }
    }

    static final class Msync extends NamedCommand {
        Msync() {
            super("msync", "ms", "[-a] [-i] [-s] [off len]", "flush a region in the current memory mapping",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (!needMapping(p)) {
                return;
            }
            GetOpt g = p.getopt(argv, "ais");
            for (int c; (c = g.next()) != -1; ) {
                if (c == '?') {
                    p.usage(this);
                    return;
                }
            }
            long[] r = range(p, this, g.operands(), true);
            if (r == null) {
                return;
            }
            try {
                p.mapping().mapping().msync(r[0] - p.mapping().offset(), r[1]);
            } catch (FsException e) {
                p.perror("msync", e);
            }
        }
    }

    static final class Munmap extends NamedCommand {
        Munmap() {
            super("munmap", "mu", "", "unmaps the current memory mapping",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            if (!needMapping(p)) {
                return;
            }
            MappedRegion m = p.mapping();
            m.mapping().close();
            p.removeMapping(m);
        }
    }
}
