package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFlags;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/** {@code pread} and {@code pwrite}, as {@code io/pread.c} and {@code io/pwrite.c} loop over a buffer. */
final class DataCommands {
    private DataCommands() {
    }

    /** Buffers above this are refused rather than allocated (xfs_io would fail its malloc). */
    private static final long MAX_BUFFER = 1L << 30;

    static final class Pread extends NamedCommand {
        Pread() {
            super("pread", "r", "[-b bs] [-qv] [-i N] [-FBR [-Z N]] off len", "reads a number of bytes at a specified offset",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            long bsize = p.blockSize();
            boolean verbose = false;
            boolean quiet = false;
            GetOpt g = p.getopt(argv, "b:qvC");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'b' -> {
                        bsize = p.number(g.optarg());
                        if (bsize < 0) {
                            p.nonNumeric("bsize", g.optarg());
                            return;
                        }
                    }
                    case 'q' -> quiet = true;
                    case 'v' -> verbose = true;
                    case 'C' -> { }
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
            long offset = p.number(ops.get(0));
            if (offset < 0) {
                p.nonNumeric("length argument", ops.get(0));
                return;
            }
            long count = p.number(ops.get(1));
            if (count < 0) {
                p.nonNumeric("length argument", ops.get(1));
                return;
            }
            if (bsize <= 0 || bsize > MAX_BUFFER) {
                p.out().err("pread: buffer of " + bsize + " bytes: Cannot allocate memory");
                p.setExitCode(1);
                return;
            }
            byte[] buf = new byte[(int) bsize];
            long start = System.nanoTime();
            long total = 0;
            int nops = 0;
            long off = offset;
            long left = count;
            while (left > 0) {
                Arrays.fill(buf, (byte) 0xab);
                int want = (int) Math.min(left, bsize);
                long got;
                try {
                    got = p.file().handle().read(off, MemorySegment.ofArray(buf).asSlice(0, want));
                } catch (FsException e) {
                    p.perror("pread", e);
                    return;
                }
                if (got == 0) {
                    break;
                }
                nops++;
                if (verbose) {
                    Reports.dump(p.out(), off, buf, (int) got);
                }
                total += got;
                if (got < Math.min(left, bsize)) {
                    break;
                }
                off += got;
                left -= got;
            }
            if (!quiet) {
                Reports.transfer(p.out(), "read", offset, count, total, nops, System.nanoTime() - start);
            }
        }
    }

    static final class Pwrite extends NamedCommand {
        Pwrite() {
            super("pwrite", "w", "[-i infile [-qdDwNOW] [-s skip]] [-b bs] [-S seed] [-FBR [-Z N]] [-V N] off len",
                    "writes a number of bytes at a specified offset",
                    Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            long bsize = p.blockSize();
            long seed = 0xcdcdcdcdL;
            int rwFlags = 0;
            boolean quiet = false;
            boolean fsyncAfter = false;
            boolean fdatasyncAfter = false;
            GetOpt g = p.getopt(argv, "b:CDNqS:wW");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'b' -> {
                        bsize = p.number(g.optarg());
                        if (bsize < 0) {
                            p.nonNumeric("bsize", g.optarg());
                            return;
                        }
                    }
                    case 'C' -> { }
                    case 'D' -> rwFlags |= OpenFlags.RWF_DSYNC;
                    case 'N' -> rwFlags |= OpenFlags.RWF_NOWAIT;
                    case 'q' -> quiet = true;
                    case 'S' -> {
                        Long s = cNumber(g.optarg());
                        if (s == null) {
                            p.nonNumeric("seed", g.optarg());
                            return;
                        }
                        seed = s;
                    }
                    case 'w' -> fdatasyncAfter = true;
                    case 'W' -> fsyncAfter = true;
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
            long offset = p.number(ops.get(0));
            if (offset < 0) {
                p.nonNumeric("offset argument", ops.get(0));
                return;
            }
            long count = p.number(ops.get(1));
            if (count < 0) {
                p.nonNumeric("length argument", ops.get(1));
                return;
            }
            if (bsize <= 0 || bsize > MAX_BUFFER) {
                p.out().err("pwrite: buffer of " + bsize + " bytes: Cannot allocate memory");
                p.setExitCode(1);
                return;
            }
            byte[] buf = new byte[(int) bsize];
            Arrays.fill(buf, (byte) seed); // alloc_buffer memsets the low byte of the seed
            MemorySegment seg = MemorySegment.ofArray(buf);
            long start = System.nanoTime();
            long total = 0;
            int nops = 0;
            long off = offset;
            long left = count;
            long bar = Math.min(bsize, count);
            while (true) {
                long want = Math.min(left, bar);
                long done;
                try {
                    done = p.file().handle().write(off, seg.asSlice(0, want), rwFlags);
                } catch (FsException e) {
                    p.perror("pwrite", e);
                    return;
                }
                if (done == 0) {
                    break;
                }
                nops++;
                total += done;
                if (done < Math.min(left, bar)) {
                    break;
                }
                off += done;
                left -= done;
                if (left == 0) {
                    break;
                }
            }
            try {
                if (fsyncAfter) {
                    p.file().handle().fsync(false);
                }
                if (fdatasyncAfter) {
                    p.file().handle().fsync(true);
                }
            } catch (FsException e) {
                p.perror(fsyncAfter ? "fsync" : "fdatasync", e);
                return;
            }
            if (!quiet) {
                Reports.transfer(p.out(), "wrote", offset, count, total, nops, System.nanoTime() - start);
            }
        }
    }

    /** {@code strtoul(s, &end, 0)} as xfs_io uses it: the leading C integer, or null when there is none. */
    static Long cNumber(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)").matcher(s);
        if (!m.find()) {
            return null;
        }
        String n = m.group(1);
        try {
            if (n.startsWith("0x") || n.startsWith("0X")) {
                return Long.parseUnsignedLong(n.substring(2), 16);
            }
            return n.length() > 1 && n.charAt(0) == '0' ? Long.parseLong(n.substring(1), 8) : Long.parseLong(n);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
