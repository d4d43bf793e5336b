package dev.jdax.fs.xfs;

import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test images made by the machine's xfsprogs, loaded into memory devices, and read back out. */
final class XfsImages {
    static final long SIZE = 300L << 20;
    private static final byte[] ZEROS = new byte[1 << 20];

    private XfsImages() {
    }

    static Path tool(String name) {
        for (String dir : new String[]{"/usr/sbin", "/sbin", "/usr/bin"}) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static void assumeXfsprogs() {
        Assumptions.assumeTrue(tool("mkfs.xfs") != null && tool("xfs_repair") != null && tool("xfs_db") != null,
                "xfsprogs (mkfs.xfs, xfs_repair, xfs_db) not installed: skipping");
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), out);
    }

    /** mkfs.xfs with its defaults on a fresh 300 MiB file, populated from {@code proto} when given. */
    static Path mkfs(Path dir, Path proto) throws IOException, InterruptedException {
        Path img = dir.resolve("xfs.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        List<String> cmd = new ArrayList<>(List.of(tool("mkfs.xfs").toString(), "-q", "-f"));
        if (proto != null) {
            cmd.addAll(List.of("-p", proto.toString()));
        }
        cmd.add(img.toString());
        Result r = run(cmd);
        if (r.exit() != 0) {
            throw new IOException("mkfs.xfs failed: " + r.output());
        }
        return img;
    }

    /** mkfs.xfs with {@code options} on a fresh sparse file of {@code size} bytes. */
    static Path mkfs(Path dir, long size, String... options) throws IOException, InterruptedException {
        Path img = dir.resolve("xfs.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(size);
        }
        List<String> cmd = new ArrayList<>(List.of(tool("mkfs.xfs").toString(), "-q", "-f"));
        cmd.addAll(List.of(options));
        cmd.add(img.toString());
        Result r = run(cmd);
        if (r.exit() != 0) {
            throw new IOException("mkfs.xfs failed: " + r.output());
        }
        return img;
    }

    /** The image in a memory device; chunks of zeros are skipped, so a sparse image stays sparse in memory. */
    static DaxDevice load(Path img) throws IOException, FsException {
        long size = Files.size(img);
        DaxDevice dev = PmemDevices.memory(size);
        byte[] chunk = new byte[1 << 20];
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            for (long off = 0; off < size; off += chunk.length) {
                int n = (int) Math.min(chunk.length, size - off);
                f.readFully(chunk, 0, n);
                if (!zero(chunk, n)) {
                    dev.store(off, MemorySegment.ofArray(chunk), 0, n);
                }
            }
        }
        return dev;
    }

    /** The device into a sparse image file: chunks of zeros are left as holes. */
    static void save(DaxDevice dev, Path img) throws IOException, FsException {
        byte[] chunk = new byte[1 << 20];
        Files.deleteIfExists(img);
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(dev.size());
            for (long off = 0; off < dev.size(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, dev.size() - off);
                dev.load(off, MemorySegment.ofArray(chunk), 0, n);
                if (!zero(chunk, n)) {
                    f.seek(off);
                    f.write(chunk, 0, n);
                }
            }
        }
    }

    /** A SHA-256 of the device's bytes, to tell whether anything wrote to it. */
    static String digest(DaxDevice dev) throws FsException {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] chunk = new byte[1 << 20];
            for (long off = 0; off < dev.size(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, dev.size() - off);
                dev.load(off, MemorySegment.ofArray(chunk), 0, n);
                md.update(chunk, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean zero(byte[] b, int n) {
        return java.util.Arrays.mismatch(b, 0, n, ZEROS, 0, n) < 0;
    }

    static Result repair(Path img) throws IOException, InterruptedException {
        return run(List.of(tool("xfs_repair").toString(), "-n", "-f", img.toString()));
    }

    static Result db(Path img, String... commands) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tool("xfs_db").toString(), "-r", "-f"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(img.toString());
        return run(cmd);
    }

    /**
     * The format mounted on its own, without the VFS, read-only: for looking at its structures as
     * they are on the device (XFS writes them in place) while a VFS mount works on it.
     */
    static XfsFileSystem format(DaxDevice dev) throws FsException {
        return (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.parse("ro"));
    }

    /** The format mounted on its own, read-write, without the VFS: white-box tests drive its structures directly. */
    static XfsFileSystem formatRw(DaxDevice dev) throws FsException {
        return (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
    }

    /** A new empty regular file in the root of a format mount, its in-core inode. */
    static XfsInode create(XfsFileSystem fs, String name) throws FsException {
        return (XfsInode) fs.iget(fs.rootIno()).create(name, 0644, 0, 0);
    }

    /** A whole file's bytes, read through a VFS mount. */
    static byte[] readAll(FileSystem fs, long ino) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY)) {
            byte[] out = new byte[Math.toIntExact(f.size())];
            long done = 0;
            while (done < out.length) {
                done += f.read(done, out, (int) done, out.length - (int) done);
            }
            return out;
        }
    }

    /** {@code name} in directory {@code dir} of a format mount; ENOENT when absent. */
    static long lookup(XfsFileSystem fs, long dir, String name) throws FsException {
        long ino = fs.iget(dir).lookup(name);
        if (ino == Vnode.NO_INO) {
            throw FsException.of(Errno.ENOENT, "no %s in %d", name, dir);
        }
        return ino;
    }

    /**
     * A VFS mount of a device and the format under it: tests change the file system through the
     * VFS, as programs do, and look at the format's structures (its AGs, inodes as on the device)
     * white-box.
     */
    record Mounted(FileSystem fs, XfsFileSystem format) {
        static Mounted rw(DaxDevice dev) throws FsException {
            XfsFileSystem format = formatRw(dev);
            return new Mounted(Vfs.over(format), format);
        }

        /** A new file system made on {@code dev} by jdax's mkfs (the defaults), mounted read-write. */
        static Mounted made(DaxDevice dev) throws FsException {
            new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
            return rw(dev);
        }

        /** The inode as the mount sees it now (its log's cached copy, else the device's). */
        XfsInode onDisk(long ino) throws FsException {
            return format.readInode(ino);
        }

        XfsAg ag(long agno) {
            return format.mutations().space().ag(agno);
        }
    }

    /** What a test does to a mounted file system. */
    interface Change {
        void apply(FileSystem fs, Mounted m) throws Exception;
    }

    /** Loads the image, mounts it writable, applies {@code change}, unmounts and saves it back. */
    static void change(Path img, Change change) throws Exception {
        try (DaxDevice device = load(img)) {
            Mounted m = Mounted.rw(device);
            change.apply(m.fs(), m);
            m.fs().close();
            save(device, img);
        }
    }

    /** Writes {@code data} at {@code pos} of file {@code ino}, as pwrite does. */
    static void write(FileSystem fs, long ino, long pos, byte[] data) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_WRONLY)) {
            long done = 0;
            while (done < data.length) {
                done += f.write(pos + done, data, (int) done, data.length - (int) done);
            }
        }
    }

    /** fallocate(2) of file {@code ino}. */
    static void fallocate(FileSystem fs, long ino, int mode, long offset, long length) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_WRONLY)) {
            f.fallocate(mode, offset, length);
        }
    }

    /** truncate(2) of file {@code ino}. */
    static void truncate(FileSystem fs, long ino, long size) throws FsException {
        try (OpenFile f = fs.open(ino, OpenFlags.O_WRONLY)) {
            f.truncate(size);
        }
    }

    /** One numeric field xfs_db prints for a header: {@code field(img, "agf 0", "bnolevel")}. */
    static long field(Path img, String header, String name) throws IOException, InterruptedException {
        String out = db(img, header, "print " + name).output().trim();
        String prefix = name + " = ";
        if (!out.startsWith(prefix)) {
            throw new IOException("xfs_db " + header + ": " + out);
        }
        return Long.parseLong(out.substring(prefix.length()).trim());
    }

    /** A whole file's bytes, read through the native iomap the way the engine does. */
    static byte[] readAll(XfsFileSystem fs, long ino) throws FsException {
        XfsInode in = fs.iget(ino);
        XfsIomap iomap = new XfsIomap(fs);
        long size = in.di_size();
        byte[] out = new byte[Math.toIntExact(size)];
        long pos = 0;
        while (pos < size) {
            Iomap m = iomap.begin(in, pos, size - pos, IomapOps.REPORT);
            long end = Math.min(m.end(), size);
            if (m.type() == IomapType.MAPPED) {
                fs.device().load(m.addrOf(pos), MemorySegment.ofArray(out), pos, end - pos);
            }
            pos = end;
        }
        return out;
    }

    /** xfs_repair -n must exit 0 and print nothing beyond its phase banners. */
    static void assertRepairClean(Path img) throws IOException, InterruptedException {
        Result r = repair(img);
        String problems = r.output().lines()
                .filter(l -> !l.startsWith("Phase") && !l.startsWith("        - ") && !l.contains("host filesystem geometry")
                        && !l.startsWith("Repair may fail") && !l.startsWith("the image and the host")
                        && !l.startsWith("No modify flag"))
                .reduce("", (a, b) -> a + b + "\n");
        org.junit.jupiter.api.Assertions.assertEquals(0, r.exit(), r.output());
        org.junit.jupiter.api.Assertions.assertEquals("", problems, r.output());
    }
}
