package dev.jdax.cli.xfsio;

import dev.jdax.api.BadRange;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.PathWalk;

import java.util.List;
import java.util.Locale;

/**
 * {@code open}, {@code flink}, {@code close}, {@code file} (xfs_io's file table), and the jdax-only
 * {@code badblock}, {@code badblocks}, {@code counters}.
 */
final class FileCommands {
    private FileCommands() {
    }

    private static final XfsIoCommand STAT = new InfoCommands.Stat();

    static final class Open extends NamedCommand {
        Open() {
            super("open", "o", "[-adfrstT] [path]", "open the file specified by path",
                    Arguments.ANY, ONE_SHOT | NO_FILE);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            int flags = OpenFlags.O_RDWR;
            GetOpt g = p.getopt(argv, "adfrstT");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'a' -> flags |= OpenFlags.O_APPEND;
                    case 'd' -> flags |= OpenFlags.O_DIRECT;
                    case 'f' -> flags |= OpenFlags.O_CREAT;
                    case 'r' -> flags = (flags & ~OpenFlags.O_ACCMODE) | OpenFlags.O_RDONLY;
                    case 's' -> flags |= OpenFlags.O_DSYNC;
                    case 't' -> flags |= OpenFlags.O_TRUNC;
                    case 'T' -> flags |= OpenFlags.O_TMPFILE;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            if ((flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE && !OpenFlags.writable(flags)) {
                p.out().err("-T and -r options are incompatible");
                p.stop(); // open_f returns -1 here, which ends xfs_io's command loop
                return;
            }
            List<String> ops = g.operands();
            if (ops.isEmpty()) {
                // open_f with no argument is stat_f on the current file.
                if (p.file() == null) {
                    p.out().err(XfsIoProcess.NO_FILES);
                } else {
                    STAT.run(p, List.of("stat"));
                }
                return;
            }
            if (ops.size() != 1) {
                p.usage(this);
                return;
            }
            try {
                p.open(p.pathInFileSystem(ops.get(0)), ops.get(0), flags);
            } catch (FsException e) {
                p.out().err(ops.get(0) + ": " + e.errno().message());
                p.setExitCode(1);
            }
        }
    }

    /**
     * {@code flink}: {@code linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH)}, a name for the open file
     * (an O_TMPFILE file's first).
     */
    static final class Flink extends NamedCommand {
        Flink() {
            super("flink", null, "filename", "link the open file descriptor to the supplied filename",
                    Arguments.exactly(1), ONE_SHOT);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            String path = p.pathInFileSystem(argv.get(1));
            FileSystem fs = p.fs();
            fs.link(p.file().handle().ino(), fs.resolveParent(path), PathWalk.lastName(path));
        }
    }

    /** print_f: the file table, then the mapping table; needs no open file. */
    static final class Print extends NamedCommand {
        Print() {
            super("print", "p", "", "list current open files and memory mappings", Arguments.exactly(0), ONE_SHOT | NO_FILE);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            list(p);
            MapCommands.list(p);
        }
    }

    /**
     * quit_f returns 1, which ends xfs_io's command loop; the exit status stays what the commands made
     * it. It takes any arguments (argmin and argmax -1).
     */
    static final class Quit extends NamedCommand {
        Quit() {
            super("quit", "q", "", "exit the program", Arguments.ANY, ONE_SHOT | NO_FILE);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            p.stop();
        }
    }

    static final class Close extends NamedCommand {
        Close() {
            super("close", "c", "", "close the current open file",
                    Arguments.ANY, ONE_SHOT);
        }

        /**
         * close_f: the entries after the closed one move down, the one now at its index (or the
         * new last one) becomes current, and the table is listed.
         */
        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            OpenedFile f = p.file();
            f.handle().close();
            int index = p.files().indexOf(f);
            p.files().remove(index);
            p.selectFile(p.files().isEmpty() ? null : p.files().get(Math.min(index, p.files().size() - 1)));
            list(p);
        }
    }

    static final class File extends NamedCommand {
        File() {
            super("file", "f", "[N]", "set the current file",
                    Arguments.ANY, ONE_SHOT);
        }

