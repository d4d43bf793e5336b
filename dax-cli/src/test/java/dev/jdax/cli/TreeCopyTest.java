package dev.jdax.cli;

import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code jdax cp -r}: a host tree into an image and back out equals itself; what cannot be copied is said. */
class TreeCopyTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void aTreeCopiedInAndOutIsTheSameTree(String type) throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)), type + " is not on the class path");
        Path image = tmp.resolve(type + ".img");
        Console.run("mkfs", "-t", type, image.toString(), type.equals("xfs") ? "300m" : "64m").ok();
        Path src = tmp.resolve("src");
        hostTree(src);
        Path pipe = src.resolve("pipe");
        assumeTrue(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor() == 0, "mkfifo failed");

        Console plain = Console.run("cp", src.toString(), image + ":/");
        assertEquals(1, plain.status());
        assertEquals("jdax: cp: " + src + ": is a directory (use -r) (EISDIR)\n", plain.err());
        assertEquals("", Console.run("ls", image + ":/").ok().out().replace("lost+found\n", ""), "nothing copied without -r");

        Console in = Console.run("cp", "-r", src.toString(), image + ":/");
        assertEquals(0, in.status(), in.err());
        assertEquals("prw-r--r--", Console.run("ls", "-l", image + ":/src/pipe").ok().out().substring(0, 10),
                "the pipe is made again in the image, as cp -R makes it");
        ImageCommandsTest.judge(type, image);
        assertEquals(image + ":/src:\na\nbig\ndangling\nempty\npipe\nzero length\n\n" + image + ":/src/a:\nb\ncaf\u00e9\n\n"
                + image + ":/src/a/b:\nlink\nrun.sh\n\n" + image + ":/src/empty:\n",
                Console.run("ls", "-R", image + ":/src/").ok().out(), "ls -R, headed as ls -R heads");

        Path back = tmp.resolve("back");
        Console out = Console.run("cp", "-rv", image + ":/src", back.toString());
        assertEquals(0, out.status(), out.err());
        assertTrue(out.out().contains("'" + image + ":/src/a/b/run.sh' -> '" + back.resolve("a/b/run.sh") + "'\n"), out.out());
        assertEquals(describe(src), describe(back), "the pipe made again on the host too (mknod), as cp -R makes it");

        // A device node comes out with its number where the host lets this user make one (root), as cp's does.
        Console.run("mknod", image + ":/null", "c", "1", "3").ok();
        Path node = tmp.resolve("null");
        Console dev = Console.run("cp", image + ":/null", node.toString());
        if (Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0)) {
            assertEquals(0, dev.status(), dev.err());
            assertEquals(0020644, (int) Files.getAttribute(node, "unix:mode", LinkOption.NOFOLLOW_LINKS));
            assertEquals(DeviceNumbers.makedev(1, 3), (long) Files.getAttribute(node, "unix:rdev", LinkOption.NOFOLLOW_LINKS));
        } else {
            assertEquals(1, dev.status());
            assertEquals("jdax: cp: " + node + ": cannot create special file: Operation not permitted (EPERM)\n", dev.err());
        }

        // A link given alone is followed, as cp follows it, both ways.
        Console.run("cp", src.resolve("a/b/link").toString(), image + ":/followed").ok();
        assertEquals("-rwxr-x--x", Console.run("ls", "-l", image + ":/followed").ok().out().substring(0, 10));
        Path followed = tmp.resolve("followed");
        Console.run("cp", image + ":/src/a/b/link", followed.toString()).ok();
        assertEquals(Files.readString(src.resolve("a/b/run.sh")), Files.readString(followed));
        assertTrue(!Files.isSymbolicLink(followed));

        // Again over what is there: files replaced, directories entered, a file where a directory is said.
        Files.writeString(src.resolve("a/b/run.sh"), "short\n");
        Console.run("rm", "-r", image + ":/src/empty").ok();
        Console.run("cp", src.resolve("big").toString(), image + ":/src/empty").ok();
        Console again = Console.run("cp", "-r", src.toString(), image + ":/");
        assertEquals(1, again.status());
        assertEquals("jdax: cp: " + image + ":/src/empty: cannot overwrite a non-directory with a directory (ENOTDIR)\n",
                again.err());
        assertEquals("short\n", Console.run("cat", image + ":/src/a/b/run.sh").ok().out());
        ImageCommandsTest.judge(type, image);
    }

    /**
     * {@code mkfs -d} fills an image as {@code mke2fs -d} fills one: taken back out with {@code cp -a},
     * both give the same tree (modes, owners, modification times, hard links), and the image is clean.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void mkfsFillsAnImageAsMke2fsDoes(String type) throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)), type + " is not on the class path");
        Optional<HostTool> mke2fs = HostTool.find("mke2fs");
        assumeTrue(mke2fs.isPresent(), "mke2fs is not installed: nothing to compare with");
        Path src = tmp.resolve("src");
        hostTree(src);
        Files.createLink(src.resolve("a/hard"), src.resolve("big"));
        Files.createLink(src.resolve("a/b/hard too"), src.resolve("big"));
        boolean root = Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
        if (root) {
            Files.setAttribute(src.resolve("a/b"), "unix:uid", 1234);
            Files.setAttribute(src.resolve("a/b/run.sh"), "unix:gid", 567);
            Files.setAttribute(src.resolve("dangling"), "unix:uid", 89, LinkOption.NOFOLLOW_LINKS);
        }
        Files.setAttribute(src.resolve("zero length"), "lastAccessTime", FileTime.from(Instant.parse("2003-03-03T03:03:03Z")));
        wholeSecondTimes(src);

        Path image = tmp.resolve(type + ".img");
        Console made = Console.run("mkfs", "-t", type, "-d", src.toString(), image.toString(), type.equals("xfs") ? "300m" : "64m");
        assertEquals(0, made.status(), made.err());
        assertTrue(made.out().endsWith(image + ": 11 files, directories and links copied from " + src + "\n"), made.out());
        ImageCommandsTest.judge(type, image);
        assertTrue(Console.run("stat", image + ":/zero length").ok().out().contains("2003-03-03"), "atime kept");

        Path reference = tmp.resolve("mke2fs.img");
        HostTool.Result r = mke2fs.get().run("-q", "-F", "-t", "ext4", "-d", src.toString(), reference.toString(), "64m");
        assertEquals(0, r.status(), r.output());
        Path ours = tmp.resolve("ours");
        Path theirs = tmp.resolve("theirs");
        Console.run("cp", "-a", image + ":/", ours.toString()).ok();
        Console.run("cp", "-a", reference + ":/", theirs.toString()).ok();
        List<String> expected = archived(theirs);
        assertEquals(expected, archived(ours));
        List<String> linked = expected.stream().filter(l -> l.matches(".* 100644 .* nlink 3 .*")).toList();
        assertEquals(3, linked.size(), "big and its two links: " + expected);
        assertEquals(1, linked.stream().map(l -> l.substring(l.lastIndexOf(' '))).distinct().count(), "one file: " + linked);
    }

    /** Every entry under {@code root} but lost+found: type, mode, owner, mtime, and which entries are one file. */
    private static List<String> archived(Path root) throws IOException {
        List<String> lines = new ArrayList<>();
        Map<Object, Integer> files = new HashMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted().toList()) {
                String rel = root.relativize(p).toString();
                if (rel.isEmpty() || rel.startsWith("lost+found")) {
                    continue;
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,nlink,ino,lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS);
                int file = files.computeIfAbsent(a.get("ino"), k -> files.size() + 1);
                lines.add(rel + " " + Integer.toOctalString((Integer) a.get("mode")) + " " + a.get("uid") + ":" + a.get("gid")
                        + " " + a.get("lastModifiedTime") + " nlink " + a.get("nlink") + " file " + file);
            }
        }
        return lines;
    }

    /** Gives every entry under {@code root} whole-second times, which every format and mke2fs keep alike. */
    private static void wholeSecondTimes(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                FileTime t = FileTime.from(Instant.parse("2002-02-02T02:02:02Z").plusSeconds(p.toString().length()));
                BasicFileAttributeView view = Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setTimes(t, p.endsWith("zero length") ? null : t, null);
            }
        }
    }

    /** Directories (one empty, one private), files of several sizes and modes, links good and dangling. */
    private static void hostTree(Path src) throws IOException {
        Files.createDirectories(src.resolve("a/b"));
        Files.createDirectories(src.resolve("empty"));
        Files.setPosixFilePermissions(src.resolve("empty"), PosixFilePermissions.fromString("rwx------"));
        byte[] big = new byte[3_000_123];
        new Random(11).nextBytes(big);
        Files.write(src.resolve("big"), big);
        Files.write(src.resolve("zero length"), new byte[0]);
        Files.writeString(src.resolve("a/b/run.sh"), "#!/bin/sh\necho hello\n");
        Files.setPosixFilePermissions(src.resolve("a/b/run.sh"), PosixFilePermissions.fromString("rwxr-x--x"));
        Files.writeString(src.resolve("a/caf\u00e9"), "cr\u00e8me\n");
        Files.createSymbolicLink(src.resolve("a/b/link"), Path.of("run.sh"));
        Files.createSymbolicLink(src.resolve("dangling"), Path.of("/no/such/target"));
    }

    /** Every entry under {@code root}: its path, type, permissions and contents or link target. */
    private static List<String> describe(Path root) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted().toList()) {
                String rel = root.relativize(p).toString();
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (Files.isSymbolicLink(p)) {
                    lines.add(rel + " -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    lines.add(rel + "/ " + perms);
                } else if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    // A special file is never opened (a FIFO would wait for its other end): its type and number.
                    lines.add(rel + " " + perms + " mode " + Integer.toOctalString((int) Files.getAttribute(p, "unix:mode"))
                            + " rdev " + Files.getAttribute(p, "unix:rdev"));
                } else {
                    lines.add(rel + " " + perms + " " + Files.size(p) + " " + Arrays.hashCode(Files.readAllBytes(p)));
                }
            }
        }
        return lines;
    }
}
