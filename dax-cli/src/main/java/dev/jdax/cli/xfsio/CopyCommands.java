package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.vfs.FileCopy;

import java.util.List;

/**
 * The in-kernel copies into the current file: {@code copy_range} ({@code io/copy_file_range.c},
 * copy_file_range(2)) and {@code sendfile} ({@code io/sendfile.c}, sendfile(2)). The source is a
 * path, opened read-only for the one command, or {@code -f N}, an entry of the file table.
 *
 * <p>Both read N of {@code -f N} as {@code atoi(argv[1])}, the first word after the command's name,
 * not the option's argument: {@code -f 2} reads "-f" and means file 0, and only a command written
 * with an operand first ({@code copy_range 5 -f 1}) can name another entry or one out of range.
 */
final class CopyCommands {
    private CopyCommands() {
    }

    /**
     * The table entry {@code -f N} names, read as both commands read it ({@code atoi(argv[1])}), or
     * -1 after "{@code what} N is out of range (0-M)" and exit code 1.
     */
    private static int entryOfF(XfsIoProcess p, List<String> argv, String what) {
        long nr = FileCommands.atoi(argv.get(1));
        if (nr < 0 || nr >= p.files().size()) {
            p.refuse(what + " " + nr + " is out of range (0-" + (p.files().size() - 1) + ")");
            return -1;
        }
        return (int) nr;
    }

    /**
     * Without {@code -l} the length is the rest of the source after {@code -s}. An error from the
     * system call ends xfs_io (copy_range_f returns the errno, which the command loop reads as
     * "done") and leaves the exit status alone.
     */
    static final class CopyRange extends NamedCommand {
        CopyRange() {
            super("copy_range", null, "[-s src_off] [-d dst_off] [-l len] src_file | -f N",
                    "Copy a range of data between two files", Arguments.between(1, 8), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            long srcOff = 0;
            long dstOff = 0;
            long len = 0;
            boolean lenGiven = false;
            boolean fromPath = true;
            int fileNr = 0;
            GetOpt g = p.getopt(argv, "s:d:l:f:");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 's' -> {
                        srcOff = p.number(g.optarg());
                        if (srcOff < 0) {
                            p.refuse("invalid source offset -- " + g.optarg());
                            return;
                        }
                    }
                    case 'd' -> {
                        dstOff = p.number(g.optarg());
                        if (dstOff < 0) {
                            p.refuse("invalid destination offset -- " + g.optarg());
                            return;
                        }
                    }
                    case 'l' -> {
                        // Only cvtnum's -1 is refused: another negative number is a size_t, a huge length.
                        len = p.number(g.optarg());
                        if (len == -1) {
                            p.refuse("invalid length -- " + g.optarg());
                            return;
                        }
                        lenGiven = true;
                    }
                    case 'f' -> {
                        fileNr = entryOfF(p, argv, "file value");
                        if (fileNr < 0) {
                            return;
                        }
                        fromPath = false;
                    }
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            if (g.operands().size() != (fromPath ? 1 : 0)) {
                p.usage(this);
                return;
            }
            OpenFile src = fromPath ? p.openSource(g.operands().get(0)) : p.files().get(fileNr).handle();
            if (src == null) {
                return;
            }
            try {
                if (!lenGiven) {
                    long size;
                    try {
                        size = src.size();
                    } catch (FsException e) {
                        // copy_src_filesize's perror, and copy_range_f returns 1: xfs_io stops.
                        p.out().err("fstat: " + e.errno().message());
                        p.stop();
                        return;
                    }
                    len = size > srcOff ? size - srcOff : 0;
                }
                copy(p, src, srcOff, dstOff, len);
            } finally {
                // copy_range_f closes the descriptor it copied from, the table entry's too: that
                // entry's later commands meet EBADF (measured: scenario copy-range-same-file).
                if (fromPath) {
                    src.close();
                } else {
                    p.files().get(fileNr).closeDescriptor();
                }
            }
        }

        /** copy_file_range_cmd: calls until the length is copied or a call copies nothing. */
        private static void copy(XfsIoProcess p, OpenFile src, long srcOff, long dstOff, long len) {
            long remaining = len;
            try {
                do {
                    long n = FileCopy.copyFileRange(src, srcOff, p.file().handle(), dstOff, remaining);
                    if (n == 0) {
                        break;
                    }
                    srcOff += n;
                    dstOff += n;
                    remaining -= n;
                } while (remaining != 0);
            } catch (FsException e) {
                p.out().err("copy_range: " + e.errno().message());
                p.stop();
            }
        }
    }

    /**
     * Sends from the source's offset (0 by default) the given count (the source's size when no
     * {@code off len} follow the options) to the current file at its file position, which moves
     * on by what was sent. {@code -q} prints nothing; {@code -C} is accepted and, as for pread and
     * pwrite here, changes nothing.
     */
    static final class Sendfile extends NamedCommand {
        Sendfile() {
            super("sendfile", "send", "[-q] -i infile | -f N [off len]", "Transfer data directly between file descriptors",
                    Arguments.atLeast(2), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            boolean quiet = false;
            String infile = null;
            int fileNr = -1;
            GetOpt g = p.getopt(argv, "Cf:i:q");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'C' -> { }
                    case 'q' -> quiet = true;
                    case 'f' -> {
                        fileNr = entryOfF(p, argv, "value");
                        if (fileNr < 0) {
                            return;
                        }
                    }
                    case 'i' -> infile = g.optarg();
                    default -> {
                        p.usage(this);
                        return;
                    }
                }
            }
            if (infile != null && fileNr != -1) {
                p.usage(this);
                return;
            }
            if (infile == null && fileNr == -1) {
                // Neither -i nor -f: sendfile_f takes filetable[-1].fd, memory before the table, and
                // Linux measured EBADF from the call (scenario sendfile); jdax answers that.
                p.perror("sendfile", FsException.of(Errno.EBADF, "sendfile: no source file"));
                return;
            }
            OpenFile src = infile != null ? p.openSource(infile) : p.files().get(fileNr).handle();
            if (src == null) {
                return;
            }
            try {
                send(p, src, g.operands(), quiet);
            } finally {
                if (infile != null) {
                    src.close();
                }
            }
        }

        private void send(XfsIoProcess p, OpenFile src, List<String> ops, boolean quiet) throws FsException {
            long offset = 0;
            long count;
            if (ops.size() == 2) {
                offset = p.number(ops.get(0));
                if (offset < 0) {
                    p.nonNumeric("offset argument", ops.get(0));
                    return;
                }
                count = p.number(ops.get(1));
                if (count < 0) {
                    p.nonNumeric("length argument", ops.get(1));
                    return;
                }
            } else {
                count = src.size();
            }
            long start = System.nanoTime();
            long total = 0;
            int calls = 0;
            OpenedFile dst = p.file();
            try {
                for (long remaining = count; remaining > 0; ) {
                    long n = FileCopy.sendfile(dst.handle(), dst.position(), src, offset + total, remaining);
                    if (n == 0) {
                        break;
                    }
                    dst.setPosition(dst.position() + n);
                    calls++;
                    total += n;
                    remaining -= n;
                }
            } catch (FsException e) {
                p.perror("sendfile", e);
                return;
            }
            if (!quiet) {
                Reports.transfer(p.out(), "sent", offset, count, total, calls, System.nanoTime() - start);
            }
        }
    }
}