        /** file_f: {@code file N} makes entry N current and lists the table; N is read as atoi reads it. */
        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            if (argv.size() > 2) {
                p.usage(this);
                return;
            }
            if (argv.size() == 2) {
                long i = atoi(argv.get(1));
                if (i < 0 || i >= p.files().size()) {
                    p.out().out("value " + i + " is out of range (0-" + (p.files().size() - 1) + ")");
                    return;
                }
                p.selectFile(p.files().get((int) i));
            }
            list(p);
        }
    }

    /** C's atoi: an optional sign and the leading digits, 0 when there are none. */
    static long atoi(String s) {
        String t = s.stripLeading();
        int i = t.startsWith("-") || t.startsWith("+") ? 1 : 0;
        int end = i;
        while (end < t.length() && end < i + 10 && Character.isDigit(t.charAt(end))) {
            end++;
        }
        long v = end == i ? 0 : Long.parseLong(t.substring(i, end));
        return t.startsWith("-") ? -v : v;
    }

    /** filelist_f: one line per open file, the current one's index in brackets. */
    static void list(XfsIoProcess p) throws FsException {
        String kind = p.foreign() ? "foreign" : "xfs";
        for (int i = 0; i < p.files().size(); i++) {
            OpenedFile f = p.files().get(i);
            boolean current = f == p.file();
            p.out().out(String.format(Locale.ROOT, "%c%03d%c %-14s (%s,%s)", current ? '[' : ' ', i,
                    current ? ']' : ' ', f.name(), kind, InfoCommands.flagWords(f.flags())));
        }
    }

    static final class Badblock extends NamedCommand {
        Badblock() {
            // The oracle poisons the sectors under one file's range, between two xfs_io processes: once, on the current file.
            super("badblock", null, "off len", "(jdax) poisons the device sectors under a range of the current file",
                    Arguments.ANY, ONE_SHOT);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            if (argv.size() != 3) {
                p.usage(this);
                return;
            }
            long off = p.number(argv.get(1));
            long len = p.number(argv.get(2));
            if (off < 0 || len < 0) {
                p.nonNumeric(off < 0 ? "offset argument" : "length argument", off < 0 ? argv.get(1) : argv.get(2));
                return;
            }
            List<BadRange> added = FileBadBlocks.poison(p.file().handle(), p.fs().device().badBlocks(), off, len);
            if (added.isEmpty()) {
                p.out().err("badblock: no blocks under " + off + "+" + len + " (a hole)");
                p.setExitCode(1);
            }
        }
    }

    static final class Badblocks extends NamedCommand {
        Badblocks() {
            super("badblocks", null, "", "(jdax) lists the file ranges on bad sectors: OFFSET LENGTH SECTOR COUNT",
                    Arguments.ANY, 0);
        }

        @Override
        public boolean jdaxOnly() {
            return true;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            List<FileBadBlocks.BadFileRange> bad = FileBadBlocks.list(p.file().handle(), p.fs().device().badBlocks());
            for (FileBadBlocks.BadFileRange r : bad) {
                p.out().out(r.offset() + " " + r.length() + " " + r.sector() + " " + r.sectors());
            }
        }
    }

    static final class Counters extends NamedCommand {
        Counters() {
            // The counters are the mount's, not a file's: printed once.
            super("counters", null, "", "(jdax) prints the engine's counters of this mount",
                    Arguments.ANY, ONE_SHOT | NO_FILE);
        }

        @Override
        public boolean jdaxOnly() {
            return true;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            MountCounters c = p.fs().counters();
            p.out().out("counters.iomap_begin = " + c.iomapBegins());
            p.out().out("counters.get_block = " + c.getBlockCalls());
            p.out().out("counters.pte_faults = " + c.pteFaults());
            p.out().out("counters.pmd_faults = " + c.pmdFaults());
            c.pmdFallbacks().forEach((reason, n) -> p.out().out("counters.pmd_fallback[" + reason + "] = " + n));
            p.out().out("counters.zero_page_faults = " + c.zeroPageFaults());
            p.out().out("counters.write_fault_allocations = " + c.writeFaultAllocations());
            p.out().out("counters.bytes_read = " + c.bytesRead());
            p.out().out("counters.bytes_written = " + c.bytesWritten());
            p.out().out("counters.lines_flushed = " + c.linesFlushed());
            p.out().out("counters.fences = " + c.fences());
        }
    }
}
