package dev.jdax.cli.xfsio;

import dev.jdax.api.BadRange;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.OpenFlags;

import java.util.List;

/** {@code open}, {@code close}, and the jdax-only {@code badblock}, {@code badblocks}, {@code counters}. */
final class FileCommands {
    private FileCommands() {
    }

    static final class Open implements XfsIoCommand {
        @Override
        public String name() {
            return "open";
        }

        @Override
        public String args() {
            return "[-adfrst] [path]";
        }

        @Override
        public String oneline() {
            return "open the file specified by path";
        }

        @Override
        public boolean needsFile() {
            return false;
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            int flags = OpenFlags.O_RDWR;
            GetOpt g = new GetOpt(argv, "adfrst");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'a' -> flags |= OpenFlags.O_APPEND;
                    case 'd' -> flags |= OpenFlags.O_DIRECT;
                    case 'f' -> flags |= OpenFlags.O_CREAT;
                    case 'r' -> flags = (flags & ~OpenFlags.O_ACCMODE) | OpenFlags.O_RDONLY;
                    case 's' -> flags |= OpenFlags.O_DSYNC;
                    case 't' -> flags |= OpenFlags.O_TRUNC;
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            List<String> ops = g.operands();
            if (ops.isEmpty()) {
                for (int i = 0; i < p.files().size(); i++) {
                    OpenedFile f = p.files().get(i);
                    p.out().out((f == p.file() ? "[" : " ") + String.format("%03d", i) + (f == p.file() ? "]" : " ")
                            + " " + f.name());
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

    static final class Close implements XfsIoCommand {
        @Override
        public String name() {
            return "close";
        }

        @Override
        public String args() {
            return "";
        }

        @Override
        public String oneline() {
            return "close the current open file";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            OpenedFile f = p.file();
            p.files().remove(f);
            p.selectFile(p.files().isEmpty() ? null : p.files().get(0));
            f.handle().close();
        }
    }

    static final class Badblock implements XfsIoCommand {
        @Override
        public String name() {
            return "badblock";
        }

        @Override
        public String args() {
            return "off len";
        }

        @Override
        public String oneline() {
            return "(jdax) poisons the device sectors under a range of the current file";
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

    static final class Badblocks implements XfsIoCommand {
        @Override
        public boolean jdaxOnly() {
            return true;
        }

        @Override
        public String name() {
            return "badblocks";
        }

        @Override
        public String args() {
            return "";
        }

        @Override
        public String oneline() {
            return "(jdax) lists the file ranges on bad sectors: OFFSET LENGTH SECTOR COUNT";
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            List<FileBadBlocks.BadFileRange> bad = FileBadBlocks.list(p.file().handle(), p.fs().device().badBlocks());
            for (FileBadBlocks.BadFileRange r : bad) {
                p.out().out(r.offset() + " " + r.length() + " " + r.sector() + " " + r.sectors());
            }
        }
    }

    static final class Counters implements XfsIoCommand {
        @Override
        public boolean jdaxOnly() {
            return true;
        }

        @Override
        public String name() {
            return "counters";
        }

        @Override
        public String args() {
            return "";
        }

        @Override
        public String oneline() {
            return "(jdax) prints the engine's counters of this mount";
        }

        @Override
        public boolean needsFile() {
            return false;
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
