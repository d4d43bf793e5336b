package dev.jdax.cli.fsx;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.SigBusException;
import dev.jdax.api.SigSegvException;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.Remap;
import dev.jdax.cli.fsx.FsxOp.Kind;
import dev.jdax.vfs.FileCopy;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * A seeded run of random operations on one open file against a {@link FileModel}, in the manner of
 * fsx (xfstests' ltp/fsx.c): every read, mapped read and size is checked against the model; an
 * operation the personality does not support (EOPNOTSUPP) is dropped from the mix, as fsx drops it.
 */
final class FsxRun {
    private static final int LOG_KEPT = 40;
    private static final int MAX_OP_LEN = 64 * 1024;
    private static final Map<Kind, Integer> WEIGHTS = new EnumMap<>(Map.ofEntries(
            Map.entry(Kind.READ, 20), Map.entry(Kind.WRITE, 20), Map.entry(Kind.MAPREAD, 8),
            Map.entry(Kind.MAPWRITE, 8), Map.entry(Kind.TRUNCATE, 6), Map.entry(Kind.FALLOCATE, 4),
            Map.entry(Kind.FALLOCATE_KEEP, 3), Map.entry(Kind.PUNCH_HOLE, 5), Map.entry(Kind.ZERO_RANGE, 5),
            Map.entry(Kind.COLLAPSE_RANGE, 4), Map.entry(Kind.INSERT_RANGE, 4), Map.entry(Kind.FSYNC, 3),
            Map.entry(Kind.COPY_RANGE, 4), Map.entry(Kind.CLONE_RANGE, 4), Map.entry(Kind.DEDUPE_RANGE, 2)));

    /** What a run found: {@code failure} is null when every check held. */
    record Result(long ops, Map<Kind, Long> counts, Set<Kind> unsupported, String failure, List<FsxOp> log) {
        boolean passed() {
            return failure == null;
        }
    }

    private final OpenFile file;
    private final FileModel model;
    private final SplittableRandom random;
    private final int blockSize;
    private final Deque<FsxOp> log = new ArrayDeque<>();
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    private final Set<Kind> unsupported = EnumSet.noneOf(Kind.class);

    FsxRun(OpenFile file, int maxFileSize, int blockSize, long seed) {
        this.file = file;
        this.model = new FileModel(maxFileSize);
        this.random = new SplittableRandom(seed);
        this.blockSize = blockSize;
    }

    /** A checker of {@code file} against a model an earlier run left (after a remount). */
    FsxRun(OpenFile file, FileModel model) {
        this.file = file;
        this.model = model;
        this.random = new SplittableRandom(0);
        this.blockSize = 4096;
    }

    FileModel model() {
        return model;
    }

    /** Runs {@code ops} operations, calling {@code progress} with the count done every 1000. */
    Result run(long ops, LongConsumer progress) {
        for (long n = 1; n <= ops; n++) {
            FsxOp op = next(n);
            remember(op);
            try {
                String bad = apply(op);
                if (bad == null && n % 1000 == 0) {
                    bad = checkWholeFile("periodic check");
                }
                if (bad != null) {
                    return result(n, bad);
                }
            } catch (FsException e) {
                if (e.errno() == Errno.EOPNOTSUPP && !unsupported.contains(op.kind())) {
                    unsupported.add(op.kind());
                    continue;
                }
                return result(n, op.kind().label + " failed: " + e.describe());
            } catch (SigBusException | SigSegvException e) {
                return result(n, op.kind().label + " took " + e);
            }
            counts.merge(op.kind(), 1L, Long::sum);
            if (n % 1000 == 0) {
                progress.accept(n);
            }
        }
        return result(ops, null);
    }

    private Result result(long ops, String failure) {
        return new Result(ops, Map.copyOf(counts), Set.copyOf(unsupported), failure, List.copyOf(log));
    }

    private void remember(FsxOp op) {
        if (log.size() == LOG_KEPT) {
            log.removeFirst();
        }
        log.addLast(op);
    }

    private FsxOp next(long n) {
        Kind kind = pickKind();
        int cap = model.capacity();
        long size = model.size();
        return switch (kind) {
            case READ, MAPREAD -> {
                long off = size == 0 ? 0 : random.nextLong(size);
                yield new FsxOp(n, kind, off, Math.max(1, Math.min(length(), size - off)));
            }
            case TRUNCATE -> new FsxOp(n, kind, random.nextInt(cap + 1), 0);
            case FSYNC -> new FsxOp(n, kind, 0, 0);
            case COLLAPSE_RANGE, INSERT_RANGE -> alignedRange(n, kind, size);
            case COPY_RANGE, CLONE_RANGE, DEDUPE_RANGE -> twoRanges(n, kind, size);
            default -> {
                long off = random.nextInt(cap);
                yield new FsxOp(n, kind, off, Math.min(length(), cap - off));
            }
        };
    }

    private Kind pickKind() {
        int total = 0;
        for (var e : WEIGHTS.entrySet()) {
            total += unsupported.contains(e.getKey()) ? 0 : e.getValue();
        }
        int r = random.nextInt(total);
        for (var e : WEIGHTS.entrySet()) {
            if (unsupported.contains(e.getKey())) {
                continue;
            }
            r -= e.getValue();
            if (r < 0) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("weights");
    }

    private long length() {
        return 1 + random.nextInt(MAX_OP_LEN);
    }

    /** Collapse needs {@code off + len < size}, insert {@code off < size} and room; both block-aligned. */
    private FsxOp alignedRange(long n, Kind kind, long size) {
        long blocks = size / blockSize;
        long room = (model.capacity() - size) / blockSize;
        if (blocks < 2 || (kind == Kind.INSERT_RANGE && room < 1)) {
            return new FsxOp(n, Kind.FSYNC, 0, 0);
        }
        long off = random.nextLong(blocks - 1) * blockSize;
        long maxLen = kind == Kind.COLLAPSE_RANGE ? blocks - off / blockSize - 1 : Math.min(room, 16);
        long len = (1 + random.nextLong(Math.max(1, Math.min(maxLen, 16)))) * blockSize;
        return new FsxOp(n, kind, off, len);
    }

    /**
     * A source range inside EOF and a destination range that does not overlap it, as fsx picks
     * them for copy_range, clone_range and dedupe_range: block-aligned for the two that share blocks
     * (a clone's range may end at EOF), the destination inside EOF for a dedupe.
     */
    private FsxOp twoRanges(long n, Kind kind, long size) {
        boolean aligned = kind != Kind.COPY_RANGE;
        long unit = aligned ? blockSize : 1;
        long units = size / unit;
        long room = kind == Kind.DEDUPE_RANGE ? size / unit : model.capacity() / unit;
        if (units < 1 || room < 2) {
            return new FsxOp(n, Kind.FSYNC, 0, 0);
        }
        long off = random.nextLong(units) * unit;
        long len = Math.min((1 + random.nextLong(Math.max(1, MAX_OP_LEN / unit))) * unit, units * unit - off);
        long dest = random.nextLong(room) * unit;
        if (dest + len > room * unit) {
            len = room * unit - dest;
        }
        if (len <= 0 || dest < off + len && off < dest + len) {
            return new FsxOp(n, Kind.FSYNC, 0, 0);
        }
        return new FsxOp(n, kind, off, len, dest);
    }

    /** Applies {@code op} to the file and the model; returns what diverged, or null. */
    private String apply(FsxOp op) throws FsException {
        long off = op.offset();
        long len = op.length();
        switch (op.kind()) {
            case READ -> {
                return checkRead(op);
            }
            case WRITE -> {
                byte[] data = data((int) len);
                long done = file.write(off, MemorySegment.ofArray(data), 0);
                if (done != len) {
                    return "short write: " + done + " of " + len + " bytes";
                }
                model.write(off, data);
            }
            case MAPREAD -> {
                return model.size() == 0 ? null : checkMappedRead(op);
            }
            case MAPWRITE -> mappedWrite(off, len);
            case TRUNCATE -> {
                file.truncate(off);
                model.truncate(off);
            }
            case FALLOCATE, FALLOCATE_KEEP -> {
                boolean keep = op.kind() == Kind.FALLOCATE_KEEP;
                file.fallocate(keep ? Falloc.KEEP_SIZE : 0, off, len);
                model.allocate(off, len, keep);
            }
            case PUNCH_HOLE -> {
                file.fallocate(Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, off, len);
                model.zero(off, len, true);
            }
            case ZERO_RANGE -> {
                file.fallocate(Falloc.ZERO_RANGE, off, len);
                model.zero(off, len, false);
            }
            case COLLAPSE_RANGE -> {
                file.fallocate(Falloc.COLLAPSE_RANGE, off, len);
                model.collapse(off, len);
            }
            case INSERT_RANGE -> {
                file.fallocate(Falloc.INSERT_RANGE, off, len);
                model.insert(off, len);
            }
            case FSYNC -> file.fsync(false);
            case COPY_RANGE -> {
                long done = FileCopy.copyFileRange(file, off, file, op.dest(), len);
                if (done != len) {
                    return "short copy_file_range: " + done + " of " + len + " bytes";
                }
                model.write(op.dest(), slice(off, len));
            }
            case CLONE_RANGE -> {
                long done = file.remapRange(off, file, op.dest(), len, 0);
                if (done != len) {
                    return "clone_range shared " + done + " of " + len + " bytes";
                }
                model.write(op.dest(), slice(off, len));
            }
            case DEDUPE_RANGE -> {
                boolean same = java.util.Arrays.equals(slice(off, len), slice(op.dest(), len));
                try {
                    file.remapRange(off, file, op.dest(), len, Remap.DEDUP);
                    if (!same) {
                        return "dedupe_range shared ranges that differ";
                    }
                } catch (FsException e) {
                    if (same || e.errno() != Errno.EBADE) {
                        throw e;
                    }
                }
            }
        }
        return checkSize();
    }

    private byte[] slice(long off, long len) {
        return java.util.Arrays.copyOfRange(model.contents(), (int) off, (int) (off + len));
    }

    private byte[] data(int len) {
        byte[] b = new byte[len];
        random.nextBytes(b);
        return b;
    }

    private String checkSize() throws FsException {
        long size = file.size();
        return size == model.size() ? null : "size is " + size + ", expected " + model.size();
    }

    private String checkRead(FsxOp op) throws FsException {
        byte[] got = new byte[(int) op.length()];
        long n = file.read(op.offset(), MemorySegment.ofArray(got));
        long want = Math.max(0, Math.min(op.length(), model.size() - op.offset()));
        if (n != want) {
            return "read returned " + n + " bytes, expected " + want;
        }
        return compare(got, op.offset(), n, "READ");
    }

    private String checkMappedRead(FsxOp op) throws FsException {
        long pageOff = op.offset() & ~4095L;
        byte[] got = new byte[(int) op.length()];
        FileMapping m = file.mmap(pageOff, op.offset() + op.length() - pageOff, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        try {
            m.read(op.offset() - pageOff, MemorySegment.ofArray(got), 0, got.length);
        } finally {
            m.close();
        }
        return compare(got, op.offset(), got.length, "MAPREAD");
    }

    /** As fsx's domapwrite: a write beyond EOF first extends the file with ftruncate. */
    private void mappedWrite(long off, long len) throws FsException {
        if (off + len > model.size()) {
            file.truncate(off + len);
            model.truncate(off + len);
        }
        byte[] data = data((int) len);
        long pageOff = off & ~4095L;
        FileMapping m = file.mmap(pageOff, off + len - pageOff, FileMapping.PROT_READ | FileMapping.PROT_WRITE,
                FileMapping.MAP_SHARED);
        try {
            m.write(off - pageOff, MemorySegment.ofArray(data), 0, len);
            m.msync(0, off + len - pageOff);
        } finally {
            m.close();
        }
        model.write(off, data);
    }

    String checkWholeFile(String when) throws FsException {
        String bad = checkSize();
        if (bad != null) {
            return when + ": " + bad;
        }
        byte[] got = new byte[(int) model.size()];
        long n = file.read(0, MemorySegment.ofArray(got));
        if (n != got.length) {
            return when + ": read of the whole file returned " + n + " of " + got.length + " bytes";
        }
        String diff = compare(got, 0, n, when);
        return diff;
    }

    private String compare(byte[] got, long offset, long n, String what) {
        for (int i = 0; i < n; i++) {
            if (got[i] != model.at(offset + i)) {
                return String.format("%s BAD DATA at offset 0x%x: got 0x%02x, expected 0x%02x (file size 0x%x)",
                        what, offset + i, got[i] & 0xff, model.at(offset + i) & 0xff, model.size());
            }
        }
        return null;
    }

    static List<String> describe(Result r) {
        List<String> out = new ArrayList<>();
        out.add("LOG DUMP (last " + r.log().size() + " of " + r.ops() + " operations):");
        r.log().forEach(op -> out.add("  " + op));
        return out;
    }
}
