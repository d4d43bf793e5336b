package dev.jdax.cli;

import dev.jdax.api.fs.FileSystemTypes;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals(1, Console.run("rm", image + ":/dir").status(), "a directory needs -r");
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

    private static void judge(String type, Path image) throws Exception {
        String tool = type.equals("xfs") ? "xfs_repair" : "e2fsck";
        Optional<HostTool> judge = HostTool.find(tool);
        assumeTrue(judge.isPresent(), tool + " is not installed: the image was not judged");
        HostTool.Result r = type.equals("xfs") ? judge.get().run("-n", "-f", image.toString())
                : judge.get().run("-fn", image.toString());
        assertEquals(0, r.status(), tool + " says:\n" + r.output());
    }
}
