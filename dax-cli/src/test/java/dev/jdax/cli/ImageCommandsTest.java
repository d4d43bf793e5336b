package dev.jdax.cli;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** mkfs, cp, cat, ls, mkdir, mv, rm and stat on image files, judged by e2fsck and xfs_repair after. */
class ImageCommandsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void filesCopiedInReadBackAndTheImageStaysClean(String type) throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)), type + " is not on the class path");
        Path image = tmp.resolve(type + ".img");
        Console.run("mkfs", "-t", type, image.toString(), type.equals("xfs") ? "300m" : "32m").ok();

        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Path host = tmp.resolve("data.bin");
        Files.write(host, data);
        Console.run("mkdir", image + ":/dir").ok();
        Console.run("cp", host.toString(), image + ":/dir/").ok();
        Console.run("mv", image + ":/dir/data.bin", "/dir/renamed").ok();

        Path back = tmp.resolve("back.bin");
        Console.run("cp", image + ":/dir/renamed", back.toString()).ok();
        assertArrayEquals(data, Files.readAllBytes(back));
        assertEquals("renamed\n", Console.run("ls", image + ":/dir").ok().out());
        String stat = Console.run("stat", image + ":/dir/renamed").ok().out();
        assertTrue(stat.contains("Size: 300000"), stat);

        Console.run("cp", host.toString(), image + ":/second").ok();
        Console.run("rm", image + ":/second").ok();
        // A change of a directory fails naming what the user typed, not only the directory's inode.
        Console gone = Console.run("rm", image + ":/second");
        assertEquals(1, gone.status());
        assertTrue(gone.err().startsWith("jdax: rm: " + image + ":/second: ") && gone.err().endsWith("(ENOENT)\n"), gone.err());
        Console exists = Console.run("mkdir", image + ":/dir");
        assertTrue(exists.err().startsWith("jdax: mkdir: " + image + ":/dir: ") && exists.err().endsWith("(EEXIST)\n"), exists.err());
        Console into = Console.run("mv", image + ":/dir", "/dir/inner");
        assertTrue(into.err().startsWith("jdax: mv: " + image + ":/dir -> /dir/inner: ") && into.err().endsWith("(EINVAL)\n"),
                into.err());
        assertEquals(1, Console.run("rm", image + ":/dir").status(), "a directory needs -r");
        Console cat = Console.run("cat", image + ":/dir");
        assertEquals(1, cat.status());
        assertEquals("jdax: cat: " + image + ":/dir: is a directory (EISDIR)\n", cat.err(), "named as cat names it");
        // A path walk's failure is named as the user names a file, IMAGE:/path, by every command.
        for (String cmd : new String[] {"cat", "stat", "ls", "io"}) {
            Console missing = Console.run(cmd, image + ":/dir/nope");
            assertEquals(1, missing.status(), cmd);
            assertEquals("jdax: " + cmd + ": " + image + ":/dir/nope: no such file or directory (ENOENT)\n", missing.err());
        }
        assertEquals("jdax: cp: " + image + ":/dir/nope: no such file or directory (ENOENT)\n",
                Console.run("cp", image + ":/dir/nope", "-").err());
        Path nowhere = tmp.resolve("no/such/dir/x");
        assertEquals("jdax: cp: " + nowhere + ": no such file or directory (ENOENT)\n",
                Console.run("cp", image + ":/dir/renamed", nowhere.toString()).err(), "a host path named as itself");
        assertEquals("jdax: mkdir: " + image + ":/dir/renamed: not a directory (ENOTDIR)\n",
                Console.run("mkdir", image + ":/dir/renamed/sub").err(), "the component that is not a directory");
        assertEquals(image + ":/dir/renamed\n", Console.run("ls", image + ":/dir/renamed").ok().out(), "a file listed as typed");
        Console.run("rm", "-r", image + ":/dir").ok();
        assertEquals("", Console.run("ls", image + ":/").ok().out().replace("lost+found\n", ""));
        judge(type, image);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void ioRunsXfsIoCommandsOnAFileInAnImage(String type) throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(type)), type + " is not on the class path");
        Path image = tmp.resolve(type + ".img");
        Console.run("mkfs", "-t", type, image.toString(), type.equals("xfs") ? "300m" : "32m").ok();
        Console io = Console.run("io", "-f", "-c", "pwrite -S 0xab 0 8k", "-c", "pread -v 4096 16", image + ":/f").ok();
        assertTrue(io.out().startsWith("wrote 8192/8192 bytes at offset 0\n"), io.out());
        assertTrue(io.out().contains("00001000:  ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab  ................\n"), io.out());
        Console bus = Console.run("io", "-c", "mmap -r 0 16k", "-c", "mread 8k 8k", image + ":/f");
        assertEquals(135, bus.status(), bus.out() + bus.err());
        assertTrue(bus.err().endsWith("Bus error\n"), bus.err());
        judge(type, image);
    }

    /**
     * {@code -c help} lists the commands as libxcmd's help does (by name, help itself among them) and
     * answers for one; a directory given as the file opens read-only, as xfs_io's openfile retries it.
     */
    @Test
    void ioHelpListsTheCommandsAndOpensADirectoryReadOnly() throws Exception {
        Path image = tmp.resolve("help.img");
        Console.run("mkfs", "-t", "ext4", image.toString(), "32m").ok();
        Console.run("mkdir", image + ":/dir").ok();
        Console help = Console.run("io", "-c", "help", image + ":/dir").ok();
        List<String> lines = help.out().lines().toList();
        assertEquals("Use 'help commandname' for extended help.", lines.get(lines.size() - 1));
        List<String> names = lines.subList(0, lines.size() - 2).stream().map(l -> l.substring(0, l.indexOf(' '))).toList();
        assertEquals(names.stream().sorted().toList(), names, "by name");
        assertTrue(names.containsAll(List.of("help", "pread", "pwrite", "mmap", "fiemap", "badblock", "counters")), names.toString());
        assertTrue(lines.contains("help [command] -- help for one or all commands"), help.out());
        assertTrue(lines.contains("close -- close the current open file"), "no args, no blank: " + help.out());

        Console one = Console.run("io", "-c", "help truncate", "-c", "help nosuch", "-c", "help a b", image + ":/dir").ok();
        assertEquals("truncate off -- truncates the current file at the given offset\ncommand nosuch not found\n", one.out());
        assertEquals("bad argument count 2 to help, expected between 0 and 1 arguments\n", one.err());

        Console dir = Console.run("io", "-c", "stat", "-c", "pwrite 0 4k", "-c", "pread 0 4k", "-c", "truncate 0",
                "-c", "seek -h 0", image + ":/dir");
        assertEquals(1, dir.status(), dir.err());
        assertTrue(dir.out().contains("fd.flags = non-sync,non-direct,read-write\n"), "the table keeps the flags asked for: " + dir.out());
        assertTrue(dir.out().contains("stat.type = directory\n"), dir.out());
        assertTrue(dir.out().endsWith("HOLE\t9223372036854775807\n"), "a one-block dir_index directory ends at the htree EOF: " + dir.out());
        assertEquals("pwrite: Bad file descriptor\npread: Is a directory\nftruncate: Invalid argument\n", dir.err());
        judge("ext4", image);
    }

    /**
     * jdax io's open -T makes an unnamed file and flink names it, as xfs_io does on Linux; open -T -r
     * is refused by xfs_io itself, which then runs no more commands.
     */
    @Test
    void ioMakesAnUnnamedFileAndFlinkNamesIt() throws Exception {
        Path image = tmp.resolve("tmpfile.img");
        Console.run("mkfs", "-t", "ext4", image.toString(), "32m").ok();
        Console.run("mkdir", image + ":/dir").ok();
        Console io = Console.run("io", "-c", "close", "-c", "open -T " + image + ":/dir", "-c", "pwrite -S 0x41 0 5000",
                "-c", "flink " + image + ":/dir/named", "-c", "flink /dir/named", "-c", "open -T -r /", "-c", "stat",
                image + ":/dir");
        assertEquals(1, io.status(), io.err());
        assertEquals("flink: File exists\n-T and -r options are incompatible\n", io.err());
        assertTrue(io.out().startsWith("wrote 5000/5000 bytes at offset 0\n"), io.out());
        assertFalse(io.out().contains("fd.path"), "no command runs after open -T -r: " + io.out());
        Console cat = Console.run("cat", image + ":/dir/named").ok();
        assertEquals("A".repeat(5000), cat.out());
        judge("ext4", image);
    }

    /** jdax mkfs -O casefold -E encoding_flags=strict: the superblock as mke2fs writes it (dumpe2fs), e2fsck clean; --help names it. */
    @Test
    void mkfsMakesCasefoldAndSaysSo() throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals("ext4")), "ext4 is not on the class path");
        Path image = tmp.resolve("cf.img");
        Console.run("mkfs", "-t", "ext4", "-O", "casefold", "-E", "encoding_flags=strict", image.toString(), "32m").ok();
        Optional<HostTool> dumpe2fs = HostTool.find("dumpe2fs");
        assumeTrue(dumpe2fs.isPresent(), "dumpe2fs is not installed");
        String sb = dumpe2fs.get().run("-h", image.toString()).output();
        assertTrue(sb.matches("(?s).*Filesystem features:[^\n]* casefold .*"), sb);
        assertTrue(sb.contains("Character encoding:       utf8-12.1"), sb);
        judge("ext4", image);
        Path plain = tmp.resolve("enc.img");
        Console.run("mkfs", "-t", "ext4", "-E", "encoding=utf8", plain.toString(), "32m").ok();
        assertTrue(dumpe2fs.get().run("-h", plain.toString()).output().contains("utf8-12.1"), "encoding=utf8 alone makes casefold, as mke2fs");
        Console bad = Console.run("mkfs", "-t", "ext4", "-E", "encoding=latin1", plain.toString(), "32m");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("Invalid encoding: latin1"), bad.err());
        Console quota = Console.run("mkfs", "-t", "ext4", "-O", "quota", plain.toString(), "32m");
        assertEquals(1, quota.status());
        assertTrue(quota.err().contains("\"quota\""), quota.err());
        assertTrue(Console.run("mkfs", "--help").ok().out().contains("casefold"));
        Path orphans = tmp.resolve("of.img");
        Console.run("mkfs", "-t", "ext4", "-O", "orphan_file", orphans.toString(), "32m").ok();
        String of = dumpe2fs.get().run("-h", orphans.toString()).output();
        assertTrue(of.matches("(?s).*Filesystem features:[^\n]* orphan_file .*"), of);
        assertTrue(of.contains("Orphan file inode:        12"), of);
        judge("ext4", orphans);
        assertTrue(Console.run("mkfs", "--help").ok().out().contains("orphan_file"));
    }

    /**
     * Below 2048 blocks jdax's ext4 has no journal, as mke2fs's ("Filesystem too small for a
     * journal"), and takes writes e2fsck finds clean; below 64 blocks mkfs refuses, naming the image.
     */
    @Test
    void mkfsMakesSmallExt4WithoutJournal() throws Exception {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals("ext4")), "ext4 is not on the class path");
        Path image = tmp.resolve("small.img");
        Console.run("mkfs", "-t", "ext4", image.toString(), "256k").ok();
        Optional<HostTool> dumpe2fs = HostTool.find("dumpe2fs");
        assumeTrue(dumpe2fs.isPresent(), "dumpe2fs is not installed");
        assertFalse(dumpe2fs.get().run("-h", image.toString()).output().contains("has_journal"));
        Console.run("mkdir", image + ":/d").ok();
        Path host = tmp.resolve("host");
        Files.write(host, new byte[100_000]);
        Console.run("cp", host.toString(), image + ":/d/f").ok();
        assertTrue(Console.run("ls", image + ":/d").ok().out().contains("f"));
        judge("ext4", image);
        Console small = Console.run("mkfs", "-t", "ext4", image.toString(), "200k");
        assertEquals(1, small.status());
        assertTrue(small.err().contains(image + ": ext4: device of 204800 bytes is too small: want at least 64 blocks"), small.err());
    }

    /** An image of 320 MiB (mkfs.xfs wants 300 at least) made by the real mkfs.xfs with {@code options}. */
    static void mkfsXfs(Path image, String... options) throws Exception {
        Optional<HostTool> mkfs = HostTool.find("mkfs.xfs");
        assumeTrue(mkfs.isPresent(), "mkfs.xfs is not installed");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(320L << 20);
        }
        List<String> args = new ArrayList<>(List.of("-q", "-f"));
        args.addAll(List.of(options));
        args.add(image.toString());
        HostTool.Result made = mkfs.get().run(args.toArray(String[]::new));
        assertEquals(0, made.status(), made.output());
    }

    /** e2fsck -fn or xfs_repair -n finds the image clean (skipped, saying so, where the tool is missing). */
    static void judge(String type, Path image) throws Exception {
        String tool = type.equals("xfs") ? "xfs_repair" : "e2fsck";
        Optional<HostTool> judge = HostTool.find(tool);
        assumeTrue(judge.isPresent(), tool + " is not installed: the image was not judged");
        HostTool.Result r = type.equals("xfs") ? judge.get().run("-n", "-f", image.toString())
                : judge.get().run("-fn", image.toString());
        assertEquals(0, r.status(), tool + " says:\n" + r.output());
    }
}
