package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.XfsBulkstat;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.jdax.cli.ImageCommandsTest.judge;
import static dev.jdax.cli.Personalities.assertErrno;
import static dev.jdax.cli.Personalities.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * xfs_io's {@code bulkstat}, {@code bulkstat_single} and {@code inumbers} beside what {@code stat}
 * says of the same inodes (scenarios {@code bulkstat} and {@code bulkstat-walks} compare the
 * commands' every line with Linux 6.1's): every type of inode, hints and a project, a file
 * unlinked while open, the records after a remount, the CoW extent size hint set, inherited and
 * judged by xfs_repair, and walks beside two threads that create and remove files.
 */
class BulkstatCommandTest {
    private static final Pattern RECORD = Pattern.compile("(?m)^bs_ino = (\\d+)\\n((?:\\t.*\\n)+)");
    private static final Pattern FIELD = Pattern.compile("(?m)^\\t(bs_\\w+) = (.*)$");

    @TempDir
    Path tmp;

    /** Each record of {@code bulkstat}'s output, by inode number: its fields by name. */
    private static Map<Long, Map<String, String>> records(String out) {
        Map<Long, Map<String, String>> all = new LinkedHashMap<>();
        Matcher r = RECORD.matcher(out);
        while (r.find()) {
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher f = FIELD.matcher(r.group(2));
            while (f.find()) {
                fields.put(f.group(1), f.group(2));
            }
            all.put(Long.parseLong(r.group(1)), fields);
        }
        return all;
    }

    @Test
    void everyInodeAsStatSeesIt() throws Exception {
        FileSystemType t = type("xfs");
        Path image = tmp.resolve("xfs.img");
        Console.run("mkfs", "-t", "xfs", image.toString(), "320m").ok();
        Map<Long, StatInfo> stats = new LinkedHashMap<>();
        long dev = DeviceNumbers.makedev(8, 3);
        try (DaxDevice device = PmemDevices.open(image); FileSystem fs = Vfs.mount(t, device, MountOptions.parse("dax"))) {
            long root = fs.resolve("/", true);
            long dir = fs.mkdir(root, "d", 0750, 1000, 100);
            for (int i = 0; i < 40; i++) { // enough names for a block directory with blocks of its own
                fs.create(dir, "a-name-long-enough-to-fill-a-block-" + i, 0600, 7, 8);
            }
            long data = fs.create(root, "data", 0644, 1, 2);
            try (OpenFile f = fs.open(data, OpenFlags.O_RDWR)) {
                f.write(0, MemorySegment.ofArray(new byte[3 * 4096 + 5]), 0);
                f.write(1 << 20, MemorySegment.ofArray(new byte[4096]), 0);
                FsxAttr a = f.fsxattr();
                f.setFsxattr(a.withCowextsize(a.xflags() | FsxAttr.FS_XFLAG_COWEXTSIZE, 64 << 10).withProjid(77));
            }
            long hinted = fs.create(root, "hinted", 0600, 0, 0);
            try (OpenFile f = fs.open(hinted, OpenFlags.O_RDWR)) {
                FsxAttr a = f.fsxattr();
                f.setFsxattr(a.with(a.xflags() | FsxAttr.FS_XFLAG_EXTSIZE, 1 << 20));
            }
            fs.symlink(root, "short", "data", 0, 0);
            fs.symlink(root, "long", "x".repeat(300), 0, 0);
            fs.mknod(root, "sda3", 060640, dev, 0, 6);
            fs.mknod(root, "fifo", 010600, 0, 0, 0);
            for (long ino = 0; (ino = fs.xfsBulkstatNext(ino)) >= 0; ino++) {
                stats.put(ino, fs.stat(ino));
            }
        }
        String out = Console.run("io", "-r", "-c", "bulkstat", image + ":/").ok().out();
        Map<Long, Map<String, String>> got = records(out);
        assertEquals(new ArrayList<>(stats.keySet()), new ArrayList<>(got.keySet()), out);
        for (Map.Entry<Long, StatInfo> e : stats.entrySet()) {
            StatInfo st = e.getValue();
            Map<String, String> b = got.get(e.getKey());
            String what = "inode " + e.getKey() + " " + b;
            assertEquals("0" + Integer.toOctalString(st.mode()), b.get("bs_mode"), what);
            assertEquals(Long.toString(st.nlink()), b.get("bs_nlink"), what);
            assertEquals(Integer.toString(st.uid()), b.get("bs_uid"), what);
            assertEquals(Integer.toString(st.gid()), b.get("bs_gid"), what);
            assertEquals(Long.toString(st.size()), b.get("bs_size"), what);
            // fs blocks; a local fork (short symlink, short-form directory) and a device have none
            assertEquals(Long.toString(st.blocks() / 8), b.get("bs_blocks"), what);
            assertEquals(st.mtime().getEpochSecond() + "." + st.mtime().getNano(), b.get("bs_mtime"), what);
            assertEquals(st.btime().getEpochSecond() + "." + st.btime().getNano(), b.get("bs_btime"), what);
            assertEquals(Integer.toString(DeviceNumbers.sysvEncode(st.rdev())), b.get("bs_rdev"), what);
            assertEquals("5", b.get("bs_version"), what);
        }
        Map<String, String> data = got.get(stats.keySet().stream().filter(i -> stats.get(i).size() == (1 << 20) + 4096).findFirst().orElseThrow());
        assertEquals("77", data.get("bs_projectid"));
        assertEquals("16", data.get("bs_cowextsize_blks"));
        assertEquals("0x10000", data.get("bs_xflags"));
        assertEquals("2", data.get("bs_extents64"), "two runs of blocks");
        Map<String, String> hinted = got.values().stream().filter(m -> m.get("bs_extsize_blks").equals("256")).findFirst()
                .orElseThrow(() -> new AssertionError(out));
        assertEquals("0x800", hinted.get("bs_xflags"));
        Map<String, String> node = got.values().stream().filter(m -> m.get("bs_mode").equals("060640")).findFirst().orElseThrow();
        assertEquals("4096", node.get("bs_blksize"));
        assertEquals(Integer.toString((8 << 18) | 3), node.get("bs_rdev"));

        // v1 (FSBULKSTAT) reports the same but its version and the birth time it has no field for.
        String v1 = Console.run("io", "-r", "-c", "bulkstat -v 1", image + ":/").ok().out();
        String asV1 = out.replace("bs_version = 5", "bs_version = 1").replaceAll("bs_btime = \\d+\\.\\d+", "bs_btime = 0.0");
        assertEquals(asV1, v1);
        // A remount reads them back; xfs_repair finds the hints and project where XFS keeps them.
        assertEquals(out, Console.run("io", "-r", "-c", "bulkstat", image + ":/").ok().out());
        judge("xfs", image);
    }

