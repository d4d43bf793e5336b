package dev.jdax.cli.stress;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.Remap;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.cli.fsx.FileModel;
import dev.jdax.vfs.FileCopy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One thread of {@code jdax stress}: random namespace operations, I/O, mappings, truncates,
 * fallocates and fsyncs in a subtree it owns ({@code /wN}), each checked against its model of
 * that subtree (hard links share one file model), and racing operations on names every thread
 * uses ({@code /shared}) and on its own stripe of one file every thread writes
 * ({@code /shared-file}), where only the errors a race explains are allowed.
 */
final class StressWorker implements Runnable {
    static final int MAX_FILE = 256 * 1024;
    static final int STRIPE = 64 * 1024;
    /** Names of files a worker keeps at most: beyond, a create or a link unlinks instead (the device stays roomy). */
    static final int MAX_NAMES = 48;
    private static final int PAGE = 4096;
    /** The extent size hints EXTSIZE sets: none, and three sizes a 256 KiB file can meet. */
    private static final long[] HINTS = {0, 16 * 1024, 64 * 1024, 256 * 1024};

    /** What a worker does; the weights are the mix. */
    enum Op {
        CREATE(8), WRITE(18), READ(12), TRUNCATE(5), FALLOCATE(5), FSYNC(3), MAP_WRITE(5), MAP_READ(5), VIEW(3),
        UNLINK(5), RENAME(5), LINK(3), MKDIR(3), RMDIR(2), SYMLINK(2), MKNOD(2), LIST(3), SHARED_NAMES(8),
        SHARED_STRIPE(5), SHARED_MAP(2), COPY(4), EXTSIZE(2), CHATTR(2), LABEL(1), SWAPEXT(2), BULKSTAT(1), REFLINK(4), BY_NUMBER(3);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }
    }

    /** A node of the model: a file's contents (shared by its hard links), a directory, a link's target, or a special file. */
    private sealed interface Node permits FileNode, DirNode, LinkNode, SpecialNode {
    }

    private record FileNode(FileModel model) implements Node {
    }

    private record DirNode() implements Node {
    }

    private record LinkNode(String target) implements Node {
    }

    /** A device node, FIFO or socket: its type and permission bits, and its device number. */
    private record SpecialNode(int mode, long rdev) implements Node {
    }

    private final int id;
    private final FileSystem fs;
    private final SplittableRandom rnd;
    /** Whether the file system has taken a project id so far (chattr tries one until it is refused). */
    private boolean projectIds = true;
    /** Whether the file system has the label ioctls so far (fs/ext2 answers ENOTTY, which ends the tries). */
    private boolean labels = true;
    private int labelsSet;
    private final long ops;
    private final AtomicLong progress;
    private final boolean fallocate;
    /** Whether XFS's own ioctls are in the mix: extent size hints, swapext, bulkstat. */
    private final boolean xfs;
    private final String root;
    private final TreeMap<String, Node> names = new TreeMap<>();
    private final FileModel stripe = new FileModel(STRIPE);
    private final Map<Op, Long> counts = new EnumMap<>(Op.class);
    private final Map<String, Long> raced = new TreeMap<>();
    private final List<String> log = new ArrayList<>();
    private volatile String failure;
    private long done;
    private int serial;

    StressWorker(int id, FileSystem fs, long seed, long ops, AtomicLong progress, boolean fallocate, boolean xfs) {
        this.id = id;
        this.fs = fs;
        this.rnd = new SplittableRandom(seed);
        this.ops = ops;
        this.progress = progress;
        this.fallocate = fallocate;
        this.xfs = xfs;
        this.root = "/w" + id;
    }

    String failure() {
        return failure;
    }

    long done() {
        return done;
    }

    Map<Op, Long> counts() {
        return counts;
    }

    Map<String, Long> raced() {
        return raced;
    }

    /** The last operations before a failure, for the report. */
    List<String> recent() {
        return log.subList(Math.max(0, log.size() - 12), log.size());
    }

    @Override
    public void run() {
        try {
            fs.mkdir(fs.rootIno(), root.substring(1), 0755, 0, 0);
            names.put(root, new DirNode());
            while (done < ops && failure == null) {
                Op op = pick();
                step(op);
                counts.merge(op, 1L, Long::sum);
                done++;
                progress.incrementAndGet();
            }
        } catch (FsException | RuntimeException | Error e) {
            fail("op " + done + ": " + e);
        }
    }

    private Op pick() {
        int total = 0;
        for (Op o : Op.values()) {
            total += weight(o);
        }
        int r = rnd.nextInt(total);
        for (Op o : Op.values()) {
            int w = weight(o);
            if (r < w) {
                return o;
            }
            r -= w;
        }
        throw new IllegalStateException();
    }

    /** The op's weight in the mix: none for what the file system does not have. */
    private int weight(Op o) {
        boolean xfsOnly = o == Op.EXTSIZE || o == Op.SWAPEXT || o == Op.BULKSTAT || o == Op.REFLINK;
        return o == Op.FALLOCATE && !fallocate || xfsOnly && !xfs ? 0 : o.weight;
    }

    private void fail(String what) {
        if (failure == null) {
            failure = "worker " + id + ": " + what;
        }
    }

    private void note(String what) {
        log.add(done + " " + what);
        if (log.size() > 64) {
            log.subList(0, 32).clear();
        }
    }

    private List<String> paths(Class<? extends Node> kind) {
        List<String> out = new ArrayList<>();
        names.forEach((p, n) -> {
            if (kind.isInstance(n)) {
                out.add(p);
            }
        });
        return out;
    }

    private String any(Class<? extends Node> kind) {
        List<String> l = paths(kind);
        return l.isEmpty() ? null : l.get(rnd.nextInt(l.size()));
    }

    private String newName(String prefix) {
        String dir = any(DirNode.class);
        return dir + "/" + prefix + (serial++);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private void step(Op op) throws FsException {
        if ((op == Op.CREATE || op == Op.LINK || op == Op.SYMLINK || op == Op.MKNOD) && names.size() >= MAX_NAMES) {
            unlink();
            return;
        }
        switch (op) {
            case CREATE -> create();
            case WRITE -> withFile(this::write);
            case READ -> withFile((p, m) -> check(p, m, "read"));
            case TRUNCATE -> withFile(this::truncate);
            case FALLOCATE -> withFile(this::fallocate);
            case FSYNC -> withFile((p, m) -> {
                try (OpenFile f = fs.open(p, OpenFlags.O_RDWR)) {
                    f.fsync(rnd.nextBoolean());
                }
            });
            case MAP_WRITE -> withFile(this::mapWrite);
            case MAP_READ -> withFile(this::mapRead);
            case VIEW -> withFile(this::view);
            case UNLINK -> unlink();
            case RENAME -> rename();
            case LINK -> link();
            case MKDIR -> mkdir();
            case RMDIR -> rmdir();
            case SYMLINK -> symlink();
            case MKNOD -> mknod();
            case LIST -> list();
            case SHARED_NAMES -> sharedNames();
            case SHARED_STRIPE -> sharedStripe();
            case SHARED_MAP -> sharedMap();
            case COPY -> withFile(this::copy);
            case EXTSIZE -> extsize();
            case CHATTR -> withFile(this::chattr);
            case LABEL -> label();
            case SWAPEXT -> withFile(this::swapext);
            case BULKSTAT -> bulkstat();
            case REFLINK -> withFile(this::reflink);
            case BY_NUMBER -> withFile(this::byNumber);
        }
    }

    private interface FileStep {
        void run(String path, FileModel model) throws FsException;
    }

    private void withFile(FileStep s) throws FsException {
        String p = any(FileNode.class);
        if (p == null) {
            create();
            return;
        }
        s.run(p, ((FileNode) names.get(p)).model());
    }

    private void create() throws FsException {
        String p = newName("f");
        note("create " + p);
        OpenFile created = fs.open(p, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL);
        // In the model once it exists, whatever its close says.
        names.put(p, new FileNode(new FileModel(MAX_FILE)));
        created.close();
    }

    private void write(String p, FileModel m) throws FsException {
        int off = rnd.nextInt(MAX_FILE - 1);
        byte[] data = randomBytes(1 + rnd.nextInt(Math.min(16 * 1024, MAX_FILE - off)));
        note("write " + p + " " + off + "+" + data.length);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDWR)) {
            long n = f.write(off, data, 0, data.length);
            if (n != data.length) {
                fail("write " + p + " " + off + "+" + data.length + " wrote " + n);
                return;
            }
        }
        m.write(off, data);
    }

    private void check(String p, FileModel m, String how) throws FsException {
        note(how + " " + p);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDONLY)) {
            byte[] got = readAll(f);
            compare(p, m.contents(), got, how);
        }
    }

    static byte[] readAll(OpenFile f) throws FsException {
        byte[] got = new byte[(int) f.size()];
        int done = 0;
        while (done < got.length) {
            long n = f.read(done, got, done, got.length - done);
            if (n <= 0) {
                break;
            }
            done += (int) n;
        }
        return got;
    }

    private void compare(String p, byte[] want, byte[] got, String how) {
        if (!Arrays.equals(want, got)) {
            int at = Arrays.mismatch(want, got);
            fail(how + " " + p + ": " + got.length + " bytes, the model " + want.length + "; first difference at "
                    + at);
        }
    }

    private void truncate(String p, FileModel m) throws FsException {
        int size = rnd.nextInt(MAX_FILE);
        note("truncate " + p + " " + size);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDWR)) {
            f.truncate(size);
        }
        m.truncate(size);
    }

    private void fallocate(String p, FileModel m) throws FsException {
        int off = rnd.nextInt(MAX_FILE - 1);
        int len = 1 + rnd.nextInt(Math.min(64 * 1024, MAX_FILE - off));
        int kind = rnd.nextInt(3);
        note("fallocate " + kind + " " + p + " " + off + "+" + len);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDWR)) {
            switch (kind) {
                case 0 -> {
                    f.fallocate(Falloc.PUNCH_HOLE | Falloc.KEEP_SIZE, off, len);
                    m.zero(off, len, true);
                }
                case 1 -> {
                    f.fallocate(Falloc.ZERO_RANGE | Falloc.KEEP_SIZE, off, len);
                    m.zero(off, len, true);
                }
                default -> {
                    f.fallocate(0, off, len);
                    m.allocate(off, len, false);
                }
            }
        }
    }

    /**
     * An extent size hint on one of the worker's directories (which takes any, and gives it to what
     * is created in it later) or files (where one with extents keeps its own: EINVAL), read back.
     * The hint moves where later writes and preallocations put their blocks, never the data.
     */
    private void extsize() throws FsException {
        boolean dir = rnd.nextBoolean();
        String p = any(dir ? DirNode.class : FileNode.class);
        if (p == null) {
            create();
            return;
        }
        long hint = HINTS[rnd.nextInt(HINTS.length)];
        note("extsize " + p + " " + hint);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDONLY)) {
            long before = Integer.toUnsignedLong(f.fsxattr().extsize());
            try {
                f.setExtsize(hint);
            } catch (FsException e) {
                if (dir || e.errno() != Errno.EINVAL || before == hint) {
                    throw e;
                }
                hint = before;
            }
            long now = Integer.toUnsignedLong(f.fsxattr().extsize());
            if (now != hint) {
                fail("extsize " + p + ": reads back " + now + " after " + hint);
            }
        }
    }

    /**
     * xfs_fsr's step: a donor made with the file's contents (written whole, so in fresh extents),
     * XFS_IOC_SWAPEXT, then the donor removed; the file must read as the model says, and the donor
     * too before it goes. EINVAL is a target with fewer extents than its donor (a sparse file), which
     * changes nothing.
     */
    private void swapext(String p, FileModel m) throws FsException {
        String donor = newName("s");
        byte[] want = m.contents();
        note("swapext " + p + " with " + donor + " of " + want.length + " bytes");
        try (OpenFile d = fs.open(donor, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL);
             OpenFile f = fs.open(p, OpenFlags.O_RDWR)) {
            if (want.length > 0 && d.write(0, want, 0, want.length) != want.length) {
                fail("swapext " + p + ": the donor took less than " + want.length + " bytes");
                return;
            }
            XfsBulkstat bs = fs.xfsBulkstat(f.ino());
            try {
                f.swapExtents(d, 0, want.length, bs.ctime(), bs.mtime());
            } catch (FsException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
                raced.merge("swapext refused (target with fewer extents)", 1L, Long::sum);
            }
            compare(p, want, readAll(f), "swapext");
            compare(donor, want, readAll(d), "swapext donor");
        } finally {
            fs.unlink(donor);
        }
    }

    /**
     * A bulkstat walk of the whole file system beside the other workers' creates and unlinks: the
     * inodes rise, each record is its own inode's, and this worker's files are all there.
     */
    private void bulkstat() throws FsException {
        note("bulkstat");
        Set<Long> mine = new HashSet<>();
        for (String p : paths(FileNode.class)) {
            mine.add(fs.resolve(p, true));
        }
        long last = -1;
        for (long at = 0, ino; (ino = fs.xfsBulkstatNext(at)) >= 0; at = ino + 1) {
            if (Long.compareUnsigned(ino, last) <= 0 && last >= 0) {
                fail("bulkstat: inode " + ino + " after " + last);
                return;
            }
            last = ino;
            try {
                XfsBulkstat b = fs.xfsBulkstat(ino);
                if (b.ino() != ino) {
                    fail("bulkstat: inode " + ino + " reported as " + b.ino());
                    return;
                }
            } catch (FsException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e; // EINVAL: freed by another worker since the walk found it
                }
            }
            mine.remove(ino);
        }
        if (!mine.isEmpty()) {
            fail("bulkstat: this worker's inodes " + mine + " not found");
        }
    }

    /**
     * Lookups by inode number (a stat, an open as open_by_handle_at does) of one of this worker's
     * files and of the numbers around it, which the other workers free and take again while their
     * creates run: a number answers the inode in use at that instant (itself, never another
     * number's), or ESTALE when none is; this worker's file answers as its model says.
     */
    private void byNumber(String p, FileModel m) throws FsException {
        long ino = fs.resolve(p, true);
        note("by number " + p + " (" + ino + ")");
        StatInfo own = fs.stat(ino);
        if (own.ino() != ino || own.size() != m.size()) {
            fail("stat by number " + ino + " of " + p + ": inode " + own.ino() + ", size " + own.size() + " where the model has " + m.size());
            return;
        }
        for (long k = Math.max(1, ino - 4); k <= ino + 4; k++) {
            try {
                StatInfo st = fs.stat(k);
                if (st.ino() != k) {
                    fail("stat by number " + k + " answered inode " + st.ino());
                    return;
                }
                if (st.type() != FileType.REGULAR) {
                    continue;
                }
                try (OpenFile f = fs.open(k, OpenFlags.O_RDONLY)) {
                    long at = f.stat().ino();
                    if (at != k) {
                        fail("open by number " + k + " opened inode " + at);
                        return;
                    }
                }
            } catch (FsException e) {
                if (e.errno() != Errno.ESTALE) {
                    throw e; // ESTALE: no inode in use there at that instant
                }
                raced.merge("by number: not in use (ESTALE)", 1L, Long::sum);
            }
        }
    }

    /**
     * FS_IOC_SETFSLABEL of a label of this worker's, then FS_IOC_GETFSLABEL: another worker may
     * have set its own in between, so what is read must be a whole label some worker sets, never
     * bytes of two.
     */
    private void label() throws FsException {
        if (!labels) {
            return;
        }
        String mine = "w" + id + "-" + (labelsSet++ % 1000);
        note("label " + mine);
        try {
            fs.setLabel(mine.getBytes(StandardCharsets.UTF_8));
        } catch (FsException e) {
            if (e.errno() != Errno.ENOTTY) {
                throw e;
            }
            labels = false;
            return;
        }
        String got = new String(fs.label(), StandardCharsets.UTF_8);
        if (!got.matches("w\\d+-\\d{1,3}")) {
            fail("label: reads back \"" + got + "\" after \"" + mine + "\"");
        }
    }

    /**
     * chattr on one of the worker's files, read back: sync, noatime and nodump stay (they change no
     * byte); immutable or append-only is tried for what it refuses (a new open for writing without
     * O_APPEND, unlink; immutable O_APPEND too) and what it takes (append-only: a write at the end,
     * whatever the offset), then taken off again. A new project id goes with the flags where the
     * format keeps project ids.
     */
    private void chattr(String p, FileModel m) throws FsException {
        int kept = (rnd.nextBoolean() ? FsxAttr.FS_XFLAG_SYNC : 0) | (rnd.nextBoolean() ? FsxAttr.FS_XFLAG_NOATIME : 0)
                | (rnd.nextBoolean() ? FsxAttr.FS_XFLAG_NODUMP : 0);
        boolean immutable = rnd.nextBoolean();
        int flags = kept | (immutable ? FsxAttr.FS_XFLAG_IMMUTABLE : FsxAttr.FS_XFLAG_APPEND);
        note("chattr " + p + " 0x" + Integer.toHexString(flags));
        try (OpenFile f = fs.open(p, OpenFlags.O_RDONLY)) {
            // Set as chattr sets them (the whole structure, the file's other flags and hint kept),
            // cleared through the flags alone: both of the VFS's ways.
            FsxAttr cur = f.fsxattr();
            FsxAttr want = cur.with((cur.xflags() & ~InodeFlags.CHATTR) | flags, cur.extsize());
            if (projectIds) {
                // A new project id in the same call, where the format keeps them (XFS; ext4 only
                // with its project feature, EOPNOTSUPP otherwise, which ends the tries).
                try {
                    f.setFsxattr(want = want.withProjid(1 + rnd.nextInt(1000)));
                } catch (FsException e) {
                    if (e.errno() != Errno.EOPNOTSUPP || !cur.equals(f.fsxattr())) {
                        throw e;
                    }
                    projectIds = false;
                    f.setFsxattr(want = want.withProjid(cur.projid()));
                }
            } else {
                f.setFsxattr(want);
            }
            try {
                FsxAttr got = f.fsxattr();
                if ((got.xflags() & InodeFlags.CHATTR) != flags || got.projid() != want.projid()) {
                    fail("chattr " + p + ": reads back 0x" + Integer.toHexString(got.xflags() & InodeFlags.CHATTR) + ", project "
                            + Integer.toUnsignedString(got.projid()) + " after 0x" + Integer.toHexString(flags) + ", project "
                            + Integer.toUnsignedString(want.projid()));
                    return;
                }
                refused(p, "open for writing", () -> fs.open(p, OpenFlags.O_RDWR).close());
                refused(p, "unlink", () -> fs.unlink(p));
                if (immutable) {
                    refused(p, "open O_APPEND", () -> fs.open(p, OpenFlags.O_RDWR | OpenFlags.O_APPEND).close());
                } else if (m.size() < MAX_FILE) {
                    byte[] data = randomBytes(1 + rnd.nextInt((int) Math.min(4096, MAX_FILE - m.size())));
                    try (OpenFile a = fs.open(p, OpenFlags.O_RDWR | OpenFlags.O_APPEND)) {
                        a.write(0, data, 0, data.length);
                    }
                    m.write((int) m.size(), data);
                }
            } finally {
                f.setInodeFlags(kept);
            }
        }
    }

    private interface Call {
        void run() throws FsException;
    }

    /** A call the file's immutable or append-only flag refuses: EPERM, and nothing changed. */
    private void refused(String p, String what, Call c) throws FsException {
        try {
            c.run();
            fail(what + " of " + p + " succeeded past its immutable or append-only flag");
        } catch (FsException e) {
            if (e.errno() != Errno.EPERM) {
                throw e;
            }
        }
    }

    /**
     * copy_file_range from this file into another of the worker's, or within the file: the kernel's
     * copy shortens at the source's end and refuses overlapping ranges of one file (EINVAL).
     */
    private void copy(String p, FileModel m) throws FsException {
        String q = any(FileNode.class);
        FileModel dst = ((FileNode) names.get(q)).model();
        int srcOff = rnd.nextInt(MAX_FILE - 1);
        int dstOff = rnd.nextInt(MAX_FILE - 1);
        int len = 1 + rnd.nextInt(Math.min(64 * 1024, MAX_FILE - Math.max(srcOff, dstOff) - 1));
        long count = srcOff >= m.size() ? 0 : Math.min(len, m.size() - srcOff);
        note("copy " + p + " " + srcOff + "+" + len + " to " + q + " " + dstOff);
        try (OpenFile in = fs.open(p, OpenFlags.O_RDONLY); OpenFile out = fs.open(q, OpenFlags.O_RDWR)) {
            boolean overlap = dst == m && dstOff + count > srcOff && dstOff < srcOff + count;
            long n;
            try {
                n = FileCopy.copyFileRange(in, srcOff, out, dstOff, len);
            } catch (FsException e) {
                if (overlap && e.errno() == Errno.EINVAL) {
                    return;
                }
                throw e;
            }
            if (overlap || n != count) {
                fail("copy " + p + " " + srcOff + "+" + len + " to " + q + " " + dstOff + " copied " + n + ", the model "
                        + (overlap ? "EINVAL" : count));
                return;
            }
        }
        if (count > 0) {
            dst.write(dstOff, Arrays.copyOfRange(m.contents(), srcOff, srcOff + (int) count));
        }
    }

    /**
     * FICLONERANGE from this file into another of the worker's, or within it, from block boundaries
     * and allowed to shorten (copy_file_range's way): the length is cut at the source's end, and to
     * whole blocks unless it ends there and lands at or past the destination's end; overlapping
     * ranges of one file (counting a partial last block whole) are EINVAL, a source start at or past
     * its end too. The destination then reads the source's bytes, which later writes to either copy
     * on write.
     */
    private void reflink(String p, FileModel m) throws FsException {
        String q = any(FileNode.class);
        FileModel dst = ((FileNode) names.get(q)).model();
        int blocks = MAX_FILE / 4096;
        long srcOff = 4096L * rnd.nextInt(blocks);
        long dstOff = 4096L * rnd.nextInt(blocks - 1);
        long len = Math.min(4096L * (1 + rnd.nextInt(16)), MAX_FILE - dstOff) - (rnd.nextInt(4) == 0 ? rnd.nextInt(4096) : 0);
        long size = m.size();
        long count = srcOff >= size ? -1 : Math.min(len, size - srcOff);
        long bcount = count;
        if (count > 0 && srcOff + count == size) {
            bcount = (size + 4095) / 4096 * 4096 - srcOff;
        } else if (count > 0) {
            count = count / 4096 * 4096;
            bcount = count;
        }
        boolean overlap = dst == m && count > 0 && dstOff + bcount > srcOff && dstOff < srcOff + bcount;
        if (count > 0 && count % 4096 != 0 && dstOff + count < dst.size()) {
            count = count / 4096 * 4096;
        }
        boolean einval = count < 0 || overlap;
        note("reflink " + p + " " + srcOff + "+" + len + " to " + q + " " + dstOff);
        try (OpenFile in = fs.open(p, OpenFlags.O_RDONLY); OpenFile out = fs.open(q, OpenFlags.O_RDWR)) {
            long n;
            try {
                n = in.remapRange(srcOff, out, dstOff, len, Remap.CAN_SHORTEN);
            } catch (FsException e) {
                if (einval && e.errno() == Errno.EINVAL) {
                    return;
                }
                throw e;
            }
            if (einval || n != count) {
                fail("reflink " + p + " " + srcOff + "+" + len + " to " + q + " " + dstOff + " shared " + n + ", the model "
                        + (einval ? "EINVAL" : count));
                return;
            }
        }
        if (count > 0) {
            dst.write(dstOff, Arrays.copyOfRange(m.contents(), (int) srcOff, (int) (srcOff + count)));
        }
    }

    private void mapWrite(String p, FileModel m) throws FsException {
        if (m.size() == 0) {
            return;
        }
        int off = rnd.nextInt((int) m.size());
        byte[] data = randomBytes(1 + rnd.nextInt((int) Math.min(8192, m.size() - off)));
        note("mapwrite " + p + " " + off + "+" + data.length);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDWR);
             FileMapping map = f.mmap(0, m.size(), FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED)) {
            map.write(off, MemorySegment.ofArray(data), 0, data.length);
            if (rnd.nextInt(4) == 0) {
                map.msync(0, m.size());
            }
        }
        m.write(off, data);
    }

    private void mapRead(String p, FileModel m) throws FsException {
        if (m.size() == 0) {
            return;
        }
        note("mapread " + p);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDONLY);
             FileMapping map = f.mmap(0, m.size(), FileMapping.PROT_READ, FileMapping.MAP_SHARED)) {
            byte[] got = new byte[(int) m.size()];
            map.read(0, MemorySegment.ofArray(got), 0, got.length);
            compare(p, m.contents(), got, "mapread");
        }
    }

    /** A view (FileChannel.map's segment): stores and loads through the device's own pages. */
    private void view(String p, FileModel m) throws FsException {
        long pages = (m.size() + PAGE - 1) / PAGE;
        if (pages == 0) {
            return;
        }
        int off = rnd.nextInt((int) m.size());
        byte[] data = randomBytes(1 + rnd.nextInt((int) Math.min(4096, m.size() - off)));
        note("view " + p + " " + off + "+" + data.length);
        try (OpenFile f = fs.open(p, OpenFlags.O_RDWR);
             Arena arena = Arena.ofConfined()) {
            FileMapping map = f.mmap(0, pages * PAGE, FileMapping.PROT_READ | FileMapping.PROT_WRITE, FileMapping.MAP_SHARED);
            MemorySegment v;
            try {
                v = map.view(0, pages * PAGE, arena);
            } catch (FsException e) {
                map.close();
                if (e.errno() == Errno.EOPNOTSUPP) {
                    return;
                }
                throw e;
            }
            MemorySegment.copy(MemorySegment.ofArray(data), 0, v, off, data.length);
            m.write(off, data);
            byte[] got = new byte[(int) m.size()];
            MemorySegment.copy(v, 0, MemorySegment.ofArray(got), 0, got.length);
            compare(p, m.contents(), got, "view");
            map.msync(0, pages * PAGE);
        }
    }

    private void unlink() throws FsException {
        List<String> l = new ArrayList<>(paths(FileNode.class));
        l.addAll(paths(LinkNode.class));
        l.addAll(paths(SpecialNode.class));
        if (l.isEmpty()) {
            return;
        }
        String p = l.get(rnd.nextInt(l.size()));
        note("unlink " + p);
        fs.unlink(p); // by path, as rename: the VFS keeps the parent from its walk
        names.remove(p);
    }

    private void rename() throws FsException {
        String from = any(FileNode.class);
        if (from == null) {
            return;
        }
        String to = rnd.nextInt(3) == 0 ? any(FileNode.class) : newName("r");
        if (to.equals(from)) {
            return;
        }
        note("rename " + from + " " + to);
        fs.rename(from, to, 0); // by paths: the VFS keeps both parents from their walks
        if (names.get(to) != names.get(from)) {
            names.put(to, names.remove(from)); // two names of one inode: rename(2) does nothing
        }
    }

    private void link() throws FsException {
        String from = any(FileNode.class);
        if (from == null) {
            return;
        }
        String to = newName("h");
        note("link " + from + " " + to);
        fs.link(fs.resolve(from, false), fs.resolveParent(to), name(to));
        names.put(to, names.get(from));
    }

    private void mkdir() throws FsException {
        if (paths(DirNode.class).size() > 12) {
            return;
        }
        String p = newName("d");
        note("mkdir " + p);
        fs.mkdir(fs.resolveParent(p), name(p), 0755, 0, 0);
        names.put(p, new DirNode());
    }

    private void rmdir() throws FsException {
        for (String d : paths(DirNode.class)) {
            if (!d.equals(root) && children(d).isEmpty()) {
                note("rmdir " + d);
                fs.rmdir(d);
                names.remove(d);
                return;
            }
        }
    }

    private void symlink() throws FsException {
        String p = newName("l");
        String target = "target-" + rnd.nextInt(1 << 20) + "/".repeat(rnd.nextInt(2)) + "x".repeat(rnd.nextInt(200));
        note("symlink " + p);
        long ino = fs.symlink(fs.resolveParent(p), name(p), target, 0, 0);
        names.put(p, new LinkNode(target));
        String back = fs.readlink(ino);
        if (!back.equals(target)) {
            fail("readlink " + p + " gives " + back.length() + " bytes, not the " + target.length() + " written");
        }
    }

    /** A character or block device (numbers every format holds: XFS's majors end at 511), a FIFO or a socket. */
    private void mknod() throws FsException {
        String p = newName("n");
        FileType type = List.of(FileType.CHAR_DEVICE, FileType.BLOCK_DEVICE, FileType.FIFO, FileType.SOCKET).get(rnd.nextInt(4));
        long rdev = DeviceNumbers.hasDevice(type) ? DeviceNumbers.makedev(rnd.nextInt(512), rnd.nextInt(1 << 18)) : 0;
        int mode = type.modeBits() | rnd.nextInt(01000);
        note("mknod " + p);
        long ino = fs.mknod(fs.resolveParent(p), name(p), mode, rdev, 0, 0);
        names.put(p, new SpecialNode(mode, rdev));
        StatInfo st = fs.stat(ino);
        if (st.mode() != mode || st.rdev() != rdev) {
            fail(String.format("mknod %s: stat gives mode %o rdev %x, not %o %x", p, st.mode(), st.rdev(), mode, rdev));
        }
    }

    private Set<String> children(String dir) {
        Set<String> out = new TreeSet<>();
        for (String p : names.subMap(dir + "/", dir + "0").keySet()) {
            String rest = p.substring(dir.length() + 1);
            if (!rest.contains("/")) {
                out.add(rest);
            }
        }
        return out;
    }

    private void list() throws FsException {
        String d = any(DirNode.class);
        note("list " + d);
        Set<String> got = new TreeSet<>();
        for (DirEntry e : fs.readdir(fs.resolve(d, true))) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                got.add(e.name());
            }
        }
        Set<String> want = children(d);
        if (!got.equals(want)) {
            fail("readdir " + d + " lists " + got + ", the model " + want);
        }
    }

    /** Races on names every thread uses: only the errors a race explains are allowed. */
    private void sharedNames() throws FsException {
        String a = "/shared/s" + rnd.nextInt(12);
        String b = "/shared/s" + rnd.nextInt(12);
        int what = rnd.nextInt(7);
        note("shared " + what + " " + a + " " + b);
        long dir = fs.resolve("/shared", true);
        try {
            switch (what) {
                case 0 -> {
                    try (OpenFile f = fs.open(a, OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                        f.write(0, new byte[] {(byte) id}, 0, 1);
                    }
                }
                case 1 -> fs.unlink(dir, name(a));
                case 2 -> fs.rename(dir, name(a), dir, name(b), 0);
                case 3 -> fs.mkdir(dir, name(a), 0755, 0, 0);
                case 4 -> fs.rmdir(dir, name(a));
                case 5 -> fs.link(fs.resolve(a, false), dir, name(b));
                default -> {
                    // The directory's append-only flag, toggled under the others' creates, unlinks and renames.
                    try (OpenFile d = fs.open("/shared", OpenFlags.O_RDONLY)) {
                        d.setInodeFlags(rnd.nextBoolean() ? FsxAttr.FS_XFLAG_APPEND : 0);
                    }
                }
            }
        } catch (FsException e) {
            Errno x = e.errno();
            // What another thread's operation on the same names can make a Linux call answer (EPERM:
            // link to a directory, or a removal from /shared while it is append-only); ESTALE
            // for link's inode number, resolved before another thread removed its last name (the
            // answer Linux gives a handle of a deleted inode).
            if (x != Errno.ENOENT && x != Errno.EEXIST && x != Errno.ENOTEMPTY && x != Errno.EISDIR && x != Errno.ENOTDIR
                    && x != Errno.EPERM && x != Errno.ESTALE) {
                throw e;
            }
            raced.merge(x.name(), 1L, Long::sum);
        }
    }

    /** This thread's stripe of the file every thread writes. */
    private void sharedStripe() throws FsException {
        int off = rnd.nextInt(STRIPE - 1);
        byte[] data = randomBytes(1 + rnd.nextInt(Math.min(4096, STRIPE - off)));
        note("stripe " + off + "+" + data.length);
        try (OpenFile f = fs.open("/shared-file", OpenFlags.O_RDWR)) {
            f.write((long) id * STRIPE + off, data, 0, data.length);
            stripe.write(off, data);
            byte[] got = new byte[STRIPE];
            f.read((long) id * STRIPE, got, 0, STRIPE);
            byte[] want = Arrays.copyOf(stripe.contents(), STRIPE);
            compare("/shared-file stripe " + id, want, got, "read");
        }
    }

    /** The stripe through a mapping of the whole shared file, which other threads write meanwhile. */
    private void sharedMap() throws FsException {
        note("stripe map");
        try (OpenFile f = fs.open("/shared-file", OpenFlags.O_RDONLY);
             FileMapping map = f.mmap((long) id * STRIPE, STRIPE, FileMapping.PROT_READ, FileMapping.MAP_SHARED)) {
            byte[] got = new byte[STRIPE];
            map.read(0, MemorySegment.ofArray(got), 0, STRIPE);
            compare("/shared-file stripe " + id, Arrays.copyOf(stripe.contents(), STRIPE), got, "mapread");
        }
    }

    /** After the run and a remount: every name of the subtree, every file's bytes, the stripe. */
    List<String> verify(FileSystem after) {
        List<String> problems = new ArrayList<>();
        Map<FileNode, Long> inodes = new java.util.IdentityHashMap<>();
        for (Map.Entry<String, Node> e : names.entrySet()) {
            String p = e.getKey();
            try {
                switch (e.getValue()) {
                    case FileNode fn -> {
                        try (OpenFile f = after.open(p, OpenFlags.O_RDONLY)) {
                            if (!Arrays.equals(fn.model().contents(), readAll(f))) {
                                problems.add(p + ": its bytes after the remount differ from the model");
                            }
                            Long prev = inodes.putIfAbsent(fn, f.ino());
                            if (prev != null && prev != f.ino()) {
                                problems.add(p + ": a hard link that is another inode after the remount");
                            }
                        }
                    }
                    case LinkNode ln -> {
                        if (!after.readlink(after.resolve(p, false)).equals(ln.target())) {
                            problems.add(p + ": its link target differs after the remount");
                        }
                    }
                    case SpecialNode sn -> {
                        StatInfo st = after.stat(after.resolve(p, false));
                        if (st.mode() != sn.mode() || st.rdev() != sn.rdev()) {
                            problems.add(p + ": its mode or device number differs after the remount");
                        }
                    }
                    case DirNode dn -> {
                        Set<String> got = new TreeSet<>();
                        for (DirEntry d : after.readdir(after.resolve(p, true))) {
                            if (!d.name().equals(".") && !d.name().equals("..")) {
                                got.add(d.name());
                            }
                        }
                        if (!got.equals(children(p))) {
                            problems.add(p + ": lists " + got + " after the remount, the model " + children(p));
                        }
                    }
                }
            } catch (FsException ex) {
                problems.add(p + ": " + ex.describe());
            }
        }
        try (OpenFile f = after.open("/shared-file", OpenFlags.O_RDONLY)) {
            byte[] got = new byte[STRIPE];
            f.read((long) id * STRIPE, got, 0, STRIPE);
            if (!Arrays.equals(Arrays.copyOf(stripe.contents(), STRIPE), got)) {
                problems.add("/shared-file stripe " + id + ": differs after the remount");
            }
        } catch (FsException ex) {
            problems.add("/shared-file: " + ex.describe());
        }
        return problems;
    }

    private static String name(String p) {
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
