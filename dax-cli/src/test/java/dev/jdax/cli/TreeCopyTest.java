package dev.jdax.cli;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        assertEquals(1, in.status(), "a pipe was skipped");
        assertEquals("jdax: cp: " + pipe + ": not copied: a named pipe (cp copies files, directories and symbolic links)"
                + " (EOPNOTSUPP)\n", in.err());
        ImageCommandsTest.judge(type, image);
        assertEquals(image + ":/src:\na\nbig\ndangling\nempty\nzero length\n\n" + image + ":/src/a:\nb\ncaf\u00e9\n\n"
                + image + ":/src/a/b:\nlink\nrun.sh\n\n" + image + ":/src/empty:\n",
                Console.run("ls", "-R", image + ":/src/").ok().out(), "ls -R, headed as ls -R heads");

        Path back = tmp.resolve("back");
        Console out = Console.run("cp", "-rv", image + ":/src", back.toString());
        assertEquals(0, out.status(), out.err());
        assertTrue(out.out().contains("'" + image + ":/src/a/b/run.sh' -> '" + back.resolve("a/b/run.sh") + "'\n"), out.out());
        Files.delete(pipe);
        assertEquals(describe(src), describe(back));

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
                } else {
                    lines.add(rel + " " + perms + " " + Files.size(p) + " " + Arrays.hashCode(Files.readAllBytes(p)));
                }
            }
        }
        return lines;
    }
}