    /**
     * The outside judge: a populated image mkfs.xfs made from a protofile (files with data, a
     * symlink, a device node, directories, owners), and what bulkstat prints of each inode beside
     * what xfs_db reads from the inode itself.
     */
    @Test
    void everyRecordOfAnImageMkfsXfsPopulatedIsWhatXfsDbReads() throws Exception {
        Optional<HostTool> xfsDb = HostTool.find("xfs_db");
        assumeTrue(xfsDb.isPresent(), "xfs_db is not installed");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("small"), "hello world\n");
        byte[] big = new byte[30 * 4096];
        new java.util.Random(5).nextBytes(big);
        Files.write(src.resolve("big"), big);
        Path proto = tmp.resolve("proto");
        Files.writeString(proto, String.join("\n", "/dummy", "0 0", "d--755 0 0",
                "small ---644 1000 100 " + src.resolve("small"),
                "big ---600 0 0 " + src.resolve("big"),
                "link l--777 0 0 small",
                "null c--666 0 0 1 3",
                "sub d--750 7 8",
                "inner ---644 7 8 " + src.resolve("small"),
                "$", "$", ""));
        Path image = tmp.resolve("xfs.img");
        ImageCommandsTest.mkfsXfs(image, "-p", proto.toString());
        Map<Long, Map<String, String>> got = records(Console.run("io", "-r", "-c", "bulkstat", image + ":/").ok().out());
        assertEquals(7, got.size(), got.keySet().toString()); // the root and six names (-r makes no file)
        List<String> args = new ArrayList<>(List.of("-r"));
        for (long ino : got.keySet()) {
            args.addAll(List.of("-c", "inode " + ino, "-c", "print core.mode core.uid core.gid core.nlinkv2 core.size "
                    + "core.nblocks core.extsize core.nextents core.naextents core.forkoff core.gen core.format v3.cowextsize"));
        }
        args.add(image.toString());
        HostTool.Result db = xfsDb.get().run(args.toArray(String[]::new));
        assertEquals(0, db.status(), db.output());
        Map<String, String> field = new LinkedHashMap<>();
        java.util.Iterator<Long> inodes = got.keySet().iterator();
        for (String line : db.output().split("\n")) {
            String[] kv = line.split(" = ", 2);
            field.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
            if (!kv[0].trim().equals("v3.cowextsize")) {
                continue;
            }
            long ino = inodes.next();
            Map<String, String> b = got.get(ino);
            String what = "inode " + ino + ": bulkstat " + b + ", xfs_db " + field;
            boolean blocks = field.get("core.format").startsWith("2 ") || field.get("core.format").startsWith("3 ");
            assertEquals(field.get("core.mode"), b.get("bs_mode"), what);
            assertEquals(field.get("core.uid"), b.get("bs_uid"), what);
            assertEquals(field.get("core.gid"), b.get("bs_gid"), what);
            assertEquals(field.get("core.nlinkv2"), b.get("bs_nlink"), what);
            assertEquals(field.get("core.size"), b.get("bs_size"), what);
            assertEquals(blocks ? field.get("core.nblocks") : "0", b.get("bs_blocks"), what);
            assertEquals(field.get("core.extsize"), b.get("bs_extsize_blks"), what);
            assertEquals(blocks ? field.get("core.nextents") : "0", b.get("bs_extents64"), what);
            assertEquals(field.get("core.naextents"), b.get("bs_aextents"), what);
            assertEquals(Integer.parseInt(field.get("core.forkoff")) * 8, Integer.parseInt(b.get("bs_forkoff")), what);
            assertEquals(Long.parseLong(field.get("core.gen")), Long.parseLong(b.get("bs_gen").substring(2), 16), what);
            field.clear();
        }
        assertTrue(!inodes.hasNext(), "xfs_db printed fewer inodes than bulkstat reported: " + db.output());
    }

    @Test
    void aFileUnlinkedWhileOpenHasNoLinksAndTheCowHintIsInherited() throws Exception {
        FileSystemType t = type("xfs");
        Path image = tmp.resolve("xfs.img");
        Console.run("mkfs", "-t", "xfs", image.toString(), "320m").ok();
        try (DaxDevice device = PmemDevices.open(image); FileSystem fs = Vfs.mount(t, device, MountOptions.parse("dax"))) {
            long root = fs.resolve("/", true);
            long dir = fs.mkdir(root, "cow", 0755, 0, 0);
            try (OpenFile d = fs.open(dir, OpenFlags.O_RDONLY)) {
                FsxAttr a = d.fsxattr();
                d.setFsxattr(a.withCowextsize(a.xflags() | FsxAttr.FS_XFLAG_COWEXTSIZE, 128 << 10));
            }
            long file = fs.create(dir, "f", 0644, 0, 0);
            long sub = fs.mkdir(dir, "sub", 0755, 0, 0);
            long link = fs.symlink(dir, "l", "f", 0, 0);
            assertEquals(32, fs.xfsBulkstat(file).cowextsizeBlks(), "xfs_inode_inherit_flags2");
            assertEquals(32, fs.xfsBulkstat(sub).cowextsizeBlks());
            assertEquals(0, fs.xfsBulkstat(link).cowextsizeBlks(), "a symlink cannot keep the hint");
            try (OpenFile f = fs.open(file, OpenFlags.O_RDWR)) {
                FsxAttr a = f.fsxattr();
                assertErrno(Errno.EINVAL, () -> f.setFsxattr(a.withCowextsize(a.xflags() | FsxAttr.FS_XFLAG_COWEXTSIZE, 1000)));
                fs.unlink(dir, "f");
                XfsBulkstat b = fs.xfsBulkstat(file);
                assertEquals(0, b.nlink(), "still open: on the unlinked list, still reported");
                assertEquals(file, fs.xfsBulkstatNext(file));
            }
            assertErrno(Errno.EINVAL, () -> fs.xfsBulkstat(file));
            assertErrno(Errno.EINVAL, () -> fs.xfsBulkstat(129)); // the realtime bitmap: internal
        }
        judge("xfs", image);
        for (String name : List.of("ext2", "ext4")) {
            try (DaxDevice device = Personalities.formatted(type(name), Personalities.size(name));
                 FileSystem fs = Personalities.mount(type(name), device)) {
                assertErrno(Errno.ENOTTY, () -> fs.xfsBulkstat(2));
            }
        }
    }

    /**
     * Two threads create and remove files while a third runs bulkstat and inumbers walks through
     * xfs_io's own loop: no walk fails on an inode freed under it, and once the threads stop the
     * walk reports exactly the inodes left.
     */
    @Test
    void walksBesideCreatesAndUnlinks() throws Exception {
        FileSystemType t = type("xfs");
        try (DaxDevice device = Personalities.formatted(t, Personalities.size("xfs"));
             FileSystem fs = Personalities.mount(t, device)) {
            long root = fs.resolve("/", true);
            ExecutorService pool = Executors.newFixedThreadPool(3);
            AtomicBoolean done = new AtomicBoolean();
            try {
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    String name = "w" + w;
                    workers.add(pool.submit(() -> {
                        long dir = fs.mkdir(root, name, 0755, 0, 0);
                        for (int i = 0; i < 1500; i++) {
                            fs.create(dir, "f" + i, 0644, 0, 0);
                            if (i % 2 == 0) {
                                fs.unlink(dir, "f" + i);
                            }
                        }
                        return null;
                    }));
                }
                Future<Integer> walks = pool.submit(() -> {
                    int n = 0;
                    while (!done.get()) {
                        XfsIoRun run = XfsIoRun.on(fs, "bulkstat -n 7", "inumbers -n 2");
                        assertEquals(0, run.exitCode(), run.output());
                        n++;
                    }
                    return n;
                });
                for (Future<?> f : workers) {
                    f.get();
                }
                done.set(true);
                assertTrue(walks.get() > 0);
            } finally {
                pool.shutdownNow();
            }
            List<Long> left = new ArrayList<>();
            for (long ino = 0; (ino = fs.xfsBulkstatNext(ino)) >= 0; ino++) {
                left.add(ino);
            }
            assertEquals(1 + 2 + 1500, left.size(), "the root, two directories and half of 3,000 files");
            assertEquals(left, new ArrayList<>(records(XfsIoRun.on(fs, "bulkstat -n 3").output()).keySet()));
        }
    }
}
