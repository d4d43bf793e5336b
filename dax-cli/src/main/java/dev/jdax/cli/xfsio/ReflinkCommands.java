package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.Remap;

import java.util.List;

/**
 * The block-sharing commands of {@code io/reflink.c}: {@code reflink} (FICLONE for a whole file,
 * FICLONERANGE for a range) and {@code dedupe} (FIDEDUPERANGE), each into the open file from a
 * source xfs_io opens read-only. Both run once (CMD_FLAG_ONESHOT) on any file system; a failure is a
 * line, and only the source's open sets the exit code (measured: the ioctls' refusals leave it).
 */
final class ReflinkCommands {
    private ReflinkCommands() {
    }

    /** FIDEDUPERANGE's most per call ("arbitrary 1G limit"). */
    static final long MAX_DEDUPE = 1L << 30;

    /** {@code reflink [-C] [-q] infile [src_off dst_off len]}. */
    static final class Reflink extends NamedCommand {
        Reflink() {
            super("reflink", "rl", "infile [src_off dst_off len]",
                    "reflinks an entire file, or a number of bytes at a specified offset", Arguments.atLeast(1), ONE_SHOT);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            Request r = request(p, this, argv, true);
            if (r == null) {
                return;
            }
            try (OpenFile src = r.source()) {
                long start = System.nanoTime();
                long soff = r.srcOff();
                long doff = r.dstOff();
                long len = r.length();
                boolean whole = soff == 0 && doff == 0 && len == 0;
                try {
                    // FICLONE is FICLONERANGE of everything: ioctl_file_clone(dst, src, 0, 0, 0).
                    src.remapRange(soff, p.file().handle(), doff, len, 0);
                } catch (FsException e) {
                    p.out().err((whole ? "XFS_IOC_CLONE: " : "XFS_IOC_CLONE_RANGE: ") + e.errno().message());
                    return;
                }
                if (!r.quiet()) {
                    // reflink_ioctl reports the length asked for: 0 for a whole file.
                    Reports.transfer(p.out(), "linked", doff, len, len, 1, System.nanoTime() - start);
                }
            }
        }
    }

    /** {@code dedupe [-C] [-q] infile src_off dst_off len}. */
    static final class Dedupe extends NamedCommand {
        Dedupe() {
            super("dedupe", "dd", "infile src_off dst_off len", "dedupes a number of bytes at a specified offset",
                    Arguments.atLeast(4), ONE_SHOT);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) throws FsException {
            Request r = request(p, this, argv, false);
            if (r == null) {
                return;
            }
            try (OpenFile src = r.source()) {
                long start = System.nanoTime();
                long total = 0;
                int calls = 0;
                long soff = r.srcOff();
                long doff = r.dstOff();
                long length = r.length();
                // dedupe_ioctl: calls until the length is done, at least one call.
                while (length > 0 || calls == 0) {
                    Status st;
                    try {
                        st = dedupeOnce(src, soff, p.file().handle(), doff, length);
                    } catch (FsException e) {
                        p.out().err("XFS_IOC_FILE_EXTENT_SAME: " + e.errno().message());
                        break;
                    }
                    if (st.error() != null) {
                        p.out().err("XFS_IOC_FILE_EXTENT_SAME: " + (st.error() == Errno.EBADE ? "Extents did not match."
                                : st.error().message()));
                        break;
                    }
                    long done = st.bytes();
                    if (length != 0 && (done == 0 || done > length)) {
                        break;
                    }
                    calls++;
                    soff += done;
                    doff += done;
                    length -= Math.min(length, done);
                    total += done;
                }
                if (calls > 0 && !r.quiet()) {
                    Reports.transfer(p.out(), "deduped", r.dstOff(), r.length(), total, calls, System.nanoTime() - start);
                }
            }
        }

        /** A destination's {@code status} and {@code bytes_deduped}: an error (EBADE: FILE_DEDUPE_RANGE_DIFFERS), or bytes. */
        private record Status(long bytes, Errno error) {
        }

        /**
         * vfs_dedupe_file_range for one destination: the ioctl's own errors thrown, the destination's
         * in its status; bytes_deduped is the length asked for (at most 1 GiB), as Linux sets it, not
         * what was shared.
         */
        private static Status dedupeOnce(OpenFile src, long soff, OpenFile dst, long doff, long length) throws FsException {
            if (!OpenFlags.readable(src.flags())) {
                throw FsException.of(Errno.EINVAL, "dedupe source not open for reading");
            }
            if (soff < 0 || length < 0 || soff + length < 0) {
                throw FsException.of(Errno.EINVAL, "dedupe of %d bytes at %d", length, soff);
            }
            if (soff + length > src.size()) {
                throw FsException.of(Errno.EINVAL, "dedupe of %d bytes at %d past the source's end", length, soff);
            }
            long len = Math.min(length, MAX_DEDUPE);
            if (len == 0) {
                return new Status(0, null);
            }
            try {
                src.remapRange(soff, dst, doff, len, Remap.DEDUP | Remap.CAN_SHORTEN);
            } catch (FsException e) {
                return new Status(0, e.errno());
            }
            return new Status(len, null);
        }
    }

    /** What both commands take: -q, the source opened read-only, and its three numbers (0 for a whole file). */
    private record Request(boolean quiet, OpenFile source, long srcOff, long dstOff, long length) {
    }

    /**
     * {@code getopt(argc, argv, "Cq")} (-C, the condensed report, is taken and ignored), then
     * {@code infile src_off dst_off len} (or {@code infile} alone where {@code wholeFile} allows),
     * cvtnum's complaint for a number that is not one, and the source opened read-only; null after
     * the line that refused.
     */
    private static Request request(XfsIoProcess p, XfsIoCommand cmd, List<String> argv, boolean wholeFile) {
        boolean quiet = false;
        GetOpt g = p.getopt(argv, "Cq");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'C' -> { }
                case 'q' -> quiet = true;
                default -> {
                    p.usage(cmd);
                    return null;
                }
            }
        }
        List<String> ops = g.operands();
        if (ops.size() != 4 && !(wholeFile && ops.size() == 1)) {
            p.usage(cmd);
            return null;
        }
        String[] what = {"non-numeric src offset argument -- ", "non-numeric dest offset argument -- ",
                "non-positive length argument -- "};
        long[] v = new long[3];
        for (int i = 0; i < 3 && ops.size() == 4; i++) {
            v[i] = p.number(ops.get(i + 1));
            if (v[i] < 0) {
                p.out().out(what[i] + ops.get(i + 1));
                return null;
            }
        }
        OpenFile src = p.openSource(ops.get(0));
        return src == null ? null : new Request(quiet, src, v[0], v[1], v[2]);
    }
}
